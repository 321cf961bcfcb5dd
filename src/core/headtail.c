/*
 * headtail: head and tail capture of large output.  See headtail.h.
 */
#include "core/headtail.h"

#include "core/xalloc.h"

#include <stdlib.h>
#include <string.h>

void headtail_init(struct headtail *h, size_t head_cap, size_t tail_cap)
{
	memset(h, 0, sizeof(*h));
	strbuf_init(&h->head, head_cap);
	h->tail_cap = tail_cap;
	h->ring = tail_cap ? xmalloc(tail_cap) : NULL;
}

void headtail_release(struct headtail *h)
{
	strbuf_release(&h->head);
	free(h->ring);
	memset(h, 0, sizeof(*h));
}

void headtail_add(struct headtail *h, const char *data, size_t len)
{
	size_t room = h->head.cap - h->head.len;

	h->total += len;
	if (room) {
		size_t n = len < room ? len : room;

		strbuf_add(&h->head, data, n);
		data += n;
		len -= n;
	}
	if (!len || !h->tail_cap)
		return;
	if (len >= h->tail_cap) {
		memcpy(h->ring, data + len - h->tail_cap, h->tail_cap);
		h->ring_len = h->tail_cap;
		h->ring_pos = 0;
		return;
	}
	while (len) {
		size_t n = h->tail_cap - h->ring_pos;

		if (n > len)
			n = len;
		memcpy(h->ring + h->ring_pos, data, n);
		h->ring_pos = (h->ring_pos + n) % h->tail_cap;
		h->ring_len = h->ring_len + n > h->tail_cap ? h->tail_cap : h->ring_len + n;
		data += n;
		len -= n;
	}
}

size_t headtail_omitted(const struct headtail *h)
{
	return h->total - h->head.len - h->ring_len;
}

static void human_size(struct strbuf *out, size_t n)
{
	if (n >= (size_t)1 << 20)
		strbuf_addf(out, "%.1f MB", (double)n / (1 << 20));
	else if (n >= 1024)
		strbuf_addf(out, "%.1f KB", (double)n / 1024);
	else
		strbuf_addf(out, "%zu bytes", n);
}

void headtail_render(const struct headtail *h, const char *hint,
		     struct strbuf *out)
{
	size_t omitted = headtail_omitted(h);

	strbuf_add(out, h->head.buf, h->head.len);
	if (omitted) {
		if (out->len && out->buf[out->len - 1] != '\n')
			strbuf_addch(out, '\n');
		strbuf_addstr(out, "[... ");
		human_size(out, omitted);
		strbuf_addf(out, " omitted of %zu", h->total);
		if (hint && *hint)
			strbuf_addf(out, "; %s", hint);
		strbuf_addstr(out, " ...]\n");
	}
	if (h->ring_len) {
		size_t start = h->ring_len < h->tail_cap ? 0 : h->ring_pos;

		/* the oldest byte is at ring_pos once the ring is full */
		strbuf_add(out, h->ring + start, h->ring_len - start);
		if (start)
			strbuf_add(out, h->ring, start);
	}
}

size_t headtail_since(const struct headtail *h, size_t from, const char *hint,
		      struct strbuf *out)
{
	size_t ring_start = h->total - h->ring_len, start, k;

	if (from > h->total)
		from = h->total;
	if (from < h->head.len) {
		strbuf_add(out, h->head.buf + from, h->head.len - from);
		from = h->head.len;
	}
	if (from < ring_start) {
		if (out->len && out->buf[out->len - 1] != '\n')
			strbuf_addch(out, '\n');
		strbuf_addstr(out, "[... ");
		human_size(out, ring_start - from);
		strbuf_addstr(out, " omitted");
		if (hint && *hint)
			strbuf_addf(out, "; %s", hint);
		strbuf_addstr(out, " ...]\n");
		from = ring_start;
	}
	/* the ring in order: its oldest byte is at ring_pos once full */
	start = h->ring_len < h->tail_cap ? 0 : h->ring_pos;
	k = (start + (from - ring_start)) % (h->tail_cap ? h->tail_cap : 1);
	if (from < h->total) {
		size_t n = h->total - from, first = h->tail_cap - k < n ? h->tail_cap - k : n;

		strbuf_add(out, h->ring + k, first);
		if (first < n)
			strbuf_add(out, h->ring, n - first);
	}
	return h->total;
}

void headtail_cap_text(const char *text, size_t len, size_t head_cap,
		       size_t tail_cap, const char *hint, struct strbuf *out)
{
	struct headtail h;

	if (len <= head_cap + tail_cap) {
		strbuf_add(out, text, len);
		return;
	}
	headtail_init(&h, head_cap, tail_cap);
	headtail_add(&h, text, len);
	headtail_render(&h, hint, out);
	headtail_release(&h);
}
