/*
 * cmd_commands: `archie commands list`, the custom slash commands found
 * (every runtime's directories; custom/command.h).
 */
#include "cli/cli.h"

#include "agent/registry.h"
#include "custom/command.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int cmd_commands_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct command_set cs;
	struct command_search s;
	struct strbuf root = STRBUF_INIT;
	char cwd[PATH_MAX];
	json_t *arr = NULL;
	size_t i;

	if (argc != 2 || strcmp(argv[1], "list"))
		return cli_usage_error("usage: archie commands list");
	if (!getcwd(cwd, sizeof(cwd)))
		return cli_error("cannot get the working directory");
	agent_project_root(cwd, &root);
	command_set_init(&cs);
	memset(&s, 0, sizeof(s));
	s.project_root = root.buf;
	command_set_load(&cs, &s);
	command_set_read_all(&cs);
	diag_print(&cs.diags, stderr);
	if (ctx->json)
		arr = json_array();
	else if (!cs.nr)
		printf("no custom commands (.claude/commands/, .opencode/command/, .gemini/commands/, ~/.codex/prompts/, .archie/commands/)\n");
	for (i = 0; i < cs.nr; i++) {
		const struct command *c = &cs.v[i];
		int active = command_find(&cs, c->name) == c;

		if (c->failed)
			continue;	/* its errors are said above */
		if (arr) {
			json_t *o = json_pack("{s:s, s:s, s:s, s:b}", "name", c->name, "runtime", c->runtime,
					      "path", c->path, "active", active);
			size_t k;

			if (c->description)
				json_object_set_new(o, "description", json_string(c->description));
			if (c->argument_hint)
				json_object_set_new(o, "argument_hint", json_string(c->argument_hint));
			if (c->model)
				json_object_set_new(o, "model", json_string(c->model));
			if (c->allowed_tools.nr) {
				json_t *t = json_array();

				for (k = 0; k < c->allowed_tools.nr; k++)
					json_array_append_new(t, json_string(c->allowed_tools.v[k]));
				json_object_set_new(o, "allowed_tools", t);
			}
			json_array_append_new(arr, o);
			continue;
		}
		printf("/%-24s %-9s %s%s\n    %s\n", c->name, c->runtime,
		       c->description ? c->description : "(no description)",
		       active ? "" : "  (overridden)", c->path);
	}
	if (arr)
		cli_print_json(arr);
	command_set_release(&cs);
	strbuf_release(&root);
	return CLI_EXIT_OK;
}

static const struct cmd_usage usage[] = {
	{ "commands list", "the custom slash commands found, from every runtime's directories" },
	{ NULL, NULL },
};

const struct cmd_entry cmd_commands_entry = {
	"commands", usage, NULL,
	"Custom commands are prompt templates: Claude Code's .claude/commands/ (and "
	"~/.claude/commands/), OpenCode's .opencode/command/, Gemini CLI's .gemini/commands/ "
	"(TOML), Codex's ~/.codex/prompts/ and archie's .archie/commands/. Run one as /NAME ARGS "
	"in the REPL or with archie -p \"/NAME ARGS\"; a subfolder is a namespace (/frontend:component).",
	cmd_commands_exec, 0,
};
