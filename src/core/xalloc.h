/*
 * xalloc: the one allocation wrapper.
 *
 * Every allocation in archie goes through these.  Running out of memory is
 * not an error archie can recover from in a useful way, so these never return
 * NULL: they print what failed and abort.  That keeps every caller free of
 * NULL checks that would only ever be dead code.
 *
 * Ownership: every pointer returned is owned by the caller and released with
 * free().
 */
#ifndef ARCHIE_XALLOC_H
#define ARCHIE_XALLOC_H

#include <stddef.h>

/* They never return NULL: the compiler and the analyzers are told so. */
#define XALLOC_NONNULL __attribute__((returns_nonnull, warn_unused_result))

void *xmalloc(size_t size) XALLOC_NONNULL;
void *xcalloc(size_t nmemb, size_t size) XALLOC_NONNULL;
void *xrealloc(void *ptr, size_t size) XALLOC_NONNULL;
char *xstrdup(const char *s) XALLOC_NONNULL;
char *xstrndup(const char *s, size_t n) XALLOC_NONNULL;
/* xstrdup that maps NULL to NULL. */
char *xstrdup_or_null(const char *s);
/* Duplicate n bytes and NUL-terminate; the bytes may contain NULs. */
void *xmemdupz(const void *data, size_t n) XALLOC_NONNULL;

/*
 * Grow an array so that it can hold at least `nr` elements.  `alloc` tracks
 * the capacity; growth is geometric so appends are amortised O(1).
 * (The idiom is git's ALLOC_GROW.)
 */
#define ALLOC_GROW(x, nr, alloc)                                               \
	do {                                                                   \
		if ((size_t)(nr) > (size_t)(alloc)) {                          \
			size_t alloc_grow_n_ = (size_t)(alloc) < 8             \
				? 8 : (size_t)(alloc) + (size_t)(alloc) / 2;   \
			if (alloc_grow_n_ < (size_t)(nr))                      \
				alloc_grow_n_ = (size_t)(nr);                  \
			(x) = xreallocarray((x), alloc_grow_n_, sizeof(*(x))); \
			(alloc) = alloc_grow_n_;                               \
		}                                                              \
	} while (0)

void *xreallocarray(void *ptr, size_t nmemb, size_t size) XALLOC_NONNULL;

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
