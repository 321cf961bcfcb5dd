/*
 * cmd_doctor: `archie doctor`, what archie read of the user's setup:
 * its config files, other runtimes' settings (each key read, or ignored
 * and why), the agents found, and every problem with its place.
 */
#include "cli/cli.h"

#include "store/pgstore.h"

#include "agent/registry.h"
#include "config/config.h"
#include "core/diag.h"
#include "core/fileio.h"
#include "core/strbuf.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmd_doctor_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct agent_registry reg;
	struct agent_search search;
	struct config cfg;
	struct config_search cs;
	struct strbuf root = STRBUF_INIT, err = STRBUF_INIT;
	char cwd[PATH_MAX];
	size_t i, problems;
	int cfg_rc, reg_rc;

	(void)argv;
	if (argc > 1)
		return cli_usage_error("usage: archie doctor");
	if (!getcwd(cwd, sizeof(cwd)))
		return cli_error("cannot get the working directory");
	agent_project_root(cwd, &root);
	config_init(&cfg);
	agent_registry_init(&reg);
	memset(&cs, 0, sizeof(cs));
	cs.project_root = root.buf;
	cfg_rc = config_load(&cfg, &cs);
	memset(&search, 0, sizeof(search));
	search.extra_dirs = &ctx->agents_dirs;
	reg_rc = agent_registry_load(&reg, &search, &err);

	printf("project: %s\n", root.buf);
	printf("config files read:\n");
	for (i = 0; i < cfg.files.nr; i++)
		printf("  %s\n", cfg.files.v[i]);
	if (!cfg.files.nr)
		printf("  (none)\n");
	printf("other runtimes' settings:\n");
	for (i = 0; i < cfg.peer_notes.nr; i++)
		printf("  %s\n", cfg.peer_notes.v[i]);
	if (!cfg.peer_notes.nr)
		printf("  (none found)\n");
	if (cfg.permission_mode)
		printf("permission mode: %s (%s)\n", cfg.permission_mode, cfg.permission_mode_source);
	printf("agents: %zu loaded from %zu files\n", reg.nr, reg.files);
	/* what the agent can reach beyond the workspace, and undo */
	if (!cfg.web_search.backend)
		printf("web search: none configured (web_search in ~/.config/archie/config.yaml; docs/web-search.md)\n");
	else
		printf("web search: %s%s%s (%s)%s%s%s\n", cfg.web_search.backend,
		       cfg.web_search.url ? " at " : "", cfg.web_search.url ? cfg.web_search.url : "",
		       cfg.web_search.source,
		       cfg.web_search.api_key_env && !getenv(cfg.web_search.api_key_env) ? "; but " : "",
		       cfg.web_search.api_key_env && !getenv(cfg.web_search.api_key_env) ? cfg.web_search.api_key_env : "",
		       cfg.web_search.api_key_env && !getenv(cfg.web_search.api_key_env) ? " is not set: no WebSearch" : "");
	if (config_store_url(&cfg)) {
		struct strbuf where = STRBUF_INIT;
		const char *env = getenv("ARCHIE_STORE_URL");

		/* where only: connecting is `archie store status`'s */
		pgstore_describe(config_store_url(&cfg), &where);
		printf("shared record: %s (%s; 'archie store status' checks it; docs/team.md)\n", where.buf,
		       env && *env ? "ARCHIE_STORE_URL" : cfg.store_url_source ? cfg.store_url_source : "config");
		strbuf_release(&where);
	} else {
		printf("shared record: none (this machine's record only; docs/team.md)\n");
	}
	{
		struct strbuf git = STRBUF_INIT;

		if (file_which("git", &git))
			printf("checkpoints: off: git is not installed (Debian: apt-get install git), so changes cannot be undone\n");
		else
			printf("checkpoints: on (%s; docs/checkpoints.md)\n", git.buf);
		strbuf_release(&git);
	}
	problems = cfg.diags.nr + reg.diags.nr;
	printf("problems: %zu\n", problems);
	diag_print(&cfg.diags, stdout);
	diag_print(&reg.diags, stdout);
	if (reg_rc)
		printf("archie: %s\n", err.buf);
	config_release(&cfg);
	agent_registry_release(&reg);
	strbuf_release(&root);
	strbuf_release(&err);
	return cfg_rc || reg_rc ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
}

static const struct cmd_usage usage[] = {
	{ "doctor", "what archie read of your setup, what it ignored and why, and every problem" },
	{ NULL, NULL },
};

const struct cmd_entry cmd_doctor_entry = {
	"doctor", usage, NULL,
	"Lists the config files read; each setting of Claude Code's settings files "
	"(~/.claude/settings.json, .claude/settings.json, .claude/settings.local.json, managed) "
	"that archie read or ignored, and why; the agents found; and every error and warning "
	"with its file and line. Exit 1 when a file has errors.",
	cmd_doctor_exec, 0,
};
