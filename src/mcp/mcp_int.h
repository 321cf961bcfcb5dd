/*
 * mcp_int: what the MCP client's files share.  Not for other modules:
 * they use mcp.h.
 *
 *   mcp.c          the registry: start, handshake, lists, calls, restart
 *   mcp_config.c   configuration files: reading, `mcp add|remove`
 *   mcp_rpc.c      the message layer (requests, what servers ask and
 *                  say, cancellation) and the stdio transport
 *   mcp_http.c     Streamable HTTP and the older HTTP+SSE transport
 *   mcp_content.c  results rendered for the model; resources, prompts
 *   mcp_oauth.c    OAuth 2.1 for remote servers
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

/* One request in flight: what its response and notifications reach. */
struct mcp_pending {
	long id;
	const char *method;
	char token[32];			/* its progressToken ("" if none) */
	const struct mcp_client *client;
	json_t *result;			/* the response's result, once in */
	int done;			/* a response (result or error) came */
	struct strbuf *err;		/* an error response, in words */
	int abandoned;			/* interrupted or timed out: tell the server */
};

/* ---- mcp_rpc.c ---- */

/* Starts a stdio server's process (environment scrubbed). */
int mcp_spawn(struct mcp *m, struct mcp_server *s, struct strbuf *err);
/* One request and its response (*result, a new reference), over the
 * server's transport; what the server asks or says meanwhile is handled
 * (c: the caller's, may be NULL).  On an interruption or a timeout the
 * server is told (notifications/cancelled). */
int mcp_rpc(struct mcp *m, struct mcp_server *s, const char *method, json_t *params,
	    long timeout_ms, const struct mcp_client *c, json_t **result, struct strbuf *err);
/* A notification (no response); params may be NULL. */
int mcp_notify(struct mcp_server *s, const char *method, json_t *params, struct strbuf *err);
/* A message from the server: a response to pending (1 when it is), a
 * request answered (through send_reply), a notification heard. */
int mcp_dispatch(struct mcp *m, struct mcp_server *s, json_t *msg, struct mcp_pending *p);
/* The answer to a request the server made (a new reference). */
json_t *mcp_answer(struct mcp *m, struct mcp_server *s, json_t *req, const struct mcp_client *c);
/* -1 with err when a wait for p's answer must end: archie stops, the
 * user interrupted, or timeout_ms passed since t0 (p marked abandoned). */
int mcp_gave_up(struct mcp_pending *p, long t0, long timeout_ms, struct strbuf *err);
/* Reads what a stdio server sent while nobody waited, and answers it. */
void mcp_poll_stdio(struct mcp *m, struct mcp_server *s);
/* How a stdio server ended, in words (appended); 1 if it has ended. */
int mcp_exit_status(struct mcp_server *s, struct strbuf *out);

/* ---- mcp_http.c ---- */

/* A request over HTTP (Streamable or HTTP+SSE); see mcp_rpc. */
int mcp_http_rpc(struct mcp *m, struct mcp_server *s, json_t *req, struct mcp_pending *p,
		 long timeout_ms, struct strbuf *err);
/* A notification or an answer POSTed (status 2xx expected). */
int mcp_http_send(struct mcp_server *s, json_t *msg, struct strbuf *err);
/* HTTP+SSE: opens the event stream and waits for its endpoint. */
int mcp_sse_open(struct mcp *m, struct mcp_server *s, long timeout_ms, struct strbuf *err);
/* Ends a remote session: DELETE (Streamable HTTP), the stream closed
 * (HTTP+SSE). */
void mcp_http_close(struct mcp_server *s);
/* Handles the messages an HTTP+SSE stream brought while nobody waited. */
void mcp_poll_sse(struct mcp *m, struct mcp_server *s);

/* ---- mcp_oauth.c ---- */

/* The stored access token of a remote server into s->oauth_token; with
 * refresh 1, refreshed when it expires; 2, refreshed now (after a 401).
 * 0, or -1 (none; err says why when there was one to refresh). */
int mcp_oauth_token(struct mcp *m, struct mcp_server *s, int refresh, struct strbuf *err);

/* ---- mcp.c ---- */

/* initialize (version checked, capabilities and instructions kept), then
 * initialized (the HTTP transport initialises again when a server forgot
 * the session). */
int mcp_handshake(struct mcp *m, struct mcp_server *s, struct strbuf *err);
/* A notice to the caller's client, or the idle one, or the log. */
void mcp_tell(struct mcp *m, const struct mcp_client *c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- mcp_config.c ---- */

void mcp_server_release(struct mcp_server *s);

#endif
