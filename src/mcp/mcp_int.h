/*
 * mcp_int: what mcp.c (the servers: configuration, start, tools, calls)
 * and mcp_rpc.c (the transports: stdio and Streamable HTTP) share.  Not
 * for other modules: they use mcp.h.
 */
#ifndef ARCHIE_MCP_INT_H
#define ARCHIE_MCP_INT_H

#include "mcp/mcp.h"

#include <jansson.h>
#include <signal.h>

#define START_TIMEOUT_MS 10000L
#define CALL_TIMEOUT_MS 120000L
#define LINE_MAX_BYTES ((size_t)64 << 20)

/* Set while shutting down: waits end at once. */
extern _Atomic int mcp_stopping;

/* Starts a stdio server's process (environment scrubbed). */
int mcp_spawn(struct mcp *m, struct mcp_server *s, struct strbuf *err);
/* One request and its response (*result, a new reference), over the
 * server's transport; notifications that arrive meanwhile are noted. */
int mcp_rpc(struct mcp *m, struct mcp_server *s, const char *method, json_t *params,
	    long timeout_ms, volatile sig_atomic_t *cancel, json_t **result, struct strbuf *err);
/* A notification (no response). */
int mcp_notify(struct mcp_server *s, const char *method, struct strbuf *err);
/* How a stdio server ended, in words (appended). */
void mcp_exit_status(struct mcp_server *s, struct strbuf *out);
/* initialize (version checked), then initialized (mcp.c; the HTTP
 * transport initialises again when a server forgot the session). */
int mcp_handshake(struct mcp *m, struct mcp_server *s, struct strbuf *err);

#endif
