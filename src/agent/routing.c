/*
 * routing: routing tables from frontmatter and Markdown, and matching
 * prompts against them.  See routing.h.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "agent/routing.h"

#include "core/strbuf.h"
#include "core/xalloc.h"

#include <ctype.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- references and keywords ------------------------------------------------ */

static int is_trim(char c)
{
	return isspace((unsigned char)c) || c == '`' || c == '*' || c == '"' ||
	       c == '\'' || c == '_';
}

/* s[0..*n) without surrounding space, quotes, backticks and emphasis. */
static const char *clean(const char *s, size_t *n)
{
	while (*n && is_trim(*s)) {
		s++;
		(*n)--;
	}
	while (*n && is_trim(s[*n - 1]))
		(*n)--;
	return s;
}

void routing_ref_name(const char *ref, size_t len, struct strbuf *out)
{
	const char *s = ref, *link, *slash;
	size_t n = len;

	s = clean(s, &n);
	/* a Markdown link: [text](path/to/agent.md) names its target */
	link = n ? memmem(s, n, "](", 2) : NULL;
	if (link && s[n - 1] == ')') {
		n = (size_t)(s + n - 1 - (link + 2));
		s = link + 2;
		s = clean(s, &n);
	}
	if (n && *s == '@') {
		s++;
		n--;
	}
	while (n && s[n - 1] == '/')
		n--;
	slash = n ? memrchr(s, '/', n) : NULL;
	if (slash) {
		n -= (size_t)(slash + 1 - s);
		s = slash + 1;
	}
	if (n > 3 && !strncasecmp(s + n - 3, ".md", 3))
		n -= 3;
	s = clean(s, &n);
	strbuf_add(out, s, n);
}

int routing_add(struct agent *a, const struct strvec *keywords, const char *ref,
		int line)
{
	struct strbuf name = STRBUF_INIT_CAP(256);
	struct agent_route *r;
	size_t i;

	routing_ref_name(ref, strlen(ref), &name);
	if (!name.len || !keywords->nr) {
		strbuf_release(&name);
		return -1;
	}
	ALLOC_GROW(a->routes, a->routes_nr + 1, a->routes_alloc);
	r = &a->routes[a->routes_nr++];
	memset(r, 0, sizeof(*r));
	strvec_init(&r->keywords);
	for (i = 0; i < keywords->nr; i++)
		strvec_push(&r->keywords, keywords->v[i]);
	r->agent = strbuf_detach(&name, NULL);
	r->ref = xstrdup(ref);
	r->line = line;
	return 0;
}

/* Splits a keywords cell on commas (and semicolons) into clean keywords. */
static void split_keywords(const char *s, size_t n, struct strvec *out)
{
	size_t i = 0;

	while (i <= n) {
		size_t j = i, k;
		const char *w;

		while (j < n && s[j] != ',' && s[j] != ';')
			j++;
		k = j - i;
		w = clean(s + i, &k);
		/* "(default)", "(none of the above)": not keywords */
		if (k && *w != '(')
			strvec_push_nodup(out, xmemdupz(w, k));
		i = j + 1;
	}
}

/* ---- Markdown tables ------------------------------------------------------------ */

#define CELLS_MAX 16

struct cell {
	const char *s;
	size_t n;
};

/* Splits a table row into cells; returns how many (0: not a row).  A '|'
 * inside backticks or escaped with a backslash is text. */
static size_t split_row(const char *line, size_t len, struct cell *cells)
{
	size_t i = 0, nr = 0, start;
	int code = 0;

	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i == len || line[i] != '|')
		return 0;
	start = ++i;
	for (; i < len; i++) {
		if (line[i] == '\\' && i + 1 < len) {
			i++;
		} else if (line[i] == '`') {
			code = !code;
		} else if (line[i] == '|' && !code) {
			if (nr < CELLS_MAX) {
				cells[nr].s = line + start;
				cells[nr].n = i - start;
				nr++;
			}
			start = i + 1;
		}
	}
	/* a row need not end with '|' */
	if (start < len && nr < CELLS_MAX) {
		size_t n = len - start;
		const char *s = clean(line + start, &n);

		if (n) {
			cells[nr].s = s;
			cells[nr].n = n;
			nr++;
		}
	}
	return nr;
}

