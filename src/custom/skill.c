/*
 * skill: Agent Skills (SKILL.md folders) found, checked as the open
 * standard says, and read when used.  See skill.h.
 */
#include "custom/skill.h"

#include "agent/builtin.h"
#include "agent/frontmatter.h"
#include "core/fileio.h"
#include "core/toolnames.h"
#include "core/utf8.h"
#include "core/xalloc.h"
#include "core/yamldoc.h"

#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SKILL_FILE_MAX ((size_t)1 << 20)
#define NAME_MAX_CHARS 64
#define DESCRIPTION_MAX 1024
#define COMPATIBILITY_MAX 500

/* The standard's keys, then the ones Claude Code adds (read elsewhere or
 * not at all, but not a mistake). */
static const char *const known_keys[] = {
	"name", "description", "license", "compatibility", "metadata", "allowed-tools",
	"disable-model-invocation", "user-invocable", "model", "context", "agent", "hooks",
	"argument-hint", "when_to_use", "version", "effort", "arguments", "shell", NULL,
};

void skill_set_init(struct skill_set *ss)
{
	memset(ss, 0, sizeof(*ss));
	diag_list_init(&ss->diags);
}

static void skill_release(struct skill *s)
{
	free(s->name);
	free(s->description);
	free(s->path);
	free(s->dir);
	free(s->license);
	strvec_release(&s->allowed_tools);
}

void skill_set_release(struct skill_set *ss)
{
	size_t i;

	for (i = 0; i < ss->nr; i++)
		skill_release(&ss->v[i]);
	free(ss->v);
	diag_list_release(&ss->diags);
	memset(ss, 0, sizeof(*ss));
}

const struct skill *skill_find(const struct skill_set *ss, const char *name)
{
	size_t i;

	for (i = ss->nr; i-- > 0;)
		if (!strcmp(ss->v[i].name, name))
			return &ss->v[i];
	return NULL;
}

int skill_active(const struct skill_set *ss, const struct skill *s)
{
	return skill_find(ss, s->name) == s;
}

static int err_at(struct skill_set *ss, struct yamldoc *yd, struct fy_node *n, const char *path,
		  const char *fmt, const char *a)
{
	int line = 1, col = 1;

	if (n)
		yamldoc_node_pos(yd, n, NULL, &line, &col);
	diag_add(&ss->diags, DIAG_ERROR, path, line, col, fmt, a);
	return -1;
}

/* The standard's name rule; NULL when good, else what is wrong. */
static const char *bad_name(const char *n)
{
	size_t i, len = strlen(n);

	if (!len || utf8_width(n, len) > NAME_MAX_CHARS)
		return "must be 1 to 64 characters";
	for (i = 0; i < len; i++)
		if (!(islower((unsigned char)n[i]) || isdigit((unsigned char)n[i]) || n[i] == '-'))
			return "may hold only lower-case letters, digits and hyphens";
	if (n[0] == '-' || n[len - 1] == '-')
		return "must not start or end with a hyphen";
	if (strstr(n, "--"))
		return "must not hold two hyphens in a row";
	return NULL;
}

static int check(struct skill_set *ss, struct frontmatter *fm, const char *path, const char *dir,
		 struct skill *s)
{
	struct yamldoc *yd = &fm->yd;
	struct fy_node_pair *p;
	struct fy_node *v, *item;
	void *it = NULL;
	const char *folder, *why;
	char *text;
	int rc = 0;

