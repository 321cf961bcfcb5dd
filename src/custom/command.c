/*
 * command: custom slash commands from every runtime's directories.  See
 * command.h.
 */
#include "custom/command.h"

#include "agent/frontmatter.h"
#include "core/fileio.h"
#include "core/toml.h"
#include "core/toolnames.h"
#include "core/xalloc.h"
#include "core/yamldoc.h"

#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define COMMAND_FILE_MAX ((size_t)1 << 20)
#define COMMAND_DEPTH_MAX 4	/* namespaces: a/b/c/d/name */

void command_set_init(struct command_set *cs)
{
	memset(cs, 0, sizeof(*cs));
	diag_list_init(&cs->diags);
}

static void command_release(struct command *c)
{
	free(c->name);
	free(c->path);
	free(c->description);
	free(c->argument_hint);
	free(c->model);
	free(c->agent);
	strvec_release(&c->allowed_tools);
	free(c->template);
}

void command_set_release(struct command_set *cs)
{
	size_t i;

	for (i = 0; i < cs->nr; i++)
		command_release(&cs->v[i]);
	free(cs->v);
	diag_list_release(&cs->diags);
	memset(cs, 0, sizeof(*cs));
}

const struct command *command_find(const struct command_set *cs, const char *name)
{
	size_t i;

	for (i = cs->nr; i-- > 0;)	/* the last loaded wins */
		if (!strcmp(cs->v[i].name, name))
			return &cs->v[i];
	return NULL;
}

/* A string key of the frontmatter, or NULL. */
static char *fm_string(struct frontmatter *fm, const char *key)
{
	struct fy_node *v;

	if (!fm->yd.root || !(v = fy_node_mapping_lookup_by_string(fm->yd.root, key, FY_NT)))
		return NULL;
	return yamldoc_scalar_dup(v);
}

/* allowed-tools: "Bash(git add:*), Read" or a list. */
static void allowed_tools(struct frontmatter *fm, struct strvec *out)
{
	struct fy_node *v, *item;
	void *it = NULL;
	char *s;

	if (!fm->yd.root || !(v = fy_node_mapping_lookup_by_string(fm->yd.root, "allowed-tools", FY_NT)))
		return;
	if (fy_node_get_type(v) == FYNT_SEQUENCE) {
		while ((item = fy_node_sequence_iterate(v, &it)) != NULL)
			if ((s = yamldoc_scalar_dup(item)) != NULL) {
				strvec_push(out, s);
				free(s);
			}
		return;
	}
	if (!(s = yamldoc_scalar_dup(v)))
		return;
	toolname_split_list(s, out);
	free(s);
}

static struct command *add(struct command_set *cs, const char *path, const char *name,
			   const char *runtime)
{
	struct command *c;

	ALLOC_GROW(cs->v, cs->nr + 1, cs->alloc);
	c = &cs->v[cs->nr++];
	memset(c, 0, sizeof(*c));
	strvec_init(&c->allowed_tools);
	c->name = xstrdup(name);
	c->path = xstrdup(path);
	c->runtime = runtime;
	return c;
}

static int add_markdown(struct command_set *cs, struct command *c, const char *data, size_t len)
{
	struct frontmatter fm;
	struct strbuf body = STRBUF_INIT;

	if (frontmatter_parse(c->path, data, len, FRONTMATTER_CLAUDE, &fm, &cs->diags))
		return -1;
	c->description = fm_string(&fm, "description");
	c->argument_hint = fm_string(&fm, "argument-hint");
	c->model = fm_string(&fm, "model");
	c->agent = fm_string(&fm, "agent");
	{
		char *st = fm_string(&fm, "subtask");

		c->subtask = !st ? 0 : !strcmp(st, "true") ? 1 : !strcmp(st, "false") ? -1 : 0;
		if (st && !c->subtask)
			diag_add(&cs->diags, DIAG_WARNING, c->path, fm.yaml_line, 1,
				 "subtask: '%s' is not true or false; ignored", st);
		free(st);
	}
	allowed_tools(&fm, &c->allowed_tools);
	strbuf_add(&body, fm.body, fm.body_len);
	strbuf_trim(&body);
	c->template = strbuf_detach(&body, NULL);
	frontmatter_release(&fm);
	return 0;
}

