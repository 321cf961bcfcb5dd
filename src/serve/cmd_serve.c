/*
 * cmd_serve: `archie serve --socket PATH | --listen 127.0.0.1:PORT`, the
 * HTTP API for tools without a terminal (src/serve/, docs/serve.md).
 * The global options (--model, --agent, --allow, --sandbox...) are every
 * session's defaults.
 */
#include "cli/cli.h"

#include "serve/serve.h"

#include "core/strbuf.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmd_serve_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct serve_opts o;
	struct strbuf err = STRBUF_INIT;
	char cwd[PATH_MAX];
	int i, rc;

	memset(&o, 0, sizeof(o));
	for (i = 1; i < argc; i++) {
		const char *v;

		if (cli_is_opt(argv[i], "--socket") && (v = cli_opt_value("--socket", argc, argv, &i))) {
			o.socket = v;
		} else if (cli_is_opt(argv[i], "--listen") && (v = cli_opt_value("--listen", argc, argv, &i))) {
			o.listen = v;
		} else if (cli_is_opt(argv[i], "--token-file") &&
			   (v = cli_opt_value("--token-file", argc, argv, &i))) {
			o.token_file = v;
		} else if (cli_is_opt(argv[i], "--workspaces") &&
			   (v = cli_opt_value("--workspaces", argc, argv, &i))) {
			o.workspaces = v;
		} else if (cli_is_opt(argv[i], "--max-sessions") &&
			   (v = cli_opt_value("--max-sessions", argc, argv, &i))) {
			char *end;
			long n = strtol(v, &end, 10);

			if (*end || n < 1 || n > 10000)
				return cli_usage_error("--max-sessions takes a number from 1 to 10000, not '%s'", v);
			o.max_sessions = (int)n;
		} else {
			return cli_usage_error("usage: archie serve --socket PATH | --listen 127.0.0.1:PORT [--token-file F] [--workspaces DIR] [--max-sessions N]");
		}
	}
	if (!o.socket == !o.listen)
		return cli_usage_error("archie serve needs one of --socket PATH (a Unix socket) or --listen 127.0.0.1:PORT (token-authenticated)");
	if (!o.workspaces) {
		if (!getcwd(cwd, sizeof(cwd)))
			return cli_error("cannot get the working directory");
		o.workspaces = cwd;
	}
	o.base = ctx;
	rc = serve_run(&o, &err);
	if (rc)
		cli_error("%s", err.buf);
	strbuf_release(&err);
	return rc ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
}

static const struct cmd_usage usage[] = {
	{ "serve --socket PATH", "the HTTP API on a Unix socket (only this user can connect)" },
	{ "serve --listen 127.0.0.1:PORT [--token-file FILE]", "the HTTP API on the loopback, every request with the bearer token" },
	{ NULL, NULL },
};

static const struct cmd_option options[] = {
	{ "--socket PATH", "listen on a Unix socket, made 0600" },
	{ "--listen ADDR:PORT", "listen on 127.0.0.1:PORT (0: any free port); the loopback only" },
	{ "--token-file FILE", "the bearer token's file (made, random and 0600, if missing; default: the state directory's serve-token)" },
	{ "--workspaces DIR", "sessions' workspaces must be in DIR (default: the working directory)" },
	{ "--max-sessions N", "at most N sessions at once (default 64)" },
	{ NULL, NULL },
};

const struct cmd_entry cmd_serve_entry = {
	"serve", usage, options,
	"Hosts agent sessions for tools without a terminal: create a session (POST /v1/sessions "
	"with its workspace), send prompts (POST /v1/sessions/ID/messages), follow its events "
	"(GET /v1/sessions/ID/events, Server-Sent Events in stream-json's schema), answer "
	"approvals, interrupt, list, resume and read the audit trail. Each session runs in its "
	"own thread with its own sandboxed commands, confined to its workspace. Stops on SIGINT "
	"or SIGTERM. See docs/serve.md.",
	cmd_serve_exec, 0,
};
