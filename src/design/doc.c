/*
 * doc: a design document's structure.  See doc.h.
 */
#include "design/doc.h"

#include "core/xalloc.h"
#include "design/lang.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const design_section_names[DESIGN_SECTIONS] = {
	"Executive Summary", "Architecture Overview", "Service Definitions",
	"API Contracts", "Data Schema", "Technology Stack Rationale", "Key Considerations",
};

/* ---- lines, fences, headings --------------------------------------------------- */

static const char *skip_ws(const char *s, const char *e)
{
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	return s;
}

/* A fence opening or closing: its char and length, or 0. */
static size_t fence_len(const char *s, const char *e, char *ch)
{
	const char *p = skip_ws(s, e);
	size_t n = 0;

	if (p - s > 3 || p >= e || (*p != '`' && *p != '~'))
		return 0;
	*ch = *p;
	while (p + n < e && p[n] == *ch)
		n++;
	return n >= 3 ? n : 0;
}

static char *trimmed(const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return xmemdupz(s, n);
}

/* (strchr("IVX", c) would be true for the terminating NUL) */
static int roman(char c)
{
	return c == 'I' || c == 'V' || c == 'X';
}

/* "1. **Executive Summary**: Envisioned Outcome" -> "executive summary" */
static void normalise_title(const char *t, struct strbuf *out)
{
	const char *p = t;
	size_t i;

	for (;;) {
		const unsigned char *u;

		while (*p == '*' || *p == '_' || *p == '`' || isspace((unsigned char)*p))
			p++;
		u = (const unsigned char *)p;
		/* an emoji or a symbol before the number ("## 🚀 1. ...") */
		if (u[0] >= 0xF0 && u[1] && u[2] && u[3])
			p += 4;
		else if (u[0] == 0xE2 && u[1] && u[2])
			p += 3;
		else if (u[0] == 0xEF && u[1] == 0xB8 && u[2] == 0x8F)
			p += 3;
		else
			break;
	}
	if (!strncasecmp(p, "section ", 8))
		p += 8;
	if (isdigit((unsigned char)*p)) {
		while (isdigit((unsigned char)*p) || *p == '.')
			p++;
		while (*p == ')' || *p == ':' || *p == '-' || isspace((unsigned char)*p))
			p++;
	} else if (roman(p[0]) && (p[1] == '.' || p[1] == ')' ||
				   (roman(p[1]) && (p[2] == '.' || p[2] == ')')))) {
		while (roman(*p))
			p++;
		p++;
	}
	for (; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == ':' || c == '(' || !strncmp(p, " - ", 3) || !strncmp(p, " \xe2\x80\x94", 4) ||
		    !strncmp(p, " \xe2\x80\x93", 4))
			break;		/* a subtitle */
		if (c == '&') {
			strbuf_addstr(out, " and ");
		} else if (isalnum(c)) {
			strbuf_addch(out, (char)tolower(c));
		} else if (c == 0xC3 && (unsigned char)p[1] >= 0x80 && (unsigned char)p[1] <= 0xBF) {
			/* a Latin-1 letter (Visão, Überlegungen): kept, in lower case */
			unsigned char c2 = (unsigned char)*++p;

			strbuf_addch(out, (char)c);
			strbuf_addch(out, (char)(c2 <= 0x9E && c2 != 0x97 ? c2 + 0x20 : c2));
		} else if (c >= 0xC4 && c < 0xE0 && p[1]) {
			strbuf_addch(out, (char)c);		/* another letter, kept */
			strbuf_addch(out, *++p);
		} else if (c == '*' || c == '_' || c == '`') {
			continue;
		} else if (out->len && out->buf[out->len - 1] != ' ') {
			strbuf_addch(out, ' ');
		}
	}
	/* single spaces, none at the ends */
	for (i = 0; i < out->len; i++)
		if (out->buf[i] == ' ' && (i == 0 || out->buf[i - 1] == ' ')) {
			memmove(out->buf + i, out->buf + i + 1, out->len - i);
			out->len--;
			i--;
		}
	while (out->len && out->buf[out->len - 1] == ' ')
		strbuf_setlen(out, out->len - 1);
}

