/*
 * board: subagents' status lines.  See board.h.
 */
#include "cli/board.h"

#include "core/strbuf.h"
#include "core/xalloc.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define DIM "\033[2m"
#define RESET "\033[0m"

void board_init(struct board *b, FILE *out, int tty, int color)
{
	memset(b, 0, sizeof(*b));
	b->out = out;
	b->tty = tty;
	b->color = color;
}

static void clear_rows(struct board *b)
{
	size_t i;

	for (i = 0; i < b->nr; i++) {
		free(b->rows[i].id);
		free(b->rows[i].agent);
		free(b->rows[i].doing);
	}
	b->nr = 0;
}

void board_release(struct board *b)
{
	clear_rows(b);
	free(b->rows);
	memset(b, 0, sizeof(*b));
}

void board_summarize_args(const char *args, size_t max, struct strbuf *out)
{
	static const char *const keys[] = {
		"command", "path", "pattern", "url", "fact", "description", "file_path", "query",
	};
	json_error_t jerr;
	json_t *j = args ? json_loads(args, 0, &jerr) : NULL, *v;
	const char *key, *s = NULL;
	size_t i;

	for (i = 0; j && !s && i < sizeof(keys) / sizeof(*keys); i++)
		s = json_string_value(json_object_get(j, keys[i]));
	if (!s) {
		json_object_foreach(j, key, v) {
			if (json_is_string(v)) {
				s = json_string_value(v);
				break;
			}
		}
	}
	if (s) {
		size_t n = strcspn(s, "\n");

		strbuf_add_printable(out, s, n > max ? max : n);
	}
	json_decref(j);
}

static struct board_row *row_of(struct board *b, const struct loop_child_event *ev)
{
	struct board_row *r;
	size_t i;

	for (i = 0; i < b->nr; i++)
		if (!strcmp(b->rows[i].id, ev->id) && !strcmp(b->rows[i].agent, ev->agent))
			return &b->rows[i];
	ALLOC_GROW(b->rows, b->nr + 1, b->alloc);
	r = &b->rows[b->nr++];
	memset(r, 0, sizeof(*r));
	r->id = xstrdup(ev->id);
	r->agent = xstrdup(ev->agent);
	r->depth = ev->depth;
	r->state = "running";
	return r;
}

static void row_text(const struct board_row *r, struct strbuf *sb)
{
	strbuf_addf(sb, "%*s%s %s", 2 * r->depth, "",
		    !strcmp(r->state, "running") ? "~" : !strcmp(r->state, "done") ? "+" : "!",
		    r->agent);
	strbuf_addf(sb, " [%d turn%s, %d tool%s, %lld tokens, %.1fs]", r->turns,
		    r->turns == 1 ? "" : "s", r->tool_calls, r->tool_calls == 1 ? "" : "s",
		    r->tokens, (double)r->ms / 1000);
	if (r->doing)
		strbuf_addf(sb, " %s", r->doing);
}

static void redraw(struct board *b)
{
	struct strbuf sb = STRBUF_INIT_CAP(4096);
	size_t i;

	if (b->drawn)
		fprintf(b->out, "\033[%zuA", b->drawn);
	for (i = 0; i < b->nr; i++) {
		strbuf_reset(&sb);
		row_text(&b->rows[i], &sb);
		/* one terminal line each, or the redraw drifts */
		if (sb.len > 150) {
			strbuf_setlen(&sb, 150);
			strbuf_utf8_trim_partial(&sb);
		}
		fprintf(b->out, "\r\033[2K%s%s%s\n", b->color ? DIM : "", sb.buf,
			b->color ? RESET : "");
	}
	b->drawn = b->nr;
	fflush(b->out);
	strbuf_release(&sb);
}

void board_event(struct board *b, const struct loop_child_event *ev)
{
	struct board_row *r = row_of(b, ev);
	struct strbuf sb = STRBUF_INIT_CAP(512);
	size_t i;
	int running = 0;

	r->turns = ev->turns;
	r->tool_calls = ev->tool_calls;
	r->tokens = ev->input_tokens + ev->output_tokens;
	r->ms = ev->ms;
	if (!strcmp(ev->kind, "start")) {
		strbuf_addstr(&sb, "started");
		if (ev->description)
			strbuf_addf(&sb, ": %s", ev->description);
	} else if (!strcmp(ev->kind, "tool")) {
		strbuf_addf(&sb, "> %s ", ev->tool);
		board_summarize_args(ev->args, 80, &sb);
	} else if (!strcmp(ev->kind, "retry")) {
		/* the reason rides in args */
		strbuf_add_printable(&sb, ev->args, strcspn(ev->args, "\n") > 120
							  ? 120 : strcspn(ev->args, "\n"));
	} else if (!strcmp(ev->kind, "end")) {
		r->state = ev->outcome && (!strcmp(ev->outcome, "ok") ||
					   !strcmp(ev->outcome, "max_turns") ||
					   !strcmp(ev->outcome, "token_budget")) ? "done" : "failed";
		strbuf_addstr(&sb, ev->outcome ? ev->outcome : "ended");
		if (!b->tty)
			strbuf_addf(&sb, " (%d turn%s, %d tool call%s, %lld tokens, %.1f s)", ev->turns,
				    ev->turns == 1 ? "" : "s", ev->tool_calls,
				    ev->tool_calls == 1 ? "" : "s", r->tokens, (double)ev->ms / 1000);
		if (ev->error) {
			strbuf_addstr(&sb, ": ");
			strbuf_add_printable(&sb, ev->error, strcspn(ev->error, "\n") > 160
							     ? 160 : strcspn(ev->error, "\n"));
		}
	}
	if (sb.len) {
		free(r->doing);
		r->doing = xstrdup(sb.buf);
	}
	if (b->tty) {
		redraw(b);
		for (i = 0; i < b->nr; i++)
			running |= !strcmp(b->rows[i].state, "running");
		if (!running)
			board_detach(b);	/* all done: the lines stay */
	} else if (sb.len && strcmp(ev->kind, "turn")) {
		fprintf(b->out, "%*s[%s] %s\n", 2 + 2 * (ev->depth - 1), "", ev->agent, sb.buf);
		fflush(b->out);
	}
	strbuf_release(&sb);
}

void board_detach(struct board *b)
{
	b->drawn = 0;
	clear_rows(b);
}
