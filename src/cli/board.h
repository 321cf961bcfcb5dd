/*
 * board: subagents' progress, one status line each.
 *
 * On a terminal the lines are redrawn in place as children work (a
 * spinner-free line per child: its agent, what it is doing, turns, tokens,
 * time); elsewhere each start, tool call and end is one line of its own,
 * prefixed with the child's name, so logs stay readable.
 *
 * Ownership: a board owns its rows; it writes to a borrowed FILE.
 */
#ifndef ARCHIE_BOARD_H
#define ARCHIE_BOARD_H

#include "loop/loop.h"

#include <stdio.h>

struct board_row {
	char *id;
	char *agent;
	int depth;
	char *doing;		/* the last thing it did, shown */
	const char *state;	/* running, done, failed */
	int turns, tool_calls;
	long long tokens;
	long ms;
};

struct board {
	FILE *out;
	int tty;		/* redraw in place */
	int color;
	struct board_row *rows;
	size_t nr, alloc;
	size_t drawn;		/* lines of the board above the cursor */
};

void board_init(struct board *b, FILE *out, int tty, int color);
void board_release(struct board *b);

/* A child's event (from loop_ui.child). */
void board_event(struct board *b, const struct loop_child_event *ev);

/* Other output is about to be written: the board's lines stay as they
 * are, and the next event starts drawing below that output. */
void board_detach(struct board *b);

/* A short, printable summary of a call's arguments for activity lines
 * (the command, path, pattern, url...; else the first string), its first
 * line at most max bytes, appended to out.  Every UI uses this one. */
void board_summarize_args(const char *args, size_t max, struct strbuf *out);

#endif
