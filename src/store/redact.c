/*
 * redact: see redact.h.  The patterns are PCRE2 and replaced with
 * pcre2_substitute (the library does the finding and the splicing); exact
 * values are replaced with memmem.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include "store/redact.h"

#include "core/strbuf.h"
#include "core/xalloc.h"

#include <ctype.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

/* Name words that mark a secret: the whole component of a NAME_LIKE_THIS
 * (split on '_', '-', '.'), compared without case. */
static const char *const secret_words[] = {
	"key", "keys", "apikey", "secret", "secrets", "token",
	"password", "passwd", "passphrase", "pass", "pwd", "credential",
	"credentials", "auth", "pat", "privatekey", "accesskey", "secretkey",
};

/* Last components that name a place, not a secret (SSH_AUTH_SOCK,
 * GIT_ASKPASS's helper path, KEY_FILE...). */
static const char *const harmless_last[] = {
	"sock", "file", "path", "dir", "home", "url", "helper", "id", "type",
	"name", "user", "username", "askpass", "mode", "count", "length",
};

/*
 * The shapes.  Each replacement keeps group 1 when the pattern has one (a
 * "Bearer " prefix, an assignment's name, a URL's scheme and user).
 */
/* What follows a secret name but is no secret: a redaction already made,
 * a $VAR reference, a number. */
#define NOT_A_VALUE "(?!\\[REDACTED)(?!\\$\\{?[A-Za-z_])(?![0-9.]+(?:[\\s\"',;}\\]]|$))"

static const struct {
	const char *re;
	const char *rep;
} patterns[] = {
	/* private-key blocks, also when cut off before their end line */
	{ "-----BEGIN[A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----[\\s\\S]*?"
	  "(?:-----END[A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----|\\z)",
	  "[REDACTED PRIVATE KEY]" },
	/* OpenAI, Anthropic, OpenRouter and similar "sk-" keys */
	{ "\\bsk-[A-Za-z0-9_\\-]{16,}", REDACTED },
	/* GitHub tokens */
	{ "\\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})", REDACTED },
	/* GitLab personal tokens */
	{ "\\bglpat-[A-Za-z0-9_\\-]{20,}", REDACTED },
	/* Slack tokens and webhooks */
	{ "\\bxox[abposr]-[A-Za-z0-9\\-]{10,}", REDACTED },
	{ "(https://hooks\\.slack\\.com/services/)[A-Za-z0-9/_\\-]+", "${1}" REDACTED },
	/* AWS access key ids */
	{ "\\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|APKA)[A-Z0-9]{16}\\b", REDACTED },
	/* Google API keys */
	{ "\\bAIza[0-9A-Za-z_\\-]{35}", REDACTED },
	/* Stripe keys */
	{ "\\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}", REDACTED },
	/* JSON Web Tokens */
	{ "\\beyJ[A-Za-z0-9_\\-]{8,}\\.eyJ[A-Za-z0-9_\\-]{8,}\\.[A-Za-z0-9_\\-]{8,}", REDACTED },
	/* Authorization headers: Bearer, Basic, token */
	{ "(?i)\\b((?:bearer|basic)\\s+)[A-Za-z0-9._~+/\\-]{8,}=*", "${1}" REDACTED },
	{ "(?i)(\\bauthorization[\"']?\\s*[:=]\\s*[\"']?(?:token\\s+)?)"
	  "(?!\\[REDACTED)[A-Za-z0-9._~+/\\-]{8,}=*", "${1}" REDACTED },
	/* a password in a URL: scheme://user:PASSWORD@host */
	{ "\\b([A-Za-z][A-Za-z0-9+.\\-]*://[^/\\s:@\"'<>]*:)[^@\\s/\"'<>]+@", "${1}" REDACTED "@" },
	/* NAME=value, NAME: value, "name": "value" where the name looks secret
	 * (not numbers: max_tokens=4096 is no secret, and "tokens" is not
	 * "token"; not ${VAR} references).  A quoted value is hidden up to
	 * its closing quote, which is kept, so JSON stays JSON. */
	{ "(?i)(\\b[A-Za-z0-9_.\\-]*?(?:secret|passw(?:or)?d|passphrase|token|"
	  "api[_\\-]?key|access[_\\-]?key|private[_\\-]?key|secret[_\\-]?key|"
	  "credentials?|auth[_\\-]?key|client[_\\-]?secret)"
	  "(?:[_\\-][A-Za-z0-9_\\-]*)?\\b(?:\\\\?[\"'])?[ \\t]*(?::|=|:=)[ \\t]*)"
	  "(?|(\")" NOT_A_VALUE "([^\"\\\\\\n]{4,})(\")"
	  "|(')" NOT_A_VALUE "([^'\\n]{4,})(')"
	  "|(\\\\?[\"']?)" NOT_A_VALUE "([^\\s\"'`&;,})\\]\\\\]{4,})())",
	  "${1}${2}" REDACTED "${4}" },
};

#define NPATTERNS (sizeof(patterns) / sizeof(*patterns))

static int word_in(const char *w, size_t n, const char *const *set, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (strlen(set[i]) == n && !strncasecmp(set[i], w, n))
			return 1;
	return 0;
}

