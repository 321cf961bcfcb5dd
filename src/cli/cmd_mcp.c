/*
 * cmd_mcp: `archie mcp list` (the configured MCP servers, whether they
 * start, their tools) and `archie mcp call SERVER TOOL JSON` (one call, for
 * debugging a server).  See src/mcp/mcp.h.
 */
#include "cli/cli.h"

#include "agent/registry.h"
#include "config/config.h"
#include "core/strbuf.h"
#include "mcp/mcp.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Loads the configuration and the servers of the project. */
static int load(struct cli_ctx *ctx, struct config *cfg, struct mcp *m)
{
	struct config_search cs;
	struct strbuf root = STRBUF_INIT, dir = STRBUF_INIT;
	char cwd[4096];

	if (!getcwd(cwd, sizeof(cwd)))
		return cli_error("cannot get the working directory");
	agent_project_root(cwd, &root);
	memset(&cs, 0, sizeof(cs));
	cs.project_root = root.buf;
	config_load(cfg, &cs);
	mcp_load(m, cfg, root.buf);
	store_default_dir(ctx->state_dir, &dir);
	strbuf_addstr(&dir, "/mcp");
	m->log_dir = strbuf_detach(&dir, NULL);
	diag_print(&m->diags, stderr);
	strbuf_release(&root);
	return 0;
}

static int mcp_list(struct cli_ctx *ctx)
{
	struct config cfg;
	struct mcp m;
	json_t *arr = json_array();
	size_t i, k;

	config_init(&cfg);
	mcp_init(&m);
	if (load(ctx, &cfg, &m)) {
		json_decref(arr);
		return CLI_EXIT_FAILURE;
	}
	mcp_start(&m);
	mcp_wait(&m, 15000);
	for (i = 0; i < m.nr; i++) {
		const struct mcp_server *s = &m.v[i];
		json_t *tools = json_array();

		for (k = 0; k < s->tools_nr; k++) {
			const struct mcp_tool *t = &s->tools[k];
			json_t *schema = t->schema ? json_loads(t->schema, 0, NULL) : NULL;

			/* what the model is offered: its name, the server's name
			 * for it, the description and the input schema whole */
			json_array_append_new(tools, json_pack("{s:s, s:s, s:s, s:o}", "name", t->full,
				"server_name", t->name, "description", t->description ? t->description : "",
				"input_schema", schema ? schema : json_object()));
		}
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "name", s->name,
			"source", s->source, "status", mcp_state_name(s->state),
			"protocol", s->protocol ? json_string(s->protocol) : json_null(),
			"error", s->error ? json_string(s->error) : json_null(), "tools", tools));
	}
	if (ctx->json) {
		cli_print_json(arr);
	} else {
		if (!m.nr)
			printf("no MCP servers are configured (.mcp.json, or mcpServers: in config.yaml)\n");
		for (i = 0; i < m.nr; i++) {
			const struct mcp_server *s = &m.v[i];

			printf("%s  %s  (%s)\n", s->name, mcp_state_name(s->state), s->source);
			if (s->error)
				printf("  %s\n", s->error);
			for (k = 0; k < s->tools_nr; k++) {
				const char *d = s->tools[k].description ? s->tools[k].description : "";
				size_t n = strcspn(d, "\r\n"), j, cut = n < 80 ? n : 80;

				/* one line each: the description's first line, at
				 * most 80 characters, control characters shown as
				 * spaces (a server's text on the user's terminal) */
				while (cut < n && cut > 0 && ((unsigned char)d[cut] & 0xC0) == 0x80)
					cut--;	/* not in the middle of a character */
				printf("  %s  ", s->tools[k].full);
				for (j = 0; j < cut; j++)
					putchar((unsigned char)d[j] < 0x20 || d[j] == 0x7f ? ' ' : d[j]);
				printf("%s\n", cut < n || d[n] ? " ..." : "");
			}
		}
		json_decref(arr);
	}
	mcp_release(&m);
	config_release(&cfg);
	return CLI_EXIT_OK;
}

static int mcp_call_cmd(struct cli_ctx *ctx, const char *server, const char *tool, const char *args)
{
	struct config cfg;
	struct mcp m;
	struct strbuf full = STRBUF_INIT, out = STRBUF_INIT_CAP((size_t)64 << 20);
	size_t i;
	int is_error = 0, rc, found = 0;

	config_init(&cfg);
	mcp_init(&m);
	if (load(ctx, &cfg, &m))
		return CLI_EXIT_FAILURE;
	for (i = 0; i < m.nr; i++)
		if (strcmp(m.v[i].name, server) && m.v[i].state == MCP_CONFIGURED)
			m.v[i].state = MCP_FAILED;	/* only the one asked for starts */
		else if (!strcmp(m.v[i].name, server))
			found = 1;
	if (!found) {
		rc = cli_error("no MCP server named '%s'; 'archie mcp list' shows them", server);
		goto out;
	}
	mcp_start(&m);
	mcp_wait(&m, 15000);
	for (i = 0; i < m.nr; i++)
		if (!strcmp(m.v[i].name, server) && m.v[i].state != MCP_READY) {
			rc = cli_error("MCP server '%s' is unavailable: %s", server,
				       m.v[i].error ? m.v[i].error : "failed");
			goto out;
		}
	strbuf_addf(&full, "mcp__%s__%s", server, tool);
	rc = mcp_call(&m, full.buf, args, &out, &is_error, NULL, NULL);
	printf("%s\n", out.buf);
	rc = rc || is_error ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
out:
	mcp_release(&m);
	config_release(&cfg);
	strbuf_release(&full);
	strbuf_release(&out);
	return rc;
}

static int cmd_mcp_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "list"))
		return mcp_list(ctx);
	if (!strcmp(argv[1], "call")) {
		if (argc < 4 || argc > 5)
			return cli_usage_error("usage: archie mcp call SERVER TOOL [JSON]");
		return mcp_call_cmd(ctx, argv[2], argv[3], argc == 5 ? argv[4] : "{}");
	}
	return cli_usage_error("mcp: unknown subcommand '%s' (list or call)", argv[1]);
}

static const struct cmd_usage usage[] = {
	{ "mcp list", "the configured MCP servers: status, protocol, tools (or why they failed)" },
	{ "mcp call SERVER TOOL [JSON]", "call one tool of one server, for debugging" },
	{ NULL, NULL },
};

const struct cmd_entry cmd_mcp_entry = {
	"mcp", usage, NULL,
	"MCP servers come from the project's .mcp.json ({\"mcpServers\": {NAME: {\"command\", "
	"\"args\", \"env\"}}}) and mcpServers: in config.yaml. Their stderr goes to "
	"~/.local/state/archie/mcp/NAME.log. See docs/mcp.md.",
	cmd_mcp_exec, 0,
};
