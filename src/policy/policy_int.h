/*
 * policy_int: what policy.c (rules and the decision) and subjects.c (what
 * a call touches) share.  Not for other modules: they use policy.h.
 */
#ifndef ARCHIE_POLICY_INT_H
#define ARCHIE_POLICY_INT_H

#include "policy/policy.h"

/*
 * Breaks a call into its subjects (d->subj): the tool itself first, then
 * every command, file and host it touches.  A subject that cannot be
 * judged with certainty is marked `uncertain` with its reason as its
 * only note; commands carry `read_only` as their tables judge them.
 */
void policy_build_subjects(const struct policy *p, const char *tool, json_t *args,
			   const char *cwd, struct policy_decision *d);

#endif
