/*
 * cmd_skills: `archie skills list|show|validate`, the Agent Skills found
 * (custom/skill.h).
 */
#include "cli/cli.h"

#include "agent/registry.h"
#include "core/fileio.h"
#include "custom/skill.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void load(struct skill_set *ss, struct strbuf *root)
{
	struct skill_search s;
	char cwd[PATH_MAX];

	if (!getcwd(cwd, sizeof(cwd)))
		snprintf(cwd, sizeof(cwd), ".");
	agent_project_root(cwd, root);
	memset(&s, 0, sizeof(s));
	s.project_root = root->buf;
	skill_set_load(ss, &s);
}

static json_t *skill_json(const struct skill_set *ss, const struct skill *s)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:b}", "name", s->name, "description", s->description,
			      "path", s->path, "active", skill_active(ss, s));
	json_t *t = json_array();
	size_t i;

	for (i = 0; i < s->allowed_tools.nr; i++)
		json_array_append_new(t, json_string(s->allowed_tools.v[i]));
	json_object_set_new(o, "allowed_tools", t);
	if (s->license)
		json_object_set_new(o, "license", json_string(s->license));
	json_object_set_new(o, "builtin", json_boolean(s->builtin_text != NULL));
	return o;
}

static int list(struct cli_ctx *ctx, const struct skill_set *ss)
{
	json_t *arr = ctx->json ? json_array() : NULL;
	size_t i;

	for (i = 0; i < ss->nr; i++) {
		const struct skill *s = &ss->v[i];

		if (arr)
			json_array_append_new(arr, skill_json(ss, s));
		else
			printf("%-22s %s%s\n    %.100s%s\n", s->name, s->path,
			       skill_active(ss, s) ? "" : "  (overridden)", s->description,
			       strlen(s->description) > 100 ? "..." : "");
	}
	if (arr)
		cli_print_json(arr);
	return CLI_EXIT_OK;
}

static int show(struct cli_ctx *ctx, const struct skill_set *ss, const char *name)
{
	const struct skill *s = skill_find(ss, name);
	struct strbuf body = STRBUF_INIT, err = STRBUF_INIT;
	int rc = CLI_EXIT_OK;

	if (!s)
		return cli_error("no skill named '%s'; 'archie skills list' shows them", name);
	if (skill_body(s, NULL, &body, &err)) {
		rc = cli_error("%s", err.buf);
	} else if (ctx->json) {
		json_t *o = skill_json(ss, s);

		json_object_set_new(o, "instructions", json_string(body.buf));
		cli_print_json(o);
	} else {
		size_t i;

		printf("name:          %s\ndescription:   %s\npath:          %s\n", s->name,
		       s->description, s->path);
		if (s->license)
			printf("license:       %s\n", s->license);
		printf("allowed-tools:");
		for (i = 0; i < s->allowed_tools.nr; i++)
			printf(" %s", s->allowed_tools.v[i]);
		printf("%s\n\n%s\n", s->allowed_tools.nr ? "" : " (all the agent's)", body.buf);
	}
	strbuf_release(&body);
	strbuf_release(&err);
	return rc;
}

/* validate [DIR|SKILL.md...]: the search path's skills, or the given ones. */
static int validate(struct cli_ctx *ctx, struct skill_set *ss, int argc, char **argv)
{
	int i;

	for (i = 2; i < argc; i++) {
		struct strbuf file = STRBUF_INIT, dir = STRBUF_INIT;
		struct stat st;

		if (!stat(argv[i], &st) && S_ISDIR(st.st_mode)) {
			strbuf_addstr(&dir, argv[i]);
			while (dir.len > 1 && dir.buf[dir.len - 1] == '/')
				strbuf_setlen(&dir, dir.len - 1);
			file_join(&file, dir.buf, "SKILL.md");
		} else {
			const char *slash = strrchr(argv[i], '/');

			strbuf_addstr(&file, argv[i]);
			if (slash)
				strbuf_add(&dir, argv[i], (size_t)(slash - argv[i]));
			else
				strbuf_addstr(&dir, ".");
		}
		skill_set_add_file(ss, file.buf, dir.buf);
		strbuf_release(&file);
		strbuf_release(&dir);
	}
	if (ctx->json) {
		json_t *o = json_pack("{s:b, s:i, s:i, s:i}", "ok", !ss->diags.errors, "skills", (int)ss->nr,
				      "errors", (int)ss->diags.errors, "warnings", (int)ss->diags.warnings);

		cli_print_json(o);
	} else {
		diag_print(&ss->diags, stdout);
		printf("%zu skill%s checked: %zu error%s, %zu warning%s\n", ss->nr + ss->diags.errors,
		       ss->nr + ss->diags.errors == 1 ? "" : "s", ss->diags.errors,
		       ss->diags.errors == 1 ? "" : "s", ss->diags.warnings,
		       ss->diags.warnings == 1 ? "" : "s");
	}
	return ss->diags.errors ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
}

static int cmd_skills_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct skill_set ss;
	struct strbuf root = STRBUF_INIT;
	int rc;

	if (argc < 2 || (strcmp(argv[1], "list") && strcmp(argv[1], "show") && strcmp(argv[1], "validate")) ||
	    (!strcmp(argv[1], "show") && argc != 3) || (!strcmp(argv[1], "list") && argc != 2))
		return cli_usage_error("usage: archie skills list | show NAME | validate [DIR|SKILL.md...]");
	skill_set_init(&ss);
	if (strcmp(argv[1], "validate") || argc == 2)
		load(&ss, &root);
	if (!strcmp(argv[1], "list")) {
		diag_print(&ss.diags, stderr);
		rc = list(ctx, &ss);
	} else if (!strcmp(argv[1], "show")) {
		rc = show(ctx, &ss, argv[2]);
	} else {
		rc = validate(ctx, &ss, argc, argv);
	}
	skill_set_release(&ss);
	strbuf_release(&root);
	return rc;
}

static const struct cmd_usage usage[] = {
	{ "skills list", "the Agent Skills found (built in, ~/.claude/skills/, .claude/skills/, .agents/skills/, .archie/skills/)" },
	{ "skills show NAME", "a skill's frontmatter and instructions" },
	{ "skills validate [DIR|SKILL.md...]", "check skills as the Agent Skills standard says; exit 1 on errors" },
	{ NULL, NULL },
};

const struct cmd_entry cmd_skills_entry = {
	"skills", usage, NULL,
	"Skills are folders with a SKILL.md (the open Agent Skills format). Only their names and "
	"descriptions go into the system prompt; the model loads one with the Skill tool when a job "
	"matches it, or you type /NAME. An agent's `skills:` frontmatter limits which it gets; a "
	"skill's allowed-tools limits what runs while it is in use.",
	cmd_skills_exec, 0,
};
