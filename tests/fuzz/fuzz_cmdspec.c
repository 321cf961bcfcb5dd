/*
 * Fuzz target: the option tables (cmdspec) on arbitrary argument vectors,
 * and the sed and awk program readers on arbitrary programs.  The input
 * is split into words at newlines; the first word picks the command (any
 * word, so every table is reached), and the whole input is also read as
 * a sed script and an awk program.  Items must name real words, and a
 * read-only verdict must never come with a write or an unsure reason.
 */
#include "core/strvec.h"
#include "policy/cmdspec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strvec argv = STRVEC_INIT;
	struct cmdspec_use u;
	unsigned char *dyn;
	const char *why = NULL;
	char *s, *p, *nl;
	size_t i;

	if (size > 4096)
		return 0;
	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	for (p = s; p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		strvec_push(&argv, p);
	}
	dyn = calloc(argv.nr + 1, 1);
	for (i = 0; i < argv.nr; i++)
		dyn[i] = argv.v[i][0] == '$';
	cmdspec_use_init(&u);
	if (argv.nr && cmdspec_analyse(&argv, dyn, 0, &u)) {
		for (i = 0; i < u.nr; i++)
			if (u.items[i].word >= argv.nr || !u.items[i].text)
				abort();
		if (u.read_only && (u.unsure || u.effect))
			abort();
		if (u.wrapper && u.next > argv.nr)
			abort();
	}
	cmdspec_use_release(&u);
	/* the whole input as programs */
	memcpy(s, data, size);
	cmdspec_use_init(&u);
	cmdspec_sed_script(s, 0, &u, &why);
	cmdspec_use_release(&u);
	cmdspec_awk_program(s, &why);
	free(dyn);
	strvec_release(&argv);
	free(s);
	return 0;
}
