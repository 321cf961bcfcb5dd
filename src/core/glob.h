/*
 * glob: path pattern matching with `**`.
 *
 * One matcher for every place archie matches paths: the Glob tool,
 * .gitignore rules, Grep's glob filter, and permission rules.  Syntax:
 * `*` any run of characters except '/', `?` one character except '/',
 * `[abc]`, `[a-z]`, `[!a]` (or `[^a]`) classes, `\x` a literal x, and a
 * double star as a whole path component for any number of components
 * ("a/" + double star matches everything under a; double star + "/b"
 * matches b at any depth).
 */
#ifndef ARCHIE_GLOB_H
#define ARCHIE_GLOB_H

#include <stddef.h>

#define GLOB_CASEFOLD 1		/* ASCII letters match either case */
#define GLOB_NOPATHNAME 2	/* '*' and '?' also match '/' */

/* 1 if path matches pattern. */
int glob_match(const char *pattern, const char *path, int flags);

/* 1 if s contains glob metacharacters. */
int glob_has_magic(const char *s);

#endif
