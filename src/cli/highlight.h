/*
 * highlight: syntax colouring of the code blocks in an answer.
 *
 * No packaged C library highlights source code: Debian's libraries for it
 * are C++ (libsource-highlight, which pulls in Boost and ICU: several
 * milliseconds of start-up for every run, for a feature most runs never
 * use) or tied to a toolkit (GtkSourceView).  So archie runs GNU
 * source-highlight's program (package source-highlight) on a complete
 * code block, only when one is shown on a colour terminal, with the
 * block on stdin and ANSI colours back on stdout.
 *
 * The code is the model's: its control characters are made visible (^X)
 * before the highlighter sees it, so every escape sequence in the result
 * is source-highlight's own.  The program gets archie's scrubbed child
 * environment (no secrets), a timeout, and its output is bounded.
 *
 * When source-highlight is not installed, or does not know the block's
 * language, highlight_lang says so and the block is shown as it streams,
 * in one colour.
 */
#ifndef ARCHIE_HIGHLIGHT_H
#define ARCHIE_HIGHLIGHT_H

#include "core/strbuf.h"

#include <stddef.h>

/* The language source-highlight knows for a fence's info string
 * ("python", "rust", "ts {.x}", ...), copied to lang; 0 when there is
 * none (unknown, no highlighter installed). */
int highlight_lang(const char *info, char *lang, size_t cap);

/* Appends code (n bytes, lines ending in '\n') coloured as lang, each
 * line prefixed by indent.  Returns 0, or -1 (nothing appended) when the
 * highlighter failed: the caller shows the code plainly. */
int highlight_code(const char *lang, const char *code, size_t n, const char *indent,
		   struct strbuf *out);

/* s appended with its control characters as ^X (newline and tab kept):
 * what the model wrote never drives the terminal (render.c uses it for
 * all of the answer's text). */
void highlight_defuse(const char *s, size_t n, struct strbuf *out);

#endif