	if (!fm->present || !yd->root)
		return err_at(ss, yd, NULL, path, "%s", "a SKILL.md starts with YAML frontmatter giving its name and description (---, name: NAME, description: WHAT IT DOES AND WHEN TO USE IT, ---)");
	while ((p = fy_node_mapping_iterate(yd->root, &it)) != NULL) {
		char *k = yamldoc_scalar_dup(fy_node_pair_key(p));
		size_t i;

		for (i = 0; k && known_keys[i] && strcmp(known_keys[i], k); i++)
			;
		if (k && !known_keys[i]) {
			int line, col;

			yamldoc_node_pos(yd, fy_node_pair_key(p), NULL, &line, &col);
			diag_add(&ss->diags, DIAG_WARNING, path, line, col,
				 "'%s' is not a key of the Agent Skills standard (name, description, license, compatibility, metadata, allowed-tools); ignored", k);
		}
		free(k);
	}
	v = fy_node_mapping_lookup_by_string(yd->root, "name", FY_NT);
	text = v ? yamldoc_scalar_dup(v) : NULL;
	if (!text) {
		rc = err_at(ss, yd, v, path, "%s", "a skill needs 'name:' (lower-case letters, digits and hyphens, the same as its folder)");
	} else if ((why = bad_name(text)) != NULL) {
		rc = err_at(ss, yd, v, path, "the skill's name %s", why);
	} else if (dir && (folder = strrchr(dir, '/')) && strcmp(folder + 1, text)) {
		rc = err_at(ss, yd, v, path, "the skill's name must be its folder's, '%s'", folder + 1);
	}
	s->name = text;
	v = fy_node_mapping_lookup_by_string(yd->root, "description", FY_NT);
	text = v ? yamldoc_scalar_dup(v) : NULL;
	if (!text || !*text || yamldoc_classify(v) != YAMLDOC_STRING)
		rc = err_at(ss, yd, v, path, "%s", "a skill needs a 'description:' saying what it does and when to use it");
	else if (utf8_width(text, strlen(text)) > DESCRIPTION_MAX)
		rc = err_at(ss, yd, v, path, "%s", "the description is longer than 1024 characters");
	s->description = text;
	v = fy_node_mapping_lookup_by_string(yd->root, "compatibility", FY_NT);
	if (v && ((text = yamldoc_scalar_dup(v)) == NULL || utf8_width(text, strlen(text)) > COMPATIBILITY_MAX))
		rc = err_at(ss, yd, v, path, "%s", "'compatibility' must be a string of at most 500 characters");
	if (v)
		free(text);
	v = fy_node_mapping_lookup_by_string(yd->root, "metadata", FY_NT);
	if (v && fy_node_get_type(v) != FYNT_MAPPING) {
		rc = err_at(ss, yd, v, path, "%s", "'metadata' must be a map of keys to strings");
	} else if (v) {
		it = NULL;
		while ((p = fy_node_mapping_iterate(v, &it)) != NULL)
			if (fy_node_get_type(fy_node_pair_value(p)) != FYNT_SCALAR)
				rc = err_at(ss, yd, fy_node_pair_value(p), path, "%s",
					    "each 'metadata' value must be a string");
	}
	v = fy_node_mapping_lookup_by_string(yd->root, "license", FY_NT);
	if (v)
		s->license = yamldoc_scalar_dup(v);
	v = fy_node_mapping_lookup_by_string(yd->root, "allowed-tools", FY_NT);
	if (v && fy_node_get_type(v) == FYNT_SEQUENCE) {
		it = NULL;
		while ((item = fy_node_sequence_iterate(v, &it)) != NULL)
			if ((text = yamldoc_scalar_dup(item)) != NULL) {
				strvec_push(&s->allowed_tools, text);
				free(text);
			}
	} else if (v && (text = yamldoc_scalar_dup(v)) != NULL) {
		toolname_split_list(text, &s->allowed_tools);
		free(text);
	}
	return rc;
}

int skill_set_add(struct skill_set *ss, const char *path, const char *dir, const char *text,
		  size_t len)
{
	struct frontmatter fm;
	struct skill s;

	memset(&s, 0, sizeof(s));
	strvec_init(&s.allowed_tools);
	if (frontmatter_parse(path, text, len, FRONTMATTER_CLAUDE, &fm, &ss->diags))
		return -1;
	if (check(ss, &fm, path, dir, &s)) {
		frontmatter_release(&fm);
		skill_release(&s);
		return -1;
	}
	frontmatter_release(&fm);
	s.path = xstrdup(path);
	s.dir = xstrdup_or_null(dir);
	ALLOC_GROW(ss->v, ss->nr + 1, ss->alloc);
	ss->v[ss->nr++] = s;
	return 0;
}

int skill_set_add_file(struct skill_set *ss, const char *file, const char *dir)
{
	struct strbuf data = STRBUF_INIT_CAP(SKILL_FILE_MAX), err = STRBUF_INIT;
	int rc = -1;

	if (file_read(file, SKILL_FILE_MAX, &data, &err))
		diag_add(&ss->diags, DIAG_ERROR, file, 0, 0, "%s", err.buf);
	else
		rc = skill_set_add(ss, file, dir, data.buf, data.len);
	strbuf_release(&data);
	strbuf_release(&err);
	return rc;
}

/* Each DIR/NAME/SKILL.md, in name order. */
static void scan(struct skill_set *ss, const char *dir)
{
	struct strvec names = STRVEC_INIT;
	struct dirent *de;
	DIR *d = opendir(dir);
	size_t i;

	if (!d)
		return;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			strvec_push(&names, de->d_name);
	closedir(d);
	strvec_sort(&names);
	for (i = 0; i < names.nr; i++) {
		struct strbuf sub = STRBUF_INIT, file = STRBUF_INIT;
		struct stat st;

		file_join(&sub, dir, names.v[i]);
		file_join(&file, sub.buf, "SKILL.md");
		if (!stat(file.buf, &st) && S_ISREG(st.st_mode))
			skill_set_add_file(ss, file.buf, sub.buf);
		strbuf_release(&sub);
		strbuf_release(&file);
	}
	strvec_release(&names);
}

