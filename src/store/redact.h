/*
 * redact: secrets removed from text before anything is written to disk.
 *
 * Everything the store keeps (messages, tool arguments and results, audit
 * events, exports) goes through redact() first.  Two kinds of secret are
 * found:
 *
 *   - by shape, with PCRE2 patterns: provider keys (OpenAI sk-..., Anthropic
 *     sk-ant-..., OpenRouter sk-or-...), bearer tokens, AWS access key ids
 *     and secret keys, GitHub and Slack tokens, Slack webhooks, private-key
 *     blocks, passwords in URLs, and the value of any NAME=value / "name":
 *     "value" whose name looks secret (…KEY, …TOKEN, …SECRET, PASSWORD...);
 *   - by value: the values of this process's environment variables whose
 *     names look secret, and values added with redact_add_value (provider
 *     keys from the configuration), wherever they appear, whatever their
 *     shape.
 *
 * Each secret becomes "[REDACTED]" (the name of an assignment, a URL's user
 * and a "Bearer " prefix are kept, so the record still reads).
 *
 * Ownership: a redactor owns its compiled patterns and values; it is
 * read-only after setup, so threads may share one.
 */
#ifndef ARCHIE_REDACT_H
#define ARCHIE_REDACT_H

#include "core/strvec.h"

#include <stddef.h>

struct strbuf;

#define REDACTED "[REDACTED]"

struct redactor {
	void **codes;		/* pcre2_code *, one per pattern */
	size_t codes_nr;
	struct strvec values;	/* exact secret values, longest first */
};

/* Compiles the patterns and collects secret-looking environment values. */
void redact_init(struct redactor *r);
void redact_release(struct redactor *r);

/* Adds an exact value to hide (ignored when shorter than 6 bytes: too
 * likely to occur in ordinary text). */
void redact_add_value(struct redactor *r, const char *value);

/* 1 if an environment variable or key of this name holds secrets. */
int redact_name_is_secret(const char *name, size_t len);

/* Appends s[0..n) to out with secrets replaced.  Returns how many were. */
int redact(const struct redactor *r, const char *s, size_t n, struct strbuf *out);

/* The same, in place on a NUL-terminated heap string (returns it, maybe
 * reallocated). */
char *redact_dup(const struct redactor *r, const char *s);

#endif
