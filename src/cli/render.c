/*
 * render: assistant Markdown on a terminal, a block at a time, through
 * md4c.  See render.h.
 */
#include "cli/render.h"

#include "cli/highlight.h"

#include "core/strvec.h"

#include <md4c.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define BOLD "\033[1m"
#define ITALIC "\033[3m"
#define UNDERLINE "\033[4m"
#define STRIKE "\033[9m"
#define DIM "\033[2m"
#define CYAN "\033[36m"
#define BLUE "\033[34m"
#define RESET "\033[0m"

#define MAX_LISTS 8
#define MAX_COLS 32

/* One md_parse of a block: where output goes and what it is inside of. */
struct md_out {
	struct render *r;
	struct strbuf *to;		/* out, or the table cell being read */
	struct strbuf out;
	int quote;			/* depth of > */
	int lists;			/* depth of lists */
	struct { int ordered; unsigned next; } list[MAX_LISTS];
	int item_open;			/* a bullet was written; the item's first block follows it */
	int code_block;
	int at_line_start;
	struct strbuf href;		/* the link being written */
	size_t link_start;		/* where its text began in *to */
	/* a table: its cells, row by row */
	struct strbuf cell;
	struct strvec cells;		/* every cell, row-major */
	size_t cols, rows;
	int in_table;
};

void render_init(struct render *r, FILE *out, int color)
{
	struct winsize ws;

	memset(r, 0, sizeof(*r));
	r->out = out;
	r->color = color;
	r->width = 80;
	if (isatty(fileno(out)) && !ioctl(fileno(out), TIOCGWINSZ, &ws) && ws.ws_col >= 20)
		r->width = ws.ws_col;
	strbuf_init(&r->block, (size_t)64 << 20);
	strbuf_init(&r->line, (size_t)64 << 20);
	strbuf_init(&r->held, RENDER_HOLD_MAX + 8192);
}

void render_release(struct render *r)
{
	strbuf_release(&r->block);
	strbuf_release(&r->line);
	strbuf_release(&r->held);
}

/* ---- writing ------------------------------------------------------------------- */

static void style(struct md_out *o, const char *s)
{
	if (o->r->color)
		strbuf_addstr(o->to, s);
}

/* The prefix of a new line: quote bars and list indentation. */
static void line_prefix(struct md_out *o)
{
	int i;

	for (i = 0; i < o->quote; i++)
		strbuf_addstr(o->to, o->r->color ? DIM "│ " RESET : "| ");
	if (o->lists > 1)
		strbuf_addf(o->to, "%*s", 2 * (o->lists - 1), "");
	if (o->lists && !o->item_open)
		strbuf_addstr(o->to, "  ");
	if (o->code_block)
		strbuf_addstr(o->to, "    ");
	o->at_line_start = 0;
}

static void newline(struct md_out *o)
{
	if (o->in_table) {
		strbuf_addch(o->to, ' ');
		return;
	}
	strbuf_addch(o->to, '\n');
	o->at_line_start = 1;
	o->item_open = 0;	/* past an item's bullet line: its text is indented */
}

/* Text from the model: control characters (an escape sequence could
 * rewrite the screen) shown as ^X; newlines start prefixed lines. */
static void put(struct md_out *o, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\n') {
			newline(o);
			continue;
		}
		if (o->at_line_start && !o->in_table)
			line_prefix(o);
		highlight_defuse(s + i, 1, o->to);
	}
}

/* Display columns of s: escapes skipped, UTF-8 continuation bytes too. */
static size_t columns(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '\033') {
			while (i < n && s[i] != 'm')
				i++;
			continue;
		}
		c += ((unsigned char)s[i] & 0xC0) != 0x80;
	}
	return c;
}

/* ---- tables ------------------------------------------------------------------------ */

