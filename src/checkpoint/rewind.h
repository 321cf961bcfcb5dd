/*
 * rewind: undoing the agent's changes by the user's prompts (see
 * rewind.c).  A prompt is named by the seq of its message in the session.
 */
#ifndef ARCHIE_REWIND_H
#define ARCHIE_REWIND_H

#include "core/strbuf.h"

#include <jansson.h>

struct store;
struct checkpoint;

/* The session's prompts that changed files, in order:
 * [{prompt, text, ts, undone, files: [paths]}] (a new reference). */
json_t *rewind_prompts(struct store *st, const char *session);

/*
 * Puts back what the agent changed from prompt `from` on (not yet
 * undone), as checkpoint_restore does (a file changed since is left, and
 * named in report), and marks those changes undone.  Returns the files
 * restored, or -1 with err.
 */
int rewind_to(struct store *st, struct checkpoint *cp, const char *session, long from,
	      struct strbuf *report, struct strbuf *err);

#endif