static int is_delimiter_row(const struct cell *cells, size_t nr)
{
	size_t i, j;

	if (!nr)
		return 0;
	for (i = 0; i < nr; i++) {
		int dashes = 0;

		for (j = 0; j < cells[i].n; j++) {
			char c = cells[i].s[j];

			if (c == '-')
				dashes++;
			else if (c != ':' && c != ' ' && c != '\t')
				return 0;
		}
		if (!dashes)
			return 0;
	}
	return 1;
}

static int cell_has(const struct cell *c, const char *const *words)
{
	char buf[256];
	size_t n = c->n < sizeof(buf) - 1 ? c->n : sizeof(buf) - 1, i;

	for (i = 0; i < n; i++)
		buf[i] = (char)tolower((unsigned char)c->s[i]);
	buf[n] = 0;
	for (i = 0; words[i]; i++)
		if (strstr(buf, words[i]))
			return 1;
	return 0;
}

/* The header's keyword and agent columns, or -1. */
static void header_columns(const struct cell *cells, size_t nr, int *kw, int *ag)
{
	static const char *const kw_words[] = { "keyword", "trigger", NULL };
	static const char *const ag_words[] = {
		"specialist", "agent", "delegate", "invoke", "expert", "route", NULL,
	};
	size_t i;

	*kw = *ag = -1;
	for (i = 0; i < nr; i++) {
		if (*kw < 0 && cell_has(&cells[i], kw_words))
			*kw = (int)i;
		else if (*ag < 0 && cell_has(&cells[i], ag_words))
			*ag = (int)i;
	}
}

/* The agents a cell names: each `code span`, else the cell split on
 * commas, '+' and '&'. */
static void cell_refs(const struct cell *c, struct strvec *out)
{
	const char *s = c->s, *e = c->s + c->n, *tick;
	size_t before = out->nr;

	while (s < e && (tick = memchr(s, '`', (size_t)(e - s))) != NULL) {
		const char *end = memchr(tick + 1, '`', (size_t)(e - tick - 1));

		if (!end)
			break;
		if (end > tick + 1)
			strvec_push_nodup(out, xmemdupz(tick + 1, (size_t)(end - tick - 1)));
		s = end + 1;
	}
	if (out->nr > before)
		return;
	s = c->s;
	while (s <= e) {
		const char *p = s, *w;
		size_t n;

		while (p < e && *p != ',' && *p != '+' && *p != '&')
			p++;
		n = (size_t)(p - s);
		w = clean(s, &n);
		if (n && *w != '(')
			strvec_push_nodup(out, xmemdupz(w, n));
		s = p + 1;
	}
}

void routing_parse_table(struct agent *a, const char *body, size_t len,
			 int first_line)
{
	struct cell cells[CELLS_MAX], head[CELLS_MAX];
	size_t i = 0, head_nr = 0;
	int line = first_line, fence = 0, kw = -1, ag = -1, in_table = 0;
	const char *prev = NULL;
	size_t prev_len = 0;

	while (i < len) {
		size_t eol = i, nr;
		const char *l = body + i, *t;

		while (eol < len && body[eol] != '\n')
			eol++;
		t = l;
		while (t < body + eol && (*t == ' ' || *t == '\t'))
			t++;
		/* the body is not NUL-terminated: compare within the line */
		if (body + eol - t >= 3 && (!memcmp(t, "```", 3) || !memcmp(t, "~~~", 3))) {
			fence = !fence;
			in_table = 0;
		} else if (!fence) {
			nr = split_row(l, eol - i, cells);
			if (!nr) {
				in_table = 0;
			} else if (in_table) {
				if ((size_t)kw < nr && (size_t)ag < nr) {
					struct strvec words = STRVEC_INIT, refs = STRVEC_INIT;
					size_t r;

					split_keywords(cells[kw].s, cells[kw].n, &words);
					cell_refs(&cells[ag], &refs);
					for (r = 0; words.nr && r < refs.nr; r++)
						routing_add(a, &words, refs.v[r], line);
					strvec_release(&words);
					strvec_release(&refs);
				}
			} else if (prev && is_delimiter_row(cells, nr)) {
				head_nr = split_row(prev, prev_len, head);
				header_columns(head, head_nr, &kw, &ag);
				in_table = kw >= 0 && ag >= 0;
			}
		}
		prev = l;
		prev_len = eol - i;
		i = eol + 1;
		line++;
	}
	if (a->routes_nr && !a->routes_from)
		a->routes_from = "table";
}

/* ---- matching ---------------------------------------------------------------------- */

static int word_byte(unsigned char c)
{
	return isalnum(c) || c == '_' || c >= 0x80;
}