/* The cell, cut to w columns (an ellipsis marks the cut), padded to w. */
static void put_cell(struct strbuf *out, const char *s, size_t w, int color)
{
	size_t i, n = strlen(s), c = columns(s, n);

	if (c <= w) {
		strbuf_addstr(out, s);
		strbuf_addf(out, "%*s", (int)(w - c), "");
		return;
	}
	for (i = 0, c = 0; i < n && c + 1 < w; i++) {
		if (s[i] == '\033') {
			size_t e = i;

			while (e < n && s[e] != 'm')
				e++;
			strbuf_add(out, s + i, e - i + 1);
			i = e;
			continue;
		}
		c += ((unsigned char)s[i] & 0xC0) != 0x80;
		strbuf_addch(out, s[i]);
		while (i + 1 < n && ((unsigned char)s[i + 1] & 0xC0) == 0x80)
			strbuf_addch(out, s[++i]);
	}
	if (color)
		strbuf_addstr(out, RESET);
	strbuf_addstr(out, "…");
	strbuf_addf(out, "%*s", (int)(w > c + 1 ? w - c - 1 : 0), "");
}

/* The table laid out to the terminal: columns as wide as their widest
 * cell, the widest cut when the whole would not fit; the header bold. */
static void table_out(struct md_out *o)
{
	size_t w[MAX_COLS] = { 0 }, total, row, col, sep = 3;
	const size_t cols = o->cols < MAX_COLS ? o->cols : MAX_COLS;

	if (!cols)
		return;
	for (row = 0; row < o->rows; row++)
		for (col = 0; col < cols; col++) {
			const char *s = o->cells.v[row * o->cols + col];
			size_t c = columns(s, strlen(s));

			if (c > w[col])
				w[col] = c;
		}
	for (;;) {
		size_t widest = 0;

		for (total = 0, col = 0; col < cols; col++) {
			total += w[col] + (col ? sep : 0);
			if (w[col] > w[widest])
				widest = col;
		}
		if (total <= o->r->width || w[widest] <= 8)
			break;
		w[widest]--;
	}
	for (row = 0; row < o->rows; row++) {
		for (col = 0; col < cols; col++) {
			if (col)
				strbuf_addstr(&o->out, o->r->color ? DIM " │ " RESET : " | ");
			if (!row)
				style(o, BOLD);
			put_cell(&o->out, o->cells.v[row * o->cols + col], w[col], o->r->color);
			if (!row)
				style(o, RESET);
		}
		strbuf_addch(&o->out, '\n');
		if (!row) {
			for (col = 0; col < cols; col++) {
				size_t k;

				if (col)
					strbuf_addstr(&o->out, o->r->color ? DIM "─┼─" RESET : "-+-");
				style(o, DIM);
				for (k = 0; k < w[col]; k++)
					strbuf_addstr(&o->out, o->r->color ? "─" : "-");
				style(o, RESET);
			}
			strbuf_addch(&o->out, '\n');
		}
	}
}

/* ---- md4c's callbacks --------------------------------------------------------------- */

static int enter_block(MD_BLOCKTYPE type, void *detail, void *ud)
{
	struct md_out *o = ud;

	switch (type) {
	case MD_BLOCK_QUOTE:
		o->quote++;
		break;
	case MD_BLOCK_UL:
	case MD_BLOCK_OL:
		if (o->lists < MAX_LISTS) {
			o->list[o->lists].ordered = type == MD_BLOCK_OL;
			o->list[o->lists].next = type == MD_BLOCK_OL
						 ? ((MD_BLOCK_OL_DETAIL *)detail)->start : 0;
		}
		o->lists++;
		break;
	case MD_BLOCK_LI: {
		int d = o->lists < MAX_LISTS ? o->lists - 1 : MAX_LISTS - 1;

		if (!o->at_line_start)
			newline(o);
		o->item_open = 1;
		line_prefix(o);
		if (o->list[d].ordered)
			strbuf_addf(o->to, "%u. ", o->list[d].next++);
		else
			strbuf_addstr(o->to, o->r->color ? "• " : "- ");
		break;
	}
	case MD_BLOCK_HR:
		line_prefix(o);
		style(o, DIM);
		strbuf_addstr(o->to, o->r->color ? "────────────────────────────────────────"
						  : "----------------------------------------");
		style(o, RESET);
		newline(o);
		break;
	case MD_BLOCK_H:
		style(o, ((MD_BLOCK_H_DETAIL *)detail)->level <= 2 ? BOLD BLUE : BOLD);
		break;
	case MD_BLOCK_CODE:
		o->code_block = 1;
		style(o, CYAN);
		break;
	case MD_BLOCK_TABLE:
		o->in_table = 1;
		o->cols = ((MD_BLOCK_TABLE_DETAIL *)detail)->col_count;
		o->rows = 0;
		strvec_release(&o->cells);
		break;
	case MD_BLOCK_TR:
		o->rows++;
		break;
	case MD_BLOCK_TH:
	case MD_BLOCK_TD:
		strbuf_reset(&o->cell);
		o->to = &o->cell;
		break;
	default:
		break;
	}
	return 0;
}

