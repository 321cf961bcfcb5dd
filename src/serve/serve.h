/*
 * serve: `archie serve`, archie's sessions over HTTP for tools that have
 * no terminal (IDEs, CI jobs, chat bots).
 *
 * One process hosts many sessions (hosted.h), each in its own thread with
 * its own sandboxed commands and a workspace fixed at creation, inside
 * the directory the server was given.  The API (docs/serve.md, described
 * by docs/serve-openapi.yaml) is JSON over HTTP/1.1, served by GNU
 * libmicrohttpd (a thread per connection) on either
 *   - a Unix socket (0600, in a directory only the user can enter), where
 *     the file's permissions are the authentication; or
 *   - a loopback TCP port, where every request carries the bearer token
 *     (a file only the user can read) and a Host naming the loopback (no
 *     DNS rebinding from a browser).
 * Events are Server-Sent Events in stream-json's schema.
 *
 * serve_run returns when SIGINT or SIGTERM arrives, after closing every
 * session (their prompts interrupted, their records complete).
 */
#ifndef ARCHIE_SERVE_H
#define ARCHIE_SERVE_H

#include "cli/cli.h"

struct strbuf;

struct serve_opts {
	const struct cli_ctx *base;	/* the defaults every session starts from */
	const char *socket;		/* a Unix socket's path, or NULL */
	const char *listen;		/* "127.0.0.1:PORT" (PORT 0: any), or NULL */
	const char *token_file;		/* the bearer token's file; NULL: the state dir's */
	const char *workspaces;		/* sessions' workspaces must be in here (absolute) */
	int max_sessions;		/* 0: 64 */
};

/* Serves until a signal; 0, or -1 with err (cannot listen, no library). */
int serve_run(const struct serve_opts *o, struct strbuf *err);

#endif