/* Gemini CLI: description and prompt (required) in TOML. */
static int add_toml(struct command_set *cs, struct command *c, const char *data, size_t len)
{
	struct strbuf err = STRBUF_INIT;
	int line, col;
	json_t *j = toml_parse(data, len, &line, &col, &err);
	const char *prompt;
	const char *path = c->path;

	if (!j) {
		diag_add(&cs->diags, DIAG_ERROR, path, line, col, "invalid TOML: %s", err.buf);
		strbuf_release(&err);
		return -1;
	}
	strbuf_release(&err);
	prompt = json_string_value(json_object_get(j, "prompt"));
	if (!prompt) {
		diag_add(&cs->diags, DIAG_ERROR, path, 1, 1,
			 "a Gemini CLI command needs a string 'prompt' (prompt = \"\"\"...\"\"\")");
		json_decref(j);
		return -1;
	}
	c->template = xstrdup(prompt);
	if (json_string_value(json_object_get(j, "description")))
		c->description = xstrdup(json_string_value(json_object_get(j, "description")));
	c->gemini_syntax = 1;
	json_decref(j);
	return 0;
}

/* Reads and parses c's file, once. */
static int read_command(struct command_set *cs, struct command *c)
{
	struct strbuf data = STRBUF_INIT_CAP(COMMAND_FILE_MAX), err = STRBUF_INIT;

	if (c->loaded)
		return c->failed ? -1 : 0;
	c->loaded = 1;
	if (file_read(c->path, COMMAND_FILE_MAX, &data, &err)) {
		diag_add(&cs->diags, DIAG_ERROR, c->path, 0, 0, "%s", err.buf);
		c->failed = 1;
	} else
		c->failed = (!strcmp(c->runtime, "gemini") ? add_toml(cs, c, data.buf, data.len)
							   : add_markdown(cs, c, data.buf, data.len)) != 0;
	strbuf_release(&data);
	strbuf_release(&err);
	return c->failed ? -1 : 0;
}

int command_set_add_file(struct command_set *cs, const char *path, const char *name,
			 const char *runtime)
{
	return read_command(cs, add(cs, path, name, runtime));
}

void command_set_read_all(struct command_set *cs)
{
	size_t i;

	for (i = 0; i < cs->nr; i++)
		read_command(cs, &cs->v[i]);
}

const struct command *command_get(struct command_set *cs, const char *name, struct strbuf *err)
{
	struct command *c = (struct command *)command_find(cs, name);
	size_t before = cs->diags.nr;

	if (!c)
		return NULL;
	if (read_command(cs, c)) {
		if (cs->diags.nr > before)
			diag_format(&cs->diags.v[before], err);
		else
			strbuf_addf(err, "%s has errors", c->path);
		return NULL;
	}
	return c;
}

/* Every file with the extension under dir (recursing when nested), its
 * name its path with ':' for '/' and no extension.  Only names are taken
 * (the entry's type spares a stat): files are read when used. */
static void scan(struct command_set *cs, const char *dir, const char *prefix, const char *ext,
		 const char *runtime, int nested, int depth)
{
	struct strvec names = STRVEC_INIT;
	struct dirent *de;
	DIR *d = opendir(dir);
	size_t i, el = strlen(ext);

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		char type = de->d_type == DT_DIR ? 'd' : de->d_type == DT_REG ? 'f' : '?';

		if (de->d_name[0] != '.')
			strvec_pushf(&names, "%s%c", de->d_name, type);
	}
	closedir(d);
	strvec_sort(&names);
	for (i = 0; i < names.nr; i++) {
		struct strbuf path = STRBUF_INIT, name = STRBUF_INIT;
		char *n = names.v[i];
		size_t len = strlen(n) - 1;
		char type = n[len];
		struct stat st;

		n[len] = '\0';
		file_join(&path, dir, n);
		if (type == '?')
			type = stat(path.buf, &st) ? 'x' : S_ISDIR(st.st_mode) ? 'd' : S_ISREG(st.st_mode) ? 'f' : 'x';
		if (type == 'd') {
			if (nested && depth < COMMAND_DEPTH_MAX) {
				strbuf_addf(&name, "%s%s:", prefix, n);
				scan(cs, path.buf, name.buf, ext, runtime, nested, depth + 1);
			}
		} else if (type == 'f' && len > el && !strcmp(n + len - el, ext)) {
			strbuf_addf(&name, "%s%.*s", prefix, (int)(len - el), n);
			add(cs, path.buf, name.buf, runtime);	/* read when used */
		}
		strbuf_release(&path);
		strbuf_release(&name);
	}
	strvec_release(&names);
}