static int section_of_title(const char *t)
{
	struct strbuf n = STRBUF_INIT_CAP(256);
	int found;

	normalise_title(t, &n);
	/* what each section is called, in the languages lang.c knows */
	found = design_lang_section(n.buf);
	strbuf_release(&n);
	return found;
}

/* ---- endpoints ------------------------------------------------------------------------ */

static const char *const methods[] = {
	"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", NULL,
};

/* A label that introduces an endpoint's definition, in the languages
 * documents use. */
static const char *const labels[] = {
	"endpoint", "route", "request line", "rota", "endpunkt", "ruta", "point de terminaison",
	NULL,
};

/* If line defines an endpoint (a heading, or a line that is only
 * `METHOD /path` with an optional summary after a dash or colon), sets
 * method and path and returns 1. */
static int endpoint_line(const char *s, size_t n, int heading, char **method, char **path,
			 char **summary)
{
	const char *e = s + n, *p = s, *m, *q;
	size_t i, ml = 0;

	while (p < e && (*p == '#' || *p == ' ' || *p == '\t' || *p == '*' || *p == '`' ||
			 *p == '-' || *p == '+' || *p == '_'))
		p++;
	/* "**Endpoint:** `POST /api/jobs`", a very common way to write one */
	for (i = 0; labels[i]; i++) {
		size_t ln = strlen(labels[i]);

		if ((size_t)(e - p) > ln && !strncasecmp(p, labels[i], ln) &&
		    !isalnum((unsigned char)p[ln])) {
			q = p + ln;
			while (q < e && (*q == '*' || *q == '_' || *q == ' ' || *q == '\t'))
				q++;
			if (q < e && *q == ':') {
				p = q + 1;
				while (p < e && (*p == '*' || *p == '_' || *p == ' ' || *p == '\t' || *p == '`'))
					p++;
				heading = 1;	/* the label makes it a definition */
			}
			break;
		}
	}
	if (p < e && isdigit((unsigned char)*p)) {	/* "1. POST /x" */
		q = p;
		while (q < e && isdigit((unsigned char)*q))
			q++;
		if (q < e && (*q == '.' || *q == ')'))
			p = skip_ws(q + 1, e);
	}
	for (i = 0; methods[i]; i++) {
		ml = strlen(methods[i]);
		if ((size_t)(e - p) > ml && !strncmp(p, methods[i], ml) && (p[ml] == ' ' || p[ml] == '\t'))
			break;
	}
	if (!methods[i])
		return 0;
	m = p;
	p = skip_ws(p + ml, e);
	if (p >= e || *p != '/')
		return 0;
	q = p;
	while (q < e && !isspace((unsigned char)*q) && *q != '`' && *q != '*' && *q != '|')
		q++;
	{
		const char *r = q;

		while (r < e && (*r == '`' || *r == '*' || *r == ' ' || *r == '\t'))
			r++;
		/* prose after the path: a mention, not a definition */
		if (!heading && r < e && !(*r == '-' || *r == ':' || *r == '(' ||
					   !strncmp(r, "\xe2\x80\x94", 3) ||
					   !strncmp(r, "\xe2\x80\x93", 3)))
			return 0;
		while (r < e && (*r == '-' || *r == ':' || *r == ' ' || *r == '\t' || (unsigned char)*r >= 0x80))
			r++;
		*summary = trimmed(r, (size_t)(e - r));
		while (**summary && (*summary)[strlen(*summary) - 1] == '*')
			(*summary)[strlen(*summary) - 1] = 0;
	}
	*method = xmemdupz(m, ml);
	*path = xmemdupz(p, (size_t)(q - p));
	return 1;
}

