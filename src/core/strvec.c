/*
 * strvec: vector of owned strings.  See strvec.h.
 */
#include "core/strvec.h"

#include "core/strbuf.h"
#include "core/xalloc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* The array of every empty strvec; never written to. */
char *strvec_empty[1];

void strvec_init(struct strvec *sv)
{
	sv->v = strvec_empty;
	sv->nr = 0;
	sv->alloc = 0;
}

void strvec_release(struct strvec *sv)
{
	size_t i;

	for (i = 0; i < sv->nr; i++)
		free(sv->v[i]);
	if (sv->alloc)
		free(sv->v);
	strvec_init(sv);
}

const char *strvec_push_nodup(struct strvec *sv, char *s)
{
	if (!sv->alloc)
		sv->v = NULL;	/* leave the shared empty array alone */
	ALLOC_GROW(sv->v, sv->nr + 2, sv->alloc);
	/* v is an allocated array whenever alloc > 0, which the analyzer
	 * cannot follow through ALLOC_GROW */
	sv->v[sv->nr++] = s;	/* NOLINT(clang-analyzer-core.NullDereference) */
	sv->v[sv->nr] = NULL;
	return s;
}

const char *strvec_push(struct strvec *sv, const char *s)
{
	return strvec_push_nodup(sv, xstrdup(s));
}

const char *strvec_pushf(struct strvec *sv, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	return strvec_push_nodup(sv, strbuf_detach(&sb, NULL));
}

long strvec_find(const struct strvec *sv, const char *s)
{
	size_t i;

	for (i = 0; i < sv->nr; i++)
		if (!strcmp(sv->v[i], s))
			return (long)i;
	return -1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void strvec_sort(struct strvec *sv)
{
	if (sv->nr > 1)
		qsort(sv->v, sv->nr, sizeof(*sv->v), cmp_str);
}