static int leave_block(MD_BLOCKTYPE type, void *detail, void *ud)
{
	struct md_out *o = ud;

	(void)detail;
	switch (type) {
	case MD_BLOCK_QUOTE:
		o->quote--;
		break;
	case MD_BLOCK_UL:
	case MD_BLOCK_OL:
		o->lists--;
		break;
	case MD_BLOCK_LI:
		o->item_open = 0;
		if (!o->at_line_start)
			newline(o);
		break;
	case MD_BLOCK_H:
		style(o, RESET);
		newline(o);
		break;
	case MD_BLOCK_P:
		o->item_open = 0;
		if (!o->at_line_start)
			newline(o);
		break;
	case MD_BLOCK_CODE:
		style(o, RESET);
		o->code_block = 0;
		if (!o->at_line_start)
			newline(o);
		break;
	case MD_BLOCK_TH:
	case MD_BLOCK_TD:
		strvec_push(&o->cells, o->cell.buf);
		o->to = &o->out;
		break;
	case MD_BLOCK_TABLE:
		o->in_table = 0;
		/* a row short of cells (md4c fills them; be sure) */
		while (o->cells.nr < o->rows * o->cols)
			strvec_push(&o->cells, "");
		table_out(o);
		break;
	default:
		break;
	}
	return 0;
}

static int enter_span(MD_SPANTYPE type, void *detail, void *ud)
{
	struct md_out *o = ud;

	switch (type) {
	case MD_SPAN_EM:
		style(o, ITALIC);
		break;
	case MD_SPAN_STRONG:
		style(o, BOLD);
		break;
	case MD_SPAN_CODE:
		style(o, CYAN);
		break;
	case MD_SPAN_DEL:
		style(o, STRIKE);
		break;
	case MD_SPAN_A: {
		const MD_ATTRIBUTE *h = &((MD_SPAN_A_DETAIL *)detail)->href;

		strbuf_reset(&o->href);
		strbuf_add(&o->href, h->text, h->size);
		o->link_start = o->to->len;
		style(o, UNDERLINE);
		break;
	}
	case MD_SPAN_IMG:
		strbuf_addstr(o->to, "[image: ");
		break;
	default:
		break;
	}
	return 0;
}

static int leave_span(MD_SPANTYPE type, void *detail, void *ud)
{
	struct md_out *o = ud;

	(void)detail;
	switch (type) {
	case MD_SPAN_EM:
		style(o, "\033[23m");
		break;
	case MD_SPAN_STRONG:
		style(o, "\033[22m");
		break;
	case MD_SPAN_CODE:
		style(o, "\033[39m");
		break;
	case MD_SPAN_DEL:
		style(o, "\033[29m");
		break;
	case MD_SPAN_A:
		style(o, "\033[24m");
		/* the address, unless the text is the address */
		if (o->href.len && !strstr(o->to->buf + o->link_start, o->href.buf)) {
			style(o, DIM);
			strbuf_addstr(o->to, " (");
			put(o, o->href.buf, o->href.len);
			strbuf_addch(o->to, ')');
			style(o, "\033[22m");
		}
		break;
	case MD_SPAN_IMG:
		strbuf_addch(o->to, ']');
		break;
	default:
		break;
	}
	return 0;
}

