/*
 * Fuzz target: the redactor, which reads everything the store keeps
 * (model output, tool results, fetched pages).  It must return on any
 * bytes, never grow text without bound, and never let a registered secret
 * value through, whatever surrounds it.
 */
#include "core/strbuf.h"
#include "store/redact.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SECRET "Zq9-fuzz-secret-value-77"

static struct redactor red;
static int ready;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf in = STRBUF_INIT, out = STRBUF_INIT;

	if (size > 65536)
		return 0;
	if (!ready) {
		redact_init(&red);
		redact_add_value(&red, SECRET);
		ready = 1;
	}
	/* the input, with the secret planted in its middle */
	strbuf_add(&in, data, size / 2);
	strbuf_addstr(&in, SECRET);
	strbuf_add(&in, data + size / 2, size - size / 2);
	redact(&red, in.buf, in.len, &out);
	if (memmem(out.buf, out.len, SECRET, strlen(SECRET)))
		abort();
	/* each secret becomes a short marker: bounded growth */
	if (out.len > in.len * 4 + 256)
		abort();
	strbuf_release(&in);
	strbuf_release(&out);
	return 0;
}
