/*
 * glob: a recursive matcher with `**` support.  See glob.h.
 *
 * Recursion depth is bounded by the number of `*` in the pattern, and each
 * `**` level memoises nothing; patterns come from users and agents, are
 * short, and the classic backtracking is linear enough for them.
 */
#include "core/glob.h"

#include <ctype.h>
#include <string.h>

static int chr_eq(char a, char b, int flags)
{
	if (flags & GLOB_CASEFOLD)
		return tolower((unsigned char)a) == tolower((unsigned char)b);
	return a == b;
}

/* Matches a [...] class at *pp against c; advances *pp past it.  Returns
 * 1 match, 0 no match, -1 malformed (then '[' is a literal). */
static int match_class(const char **pp, char c, int flags)
{
	const char *p = *pp + 1;
	int negate = 0, matched = 0;

	if (*p == '!' || *p == '^') {
		negate = 1;
		p++;
	}
	if (*p == ']') {	/* a leading ] is literal */
		matched |= chr_eq(c, ']', flags);
		p++;
	}
	while (*p && *p != ']') {
		char lo = *p, hi;

		if (lo == '\\' && p[1])
			lo = *++p;
		hi = lo;
		if (p[1] == '-' && p[2] && p[2] != ']') {
			hi = p[2];
			if (hi == '\\' && p[3])
				hi = *(p += 1, p + 2);
			p += 2;
		}
		if (flags & GLOB_CASEFOLD) {
			char lc = (char)tolower((unsigned char)c);
			char uc = (char)toupper((unsigned char)c);

			matched |= (lc >= lo && lc <= hi) || (uc >= lo && uc <= hi);
		} else {
			matched |= c >= lo && c <= hi;
		}
		p++;
	}
	if (*p != ']')
		return -1;
	*pp = p + 1;
	return matched != negate;
}

static int match(const char *start, const char *p, const char *s, int flags,
		 int depth)
{
	if (depth > 64)
		return 0;
	while (*p) {
		/* "**" counts only as a whole path component */
		if (p[0] == '*' && p[1] == '*' && (p[2] == '/' || p[2] == '\0') &&
		    (p == start || p[-1] == '/')) {
			p += 2;
			if (!*p)
				return 1;	/* trailing ** matches everything */
			p++;			/* past the '/' */
			/* zero or more components: try here, then after each '/' */
			for (;;) {
				if (match(start, p, s, flags, depth + 1))
					return 1;
				s = strchr(s, '/');
				if (!s)
					return 0;
				s++;
			}
		}
		if (*p == '*') {
			while (*p == '*')
				p++;
			if (!*p)
				return (flags & GLOB_NOPATHNAME) || !strchr(s, '/');
			for (; *s; s++) {
				if (match(start, p, s, flags, depth + 1))
					return 1;
				if (*s == '/' && !(flags & GLOB_NOPATHNAME))
					return 0;
			}
			return match(start, p, s, flags, depth + 1);
		}
		if (!*s)
			return 0;
		if (*p == '?') {
			if (*s == '/' && !(flags & GLOB_NOPATHNAME))
				return 0;
			p++;
			s++;
			continue;
		}
		if (*p == '[') {
			const char *q = p;
			int r = *s == '/' && !(flags & GLOB_NOPATHNAME) ? 0
				: match_class(&q, *s, flags);

			if (r < 0) {	/* no closing ]: a literal [ */
				if (*s != '[')
					return 0;
				p++;
				s++;
				continue;
			}
			if (!r)
				return 0;
			p = q;
			s++;
			continue;
		}
		if (*p == '\\' && p[1])
			p++;
		if (!chr_eq(*p, *s, flags))
			return 0;
		p++;
		s++;
	}
	return !*s;
}

int glob_match(const char *pattern, const char *path, int flags)
{
	return match(pattern, pattern, path, flags, 0);
}

int glob_has_magic(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}