int redact_name_is_secret(const char *name, size_t len)
{
	size_t i = 0, start, last_start = 0, last_len = 0;
	int found = 0;

	while (i < len) {
		while (i < len && (name[i] == '_' || name[i] == '-' || name[i] == '.'))
			i++;
		start = i;
		while (i < len && name[i] != '_' && name[i] != '-' && name[i] != '.')
			i++;
		if (i == start)
			break;
		if (word_in(name + start, i - start, secret_words,
			    sizeof(secret_words) / sizeof(*secret_words)))
			found = 1;
		last_start = start;
		last_len = i - start;
	}
	if (!found)
		return 0;
	/* PWD and OLDPWD are directories, whatever "pwd" means elsewhere */
	if ((len == 3 && !strncasecmp(name, "PWD", 3)) ||
	    (len == 6 && !strncasecmp(name, "OLDPWD", 6)))
		return 0;
	return !word_in(name + last_start, last_len, harmless_last,
			sizeof(harmless_last) / sizeof(*harmless_last));
}

static int longer_first(const void *a, const void *b)
{
	size_t la = strlen(*(char *const *)a), lb = strlen(*(char *const *)b);

	return la < lb ? 1 : la > lb ? -1 : 0;
}

void redact_add_value(struct redactor *r, const char *value)
{
	size_t i;

	if (!value || strlen(value) < 6)
		return;
	for (i = 0; i < r->values.nr; i++)
		if (!strcmp(r->values.v[i], value))
			return;
	strvec_push(&r->values, value);
	qsort(r->values.v, r->values.nr, sizeof(*r->values.v), longer_first);
}

void redact_init(struct redactor *r)
{
	char **e;
	size_t i;

	memset(r, 0, sizeof(*r));
	strvec_init(&r->values);
	r->codes = xcalloc(NPATTERNS, sizeof(*r->codes));
	for (i = 0; i < NPATTERNS; i++) {
		int errcode;
		PCRE2_SIZE erroff;
		pcre2_code *code = pcre2_compile((PCRE2_SPTR)patterns[i].re,
						 PCRE2_ZERO_TERMINATED, 0, &errcode,
						 &erroff, NULL);

		/* the patterns are constants: a failure is a bug caught by
		 * the tests, never a user's problem */
		if (!code)
			abort();
		pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
		r->codes[r->codes_nr++] = code;
	}
	for (e = environ; e && *e; e++) {
		const char *eq = strchr(*e, '=');

		if (eq && strlen(eq + 1) >= 8 && redact_name_is_secret(*e, (size_t)(eq - *e)))
			redact_add_value(r, eq + 1);
	}
}

void redact_release(struct redactor *r)
{
	size_t i;

	for (i = 0; i < r->codes_nr; i++)
		pcre2_code_free(r->codes[i]);
	free(r->codes);
	strvec_release(&r->values);
	memset(r, 0, sizeof(*r));
}

/* Replaces every occurrence of the exact values. */
static int replace_values(const struct redactor *r, struct strbuf *sb)
{
	int count = 0;
	size_t i;

	for (i = 0; i < r->values.nr; i++) {
		const char *v = r->values.v[i];
		size_t vl = strlen(v), pos = 0;
		struct strbuf out = STRBUF_INIT;
		const char *hit;

		if (!memmem(sb->buf, sb->len, v, vl))
			continue;
		while ((hit = memmem(sb->buf + pos, sb->len - pos, v, vl)) != NULL) {
			strbuf_add(&out, sb->buf + pos, (size_t)(hit - (sb->buf + pos)));
			strbuf_addstr(&out, REDACTED);
			pos = (size_t)(hit - sb->buf) + vl;
			count++;
		}
		strbuf_add(&out, sb->buf + pos, sb->len - pos);
		strbuf_release(sb);
		*sb = out;
	}
	return count;
}

/* One pattern over sb, in place.  -1 when the pattern could not be run
 * (a match limit on hostile input). */
static int replace_pattern(void *code, const char *rep, struct strbuf *sb)
{
	PCRE2_SIZE outlen = sb->len + 256;
	char *buf = xmalloc(outlen);
	int rc;

	for (;;) {
		PCRE2_SIZE len = outlen;

		rc = pcre2_substitute(code, (PCRE2_SPTR)sb->buf, sb->len, 0,
				      PCRE2_SUBSTITUTE_GLOBAL | PCRE2_SUBSTITUTE_OVERFLOW_LENGTH |
				      PCRE2_SUBSTITUTE_UNSET_EMPTY,
				      NULL, NULL, (PCRE2_SPTR)rep, PCRE2_ZERO_TERMINATED,
				      (PCRE2_UCHAR *)buf, &len);
		if (rc == PCRE2_ERROR_NOMEMORY) {
			outlen = len + 1;
			buf = xrealloc(buf, outlen);
			continue;
		}
		if (rc > 0) {
			strbuf_reset(sb);
			strbuf_add(sb, buf, len);
		}
		break;
	}
	free(buf);
	return rc < 0 ? -1 : rc;
}

int redact(const struct redactor *r, const char *s, size_t n, struct strbuf *out)
{
	struct strbuf sb = STRBUF_INIT;
	int count;
	size_t i;

	strbuf_add(&sb, s, n);
	count = replace_values(r, &sb);
	for (i = 0; i < r->codes_nr; i++) {
		int k = replace_pattern(r->codes[i], patterns[i].rep, &sb);

		if (k < 0) {
			/* could not be scanned: keep nothing rather than a
			 * secret */
			strbuf_reset(&sb);
			strbuf_addf(&sb, "[REDACTED: %zu bytes that could not be scanned for secrets]", n);
			count++;
			break;
		}
		count += k;
	}
	strbuf_add(out, sb.buf, sb.len);
	strbuf_release(&sb);
	return count;
}

char *redact_dup(const struct redactor *r, const char *s)
{
	struct strbuf out = STRBUF_INIT;

	redact(r, s, strlen(s), &out);
	return strbuf_detach(&out, NULL);
}
