/*
 * Fuzz target: routing keywords and agent references.  The input is split
 * at its first NUL into a keyword and a prompt; matching must return
 * whatever either holds (regex syntax, invalid UTF-8, long runs of
 * spaces), a literal keyword found in the text must match itself when it
 * is bounded by spaces, and a reference always resolves to a substring.
 */
#include "agent/routing.h"
#include "core/strbuf.h"

#include "split.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf name = STRBUF_INIT, spaced = STRBUF_INIT;
	char *buf, *text;

	if (size > 2048)
		return 0;
	buf = fuzz_split(data, size, &text);
	routing_keyword_in(buf, text, strlen(text));
	/* " KEYWORD " contains the keyword, if it is valid, printable ASCII */
	{
		size_t i, n = strlen(buf);
		int plain = n > 0 && buf[0] != ' ' && buf[n - 1] != ' ';

		for (i = 0; i < n; i++)
			plain &= buf[i] > ' ' && buf[i] < 0x7f;
		if (plain) {
			strbuf_addf(&spaced, " %s ", buf);
			if (!routing_keyword_in(buf, spaced.buf, spaced.len))
				abort();
		}
	}
	routing_ref_name(text, strlen(text), &name);
	if (name.len > strlen(text))
		abort();
	strbuf_release(&name);
	strbuf_release(&spaced);
	free(buf);
	return 0;
}