void command_set_load(struct command_set *cs, const struct command_search *s)
{
	const char *home = s->home ? s->home : getenv("HOME");
	const char *ch = s->config_home ? s->config_home : getenv("XDG_CONFIG_HOME");
	struct strbuf d = STRBUF_INIT, xdg = STRBUF_INIT;
	static const struct { const char *dir, *ext, *runtime; int nested; } user[] = {
		{ ".claude/commands", ".md", "claude", 1 },
		{ ".codex/prompts", ".md", "codex", 0 },
		{ ".gemini/commands", ".toml", "gemini", 1 },
	}, project[] = {
		{ ".claude/commands", ".md", "claude", 1 },
		{ ".opencode/command", ".md", "opencode", 1 },
		{ ".opencode/commands", ".md", "opencode", 1 },
		{ ".gemini/commands", ".toml", "gemini", 1 },
		{ ".archie/commands", ".md", "archie", 1 },
	};
	size_t i;

	if (ch && *ch)
		strbuf_addstr(&xdg, ch);
	else if (home && *home)
		file_join(&xdg, home, ".config");
	for (i = 0; home && *home && i < sizeof(user) / sizeof(user[0]); i++) {
		strbuf_reset(&d);
		file_join(&d, home, user[i].dir);
		scan(cs, d.buf, "", user[i].ext, user[i].runtime, user[i].nested, 0);
	}
	if (xdg.len) {
		strbuf_reset(&d);
		file_join(&d, xdg.buf, "opencode/command");
		scan(cs, d.buf, "", ".md", "opencode", 1, 0);
		strbuf_reset(&d);
		file_join(&d, xdg.buf, "archie/commands");
		scan(cs, d.buf, "", ".md", "archie", 1, 0);
	}
	for (i = 0; s->project_root && i < sizeof(project) / sizeof(project[0]); i++) {
		strbuf_reset(&d);
		file_join(&d, s->project_root, project[i].dir);
		scan(cs, d.buf, "", project[i].ext, project[i].runtime, project[i].nested, 0);
	}
	strbuf_release(&d);
	strbuf_release(&xdg);
}

int command_split(char *line, char **name, char **args)
{
	char *p;

	if (line[0] != '/' || !line[1] || isspace((unsigned char)line[1]))
		return 0;
	*name = line + 1;
	for (p = *name; *p && !isspace((unsigned char)*p); p++)
		;
	if (*p) {
		*p++ = '\0';
		while (isspace((unsigned char)*p))
			p++;
	}
	*args = p;
	return 1;
}

/* The arguments as words: quotes group, as a shell would. */
static void words(const char *args, struct strvec *out)
{
	struct strbuf w = STRBUF_INIT;
	const char *p = args;

	while (*p) {
		char q = 0;
		int any = 0;

		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		strbuf_reset(&w);
		for (; *p && (q || !isspace((unsigned char)*p)); p++) {
			if (!q && (*p == '"' || *p == '\'')) {
				q = *p;
				any = 1;
			} else if (q && *p == q) {
				q = 0;
			} else {
				strbuf_addch(&w, *p);
				any = 1;
			}
		}
		if (any)
			strvec_push(out, w.buf);
	}
	strbuf_release(&w);
}

/* The template with its argument placeholders filled. */
static void fill_args(const struct command *c, const char *args, struct strbuf *out)
{
	struct strvec w = STRVEC_INIT;
	const char *p = c->template;
	int used = 0;

	words(args, &w);
	while (*p) {
		if (!c->gemini_syntax && !strncmp(p, "$ARGUMENTS", 10)) {
			strbuf_addstr(out, args);
			p += 10;
			used = 1;
		} else if (c->gemini_syntax && !strncmp(p, "{{args}}", 8)) {
			strbuf_addstr(out, args);
			p += 8;
			used = 1;
		} else if (!c->gemini_syntax && p[0] == '$' && p[1] >= '1' && p[1] <= '9' &&
			   !isdigit((unsigned char)p[2])) {
			size_t k = (size_t)(p[1] - '1');

			if (k < w.nr)
				strbuf_addstr(out, w.v[k]);
			p += 2;
			used = 1;
		} else {
			strbuf_addch(out, *p++);
		}
	}
	/* no placeholder: the arguments follow, as the runtimes do */
	if (!used && *args)
		strbuf_addf(out, c->gemini_syntax ? "\n\n%s" : "\n\nARGUMENTS: %s", args);
	strvec_release(&w);
}

