/*
 * sse: incremental Server-Sent Events parsing.  See sse.h.
 */
#include "provider/sse.h"

#include <string.h>

void sse_parser_init(struct sse_parser *p, sse_callback cb, void *ud,
		     size_t max_event)
{
	memset(p, 0, sizeof(*p));
	p->cb = cb;
	p->ud = ud;
	/* A line can be as long as an event, plus its field name. */
	strbuf_init(&p->line, max_event + 64);
	strbuf_init(&p->data, max_event);
	strbuf_init(&p->event, 256);
	strbuf_init(&p->id, 1024);
}

void sse_parser_release(struct sse_parser *p)
{
	strbuf_release(&p->line);
	strbuf_release(&p->data);
	strbuf_release(&p->event);
	strbuf_release(&p->id);
}

static int dispatch(struct sse_parser *p)
{
	struct sse_event ev;
	int rc = 0;

	if (p->have_data) {
		/* The spec appends '\n' after every data line and strips the
		 * last one; joining with '\n' is the same. */
		ev.event = p->event.len ? p->event.buf : "message";
		ev.data = p->data.buf;
		ev.data_len = p->data.len;
		ev.id = p->id.buf;
		p->events++;
		if (p->cb(p->ud, &ev))
			rc = -1;
	}
	strbuf_reset(&p->data);
	strbuf_reset(&p->event);
	p->have_data = 0;
	return rc;
}

static int process_line(struct sse_parser *p, const char *line, size_t len)
{
	const char *colon, *value;
	size_t name_len, value_len;

	if (!len)
		return dispatch(p);
	if (line[0] == ':')
		return 0;	/* comment, e.g. ": keep-alive" */
	colon = memchr(line, ':', len);
	if (colon) {
		name_len = (size_t)(colon - line);
		value = colon + 1;
		value_len = len - name_len - 1;
		if (value_len && *value == ' ') {
			value++;
			value_len--;
		}
	} else {
		name_len = len;
		value = line + len;
		value_len = 0;
	}
	if (name_len == 4 && !memcmp(line, "data", 4)) {
		if (p->have_data && strbuf_addch(&p->data, '\n') < 0)
			goto overflow;
		if (strbuf_add(&p->data, value, value_len) < 0)
			goto overflow;
		p->have_data = 1;
	} else if (name_len == 5 && !memcmp(line, "event", 5)) {
		strbuf_reset(&p->event);
		strbuf_add(&p->event, value, value_len);
	} else if (name_len == 2 && !memcmp(line, "id", 2)) {
		if (!memchr(value, '\0', value_len)) {
			strbuf_reset(&p->id);
			strbuf_add(&p->id, value, value_len);
		}
	}
	/* "retry" and unknown fields are ignored, as the spec says. */
	return 0;
overflow:
	p->overflow = 1;
	return -1;
}

int sse_parser_feed(struct sse_parser *p, const char *buf, size_t len)
{
	size_t i = 0;

	if (p->stopped)
		return -1;
	if (!p->bom_checked && len) {
		/* A UTF-8 BOM may start the stream; it may itself be split,
		 * so it is handled through the line buffer. */
		static const char bom[] = "\xef\xbb\xbf";
		size_t have = p->line.len, take = 0;

		while (have + take < 3 && take < len &&
		       buf[take] == bom[have + take])
			take++;
		if (have + take == 3) {
			strbuf_reset(&p->line);
			i = take;
			p->bom_checked = 1;
		} else if (take == len) {
			strbuf_add(&p->line, buf, len);	/* could still be a BOM */
			return 0;
		} else {
			p->bom_checked = 1;	/* not a BOM: bytes are data */
		}
	}
	while (i < len) {
		const char *start = buf + i;
		size_t n = len - i, k;

		if (p->after_cr) {
			p->after_cr = 0;
			if (*start == '\n') {
				i++;
				continue;
			}
		}
		for (k = 0; k < n && start[k] != '\n' && start[k] != '\r'; k++)
			;
		if (k == n) {
			if (strbuf_add(&p->line, start, n) < 0) {
				p->overflow = 1;
				p->stopped = 1;
				return -1;
			}
			break;
		}
		if (p->line.len) {
			if (strbuf_add(&p->line, start, k) < 0) {
				p->overflow = 1;
				p->stopped = 1;
				return -1;
			}
			if (process_line(p, p->line.buf, p->line.len)) {
				p->stopped = 1;
				return -1;
			}
			strbuf_reset(&p->line);
		} else if (process_line(p, start, k)) {
			p->stopped = 1;
			return -1;
		}
		p->after_cr = start[k] == '\r';
		i += k + 1;
	}
	return 0;
}

int sse_parser_finish(struct sse_parser *p)
{
	if (p->stopped)
		return -1;
	if (p->line.len) {
		if (process_line(p, p->line.buf, p->line.len))
			return -1;
		strbuf_reset(&p->line);
	}
	return dispatch(p);
}