static int text(MD_TEXTTYPE type, const MD_CHAR *s, MD_SIZE n, void *ud)
{
	static const struct { const char *name, *text; } entities[] = {
		{ "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" }, { "&quot;", "\"" },
		{ "&#39;", "'" }, { "&apos;", "'" }, { "&nbsp;", " " }, { "&mdash;", "—" },
		{ "&ndash;", "–" }, { "&hellip;", "…" }, { "&copy;", "©" },
	};
	struct md_out *o = ud;
	size_t i;

	switch (type) {
	case MD_TEXT_BR:
	case MD_TEXT_SOFTBR:
		newline(o);
		break;
	case MD_TEXT_NULLCHAR:
		break;
	case MD_TEXT_ENTITY:
		for (i = 0; i < sizeof(entities) / sizeof(*entities); i++)
			if (strlen(entities[i].name) == n && !memcmp(entities[i].name, s, n)) {
				put(o, entities[i].text, strlen(entities[i].text));
				return 0;
			}
		put(o, s, n);
		break;
	default:
		put(o, s, n);
		break;
	}
	return 0;
}

/* ---- streaming ---------------------------------------------------------------------- */

static void emit(struct render *r, const char *s, size_t n)
{
	if (!n)
		return;
	if (r->before_output)
		r->before_output(r->ud);
	fwrite(s, 1, n, r->out);
	r->printed = 1;
	r->open_line = s[n - 1] != '\n';
}

/* A block between blank lines, rendered whole; blocks are a blank line
 * apart on the screen too. */
static void block_out(struct render *r)
{
	static const MD_PARSER parser = {
		0, MD_FLAG_TABLES | MD_FLAG_STRIKETHROUGH | MD_FLAG_PERMISSIVEAUTOLINKS |
		   MD_FLAG_NOHTML,
		enter_block, leave_block, enter_span, leave_span, text, NULL, NULL,
	};
	struct md_out o;

	if (!r->block.len)
		return;
	memset(&o, 0, sizeof(o));
	o.r = r;
	strbuf_init(&o.out, (size_t)64 << 20);
	strbuf_init(&o.cell, (size_t)1 << 20);
	strbuf_init(&o.href, 8192);
	strvec_init(&o.cells);
	o.to = &o.out;
	o.at_line_start = 1;
	if (r->blank_due)
		emit(r, "\n", 1);
	md_parse(r->block.buf, (MD_SIZE)r->block.len, &parser, &o);
	emit(r, o.out.buf, o.out.len);
	r->blank_due = 1;
	strbuf_reset(&r->block);
	strbuf_release(&o.out);
	strbuf_release(&o.cell);
	strbuf_release(&o.href);
	strvec_release(&o.cells);
}

/* A ``` or ~~~ fence line (up to three spaces before it): its marker,
 * and where its info string starts. */
static int fence_of(const char *line, char *fence, size_t cap, const char **info)
{
	size_t i = strspn(line, " "), n;

	if (i > 3 || (line[i] != '`' && line[i] != '~'))
		return 0;
	n = strspn(line + i, line[i] == '`' ? "`" : "~");
	if (n < 3 || n >= cap)
		return 0;
	memcpy(fence, line + i, n);
	fence[n] = '\0';
	*info = line + i + n;
	return 1;
}

/* A line of a code block as it comes, its characters made safe. */
static void code_line(struct render *r, const char *line, size_t n)
{
	struct md_out o;

	memset(&o, 0, sizeof(o));
	o.r = r;
	strbuf_init(&o.out, (size_t)64 << 20);
	o.to = &o.out;
	strbuf_addstr(&o.out, "    ");
	if (r->color)
		strbuf_addstr(&o.out, CYAN);
	put(&o, line, n && line[n - 1] == '\n' ? n - 1 : n);
	if (r->color)
		strbuf_addstr(&o.out, RESET);
	strbuf_addch(&o.out, '\n');
	emit(r, o.out.buf, o.out.len);
	strbuf_release(&o.out);
}

