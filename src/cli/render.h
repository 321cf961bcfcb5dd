/*
 * render: assistant Markdown on a terminal, as it streams.
 *
 * The answer is CommonMark (with GitHub's tables and strikethrough), read
 * by Debian's md4c, not a hand parser.  It streams a block at a time: a
 * block is shown when it is complete (a blank line after it, outside a
 * code fence; the answer's end), so a table can be laid out to the
 * terminal's width and a heading known for one; lines of a code fence
 * show as they come, unless the fence names a language source-highlight
 * knows: then the block shows when it closes, coloured (highlight.h; a
 * block past RENDER_HOLD_MAX goes on streaming in one colour).  Headings bold without their #s, emphasis, inline
 * code and links styled (a link's address after its text), lists with
 * bullets and numbers, quotes with a bar, rules as lines.  Without colour
 * (NO_COLOR, or not a terminal) the text passes through unchanged.
 *
 * Text from the model may hold escape sequences: control characters are
 * never written as they are.
 *
 * Ownership: a render owns its block buffer (render_release); it writes
 * to a borrowed FILE.
 */
#ifndef ARCHIE_RENDER_H
#define ARCHIE_RENDER_H

#include "core/strbuf.h"

#include <stddef.h>
#include <stdio.h>

#define RENDER_HOLD_MAX ((size_t)64 << 10)

struct render {
	FILE *out;
	int color;
	size_t width;		/* the terminal's columns, for tables */
	struct strbuf block;	/* the Markdown of the block being received */
	struct strbuf line;	/* the line being received */
	int blank_due;		/* a block was shown: a blank line before the next */
	int in_fence;		/* inside ``` (its lines are shown as they come) */
	char fence[8];		/* the fence that opened it */
	/* a fence in a language the highlighter knows: its lines held until
	 * it closes, then shown coloured (highlight.h) */
	char lang[32];
	struct strbuf held;
	int printed;		/* anything was written this turn */
	int open_line;		/* the last output did not end a line */
	/* called before anything is written (a spinner erases its line) */
	void (*before_output)(void *ud);
	void *ud;
};

void render_init(struct render *r, FILE *out, int color);
void render_release(struct render *r);
/* Takes more of the answer; returns 1 when something was written (0:
 * held until its block completes). */
int render_text(struct render *r, const char *s, size_t n);
/* Shows what is held (the answer ended, or other output comes) and ends
 * the current line. */
void render_flush(struct render *r);

#endif
