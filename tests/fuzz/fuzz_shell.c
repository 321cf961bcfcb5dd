/*
 * Fuzz target: the shell parser and the policy on arbitrary command lines.
 * Every command found must have a well-formed argv, and the policy must
 * reach a verdict (never crash, never allow what the parser could not
 * interpret).
 */
#include "core/strbuf.h"
#include "policy/policy.h"
#include "policy/shell.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct shell_parse sp;
	struct policy p;
	struct policy_decision d;
	char *s;
	size_t i, j;
	int uncertain;
	json_t *args;

	if (size > 4096)
		return 0;
	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	shell_parse_init(&sp);
	uncertain = shell_parse(s, &sp) || sp.uncertain;
	for (i = 0; i < sp.nr; i++) {
		if (sp.cmds[i].argv.v[sp.cmds[i].argv.nr] != NULL)
			abort();
		for (j = 0; j < sp.cmds[i].argv.nr; j++)
			if (!sp.cmds[i].argv.v[j])
				abort();
	}
	shell_parse_release(&sp);

	policy_init(&p, "/tmp");
	policy_decision_init(&d);
	args = json_pack("{s:s%}", "command", s, strlen(s));
	if (args) {
		enum policy_verdict v = policy_decide(&p, "Bash", args, "/tmp", &d);

		if (v != POLICY_ALLOW && v != POLICY_ASK && v != POLICY_DENY)
			abort();
		/* what the parser could not interpret is never allowed */
		if (uncertain && v == POLICY_ALLOW)
			abort();
		json_decref(args);
	}
	policy_decision_release(&d);
	policy_release(&p);
	free(s);
	return 0;
}
