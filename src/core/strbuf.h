/*
 * strbuf: the one string builder.
 *
 * Every piece of text archie builds (requests, tool output, messages, error
 * text) is a strbuf.  The API is git's strbuf; the mandatory cap is curl's
 * dynbuf: a strbuf never grows past `cap` bytes, so nothing read from a
 * model, a server or a tool can grow without bound.  An append that does not
 * fit stores what fits, sets `truncated`, and returns -1.
 *
 * Invariants: `buf` is never NULL and is always NUL-terminated (an empty
 * strbuf points at a shared static ""), so it can be handed to any C string
 * function.  `len` never exceeds `cap`.
 *
 * Ownership: the strbuf owns `buf`.  strbuf_detach() hands it to the caller
 * (release with free()); strbuf_release() frees it and leaves an empty,
 * reusable strbuf with the same cap.
 *
 * Error buffers: functions that can fail take a `struct strbuf *err` and
 * write one human-readable message into it (strbuf_seterr), in lower case,
 * naming what failed and, where there is one, the fix.
 */
#ifndef ARCHIE_STRBUF_H
#define ARCHIE_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *buf;
	size_t len;
	size_t alloc;
	size_t cap;
	int truncated;
};

extern char strbuf_slopbuf[];

/* Default cap: generous for text archie makes itself; pass a real cap for
 * anything that comes from outside. */
#define STRBUF_DEFAULT_CAP ((size_t)64 << 20)
#define STRBUF_INIT_CAP(c) { strbuf_slopbuf, 0, 0, (c), 0 }
#define STRBUF_INIT STRBUF_INIT_CAP(STRBUF_DEFAULT_CAP)

void strbuf_init(struct strbuf *sb, size_t cap);
void strbuf_release(struct strbuf *sb);
/* Hands the buffer to the caller (never NULL); sb becomes empty. */
char *strbuf_detach(struct strbuf *sb, size_t *len);
void strbuf_reset(struct strbuf *sb);
/* Shrinks to len (len <= sb->len). */
void strbuf_setlen(struct strbuf *sb, size_t len);
/* Makes room for `extra` more bytes (bounded by the cap). */
void strbuf_grow(struct strbuf *sb, size_t extra);

/* Appends; 0 on success, -1 when the cap cut the append short. */
int strbuf_add(struct strbuf *sb, const void *data, size_t len);
int strbuf_addstr(struct strbuf *sb, const char *s);
int strbuf_addch(struct strbuf *sb, int c);
int strbuf_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/*
 * Appends bytes from the outside world so that they print safely on one
 * line: invalid UTF-8 and control characters become \xNN, \n, \t.  Use for
 * file names and values quoted in messages.
 */
int strbuf_add_printable(struct strbuf *sb, const char *data, size_t len);

/* Drops an incomplete UTF-8 sequence at the end, as left when the cap cut
 * an append in the middle of a character. */
void strbuf_utf8_trim_partial(struct strbuf *sb);

void strbuf_trim(struct strbuf *sb);
void strbuf_rtrim(struct strbuf *sb);

/* Replaces err's content with the message; returns -1 so callers can
 * `return strbuf_seterr(err, ...)`.  err may be NULL. */
/* A new string, formatted (git's xstrfmt). */
char *xstrfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int strbuf_seterr(struct strbuf *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

int strbuf_starts_with(const struct strbuf *sb, const char *prefix);

/* Appends data in base64 (RFC 4648, padded). */
int strbuf_add_base64(struct strbuf *sb, const unsigned char *data, size_t len);

#endif
