/*
 * sse: an incremental Server-Sent Events parser (WHATWG HTML, "event stream
 * interpretation").
 *
 * Bytes arrive from the network in chunks split anywhere: mid-line, between
 * CR and LF, mid-UTF-8 sequence.  sse_parser_feed() takes each chunk as it
 * comes and calls back once per complete event, with the same events
 * whatever the split.  Lines end with LF, CRLF or CR; `data:` lines are
 * joined with LF; lines starting with ':' are comments; `event:` names the
 * event; a blank line dispatches.  The parser never interprets the data
 * (`[DONE]`, JSON): that is the protocol decoder's job.
 *
 * Ownership: the event passed to the callback borrows the parser's buffers
 * and is valid only during the call.  Each event's data is capped
 * (max_event bytes): a longer one is an error, never unbounded growth.
 */
#ifndef ARCHIE_SSE_H
#define ARCHIE_SSE_H

#include "core/strbuf.h"

#include <stddef.h>

struct sse_event {
	const char *event;	/* "message" when the stream gave no name */
	const char *data;	/* the data lines joined with '\n' */
	size_t data_len;
	const char *id;		/* last event id seen, "" if none */
};

/* Returns 0 to go on, non-zero to stop parsing (feed then returns -1). */
typedef int (*sse_callback)(void *ud, const struct sse_event *ev);

struct sse_parser {
	sse_callback cb;
	void *ud;
	struct strbuf line;	/* the line being assembled */
	struct strbuf data;
	struct strbuf event;
	struct strbuf id;
	int have_data;		/* a data field was seen in this event */
	int after_cr;		/* last byte was CR: skip a following LF */
	int bom_checked;
	int stopped;
	int overflow;
	size_t events;		/* dispatched so far */
};

void sse_parser_init(struct sse_parser *p, sse_callback cb, void *ud,
		     size_t max_event);
void sse_parser_release(struct sse_parser *p);

/* Feeds a chunk.  Returns 0, or -1 when the callback stopped the parse or
 * an event exceeded max_event (p->overflow set). */
int sse_parser_feed(struct sse_parser *p, const char *buf, size_t len);

/*
 * Ends the stream.  An event left without its closing blank line is
 * dispatched anyway: the spec says to drop it, but servers that close the
 * connection right after their last `data:` line are common, and dropping
 * their final event would lose the end of an answer.
 */
int sse_parser_finish(struct sse_parser *p);

#endif
