/*
 * checkpoint: what the agent changed in the workspace, so it can be put
 * back (/rewind, `archie undo`, `archie checkpoints`).
 *
 * Snapshots live in a shadow git repository outside the workspace, one
 * per project ($XDG_STATE_HOME/archie/checkpoints/ID.git, as Gemini CLI
 * keeps its own): a snapshot is `git add -A` of the workspace into the
 * shadow index and `git write-tree`, so the workspace's tracked and
 * untracked files are stored once each, by content, and a snapshot when
 * nothing changed costs the stat of every file (the index remembers the
 * rest).  The workspace's .gitignore files apply; secret files (the
 * policy's names: .env, keys...) are never copied; the workspace's own
 * .git is never touched.
 *
 * Before a call that may change files (the file tools; Bash unless the
 * policy knows the command only reads) the loop takes a snapshot, and
 * after it another: what differs is the call's changes (path, content
 * before, content after), which the session record keeps.  A restore
 * puts a file back only if it still holds what the agent left there,
 * so a file the user changed since is left alone and named.
 *
 * git runs with archie's settings only: no system or global config, no
 * hooks, no fsmonitor, no filters (the shadow repository defines none,
 * so a .gitattributes filter is inert), outside the sandbox but reading
 * only.  Snapshots of one project are serialised (one index).
 *
 * Ownership: a checkpoint owns its paths; changes are the caller's
 * (checkpoint_changes_free).
 */
#ifndef ARCHIE_CHECKPOINT_H
#define ARCHIE_CHECKPOINT_H

#include "core/strbuf.h"

#include <stddef.h>

#define CHECKPOINT_OID_MAX 65	/* a SHA-1 or SHA-256 object id, and a NUL */

struct checkpoint;

/* One file's change: contents by object id ("" where it did not exist). */
struct checkpoint_change {
	char *path;			/* relative to the workspace */
	char before[CHECKPOINT_OID_MAX];
	char after[CHECKPOINT_OID_MAX];
	unsigned before_mode;		/* git's: 0100644, 0100755, 0120000 (a link) */
};

/* The shadow repository for the workspace root under state_dir (archie's
 * state directory); nothing is run or made until the first snapshot. */
struct checkpoint *checkpoint_open(const char *root, const char *state_dir);
void checkpoint_close(struct checkpoint *cp);

/* A snapshot of the workspace now: its tree id appended to tree.  Kept
 * from pruning under session's ref.  0, or -1 with err. */
int checkpoint_snapshot(struct checkpoint *cp, const char *session, struct strbuf *tree,
			struct strbuf *err);

/* What differs between two snapshots.  0 with *v (free with
 * checkpoint_changes_free) and *nr, or -1 with err. */
int checkpoint_diff(struct checkpoint *cp, const char *from, const char *to,
		    struct checkpoint_change **v, size_t *nr, struct strbuf *err);
void checkpoint_changes_free(struct checkpoint_change *v, size_t nr);

/*
 * Puts each path back to its `before` content (removing it where it did
 * not exist) when the file holds its `after` content now; a file that
 * differs was changed by someone else since and is left alone.  report
 * gets a line per file ("restored src/a.c", "removed b.txt", "left
 * c.txt: changed since the agent's change"); a file that cannot be
 * written is said there too.  Returns how many were restored.
 */
int checkpoint_restore(struct checkpoint *cp, const struct checkpoint_change *v, size_t nr,
		       struct strbuf *report);

/* Lets the session's snapshots go (its ref removed; the objects go at the
 * next garbage collection, which this runs).  0, or -1 with err. */
int checkpoint_forget(struct checkpoint *cp, const char *session, struct strbuf *err);

/* Every project's shadow repository under state_dir: the snapshots of
 * sessions that no longer exist (exists says 0) let go and collected.
 * Returns how many sessions' were, or -1 with err. */
int checkpoint_prune(const char *state_dir, int (*exists)(void *ud, const char *session),
		     void *ud, struct strbuf *err);

#endif
