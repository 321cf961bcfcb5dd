/*
 * Fuzz target: agent_parse() on arbitrary bytes (frontmatter splitting,
 * UTF-8 checks, YAML, every key handler, tool resolution and JSON).
 * Built by `make fuzz` with libFuzzer, and by `make test` as a replay of
 * the kept corpus in tests/fuzz/corpus/fuzz_agent_parse/.
 */
#include "agent/agent.h"
#include "core/diag.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag_list dl = DIAG_LIST_INIT;
	struct agent *a;

	/* the runtime's directory decides how lenient the YAML is and which
	 * rules hold (agent_runtime.c): the input's length picks one */
	static const char *const paths[] = {
		"fuzz.md", "p/.claude/agents/fuzz.md", "p/.opencode/agent/fuzz.md",
		"p/.gemini/agents/fuzz.md",
	};

	a = agent_parse(paths[size % 4], (const char *)data, size, &dl);
	if (a) {
		struct agent_tools t;
		json_t *j = agent_to_json(a, 1);

		/* A parsed agent must be complete: a name, a prompt, JSON. */
		if (!a->name || !a->prompt || !j)
			abort();
		agent_tools_init(&t);
		agent_resolve_tools(a, &t);
		agent_tools_release(&t);
		json_decref(j);
		agent_free(a);
	} else if (!dl.errors) {
		/* Rejected without saying why. */
		abort();
	}
	diag_list_release(&dl);
	return 0;
}
