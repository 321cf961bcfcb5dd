/*
 * Fuzz target: toml_parse() on arbitrary bytes (Gemini CLI's command
 * files and Codex's config.toml are read with it).  Built by `make fuzz`
 * with libFuzzer, and by `make test` as a replay of the kept corpus in
 * tests/fuzz/corpus/fuzz_toml/.
 */
#include "core/strbuf.h"
#include "core/toml.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf err = STRBUF_INIT;
	int line = 0, col = 0;
	json_t *j = toml_parse((const char *)data, size, &line, &col, &err);

	if (j) {
		char *s = json_dumps(j, JSON_ENCODE_ANY);

		/* a document is an object that serialises, with no error */
		if (!json_is_object(j) || !s || err.len)
			abort();
		free(s);
		json_decref(j);
	} else if (!err.len || line < 1 || col < 1) {
		abort();	/* every failure is located */
	}
	strbuf_release(&err);
	return 0;
}
