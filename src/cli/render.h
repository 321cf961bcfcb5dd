/*
 * render: assistant Markdown on a terminal, as it streams.
 *
 * Output goes to the scrollback once, never redrawn: each line is styled
 * as soon as its start says what it is (a heading, a list item, a code
 * fence), then streamed character by character, with `code` and **bold**
 * styled inline.  Without colour (NO_COLOR, or not a terminal) the text
 * passes through unchanged.
 */
#ifndef ARCHIE_RENDER_H
#define ARCHIE_RENDER_H

#include <stddef.h>
#include <stdio.h>

struct render {
	FILE *out;
	int color;
	char pending[8];	/* the start of a line, not yet classified */
	size_t pending_len;
	int line_started;	/* the line's style has been chosen */
	int in_fence;
	int in_code;		/* inside `code` */
	int in_bold;
	int star;		/* a '*' was seen, waiting for a second */
	int at_line_start;
	int heading;
};

void render_init(struct render *r, FILE *out, int color);
void render_text(struct render *r, const char *s, size_t n);
/* Ends the current line, if one is open (before other output). */
void render_flush(struct render *r);

#endif