/* "/orders/{id}/items/:item" -> "/orders/{}/items/{}" */
static char *normalise_path(const char *p)
{
	struct strbuf sb = STRBUF_INIT;

	while (*p) {
		if (*p == '{') {
			strbuf_addstr(&sb, "{}");
			while (*p && *p != '}')
				p++;
			if (*p)
				p++;
		} else if (*p == ':' && (p[-1] == '/')) {
			strbuf_addstr(&sb, "{}");
			while (*p && *p != '/')
				p++;
		} else {
			strbuf_addch(&sb, *p++);
		}
	}
	while (sb.len > 1 && sb.buf[sb.len - 1] == '/')
		strbuf_setlen(&sb, sb.len - 1);
	return strbuf_detach(&sb, NULL);
}

static int has_word(const char *s, const char *w)
{
	return strcasestr(s, w) != NULL;
}

/* A line about the request's body ("**Request Body**:", "Corpo da
 * requisição", "Form data"). */
static int bodyish(const char *s)
{
	static const char *const words[] = {
		"body", "payload", "form data", "form-data", "multipart", "corpo", "cuerpo", "corps",
		"anfragekörper", "request", NULL,
	};
	size_t i;

	for (i = 0; words[i]; i++)
		if (has_word(s, words[i]))
			return 1;
	return 0;
}

/* Lines that talk about responses: their numbers are status codes. */
static int statusish(const char *s)
{
	static const char *const words[] = {
		"response", "error", "status", "return", "http", "->", "\xe2\x86\x92", "success",
		"fail", "created", "ok", "not found", "conflict", "bad request", "unauthori",
		"forbidden", "accepted", "no content", "invalid", "reply", "respond",
		/* pt, de, es, fr */
		"resposta", "erro", "antwort", "fehler", "respuesta", "réponse", "erreur", "código",
		"code", NULL,
	};
	size_t i;

	for (i = 0; words[i]; i++)
		if (has_word(s, words[i]))
			return 1;
	return 0;
}

/* Status codes in a line: 3-digit numbers 100-599 on word boundaries, not
 * followed by a unit. */
static size_t line_codes(const char *s, int *out, size_t max)
{
	size_t nr = 0;
	const char *p;

	for (p = s; *p && nr < max; p++) {
		const char *q = p + 3;
		int code;

		if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]) ||
		    !isdigit((unsigned char)p[2]) || (p > s && (isalnum((unsigned char)p[-1]) ||
						      p[-1] == '.' || p[-1] == ',' || p[-1] == '$')))
			continue;
		if (isalnum((unsigned char)*q) || *q == '%' || *q == '.' || *q == ',') {
			p = q;
			continue;
		}
		code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
		if (code >= 100 && code <= 599)
			out[nr++] = code;
		p = q - 1;
	}
	return nr;
}

void design_ep_example(struct design_endpoint *ep, int status, int line, int is_error, json_t *json)
{
	struct design_example *x;

	ALLOC_GROW(ep->ex, ep->ex_nr + 1, ep->ex_alloc);
	x = &ep->ex[ep->ex_nr++];
	memset(x, 0, sizeof(*x));
	x->status = status;
	x->line = line;
	x->is_error = is_error;
	x->json = json;
}

static void add_example(struct design_endpoint *ep, int status, int line, int is_error)
{
	design_ep_example(ep, status, line, is_error, NULL);
}

static void add_code(struct design_endpoint *ep, int code);

void design_ep_code(struct design_endpoint *ep, int code)
{
	add_code(ep, code);
}

static void add_code(struct design_endpoint *ep, int code)
{
	int i;

	for (i = 0; i < ep->codes_nr; i++)
		if (ep->codes[i] == code)
			return;
	if (ep->codes_nr < (int)(sizeof(ep->codes) / sizeof(*ep->codes)))
		ep->codes[ep->codes_nr++] = code;
}