/* The keyword as a PCRE2 pattern: literal text, white space runs as \s+,
 * word boundaries where the keyword starts or ends with a word char. */
static void keyword_pattern(const char *kw, struct strbuf *re)
{
	size_t n = strlen(kw), i;

	while (n && isspace((unsigned char)kw[n - 1]))
		n--;
	while (n && isspace((unsigned char)*kw)) {
		kw++;
		n--;
	}
	if (n && word_byte((unsigned char)kw[0]))
		strbuf_addstr(re, "(?<![\\w])");
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)kw[i];

		if (isspace(c)) {
			while (i + 1 < n && isspace((unsigned char)kw[i + 1]))
				i++;
			strbuf_addstr(re, "\\s+");
		} else if (isalnum(c) || c >= 0x80) {
			strbuf_addch(re, (char)c);
		} else {
			/* a backslash before ASCII punctuation is always literal */
			strbuf_addch(re, '\\');
			strbuf_addch(re, (char)c);
		}
	}
	if (n && word_byte((unsigned char)kw[n - 1]))
		strbuf_addstr(re, "(?![\\w])");
}

int routing_keyword_in(const char *keyword, const char *text, size_t len)
{
	struct strbuf re = STRBUF_INIT_CAP(4096);
	pcre2_code *code;
	pcre2_match_data *md;
	int err, rc = 0;
	PCRE2_SIZE off;

	keyword_pattern(keyword, &re);
	if (!re.len || re.truncated) {
		strbuf_release(&re);
		return 0;
	}
	code = pcre2_compile((PCRE2_SPTR)re.buf, re.len,
			     PCRE2_CASELESS | PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF,
			     &err, &off, NULL);
	strbuf_release(&re);
	if (!code)
		return 0;	/* a keyword that is not valid UTF-8 matches nothing */
	md = pcre2_match_data_create_from_pattern(code, NULL);
	rc = pcre2_match(code, (PCRE2_SPTR)text, len, 0, 0, md, NULL) >= 0;
	pcre2_match_data_free(md);
	pcre2_code_free(code);
	return rc;
}

/* A keyword's weight as evidence: a phrase ("rate limiting") or a
 * written-out name (PostgreSQL, CI/CD, OAuth2, gRPC: a capital letter
 * after the first, a digit, punctuation) says more than one common word
 * ("idempotent", "cache"), which alone is not enough to run a specialist. */
static int keyword_weight(const char *kw)
{
	size_t i, n = strlen(kw);

	while (n && isspace((unsigned char)kw[n - 1]))
		n--;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)kw[i];

		if (isspace(c) || isdigit(c) || (i && isupper(c)) || (c < 0x80 && ispunct(c)))
			return 2;
	}
	return 1;
}

/*
 * Finding every keyword in one pass over the prompt, in time linear in its
 * length (a 10 MB prompt on stdin took seconds with a regex per keyword,
 * and as long with one alternation of them all, which PCRE2 tries at every
 * byte).  The prompt is read as tokens: runs of word bytes (letters,
 * digits, _, and every byte of a UTF-8 sequence), and each other
 * non-space byte on its own.  A keyword is a token sequence ("rate
 * limiting", "CI/CD" = ci / cd); the first token of each is in a hash
 * table, and a hit compares the rest.  ASCII letters compare without case;
 * a keyword with other letters goes to PCRE2 with Unicode case folding
 * (routing_keyword_in), once.
 */
#define TOKEN_MAX 64

/* Each byte's class and its ASCII lower case, by table: the scan's inner
 * loop is a lookup a byte (ctype's calls cost more than the rest). */
enum { BYTE_SPACE, BYTE_WORD, BYTE_OTHER };
static unsigned char byte_class[256], byte_lower[256];

static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

/* Once, whichever thread routes first (subagents route in theirs). */
static void tables_fill(void)
{
	int c;

	for (c = 0; c < 256; c++) {
		byte_class[c] = isspace(c) ? BYTE_SPACE : word_byte((unsigned char)c) ? BYTE_WORD
											: BYTE_OTHER;
		byte_lower[c] = (unsigned char)(c < 0x80 ? tolower(c) : c);
	}
}

static int token_at(const char *s, size_t len, size_t *at, size_t *tlen)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = *at;

	while (i < len && byte_class[u[i]] == BYTE_SPACE)
		i++;
	if (i >= len)
		return 0;
	*at = i;
	if (byte_class[u[i]] == BYTE_WORD)
		while (i < len && byte_class[u[i]] == BYTE_WORD)
			i++;
	else
		i++;
	*tlen = i - *at;
	return 1;
}

