/*
 * streamjson: the loop's events as stream-json, one JSON object each
 * (docs/output-format.md): `archie -p --output-format stream-json` prints
 * them a line at a time, `archie serve` sends them as Server-Sent Events.
 * One builder for both, so a client of either reads the same schema.
 *
 * Ownership: a streamjson borrows its session; emit takes each event's
 * reference.
 */
#ifndef ARCHIE_STREAMJSON_H
#define ARCHIE_STREAMJSON_H

#include "loop/loop.h"

#include <jansson.h>

#define STREAMJSON_VERSION 1

struct session;

struct streamjson {
	void (*emit)(void *ud, json_t *ev);	/* takes the reference */
	void *ud;
	struct session *s;		/* for the init event (set once open) */
};

/* Sets ui's event callbacks (text, reasoning, discard, retry, tool_start,
 * tool_end, verdict, todos, turn_end, child, notice, compaction, started)
 * to emit stream-json through sj; ui->ud becomes sj.  approve and elicit
 * are left as they were. */
void streamjson_ui(struct streamjson *sj, struct loop_ui *ui);

/* The closing "result" event of a run (a new reference). */
json_t *streamjson_result(const struct loop *l, enum loop_exit ex, const char *error,
			  long duration_ms);

#endif