/* Each endpoint's examples and status codes, from its lines and blocks. */
static void fill_endpoint(struct design_doc *d, struct design_endpoint *ep)
{
	struct strbuf ctx = STRBUF_INIT_CAP((size_t)1 << 20);
	int line, codes[16], body_label = 0;
	size_t b = 0, k, n;

	for (line = ep->line; line <= ep->end_line; line++) {
		const struct design_line *l = &d->lines[line - 1];
		char *s = xmemdupz(l->s, l->n);

		if (!l->code) {
			if (line > ep->line)
				strbuf_addf(&ctx, "%s\n", s);
			if (statusish(s) || line == ep->line) {
				n = line_codes(s, codes, 16);
				for (k = 0; k < n; k++)
					add_code(ep, codes[k]);
			}
			/* "**Request Body**: None", "(empty)", a multipart form */
			if (bodyish(s) && design_lang_has(DW_NO_BODY, s))
				ep->no_body = 1;
			if (bodyish(s) && !statusish(s))
				body_label = 1;
			else if (body_label && *s == '|')
				ep->no_body = 1;	/* the body as a table of fields */
			else if (*skip_ws(s, s + strlen(s)))
				body_label = 0;
		} else if (!strncasecmp(s, "HTTP/", 5) && line_codes(s + 5, codes, 1) > 0) {
			add_code(ep, codes[0]);	/* an http block's status line */
		}
		free(s);
		/* a JSON block starting here: an example, labelled by the text before it */
		while (b < d->blocks_nr && d->blocks[b].fence_line < line)
			b++;
		if (b < d->blocks_nr && d->blocks[b].fence_line == line &&
		    design_block_is_json(&d->blocks[b])) {
			int status = 0, is_err, label_req;

			n = line_codes(ctx.buf, codes, 16);
			/* the last code mentioned before the block labels it */
			if (n)
				status = codes[n - 1];
			label_req = has_word(ctx.buf, "request") && !n;
			is_err = design_lang_has(DW_ERROR, ctx.buf) || status >= 400;
			if (status || label_req)
				add_example(ep, label_req ? 0 : status, d->blocks[b].first_line, is_err);
			else
				add_example(ep, -1, d->blocks[b].first_line, is_err);
			strbuf_reset(&ctx);
		}
		if (b < d->blocks_nr && d->blocks[b].fence_line == line)
			strbuf_reset(&ctx);
	}
	strbuf_release(&ctx);
}

struct design_endpoint *design_ep_new(struct design_doc *d, const char *method, const char *path,
				      const char *summary, int line)
{
	struct design_endpoint *ep;
	size_t i;
	char *norm = normalise_path(path);

	for (i = 0; i < d->eps_nr; i++)
		if (!strcmp(d->eps[i].method, method) && !strcmp(d->eps[i].norm, norm)) {
			free(norm);
			return NULL;	/* defined already, in full */
		}
	ALLOC_GROW(d->eps, d->eps_nr + 1, d->eps_alloc);
	ep = &d->eps[d->eps_nr++];
	memset(ep, 0, sizeof(*ep));
	ep->method = xstrdup(method);
	ep->path = xstrdup(path);
	ep->norm = norm;
	ep->summary = xstrdup(summary ? summary : "");
	ep->line = ep->end_line = line;
	return ep;
}

