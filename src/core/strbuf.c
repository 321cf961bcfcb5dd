/*
 * strbuf: growable, capped, always-terminated byte strings.  See strbuf.h.
 */
#include "core/strbuf.h"

#include "core/utf8.h"
#include "core/xalloc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Shared empty string for unallocated strbufs; must never be written to
 * except for its terminating NUL, which is already there. */
char strbuf_slopbuf[1];

void strbuf_init(struct strbuf *sb, size_t cap)
{
	sb->buf = strbuf_slopbuf;
	sb->len = 0;
	sb->alloc = 0;
	sb->cap = cap;
	sb->truncated = 0;
}

void strbuf_release(struct strbuf *sb)
{
	if (sb->alloc)
		free(sb->buf);
	strbuf_init(sb, sb->cap);
}

char *strbuf_detach(struct strbuf *sb, size_t *len)
{
	char *res;

	if (len)
		*len = sb->len;
	res = sb->alloc ? sb->buf : xstrdup("");
	strbuf_init(sb, sb->cap);
	return res;
}

void strbuf_reset(struct strbuf *sb)
{
	strbuf_setlen(sb, 0);
	sb->truncated = 0;
}

void strbuf_setlen(struct strbuf *sb, size_t len)
{
	if (len > sb->len)
		len = sb->len;
	sb->len = len;
	if (sb->alloc)
		sb->buf[len] = '\0';
}

void strbuf_grow(struct strbuf *sb, size_t extra)
{
	size_t want, n;

	if (extra > sb->cap - sb->len)
		extra = sb->cap - sb->len;
	want = sb->len + extra + 1;
	if (want <= sb->alloc)
		return;
	n = sb->alloc < 64 ? 64 : sb->alloc + sb->alloc / 2;
	if (n < want)
		n = want;
	if (n > sb->cap + 1)
		n = sb->cap + 1;
	if (!sb->alloc) {
		sb->buf = xmalloc(n);
		sb->buf[0] = '\0';
	} else {
		sb->buf = xrealloc(sb->buf, n);
	}
	sb->alloc = n;
}

int strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
	size_t room = sb->cap - sb->len;
	int rc = 0;

	if (len > room) {
		len = room;
		sb->truncated = 1;
		rc = -1;
	}
	if (!len)
		return rc;
	strbuf_grow(sb, len);
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
	return rc;
}

int strbuf_addstr(struct strbuf *sb, const char *s)
{
	return strbuf_add(sb, s, strlen(s));
}

int strbuf_addch(struct strbuf *sb, int c)
{
	char ch = (char)c;

	return strbuf_add(sb, &ch, 1);
}

int strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	char small[256];
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(small, sizeof(small), fmt, cp);
	va_end(cp);
	if (n < 0)
		return -1;
	if ((size_t)n < sizeof(small))
		return strbuf_add(sb, small, (size_t)n);

	/* Too long for the stack buffer: format into a heap buffer of the
	 * exact size, then append through the capped path. */
	{
		char *big = xmalloc((size_t)n + 1);
		int rc;

		vsnprintf(big, (size_t)n + 1, fmt, ap);
		rc = strbuf_add(sb, big, (size_t)n);
		free(big);
		return rc;
	}
}

int strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
	return rc;
}

int strbuf_add_printable(struct strbuf *sb, const char *data, size_t len)
{
	size_t i = 0;
	int rc = 0;

	while (i < len) {
		unsigned char c = (unsigned char)data[i];
		size_t n;

		if (c >= 0x80) {
			n = utf8_seq_len(data + i, len - i);
			if (n) {
				rc |= strbuf_add(sb, data + i, n);
				i += n;
				continue;
			}
			rc |= strbuf_addf(sb, "\\x%02x", c);
		} else if (c == '\n') {
			rc |= strbuf_addstr(sb, "\\n");
		} else if (c == '\t') {
			rc |= strbuf_addstr(sb, "\\t");
		} else if (c < 0x20 || c == 0x7f) {
			rc |= strbuf_addf(sb, "\\x%02x", c);
		} else {
			rc |= strbuf_addch(sb, c);
		}
		i++;
	}
	return rc ? -1 : 0;
}

void strbuf_utf8_trim_partial(struct strbuf *sb)
{
	size_t start = sb->len, back = 0;

	/* A sequence is at most 4 bytes: look back over continuation bytes
	 * to its lead byte and check that it is complete. */
	while (start > 0 && back < 4 &&
	       ((unsigned char)sb->buf[start - 1] & 0xc0) == 0x80) {
		start--;
		back++;
	}
	if (start > 0 && (unsigned char)sb->buf[start - 1] >= 0xc0) {
		start--;
		if (!utf8_seq_len(sb->buf + start, sb->len - start))
			strbuf_setlen(sb, start);
	}
}

void strbuf_rtrim(struct strbuf *sb)
{
	while (sb->len && isspace((unsigned char)sb->buf[sb->len - 1]))
		sb->len--;
	if (sb->alloc)
		sb->buf[sb->len] = '\0';
}

void strbuf_trim(struct strbuf *sb)
{
	size_t skip = 0;

	strbuf_rtrim(sb);
	while (skip < sb->len && isspace((unsigned char)sb->buf[skip]))
		skip++;
	if (skip) {
		memmove(sb->buf, sb->buf + skip, sb->len - skip);
		strbuf_setlen(sb, sb->len - skip);
	}
}

int strbuf_seterr(struct strbuf *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	strbuf_reset(err);
	va_start(ap, fmt);
	strbuf_vaddf(err, fmt, ap);
	va_end(ap);
	return -1;
}

int strbuf_starts_with(const struct strbuf *sb, const char *prefix)
{
	size_t n = strlen(prefix);

	return sb->len >= n && !memcmp(sb->buf, prefix, n);
}

char *xstrfmt(const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	return strbuf_detach(&sb, NULL);
}

/* Hand-written: 20 lines, and none of the libraries archie links (jansson,
 * libcurl, SQLite) offers base64 to callers. */
int strbuf_add_base64(struct strbuf *sb, const unsigned char *data, size_t len)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;
	int rc = 0;

	for (i = 0; i + 2 < len && !rc; i += 3) {
		char q[4] = { alphabet[data[i] >> 2],
			      alphabet[((data[i] & 3) << 4) | (data[i + 1] >> 4)],
			      alphabet[((data[i + 1] & 15) << 2) | (data[i + 2] >> 6)],
			      alphabet[data[i + 2] & 63] };

		rc = strbuf_add(sb, q, 4);
	}
	if (!rc && len - i == 1) {
		char q[4] = { alphabet[data[i] >> 2], alphabet[(data[i] & 3) << 4], '=', '=' };

		rc = strbuf_add(sb, q, 4);
	} else if (!rc && len - i == 2) {
		char q[4] = { alphabet[data[i] >> 2],
			      alphabet[((data[i] & 3) << 4) | (data[i + 1] >> 4)],
			      alphabet[(data[i + 1] & 15) << 2], '=' };

		rc = strbuf_add(sb, q, 4);
	}
	return rc;
}
