/*
 * hosted: one agent session run by `archie serve`.
 *
 * A hosted session is a CLI session (cli/session.h) opened with a
 * workspace of its own, and a thread that runs its prompts one at a time.
 * Everything the loop does becomes a stream-json event (cli/streamjson.h)
 * kept in order, numbered from 1, in a bounded in-memory log that any
 * number of readers follow (the API's Server-Sent Events); the session's
 * record is the store's, as for any session.  Approvals the policy asks
 * for wait, as an "approval" event, until a client answers, the session is
 * interrupted or it is closed (a denial); an MCP server's questions
 * likewise, as "elicitation" events (cancelled when nobody answers).
 *
 * Ownership: the caller (serve.c's registry) owns a hosted session and
 * frees it with hosted_close, once no reader is inside it.
 */
#ifndef ARCHIE_HOSTED_H
#define ARCHIE_HOSTED_H

#include "cli/cli.h"
#include "core/strbuf.h"

#include <jansson.h>

/* Events kept per session for late readers: the oldest go first beyond
 * either bound (a reader that asks for them is told where the log now
 * starts). */
#define HOSTED_EVENTS_MAX 4096
#define HOSTED_EVENT_BYTES_MAX ((size_t)8 << 20)

struct hosted;

/* What a session is created with; NULL strings: the server's defaults. */
struct hosted_spec {
	const char *workspace;		/* absolute, a real directory (checked by the caller) */
	const char *agent, *model, *permission_mode;
	const char *resume;		/* a recorded session to continue */
};

/* Opens a session (agents, config, model, MCP servers...) from the
 * server's options base with spec on top, and starts its thread.  NULL
 * with err (as `archie -p` would say it). */
struct hosted *hosted_open(const struct cli_ctx *base, const struct hosted_spec *spec,
			   struct strbuf *err);

/* Stops it: the running prompt is interrupted, waiting approvals denied,
 * readers woken (their stream ends), then everything is released. */
void hosted_close(struct hosted *h);

const char *hosted_id(const struct hosted *h);

/* The session as JSON: {id, agent, model, workspace, status (idle,
 * running, waiting), turns, cost, events (the last seq)} (new reference). */
json_t *hosted_info(struct hosted *h);

/* Queues a prompt; 0, or -1 with err (busy: a prompt is running; the
 * session is closing). */
int hosted_prompt(struct hosted *h, const char *prompt, struct strbuf *err);

/* Interrupts the running prompt (and denies what waits for approval);
 * 0, or -1 when nothing runs. */
int hosted_interrupt(struct hosted *h);

/* Answers approval id: decision "allow", "deny" or "always" (reason: a
 * denial's, may be NULL).  0, or -1 with err (no such approval waiting;
 * a bad decision). */
int hosted_answer(struct hosted *h, long long id, const char *decision, const char *reason,
		  struct strbuf *err);

/* Answers elicitation id (an MCP server's question): action "accept"
 * (content: the answers, an object), "decline" or "cancel".  0, or -1
 * with err. */
int hosted_elicit_answer(struct hosted *h, long long id, const char *action, json_t *content,
			 struct strbuf *err);

/*
 * Readers.  hosted_read appends to out the events after seq `after` as
 * Server-Sent Events ("id: N\ndata: JSON\n\n"), at most max bytes' worth
 * (always at least one whole event), and sets *after to the last one
 * given.  When there are none it waits up to wait_ms.  Returns 1 (events
 * or a wait that ended), 0 when the session is closed (end the stream).
 * The first read after events were dropped from the log starts with a
 * {"type":"gap"} event saying which.
 */
int hosted_read(struct hosted *h, long long *after, size_t max, long wait_ms,
		struct strbuf *out);

/* Readers hold a reference while they read (hosted_close waits for
 * none). */
void hosted_hold(struct hosted *h);
void hosted_unhold(struct hosted *h);

#endif
