/*
 * decode: what the protocol decoders (openai.c, anthropic.c) share: the
 * reply being assembled, the event callback, the error state, and the
 * tool-call assembly rules.  What one protocol alone needs is its own
 * (d->proto).  Internal to src/provider/.
 */
#ifndef ARCHIE_PROVIDER_DECODE_H
#define ARCHIE_PROVIDER_DECODE_H

#include "provider/wire.h"
#include "provider/sse.h"

/* A tool call while it streams. */
struct decode_call {
	int index;		/* the protocol's index (OpenAI) or block (Anthropic) */
	struct strbuf id;
	struct strbuf name;
	struct strbuf args;
	int started;		/* TOOL_START was emitted */
	int closed;		/* the protocol said it is complete */
};

struct decoder {
	const struct wire *wire;
	struct provider_reply *reply;
	provider_event_fn cb;
	void *ud;
	struct decode_call *calls;
	size_t calls_nr, calls_alloc;
	int done;		/* the protocol's end marker was seen */
	int saw_content;	/* any text or tool call arrived */
	enum provider_error error;
	int retryable;
	struct strbuf errmsg;
	void *proto;		/* the protocol's own state (wire->state_size bytes) */
	long first_content_ms;
	int thinking_blocks;	/* the protocol added its reasoning as blocks */
};

void decoder_init(struct decoder *d, const struct wire *w,
		  struct provider_reply *reply, provider_event_fn cb, void *ud);
void decoder_release(struct decoder *d);

/* Feeds one SSE event; returns 0, or -1 to stop reading the stream. */
int decoder_event(struct decoder *d, const struct sse_event *ev);

/* Ends the stream: closes open tool calls, validates their arguments and
 * moves them into the reply.  Returns 0, or -1 if the stream was cut
 * short (d->error set). */
int decoder_finish(struct decoder *d);

/* Helpers for the protocol decoders. */
void decoder_text(struct decoder *d, const char *text, size_t len);
/* Reasoning text as it streams (shown apart; kept in the reply). */
void decoder_reasoning(struct decoder *d, const char *text, size_t len);
/* A block that goes back with the answer (the reply's blocks): the
 * protocol's own thinking (then the reasoning streamed is not added
 * again as an unsigned block at the end), redacted thinking, a server's
 * tool block. */
void decoder_thinking(struct decoder *d, const char *text, size_t len, const char *signature);
void decoder_opaque_block(struct decoder *d, int redacted, const char *text);
struct decode_call *decoder_new_call(struct decoder *d, int index);
/* The latest call of the protocol's index, or NULL. */
struct decode_call *decoder_call_at(struct decoder *d, int index);
void decoder_call_started(struct decoder *d, struct decode_call *c);
void decoder_set_stop(struct decoder *d, const char *raw);
void decoder_fail(struct decoder *d, enum provider_error e, int retryable,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void decoder_usage(struct decoder *d);
/* The event's data as JSON (the caller's reference); NULL when it is not
 * JSON, with the decoder failed (a retryable protocol error). */
json_t *decoder_json(struct decoder *d, const struct sse_event *ev);
/* Sets the reply's notice (the first one said stays). */
void decoder_notice(struct decoder *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The categories a content filter's results flagged, "violence (high),
 * jailbreak", appended to out (nothing when none was): Azure's
 * content_filter_results, in a stream or an error's innererror. */
void decode_filter_flags(json_t *results, struct strbuf *out);

#endif