/* The held lines of a fence: coloured when the highlighter serves, else
 * as they would have streamed.  Streaming goes on plainly after. */
static void held_out(struct render *r, int colour)
{
	struct strbuf hl = STRBUF_INIT_CAP((size_t)8 << 20);
	const char *s, *nl;

	if (colour && r->held.len && !highlight_code(r->lang, r->held.buf, r->held.len, "    ", &hl)) {
		emit(r, hl.buf, hl.len);
	} else {
		for (s = r->held.buf; *s; s = nl + 1) {
			nl = strchr(s, '\n');
			code_line(r, s, nl ? (size_t)(nl + 1 - s) : strlen(s));
			if (!nl)
				break;
		}
	}
	strbuf_release(&hl);
	strbuf_reset(&r->held);
	r->lang[0] = '\0';
}

/* One complete line of the answer (with its '\n'). */
static void take_line(struct render *r, const char *line, size_t n)
{
	const char *info;
	char fence[8];

	if (r->in_fence) {
		size_t i = strspn(line, " ");

		if (i <= 3 && !strncmp(line + i, r->fence, strlen(r->fence)) &&
		    strspn(line + i + strlen(r->fence), " \t\r\n") == n - i - strlen(r->fence)) {
			if (r->lang[0])
				held_out(r, 1);
			r->in_fence = 0;
			r->blank_due = 1;
			return;
		}
		if (r->lang[0]) {
			strbuf_add(&r->held, line, n);
			if (r->held.len > RENDER_HOLD_MAX)	/* too long to wait for */
				held_out(r, 0);
			return;
		}
		code_line(r, line, n);
		return;
	}
	if (fence_of(line, fence, sizeof(fence), &info)) {
		block_out(r);
		if (r->blank_due)
			emit(r, "\n", 1);
		r->blank_due = 0;
		r->in_fence = 1;
		memcpy(r->fence, fence, sizeof(r->fence));
		if (!highlight_lang(info, r->lang, sizeof(r->lang)))
			r->lang[0] = '\0';
		return;
	}
	if (strspn(line, " \t\r\n") == n) {	/* a blank line ends a block */
		block_out(r);
		return;
	}
	strbuf_add(&r->block, line, n);
}

int render_text(struct render *r, const char *s, size_t n)
{
	int before = r->printed;
	size_t i;

	r->printed = 0;
	if (!r->color) {
		/* plain: the text as it came, escapes defused */
		if (n && r->before_output)
			r->before_output(r->ud);
		for (i = 0; i < n; i++)
			if (s[i] == '\033')
				fputs("^[", r->out);
			else
				fputc(s[i], r->out);
		if (n)
			r->open_line = s[n - 1] != '\n';
		fflush(r->out);
		r->printed = before;
		return n > 0;
	}
	for (i = 0; i < n; i++) {
		strbuf_addch(&r->line, s[i]);
		if (s[i] == '\n') {
			take_line(r, r->line.buf, r->line.len);
			strbuf_reset(&r->line);
		}
	}
	fflush(r->out);
	i = (size_t)r->printed;
	r->printed |= before;
	return (int)i;
}

void render_flush(struct render *r)
{
	if (r->line.len) {
		strbuf_addch(&r->line, '\n');
		take_line(r, r->line.buf, r->line.len);
		strbuf_reset(&r->line);
	}
	if (r->lang[0])		/* the answer ended inside a fence */
		held_out(r, 1);
	block_out(r);
	if (r->open_line) {
		if (r->before_output)
			r->before_output(r->ud);
		fputc('\n', r->out);
	}
	r->open_line = 0;
	r->blank_due = 0;
	fflush(r->out);
}