static void find_endpoints(struct design_doc *d)
{
	const struct design_section *s = &d->sec[3];
	size_t i;
	int line;

	if (!s->found)
		return;
	for (line = s->line + 1; line <= s->end_line; line++) {
		const struct design_line *l = &d->lines[line - 1];
		char *method = NULL, *path = NULL, *summary = NULL;
		struct design_endpoint *ep;
		const char *t = skip_ws(l->s, l->s + l->n);
		int heading = t < l->s + l->n && *t == '#';

		if (l->code || (t < l->s + l->n && *t == '|') ||
		    !endpoint_line(l->s, l->n, heading, &method, &path, &summary))
			continue;
		ALLOC_GROW(d->eps, d->eps_nr + 1, d->eps_alloc);
		ep = &d->eps[d->eps_nr++];
		memset(ep, 0, sizeof(*ep));
		ep->method = method;
		ep->path = path;
		ep->norm = normalise_path(path);
		ep->summary = summary;
		ep->line = line;
	}
	for (i = 0; i < d->eps_nr; i++) {
		struct design_endpoint *ep = &d->eps[i];

		ep->end_line = i + 1 < d->eps_nr ? d->eps[i + 1].line - 1 : s->end_line;
		fill_endpoint(d, ep);
		/* no summary on its line: the first sentence under it */
		for (line = ep->line + 1; !*ep->summary && line <= ep->end_line; line++) {
			const struct design_line *l = &d->lines[line - 1];
			char *t = trimmed(l->s, l->n);

			if (!l->code && *t && *t != '#' && !strcasestr(t, "request") &&
			    !strcasestr(t, "response") && !strcasestr(t, "error")) {
				free(ep->summary);
				ep->summary = t;
			} else {
				free(t);
				if (l->code)
					break;
			}
		}
	}
}

/* A section of errors every endpoint may answer ("## Error Codes", "###
 * Common Error Responses", "Fehlercodes"): a heading that names errors,
 * not an endpoint, with 4xx or 5xx codes under it. */
static void find_common_errors(struct design_doc *d)
{
	size_t i, k;

	for (i = 0; i < d->headings_nr && !d->common_errors; i++) {
		const struct design_heading *h = &d->headings[i];
		int end = (int)d->lines_nr, line, codes[16];
		char *m = NULL, *pa = NULL, *su = NULL;

		if (!design_lang_has(DW_ERROR, h->text))
			continue;
		if (endpoint_line(h->text, strlen(h->text), 1, &m, &pa, &su)) {
			free(m);
			free(pa);
			free(su);
			continue;
		}
		for (k = i + 1; k < d->headings_nr; k++)
			if (d->headings[k].level <= h->level) {
				end = d->headings[k].line - 1;
				break;
			}
		for (line = h->line + 1; line <= end && !d->common_errors; line++) {
			const struct design_line *l = &d->lines[line - 1];
			char *t = xmemdupz(l->s, l->n);
			size_t n = l->code ? 0 : line_codes(t, codes, 16);

			for (k = 0; k < n; k++)
				if (codes[k] >= 400)
					d->common_errors = h->line;
			free(t);
		}
	}
}

/* ---- the document ----------------------------------------------------------------- */

/* The text as lines (a final newline ends the last line; CR before LF
 * is not part of it). */
static void split_lines(struct design_doc *d, size_t len)
{
	size_t i, alloc = 0;

	for (i = 0; i <= len;) {
		size_t e = i;

		while (e < len && d->text[e] != '\n')
			e++;
		if (i == len && i > 0 && d->text[i - 1] == '\n')
			break;
		ALLOC_GROW(d->lines, d->lines_nr + 1, alloc);
		d->lines[d->lines_nr].s = d->text + i;
		d->lines[d->lines_nr].n = e - i - (e > i && d->text[e - 1] == '\r');
		d->lines[d->lines_nr].code = 0;
		d->lines_nr++;
		if (e >= len)
			break;
		i = e + 1;
	}
}

static void push_heading(struct design_doc *d, int line, int level, char *text)
{
	struct design_heading *hd;

	ALLOC_GROW(d->headings, d->headings_nr + 1, d->headings_alloc);
	hd = &d->headings[d->headings_nr++];
	hd->line = line;
	hd->level = level;
	hd->text = text;
	if (level == 1 && !d->title)
		d->title = xstrdup(text);
}

/* A line that is only bold text ("**1. Executive Summary**") naming a
 * section, as some documents write their section titles: 1 (*text the
 * title), else 0. */
