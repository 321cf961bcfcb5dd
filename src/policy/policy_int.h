/*
 * policy_int: what policy.c (rules and the decision) and subjects.c (what
 * a call touches) share.  Not for other modules: they use policy.h.
 */
#ifndef ARCHIE_POLICY_INT_H
#define ARCHIE_POLICY_INT_H

#include "policy/policy.h"

#include <limits.h>

/* Building the subjects of one call (subjects.c, toolargs.c). */
struct builder {
	const struct policy *p;
	struct policy_decision *d;
	char cwd[PATH_MAX];	/* the command line's current directory (cd) */
	int cwd_unknown;	/* after a cd that may have failed */
	int depth;
	struct strvec vars;	/* NAME=value set earlier in the line; "NAME" alone: unknown */
};

/* Adds a subject (the array may move: keep no pointer across adds). */
struct policy_subject *policy_subject_add(struct builder *b, enum policy_subject_kind k,
					  const char *text, const char *shown);
/* A path as the call gives it: resolved, inside or outside. */
void policy_subject_path(struct builder *b, enum policy_subject_kind k, const char *arg);
/* A shell command line: the subjects of each command it runs. */
void policy_subject_script(struct builder *b, const char *script);

/*
 * Breaks a call into its subjects (d->subj): the tool itself first, then
 * every command, file and host it touches.  A subject that cannot be
 * judged with certainty is marked `uncertain` with its reason as its
 * only note; commands carry `read_only` as their tables judge them.
 */
void policy_build_subjects(const struct policy *p, const char *tool, json_t *args,
			   const char *cwd, struct policy_decision *d);

#endif
