/*
 * gitsafe: running git on a repository archie does not trust.
 *
 * archie runs `git status` itself, outside any sandbox, for the system
 * prompt.  A repository's own configuration can make git run programs:
 * core.fsmonitor, hooks (core.hooksPath), core.pager, diff.external, and
 * filter drivers that `git status` runs on files whose timestamps changed.
 * A planted .git/config would then run with the user's full rights.  So
 * archie's own git calls get a scrubbed environment without any GIT_*
 * variable, settings that switch each of those off (`-c` overrides the
 * repository's config), and every filter driver the repository's config
 * defines replaced by `cat`.  A config that includes other files (which
 * archie would have to follow to be sure) is not run at all.
 *
 * Ownership: the caller's strvecs receive copies.
 */
#ifndef ARCHIE_GITSAFE_H
#define ARCHIE_GITSAFE_H

#include "core/strvec.h"

struct strbuf;

/* Fills argv with "git" and the hardening options (the caller adds the
 * subcommand) and env with the environment for it.  Returns 0, or -1
 * with why set when git must not run on this repository. */
int gitsafe_prepare(const char *root, struct strvec *argv, struct strvec *env,
		    struct strbuf *why);

#endif