static int bold_heading(const char *s, const char *e, char **text)
{
	const char *p = skip_ws(s, e), *q = e;
	char *t;
	int sec;

	while (q > p && isspace((unsigned char)q[-1]))
		q--;
	if (q - p < 5 || strncmp(p, "**", 2) || strncmp(q - 2, "**", 2) ||
	    memmem(p + 2, (size_t)(q - p - 4), "**", 2))
		return 0;
	t = trimmed(p + 2, (size_t)(q - p - 4));
	/* numbered ("**5. Data Schema**"), or a section's own name: a bold
	 * "**Endpoints:**" label inside a section is not one */
	sec = isdigit((unsigned char)*t) || !strcasecmp(t, design_section_names[0]) ||
	      !strcasecmp(t, design_section_names[1]) || !strcasecmp(t, design_section_names[2]) ||
	      !strcasecmp(t, design_section_names[3]) || !strcasecmp(t, design_section_names[4]) ||
	      !strcasecmp(t, design_section_names[5]) || !strcasecmp(t, design_section_names[6])
	      ? section_of_title(t) : -1;
	if (sec < 0) {
		free(t);
		return 0;
	}
	*text = t;
	return 1;
}

/* An ATX heading ("## Title ##"), if the line is one. */
static void add_heading(struct design_doc *d, const char *s, const char *e, int line)
{
	const char *h = skip_ws(s, e);
	size_t lv = 0;

	while (h + lv < e && h[lv] == '#')
		lv++;
	if (h - s <= 3 && lv >= 1 && lv <= 6 && (h + lv == e || h[lv] == ' ' || h[lv] == '\t')) {
		const char *te = e;

		while (te > h + lv && (te[-1] == '#' || isspace((unsigned char)te[-1])))
			te--;
		push_heading(d, line, (int)lv, trimmed(h + lv, te > h + lv ? (size_t)(te - h - lv) : 0));
		return;
	}
	{
		char *t;

		/* kept aside: a bold title is a section only where no heading
		 * names that section (sections_from_bold) */
		if (bold_heading(s, e, &t)) {
			ALLOC_GROW(d->bold, d->bold_nr + 1, d->bold_alloc);
			d->bold[d->bold_nr].line = line;
			d->bold[d->bold_nr].level = 1;
			d->bold[d->bold_nr++].text = t;
		}
	}
}

/*
 * Documents that write their section titles as bold lines
 * ("**1. Executive Summary**") and their subsections as ### headings: such
 * a line becomes a level-1 heading, so its section runs to the next one,
 * when no heading names its section already (a bold "**2. Architecture**"
 * inside a section of a document with ## titles stays text).
 */
static void sections_from_bold(struct design_doc *d)
{
	int named[DESIGN_SECTIONS] = { 0 };
	size_t i, k;

	for (i = 0; i < d->headings_nr; i++) {
		int sec = section_of_title(d->headings[i].text);

		if (sec >= 0)
			named[sec] = 1;
	}
	for (i = 0; i < d->bold_nr; i++) {
		int sec = section_of_title(d->bold[i].text);

		if (sec < 0 || named[sec]) {
			free(d->bold[i].text);
			continue;
		}
		named[sec] = 1;
		ALLOC_GROW(d->headings, d->headings_nr + 1, d->headings_alloc);
		for (k = d->headings_nr; k > 0 && d->headings[k - 1].line > d->bold[i].line; k--)
			d->headings[k] = d->headings[k - 1];
		d->headings[k] = d->bold[i];
		d->headings_nr++;
	}
	free(d->bold);
	d->bold = NULL;
	d->bold_nr = d->bold_alloc = 0;
}

/* "---" under a line is a rule after a paragraph in most documents: a
 * level-2 setext heading only when its text names a section. */
static int setext_names_section(const char *s, const char *e)
{
	char *t = trimmed(s, (size_t)(e - s));
	int sec = section_of_title(t);

	free(t);
	return sec >= 0;
}

