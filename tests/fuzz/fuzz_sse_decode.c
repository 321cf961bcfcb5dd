/*
 * Fuzz target: the SSE parser and both protocol decoders on arbitrary
 * bytes.  The first byte picks the protocol and a chunk size; the stream is
 * parsed whole and in chunks, and the two must give the same events (the
 * split-invariance the network needs).  Then every event goes through the
 * decoder, which must never crash, whatever the JSON says.
 */
#include "core/strbuf.h"
#include "provider/decode.h"
#include "provider/sse.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int collect(void *ud, const struct sse_event *ev)
{
	struct strbuf *sb = ud;

	strbuf_addstr(sb, ev->event);
	strbuf_addch(sb, '\0');
	strbuf_add(sb, ev->data, ev->data_len);
	strbuf_addch(sb, '\0');
	return 0;
}

static int decode(void *ud, const struct sse_event *ev)
{
	return decoder_event(ud, ev) ? 1 : 0;
}

static void parse(const char *d, size_t n, size_t step, struct strbuf *out)
{
	struct sse_parser p;
	size_t off;

	sse_parser_init(&p, collect, out, 1 << 16);
	for (off = 0; off < n; off += step)
		if (sse_parser_feed(&p, d + off, n - off < step ? n - off : step))
			break;
	if (!p.stopped)
		sse_parser_finish(&p);
	sse_parser_release(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf a = STRBUF_INIT_CAP(1 << 24), b = STRBUF_INIT_CAP(1 << 24);
	struct provider_reply reply;
	struct decoder dec;
	struct sse_parser p;
	const char *d = (const char *)data + 1;
	size_t n, step;

	if (size < 1)
		return 0;
	n = size - 1;
	step = (size_t)(data[0] >> 1) % 17 + 1;

	parse(d, n, n ? n : 1, &a);
	parse(d, n, step, &b);
	/* An oversized event stops both parses at different points only if
	 * the split matters, which it must not. */
	if (a.len != b.len || memcmp(a.buf, b.buf, a.len))
		abort();

	provider_reply_init(&reply);
	decoder_init(&dec, data[0] & 1 ? &wire_anthropic : &wire_openai,
		     &reply, NULL, NULL);
	sse_parser_init(&p, decode, &dec, 1 << 16);
	if (!sse_parser_feed(&p, d, n))
		sse_parser_finish(&p);
	decoder_finish(&dec);
	/* every call handed out has an id and either valid arguments or a
	 * stated problem */
	for (size_t i = 0; i < reply.calls_nr; i++)
		if (!reply.calls[i].id[0] || (reply.calls[i].malformed && !reply.calls[i].problem))
			abort();
	sse_parser_release(&p);
	decoder_release(&dec);
	provider_reply_release(&reply);
	strbuf_release(&a);
	strbuf_release(&b);
	return 0;
}