void skill_set_load(struct skill_set *ss, const struct skill_search *s)
{
	static const char *const user_dirs[] = { ".claude/skills", ".agents/skills", NULL };
	static const char *const project_dirs[] = {
		".claude/skills", ".agents/skills", ".archie/skills", NULL,
	};
	const char *home = s->home ? s->home : getenv("HOME");
	const char *ch = s->config_home ? s->config_home : getenv("XDG_CONFIG_HOME");
	struct strbuf d = STRBUF_INIT;
	size_t i;

	for (i = 0; !s->no_builtin && i < builtin_skill_files_nr; i++) {
		const struct builtin_file *f = &builtin_skill_files[i];
		struct strbuf path = STRBUF_INIT;

		strbuf_addf(&path, "builtin:%s", f->name);
		if (!skill_set_add(ss, path.buf, NULL, f->data, f->len)) {
			ss->v[ss->nr - 1].builtin_text = f->data;
			ss->v[ss->nr - 1].builtin_len = f->len;
		}
		strbuf_release(&path);
	}
	for (i = 0; home && *home && user_dirs[i]; i++) {
		strbuf_reset(&d);
		file_join(&d, home, user_dirs[i]);
		scan(ss, d.buf);
	}
	strbuf_reset(&d);
	if (ch && *ch)
		file_join(&d, ch, "archie/skills");
	else if (home && *home)
		file_join(&d, home, ".config/archie/skills");
	if (d.len)
		scan(ss, d.buf);
	for (i = 0; s->project_root && project_dirs[i]; i++) {
		strbuf_reset(&d);
		file_join(&d, s->project_root, project_dirs[i]);
		scan(ss, d.buf);
	}
	strbuf_release(&d);
}

int skill_body(const struct skill *s, const char *args, struct strbuf *out, struct strbuf *err)
{
	struct strbuf data = STRBUF_INIT_CAP(SKILL_FILE_MAX), body = STRBUF_INIT_CAP(SKILL_FILE_MAX);
	struct diag_list dl = DIAG_LIST_INIT;
	struct frontmatter fm;
	const char *p;
	int rc = -1;

	if (s->builtin_text)
		strbuf_add(&data, s->builtin_text, s->builtin_len);
	else if (file_read(s->path, SKILL_FILE_MAX, &data, err))
		goto out;
	if (frontmatter_parse(s->path, data.buf, data.len, FRONTMATTER_CLAUDE, &fm, &dl)) {
		strbuf_seterr(err, "%s changed and no longer parses: %s", s->path,
			      dl.nr ? dl.v[0].msg : "?");
		goto out;
	}
	strbuf_add(&body, fm.body, fm.body_len);
	frontmatter_release(&fm);
	strbuf_trim(&body);
	if (s->dir)
		strbuf_addf(out, "<skill name=\"%s\" dir=\"%s\">\nThe skill's folder is %s: the files its instructions name (references/, scripts/, assets/) are there; read or run them with the usual tools when you need them.\n\n",
			    s->name, s->dir, s->dir);
	else
		strbuf_addf(out, "<skill name=\"%s\">\n", s->name);
	for (p = body.buf; *p; p++) {
		if (!strncmp(p, "$ARGUMENTS", 10)) {
			strbuf_addstr(out, args ? args : "");
			p += 9;
		} else {
			strbuf_addch(out, *p);
		}
	}
	if (args && *args && !strstr(body.buf, "$ARGUMENTS"))
		strbuf_addf(out, "\n\nARGUMENTS: %s", args);
	strbuf_addstr(out, "\n</skill>");
	rc = 0;
out:
	strbuf_release(&data);
	strbuf_release(&body);
	diag_list_release(&dl);
	return rc;
}

void skill_list_prompt(const struct skill_set *ss, const struct strvec *only, struct strbuf *out)
{
	size_t i, k, n = 0;

	for (i = 0; i < ss->nr; i++) {
		const struct skill *s = &ss->v[i];

		if (!skill_active(ss, s))
			continue;
		for (k = 0; only && k < only->nr && strcmp(only->v[k], s->name); k++)
			;
		if (only && k == only->nr)
			continue;
		if (!n++)
			strbuf_addstr(out, "\n\n# Skills\n\nSkills are instructions for particular jobs. When a job matches a skill's description, call the Skill tool with its name before you start, and follow what it returns. Only these exist:\n");
		strbuf_addf(out, "- %s: %s\n", s->name, s->description);
	}
}

int skill_allows(const struct skill *s, const char *tool)
{
	size_t i;

	if (!s->allowed_tools.nr || !strcmp(tool, "Skill"))
		return 1;
	for (i = 0; i < s->allowed_tools.nr; i++) {
		struct toolname_info info = toolname_lookup(s->allowed_tools.v[i]);

		if (info.canonical && !strcmp(info.canonical, tool))
			return 1;
		if (!strncmp(s->allowed_tools.v[i], tool, strlen(tool)) &&
		    (!s->allowed_tools.v[i][strlen(tool)] || s->allowed_tools.v[i][strlen(tool)] == '('))
			return 1;
	}
	return 0;
}