static unsigned long token_hash(const char *t, size_t n)
{
	unsigned long h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ byte_lower[(unsigned char)t[i]]) * 16777619u;
	return h;
}

static int token_eq(const char *a, size_t na, const char *b, size_t nb)
{
	return na == nb && !strncasecmp(a, b, na);
}

/* Whether the keyword's tokens follow from text[at] on. */
static int tokens_follow(const char *kw, const char *text, size_t len, size_t at)
{
	size_t kat = 0, klen = strlen(kw), kn, tn;

	while (token_at(kw, klen, &kat, &kn)) {
		if (!token_at(text, len, &at, &tn) || !token_eq(kw + kat, kn, text + at, tn))
			return 0;
		kat += kn;
		at += tn;
	}
	return 1;
}

static void find_keywords(const char *const *kw, size_t n, const char *text, size_t len,
			  unsigned char *found)
{
	size_t nb = 1, i, at = 0, tn;
	size_t *head, *next;

	pthread_once(&tables_once, tables_fill);
	while (nb < 2 * n)
		nb <<= 1;
	head = xcalloc(nb, sizeof(*head));	/* index + 1 of a chain's first keyword */
	next = xcalloc(n, sizeof(*next));
	for (i = 0; i < n; i++) {
		size_t k = 0, kn, j;
		int ascii = 1;

		for (j = 0; kw[i][j]; j++)
			ascii &= (unsigned char)kw[i][j] < 0x80;
		if (!ascii) {
			found[i] = (unsigned char)routing_keyword_in(kw[i], text, len);
			continue;
		}
		if (!token_at(kw[i], strlen(kw[i]), &k, &kn))
			continue;
		j = token_hash(kw[i] + k, kn) & (nb - 1);
		next[i] = head[j];
		head[j] = i + 1;
	}
	while (token_at(text, len, &at, &tn)) {
		if (tn <= TOKEN_MAX) {
			size_t e = head[token_hash(text + at, tn) & (nb - 1)];

			for (; e; e = next[e - 1])
				if (!found[e - 1] && tokens_follow(kw[e - 1], text, len, at))
					found[e - 1] = 1;
		}
		at += tn;
	}
	free(head);
	free(next);
}

void routing_match(const struct agent *a, const char *prompt,
		   struct routing_result *out)
{
	size_t len = strlen(prompt), i, j, h, n = 0;
	const char **kw;
	unsigned char *found;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < a->routes_nr; i++)
		n += a->routes[i].keywords.nr;
	if (!n)
		return;
	kw = xcalloc(n, sizeof(*kw));
	found = xcalloc(n, 1);
	for (i = 0, n = 0; i < a->routes_nr; i++)
		for (j = 0; j < a->routes[i].keywords.nr; j++)
			kw[n++] = a->routes[i].keywords.v[j];
	find_keywords(kw, n, prompt, len, found);
	for (i = 0; i < a->routes_nr; i++) {
		const struct agent_route *r = &a->routes[i];
		struct routing_hit *hit = NULL;

		for (j = 0; j < r->keywords.nr; j++) {
			size_t k;

			for (k = 0; k < n && (kw[k] != r->keywords.v[j] || !found[k]); k++)
				;
			if (k == n)
				continue;
			for (h = 0; !hit && h < out->nr; h++)
				if (!strcmp(out->v[h].agent, r->agent))
					hit = &out->v[h];
			if (!hit) {
				ALLOC_GROW(out->v, out->nr + 1, out->alloc);
				hit = &out->v[out->nr++];
				hit->agent = r->agent;
				hit->weight = 0;
				strvec_init(&hit->keywords);
			}
			if (strvec_find(&hit->keywords, r->keywords.v[j]) < 0) {
				strvec_push(&hit->keywords, r->keywords.v[j]);
				hit->weight += keyword_weight(r->keywords.v[j]);
			}
		}
	}
	/* a specialist runs on enough evidence, never on one common word */
	for (i = 0, h = 0; i < out->nr; i++) {
		if (out->v[i].weight >= ROUTING_MIN_WEIGHT)
			out->v[h++] = out->v[i];
		else
			strvec_release(&out->v[i].keywords);
	}
	out->nr = h;
	free(kw);
	free(found);
}

void routing_result_release(struct routing_result *r)
{
	size_t i;

	for (i = 0; i < r->nr; i++)
		strvec_release(&r->v[i].keywords);
	free(r->v);
	memset(r, 0, sizeof(*r));
}
