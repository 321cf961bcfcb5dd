/*
 * walk: a parallel, ignore-aware directory walk.
 *
 * Glob, Grep, LS and ReadManyFiles see a repository the way git does:
 * .gitignore, .ignore and .git/info/exclude rules apply (including those of
 * the repository root above the walk's start), and .git/ is never entered.
 * Directories are read by a pool of threads sharing a stack of work, and
 * the callback runs in those threads, so a Grep searches files in
 * parallel.  Symbolic links to directories are not followed (no loops);
 * links to files are reported as files.
 */
#ifndef ARCHIE_WALK_H
#define ARCHIE_WALK_H

#include <signal.h>
#include <stddef.h>
#include <sys/stat.h>

struct strbuf;

struct walk_entry {
	const char *path;	/* root joined with rel ("src/a.c"; "a.c" for root ".") */
	const char *rel;	/* relative to the root */
	const char *name;	/* the last component */
	unsigned char d_type;	/* DT_REG, DT_LNK, DT_UNKNOWN... */
	int thread;		/* 0..threads-1, for per-thread state */
};

/* Returns 0 to go on, non-zero to stop the whole walk. */
typedef int (*walk_fn)(void *ud, const struct walk_entry *e);

struct walk_opts {
	const char *root;
	int threads;		/* 0: the number of CPUs (at most 8) */
	int no_ignore;		/* ignore files are not read */
	int max_depth;		/* 0: unlimited; 1: the root's entries only */
	int dirs_too;		/* also call back for directories (d_type DT_DIR) */
	/* leave out secret files (.env, keys: policy/sensitive.h), and
	 * links to them, counting them here; for the tools that return
	 * contents, which run outside the sandbox */
	int skip_secrets;
	size_t secrets_skipped;	/* out */
	walk_fn fn;
	void *ud;
	volatile sig_atomic_t *cancel;
};

/* Number of threads walk_run will use for these options. */
int walk_threads(const struct walk_opts *o);

/* Walks; returns 0, or -1 if root cannot be read (err set).  o is not
 * const: secrets_skipped is written. */
int walk_run(struct walk_opts *o, struct strbuf *err);

#endif
