/*
 * Fuzz target: the glob matcher and rule strings.  The input is split at
 * its first NUL into a pattern and a text; both matchers must return,
 * whatever they are given (deep ** and * nesting included).
 */
#include "core/glob.h"
#include "core/strbuf.h"
#include "policy/rules.h"

#include "split.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *text;
	struct policy_rule r;
	struct strbuf err = STRBUF_INIT;

	if (size > 512)
		return 0;
	buf = fuzz_split(data, size, &text);
	glob_match(buf, text, 0);
	glob_match(buf, text, GLOB_CASEFOLD | GLOB_NOPATHNAME);
	if (!rules_parse_string(buf, RULE_ASK, &r, &err)) {
		if (!r.tool || !*r.tool)
			abort();
		free(r.tool);
		free(r.pattern);
	}
	strbuf_release(&err);
	free(buf);
	return 0;
}
