/*
 * html: HTML to readable text, for WebFetch.
 *
 * Not a browser: scripts, styles and comments are dropped, block elements
 * become line breaks, list items get "- ", entities are decoded, and runs
 * of whitespace collapse (except inside <pre>).  Output is bounded by the
 * caller's strbuf cap.
 */
#ifndef ARCHIE_HTML_H
#define ARCHIE_HTML_H

#include <stddef.h>

struct strbuf;

void html_to_text(const char *html, size_t len, struct strbuf *out);

#endif
