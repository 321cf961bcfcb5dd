/*
 * toml: a TOML reader, into JSON.
 *
 * Gemini CLI's custom commands and Codex's config.toml are TOML, and
 * Debian 12 packages no TOML library for C (tomlc99 is not packaged; the
 * packaged ones are C++).  So this is a small reader of TOML 1.0 as those
 * files use it: tables, arrays of tables, dotted and quoted keys, all four
 * string forms with their escapes, integers (with _, 0x, 0o, 0b), floats,
 * booleans, arrays and inline tables; dates are kept as their text.  It
 * is fuzzed (tests/fuzz/fuzz_toml.c).
 *
 * Errors are located: what went wrong in err, where in *line and *col,
 * the first one only (a TOML file is read whole or not at all).  Nesting
 * is capped.
 *
 * Ownership: the returned JSON object is the caller's.
 */
#ifndef ARCHIE_TOML_H
#define ARCHIE_TOML_H

#include <jansson.h>
#include <stddef.h>

struct strbuf;

/* The document as a JSON object, or NULL with err (the message) and
 * *line / *col (may be NULL) set to where. */
json_t *toml_parse(const char *text, size_t len, int *line, int *col, struct strbuf *err);

#endif
