/*
 * utf8: strict UTF-8 validation (RFC 3629).  See utf8.h.
 */
#include "core/utf8.h"

#include "core/xalloc.h"

#include <string.h>

size_t utf8_seq_len(const char *str, size_t avail)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n, i;
	unsigned int cp;

	if (!avail)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (avail < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

int utf8_valid(const char *s, size_t len, size_t *bad)
{
	size_t i = 0;

	while (i < len) {
		size_t n = utf8_seq_len(s + i, len - i);

		if (!n) {
			if (bad)
				*bad = i;
			return 0;
		}
		i += n;
	}
	return 1;
}

size_t utf8_width(const char *s, size_t len)
{
	size_t i = 0, w = 0;

	while (i < len) {
		size_t n = utf8_seq_len(s + i, len - i);

		i += n ? n : 1;
		w++;
	}
	return w;
}

char *utf8_lossy_dup(const char *s, size_t len)
{
	char *out, *o;
	size_t i = 0;

	if (utf8_valid(s, len, NULL) && !memchr(s, '\0', len))
		return xmemdupz(s, len);
	/* (not the string builder: strbuf uses this module) each byte
	 * becomes at most U+FFFD's three */
	o = out = xmalloc(len * 3 + 1);
	while (i < len) {
		size_t n = utf8_seq_len(s + i, len - i);

		if (n && !(n == 1 && !s[i])) {
			memcpy(o, s + i, n);
			o += n;
			i += n;
		} else {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	*o = '\0';
	return out;
}
