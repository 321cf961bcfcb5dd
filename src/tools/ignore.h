/*
 * ignore: .gitignore, .ignore and .git/info/exclude rules.
 *
 * Each directory that has ignore files gets an ignore_set of its rules,
 * chained to its parent directory's set; a path is checked against the
 * deepest set first and, within a set, the last matching rule wins, which
 * is git's precedence.  Sets are shared read-only between walker threads
 * and reference-counted.
 *
 * Ownership: ignore_load_dir consumes the caller's reference to the parent
 * and returns a reference to the result (the parent itself when the
 * directory has no ignore files); drop it with ignore_unref.
 */
#ifndef ARCHIE_IGNORE_H
#define ARCHIE_IGNORE_H

struct ignore_set;

/*
 * The set for directory `dir` (a path to read files from) whose path
 * relative to the walk root is `rel` ("" for the root), inheriting parent
 * (may be NULL; its reference is consumed).  `git_root` adds
 * .git/info/exclude.
 */
struct ignore_set *ignore_load_dir(struct ignore_set *parent, const char *dir,
				   const char *rel, int git_root);
/* The sets for every directory from the repository root above `dir` down
 * to `dir` itself, for a walk that starts inside a repository. */
struct ignore_set *ignore_load_chain(const char *dir);

/* 1 if rel (relative to the walk root) is ignored. */
int ignore_match(const struct ignore_set *s, const char *rel, int is_dir);

struct ignore_set *ignore_ref(struct ignore_set *s);
void ignore_unref(struct ignore_set *s);

#endif
