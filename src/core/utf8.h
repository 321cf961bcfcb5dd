/*
 * utf8: validation of text from the outside world.
 *
 * Agent files, model output and tool results must be valid UTF-8 before
 * they are put into JSON or printed; these helpers find the first bad byte
 * so errors can point at it.
 */
#ifndef ARCHIE_UTF8_H
#define ARCHIE_UTF8_H

#include <stddef.h>

/* Length of the well-formed UTF-8 sequence starting at s (1..4), or 0 if
 * the bytes there are not one (overlongs, surrogates and values above
 * U+10FFFF are rejected, as RFC 3629 says). */
size_t utf8_seq_len(const char *s, size_t avail);

/* 1 if all len bytes are valid UTF-8; else 0 with *bad set to the offset of
 * the first invalid byte (bad may be NULL). */
int utf8_valid(const char *s, size_t len, size_t *bad);

/* Number of code points in s[0..len) (invalid bytes count one each): the
 * column a byte offset falls in, counting from 1, is this plus one. */
size_t utf8_width(const char *s, size_t len);

/* A copy of s[0..len) as valid UTF-8: each invalid byte (and NUL)
 * becomes U+FFFD.  The caller frees it. */
char *utf8_lossy_dup(const char *s, size_t len);

#endif
