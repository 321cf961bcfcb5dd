/*
 * render: streaming Markdown styling.  See render.h.
 */
#include "cli/render.h"

#include <string.h>

#define BOLD "\033[1m"
#define DIM "\033[2m"
#define CYAN "\033[36m"
#define RESET "\033[0m"

void render_init(struct render *r, FILE *out, int color)
{
	memset(r, 0, sizeof(*r));
	r->out = out;
	r->color = color;
	r->at_line_start = 1;
}

static void style(struct render *r, const char *s)
{
	if (r->color)
		fputs(s, r->out);
}

/* Re-applies the inline styles in force after a reset. */
static void restyle(struct render *r)
{
	if (r->heading || r->in_bold)
		style(r, BOLD);
	if (r->in_code || r->in_fence)
		style(r, CYAN);
}

static void end_line(struct render *r)
{
	if (r->star) {
		fputc('*', r->out);
		r->star = 0;
	}
	style(r, RESET);
	fputc('\n', r->out);
	r->line_started = 0;
	r->pending_len = 0;
	r->in_code = 0;
	r->in_bold = 0;
	r->heading = 0;
	r->at_line_start = 1;
}

/* Chooses the line's style from its first characters and prints them. */
static void start_line(struct render *r)
{
	const char *p = r->pending;
	size_t n = r->pending_len;

	r->line_started = 1;
	r->at_line_start = 0;
	if (n >= 3 && !strncmp(p, "```", 3)) {
		r->in_fence = !r->in_fence;
		style(r, DIM);
		fwrite(p, 1, n, r->out);
		return;
	}
	if (r->in_fence) {
		style(r, CYAN);
		fwrite(p, 1, n, r->out);
		return;
	}
	if (n && p[0] == '#') {
		r->heading = 1;
		style(r, BOLD);
		fwrite(p, 1, n, r->out);
		return;
	}
	if (n >= 2 && (p[0] == '-' || p[0] == '*') && p[1] == ' ') {
		fputs(r->color ? "\xe2\x80\xa2 " : "- ", r->out);
		p += 2;
		n -= 2;
	}
	r->pending_len = 0;
	render_text(r, p, n);
}

static void inline_char(struct render *r, char c)
{
	if (!r->color || r->in_fence || r->heading) {
		fputc(c, r->out);
		return;
	}
	if (c == '`') {
		r->in_code = !r->in_code;
		style(r, r->in_code ? CYAN : RESET);
		if (!r->in_code)
			restyle(r);
		return;
	}
	if (!r->in_code && c == '*') {
		if (r->star) {
			r->star = 0;
			r->in_bold = !r->in_bold;
			style(r, r->in_bold ? BOLD : RESET);
			if (!r->in_bold)
				restyle(r);
			return;
		}
		r->star = 1;
		return;
	}
	if (r->star) {
		fputc('*', r->out);
		r->star = 0;
	}
	fputc(c, r->out);
}

void render_text(struct render *r, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '\n') {
			if (!r->line_started && r->pending_len)
				start_line(r);
			end_line(r);
			continue;
		}
		if (!r->line_started) {
			r->pending[r->pending_len++] = c;
			/* three characters tell a fence, a heading or a bullet */
			if (r->pending_len == 3)
				start_line(r);
			continue;
		}
		inline_char(r, c);
	}
	fflush(r->out);
}

void render_flush(struct render *r)
{
	if (!r->line_started && r->pending_len)
		start_line(r);
	if (r->line_started)
		end_line(r);
	fflush(r->out);
}
