/*
 * glob: path pattern matching in linear time.  See glob.h.
 *
 * Patterns come from agent files, config files and models, so a pattern
 * must never make matching slow: the classic recursive backtracking is
 * exponential in the number of stars (a pattern of twenty `**` components
 * takes minutes).  Instead, both levels use the greedy algorithm with a
 * single backtrack point, which is correct because a later star can match
 * everything an earlier one could: `**` components against path
 * components, and `*` within a component against characters.  Each level
 * is O(pattern x text).
 */
#include "core/glob.h"

#include <ctype.h>
#include <string.h>

#define COMPONENTS_MAX 256

static int chr_eq(char a, char b, int flags)
{
	if (flags & GLOB_CASEFOLD)
		return tolower((unsigned char)a) == tolower((unsigned char)b);
	return a == b;
}

/* Matches the [...] class at p[*pi] against c, advancing *pi past it.
 * 1 match, 0 no match, -1 not a class (a literal '['). */
static int match_class(const char *p, size_t pn, size_t *pi, char c, int flags)
{
	size_t i = *pi + 1;
	int negate = 0, matched = 0;

	if (i < pn && (p[i] == '!' || p[i] == '^')) {
		negate = 1;
		i++;
	}
	if (i < pn && p[i] == ']') {	/* a leading ] is literal */
		matched |= chr_eq(c, ']', flags);
		i++;
	}
	while (i < pn && p[i] != ']') {
		char lo = p[i], hi;

		if (lo == '\\' && i + 1 < pn)
			lo = p[++i];
		hi = lo;
		if (i + 2 < pn && p[i + 1] == '-' && p[i + 2] != ']') {
			hi = p[i + 2];
			i += 2;
			if (hi == '\\' && i + 1 < pn)
				hi = p[++i];
		}
		if (flags & GLOB_CASEFOLD) {
			char lc = (char)tolower((unsigned char)c);
			char uc = (char)toupper((unsigned char)c);

			matched |= (lc >= lo && lc <= hi) || (uc >= lo && uc <= hi);
		} else {
			matched |= c >= lo && c <= hi;
		}
		i++;
	}
	if (i >= pn)
		return -1;
	*pi = i + 1;
	return matched != negate;
}

/* Does the pattern element at p[*pi] match the single character c?
 * Advances *pi past the element when it does. */
static int match_one(const char *p, size_t pn, size_t *pi, char c, int flags)
{
	size_t i = *pi;
	int r;

	if (p[i] == '?') {
		if (c == '/' && !(flags & GLOB_NOPATHNAME))
			return 0;
		*pi = i + 1;
		return 1;
	}
	if (p[i] == '[') {
		if (c == '/' && !(flags & GLOB_NOPATHNAME))
			return 0;
		r = match_class(p, pn, pi, c, flags);
		if (r >= 0)
			return r;
		/* no closing ]: a literal [ */
	}
	if (p[i] == '\\' && i + 1 < pn)
		i++;
	if (!chr_eq(p[i], c, flags))
		return 0;
	*pi = i + 1;
	return 1;
}

/* One component (or, with GLOB_NOPATHNAME, the whole text): `*` matches
 * any run of characters. */
static int match_segment(const char *p, size_t pn, const char *s, size_t sn, int flags)
{
	size_t pi = 0, si = 0, star_p = 0, star_s = 0;
	int star = 0;

	while (si < sn) {
		if (pi < pn && p[pi] == '*') {
			while (pi < pn && p[pi] == '*')
				pi++;
			star = 1;
			star_p = pi;
			star_s = si;
			continue;
		}
		if (pi < pn && match_one(p, pn, &pi, s[si], flags)) {
			si++;
			continue;
		}
		/* a star absorbs one more character; '/' only without paths */
		if (star && (s[star_s] != '/' || (flags & GLOB_NOPATHNAME))) {
			pi = star_p;
			si = ++star_s;
			continue;
		}
		return 0;
	}
	while (pi < pn && p[pi] == '*')
		pi++;
	return pi == pn;
}

/* Splits s at '/' into at most COMPONENTS_MAX spans; -1 if more. */
static int split(const char *s, const char **start, size_t *len)
{
	int n = 0;

	for (;;) {
		const char *e = strchr(s, '/');

		if (n >= COMPONENTS_MAX)
			return -1;
		start[n] = s;
		len[n] = e ? (size_t)(e - s) : strlen(s);
		n++;
		if (!e)
			return n;
		s = e + 1;
	}
}

int glob_match(const char *pattern, const char *path, int flags)
{
	const char *pc[COMPONENTS_MAX], *sc[COMPONENTS_MAX];
	size_t pl[COMPONENTS_MAX], sl[COMPONENTS_MAX];
	int np, ns, pi = 0, si = 0, star_p = 0, star_s = 0, star = 0;

	if (flags & GLOB_NOPATHNAME)
		return match_segment(pattern, strlen(pattern), path, strlen(path), flags);
	np = split(pattern, pc, pl);
	ns = split(path, sc, sl);
	if (np < 0 || ns < 0)
		return 0;	/* deeper than any real path */
	while (si < ns) {
		if (pi < np && pl[pi] == 2 && !memcmp(pc[pi], "**", 2)) {
			while (pi < np && pl[pi] == 2 && !memcmp(pc[pi], "**", 2))
				pi++;
			if (pi == np)
				return 1;	/* trailing ** matches the rest */
			star = 1;
			star_p = pi;
			star_s = si;
			continue;
		}
		if (pi < np && match_segment(pc[pi], pl[pi], sc[si], sl[si], flags)) {
			pi++;
			si++;
			continue;
		}
		if (star) {
			pi = star_p;
			si = ++star_s;
			continue;
		}
		return 0;
	}
	while (pi < np && pl[pi] == 2 && !memcmp(pc[pi], "**", 2))
		pi++;
	return pi == np;
}

int glob_has_magic(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}