/* A file reference at p: "@path" (Gemini: "@{path}") after a blank or the
 * start; its length in *n and the path in out.  0 when none. */
static int file_ref(const struct command *c, const char *start, const char *p, size_t *n,
		    struct strbuf *out)
{
	const char *e;

	if (*p != '@' || (p > start && !isspace((unsigned char)p[-1]) && p[-1] != '('))
		return 0;
	if (c->gemini_syntax) {
		if (p[1] != '{' || !(e = strchr(p + 2, '}')) || e == p + 2)
			return 0;
		strbuf_add(out, p + 2, (size_t)(e - p - 2));
		*n = (size_t)(e + 1 - p);
		return 1;
	}
	for (e = p + 1; *e && !isspace((unsigned char)*e) && !strchr("`'\"<>(),;", *e); e++)
		;
	/* a trailing full stop or colon ends the sentence, not the path */
	while (e > p + 1 && strchr(".:!?", e[-1]))
		e--;
	if (e == p + 1 || !strpbrk(p + 1, "./") || strpbrk(p + 1, "./") >= e)
		return 0;	/* "@team", an e-mail's tail: not a path */
	strbuf_add(out, p + 1, (size_t)(e - p - 1));
	*n = (size_t)(e - p);
	return 1;
}

/* A command at p: "!`cmd`" (Gemini: "!{cmd}").  0 when none. */
static int shell_ref(const struct command *c, const char *p, size_t *n, struct strbuf *out)
{
	const char *e;

	if (p[0] != '!' || p[1] != (c->gemini_syntax ? '{' : '`'))
		return 0;
	if (!(e = strchr(p + 2, c->gemini_syntax ? '}' : '`')) || e == p + 2)
		return 0;
	strbuf_add(out, p + 2, (size_t)(e - p - 2));
	*n = (size_t)(e + 1 - p);
	return 1;
}

int command_expand(const struct command *c, const char *args, const struct command_io *io,
		   struct strbuf *out, struct strbuf *err)
{
	struct strbuf filled = STRBUF_INIT_CAP((size_t)4 << 20), ref = STRBUF_INIT;
	struct strbuf got = STRBUF_INIT_CAP((size_t)4 << 20), files = STRBUF_INIT_CAP((size_t)8 << 20);
	const char *p;
	int rc = -1;

	fill_args(c, args ? args : "", &filled);
	for (p = filled.buf; *p;) {
		size_t n = 0;

		strbuf_reset(&ref);
		strbuf_reset(&got);
		if (shell_ref(c, p, &n, &ref)) {
			if (!io || !io->run || io->run(io->ud, ref.buf, &got)) {
				strbuf_seterr(err, "/%s: the command `%s` in it was not run: %s", c->name,
					      ref.buf, got.len ? got.buf : "no way to run it here");
				goto out;
			}
			strbuf_add(out, got.buf, got.len);
			p += n;
		} else if (file_ref(c, filled.buf, p, &n, &ref)) {
			if (!io || !io->read_file || io->read_file(io->ud, ref.buf, &got)) {
				strbuf_seterr(err, "/%s: @%s in it could not be read: %s", c->name, ref.buf,
					      got.len ? got.buf : "no way to read it here");
				goto out;
			}
			strbuf_add(out, p, n);	/* the reference stays; the content follows */
			strbuf_addf(&files, "\n\n<file path=\"%s\">\n%s\n</file>", ref.buf, got.buf);
			p += n;
		} else {
			strbuf_addch(out, *p++);
		}
	}
	strbuf_add(out, files.buf, files.len);
	rc = 0;
out:
	strbuf_release(&filled);
	strbuf_release(&ref);
	strbuf_release(&got);
	strbuf_release(&files);
	return rc;
}
