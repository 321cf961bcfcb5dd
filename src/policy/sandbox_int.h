/*
 * sandbox_int: what sandbox.c (backends, filter) and sandbox_run.c (one
 * command) share.  Not for other modules: they use sandbox.h.
 */
#ifndef ARCHIE_SANDBOX_INT_H
#define ARCHIE_SANDBOX_INT_H

#include "policy/sandbox.h"

/* A Landlock ruleset for s, hiding the paths in hidden; -1 on failure. */
int sandbox_landlock_ruleset(const struct sandbox *s, const struct strvec *hidden);

/* A descriptor holding the seccomp filter, for bubblewrap's --seccomp
 * (not close-on-exec); -1 on failure. */
int sandbox_filter_fd(const struct sandbox *s);

void sandbox_scan_cache_free(struct sandbox_scan_cache *c);

/* Removes a directory tree archie made (no links followed). */
void sandbox_rmrf(const char *path);

#endif
