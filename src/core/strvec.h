/*
 * strvec: a NULL-terminated, growable vector of owned strings (argv lists,
 * search paths, name lists).
 *
 * Ownership: the strvec owns every string in it; push copies its argument,
 * push_nodup takes ownership.  strvec_release frees all of them.
 */
#ifndef ARCHIE_STRVEC_H
#define ARCHIE_STRVEC_H

#include <stddef.h>

struct strvec {
	char **v;	/* never NULL; v[nr] is NULL (a shared empty array
			 * until the first push, as git's strvec) */
	size_t nr;
	size_t alloc;
};

extern char *strvec_empty[];
#define STRVEC_INIT { strvec_empty, 0, 0 }

void strvec_init(struct strvec *sv);
void strvec_release(struct strvec *sv);
const char *strvec_push(struct strvec *sv, const char *s);
const char *strvec_push_nodup(struct strvec *sv, char *s);
const char *strvec_pushf(struct strvec *sv, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Index of the first string equal to s, or -1. */
long strvec_find(const struct strvec *sv, const char *s);
void strvec_sort(struct strvec *sv);

#endif