/* A setext heading: text, then a line of '=' (level 1) or '-' (level
 * 2); returns its level, or 0. */
static int setext_level(const struct design_line *text, const struct design_line *under)
{
	const char *p = skip_ws(under->s, under->s + under->n), *e = under->s + under->n;
	const char *t = skip_ws(text->s, text->s + text->n);
	char c;

	if (p >= e || (*p != '=' && *p != '-') || t >= text->s + text->n || *t == '#' ||
	    *t == '|' || *t == '-' || *t == '*' || *t == '>')
		return 0;
	c = *p;
	while (p < e && *p == c)
		p++;
	return skip_ws(p, e) == e ? (c == '=' ? 1 : 2) : 0;
}

void design_doc_parse(struct design_doc *d, const char *name, const char *text, size_t len)
{
	size_t i, open_len = 0;
	char open_ch = 0;
	int open_block = -1;

	memset(d, 0, sizeof(*d));
	d->name = xstrdup(name);
	d->text = xmemdupz(text, len);
	split_lines(d, len);
	for (i = 0; i < d->lines_nr; i++) {
		struct design_line *l = &d->lines[i];
		const char *s = l->s, *e = l->s + l->n;
		char ch = 0;
		size_t fl = fence_len(s, e, &ch);
		int line = (int)i + 1;

		if (open_block >= 0) {
			struct design_block *b = &d->blocks[open_block];

			l->code = 1;
			if (fl >= open_len && ch == open_ch && skip_ws(skip_ws(s, e) + fl, e) == e) {
				size_t from = (size_t)(d->lines[b->first_line - 1].s - d->text);

				b->text = line > b->first_line
					  ? xmemdupz(d->text + from, (size_t)(s - d->text) - from)
					  : xstrdup("");
				open_block = -1;
			}
			continue;
		}
		if (fl) {
			const char *info = skip_ws(skip_ws(s, e) + fl, e), *w = info;
			struct design_block *b;
			size_t k;

			ALLOC_GROW(d->blocks, d->blocks_nr + 1, d->blocks_alloc);
			b = &d->blocks[d->blocks_nr];
			memset(b, 0, sizeof(*b));
			while (w < e && !isspace((unsigned char)*w) && *w != '{' && *w != ',')
				w++;
			b->lang = xmemdupz(info, (size_t)(w - info));
			for (k = 0; b->lang[k]; k++)
				b->lang[k] = (char)tolower((unsigned char)b->lang[k]);
			b->fence_line = line;
			b->first_line = line + 1;
			b->section = -1;
			open_block = (int)d->blocks_nr++;
			open_len = fl;
			open_ch = ch;
			l->code = 1;
			continue;
		}
		if (i + 1 < d->lines_nr && l->n && setext_level(l, &d->lines[i + 1]) &&
		    (setext_level(l, &d->lines[i + 1]) == 1 || setext_names_section(s, e)) &&
		    !fence_len(d->lines[i + 1].s, d->lines[i + 1].s + d->lines[i + 1].n, &ch) &&
		    (i == 0 || !d->lines[i - 1].n || d->lines[i - 1].code ||
		     skip_ws(d->lines[i - 1].s, d->lines[i - 1].s + d->lines[i - 1].n) ==
		     d->lines[i - 1].s + d->lines[i - 1].n)) {
			/* (only after a blank line: a paragraph's last line over a
			 * "---" rule is a heading too in CommonMark, but a rule is
			 * what LLM documents mean by it) */
			push_heading(d, line, setext_level(l, &d->lines[i + 1]), trimmed(s, (size_t)(e - s)));
			continue;
		}
		add_heading(d, s, e, line);
	}
	if (open_block >= 0) {
		/* an unclosed fence runs to the end */
		struct design_block *b = &d->blocks[open_block];
		size_t from = b->first_line <= (int)d->lines_nr
			      ? (size_t)(d->lines[b->first_line - 1].s - d->text) : len;

		b->text = xmemdupz(d->text + from, len - from);
	}
	sections_from_bold(d);
	/* the seven sections: the first heading that names each */
	for (i = 0; i < d->headings_nr; i++) {
		int s = section_of_title(d->headings[i].text);

		if (s >= 0 && !d->sec[s].found) {
			d->sec[s].found = 1;
			d->sec[s].heading = (int)i;
			d->sec[s].line = d->headings[i].line;
			d->sec[s].level = d->headings[i].level;
		}
	}
	for (i = 0; i < DESIGN_SECTIONS; i++) {
		struct design_section *s = &d->sec[i];
		size_t h;

		if (!s->found)
			continue;
		s->end_line = (int)d->lines_nr;
		for (h = (size_t)s->heading + 1; h < d->headings_nr; h++)
			if (d->headings[h].level <= s->level) {
				s->end_line = d->headings[h].line - 1;
				break;
			}
	}
	for (i = 0; i < d->blocks_nr; i++)
		d->blocks[i].section = design_doc_section_of(d, d->blocks[i].fence_line);
	find_endpoints(d);
	design_apispec_endpoints(d);	/* tables and OpenAPI blocks (apispec.c) */
	find_common_errors(d);
}

