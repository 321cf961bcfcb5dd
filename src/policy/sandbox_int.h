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

/* sandbox_net.c: the loopback-only network namespace of this process
 * (made on the first call): 0 with its descriptor (and, not root, its
 * user namespace's; else -1), or -1 where it cannot be made.  join
 * enters them, in a command's child before bubblewrap starts
 * (async-signal-safe). */
int sandbox_loopback(int *netns, int *userns);
int sandbox_join_loopback(int netns, int userns);

/* Landlock: copies of the protected files under these paths, and their
 * restoration after the command (what changed is put back, what is new in
 * a protected directory is taken out, both quarantined; said in note).
 * restore frees the snapshot. */
struct sandbox_snapshot *sandbox_snapshot_take(const struct strvec *protected_paths);
void sandbox_snapshot_restore(struct sandbox_snapshot *sn, const char *home, struct strbuf *note);

/* A new quarantine directory (made), for what a command planted:
 * $XDG_STATE_HOME/archie/quarantine/STAMP-PID (appended to out). */
void sandbox_quarantine_dir(const char *home, struct strbuf *out);

/* Removes a directory tree archie made (no links followed). */
void sandbox_rmrf(const char *path);

#endif