int design_doc_blank(const struct design_doc *d, int from, int to)
{
	int i;

	for (i = from; i <= to && i <= (int)d->lines_nr; i++) {
		const struct design_line *l = &d->lines[i - 1];
		size_t k;

		for (k = 0; k < l->n; k++)
			if (!isspace((unsigned char)l->s[k]))
				return 0;
	}
	return 1;
}

void design_doc_release(struct design_doc *d)
{
	size_t i, k;

	for (i = 0; i < d->headings_nr; i++)
		free(d->headings[i].text);
	free(d->headings);
	for (i = 0; i < d->blocks_nr; i++) {
		free(d->blocks[i].lang);
		free(d->blocks[i].text);
	}
	free(d->blocks);
	for (i = 0; i < d->eps_nr; i++) {
		for (k = 0; k < d->eps[i].ex_nr; k++)
			json_decref(d->eps[i].ex[k].json);
		free(d->eps[i].ex);
		free(d->eps[i].method);
		free(d->eps[i].path);
		free(d->eps[i].norm);
		free(d->eps[i].summary);
	}
	free(d->eps);
	free(d->lines);
	free(d->text);
	free(d->name);
	free(d->title);
	memset(d, 0, sizeof(*d));
}

int design_doc_section_of(const struct design_doc *d, int line)
{
	int i, best = -1;

	for (i = 0; i < DESIGN_SECTIONS; i++)
		if (d->sec[i].found && line >= d->sec[i].line && line <= d->sec[i].end_line &&
		    (best < 0 || d->sec[i].line > d->sec[best].line))
			best = i;
	return best;
}

int design_block_is_sql(const struct design_block *b)
{
	static const char *const langs[] = {
		"sql", "postgresql", "postgres", "pgsql", "psql", "plpgsql", "ddl", "sqlite", NULL,
	};
	size_t i;

	for (i = 0; langs[i]; i++)
		if (!strcmp(b->lang, langs[i]))
			return 1;
	return 0;
}

int design_block_is_json(const struct design_block *b)
{
	return !strcmp(b->lang, "json") || !strcmp(b->lang, "jsonc") ||
	       !strcmp(b->lang, "json5") || !strcmp(b->lang, "application/json");
}

int design_block_json(const struct design_block *b, json_t **out, int *line, struct strbuf *msg)
{
	json_error_t jerr;
	json_t *j = json_loads(b->text ? b->text : "", JSON_DECODE_ANY, &jerr);

	*out = j;
	if (j)
		return 0;
	*line = b->first_line + (jerr.line > 0 ? jerr.line - 1 : 0);
	strbuf_addstr(msg, jerr.text);
	return -1;
}
