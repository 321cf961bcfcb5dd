/*
 * apispec: endpoints a design writes other ways than a `METHOD /path`
 * line — a table with Method and Path columns, and an OpenAPI document in
 * a ```yaml or ```json block of API Contracts, whose operations are
 * checked like the others: their status codes (the responses' keys),
 * request body, and examples (error envelopes compared).  See doc.h.
 */
#include "design/doc.h"

#include "core/diag.h"
#include "core/strvec.h"
#include "core/xalloc.h"
#include "core/yamldoc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- tables ------------------------------------------------------------------------------- */

/* The cells of a table row, trimmed, emphasis and backquotes off. */
static void cells(const char *s, size_t n, struct strvec *out)
{
	const char *e = s + n, *p = s;

	while (p < e && isspace((unsigned char)*p))
		p++;
	if (p < e && *p == '|')
		p++;
	while (p < e) {
		const char *q = p;
		struct strbuf c = STRBUF_INIT;

		while (q < e && *q != '|')
			q++;
		for (; p < q; p++)
			if (*p != '`' && *p != '*')
				strbuf_addch(&c, *p);
		strbuf_trim(&c);
		if (q < e || c.len)
			strvec_push(out, c.buf);
		strbuf_release(&c);
		p = q + (q < e);
	}
}

static int header_is(const char *cell, const char *const *words)
{
	size_t i;

	for (i = 0; words[i]; i++)
		if (!strcasecmp(cell, words[i]))
			return 1;
	return 0;
}

static void table_endpoints(struct design_doc *d)
{
	static const char *const method_h[] = { "method", "verb", "http method", "método", "methode", "méthode", NULL };
	static const char *const path_h[] = { "path", "endpoint", "route", "url", "uri", "rota", "caminho", "pfad", "ruta", "chemin", NULL };
	static const char *const status_h[] = { "status", "statuses", "status codes", "responses", "response", "codes", "returns", "errors", NULL };
	const struct design_section *s = &d->sec[3];
	int line, mcol = -1, pcol = -1, scol = -1, in_table = 0;

	for (line = s->line + 1; s->found && line <= s->end_line; line++) {
		const struct design_line *l = &d->lines[line - 1];
		const char *t = l->s, *e = l->s + l->n;
		struct strvec row = STRVEC_INIT;
		size_t k;

		while (t < e && isspace((unsigned char)*t))
			t++;
		if (l->code || t >= e || *t != '|') {
			in_table = 0;
			continue;
		}
		cells(t, (size_t)(e - t), &row);
		if (!in_table) {	/* the header */
			in_table = 1;
			mcol = pcol = scol = -1;
			for (k = 0; k < row.nr; k++) {
				if (mcol < 0 && header_is(row.v[k], method_h))
					mcol = (int)k;
				else if (pcol < 0 && header_is(row.v[k], path_h))
					pcol = (int)k;
				else if (scol < 0 && header_is(row.v[k], status_h))
					scol = (int)k;
			}
		} else if (mcol >= 0 && pcol >= 0 && (size_t)mcol < row.nr && (size_t)pcol < row.nr &&
			   row.v[pcol][0] == '/') {
			char *m = xstrdup(row.v[mcol]), *q;
			struct design_endpoint *ep;

			for (q = m; *q; q++)
				*q = (char)toupper((unsigned char)*q);
			ep = strspn(m, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == strlen(m) && *m
			     ? design_ep_new(d, m, row.v[pcol], NULL, line) : NULL;
			/* its status codes, from a column that lists them */
			if (ep && scol >= 0 && (size_t)scol < row.nr) {
				const char *c;

				for (c = row.v[scol]; *c; c++)
					if (isdigit((unsigned char)c[0]) && isdigit((unsigned char)c[1]) &&
					    isdigit((unsigned char)c[2]) && !isdigit((unsigned char)c[3]) &&
					    (c == row.v[scol] || !isalnum((unsigned char)c[-1])))
						design_ep_code(ep, (c[0] - '0') * 100 + (c[1] - '0') * 10 + (c[2] - '0'));
			}
			free(m);
		}
		strvec_release(&row);
	}
}

/* ---- OpenAPI ------------------------------------------------------------------------------ */

/* The block line where needle (a path or a method key) is written, at or
 * after from; from when not found. */
static int key_line(const struct design_doc *d, const struct design_block *b, const char *needle,
		    int from)
{
	int line, last = b->first_line;
	size_t n = strlen(needle);
	const char *c;

	for (c = b->text; *c; c++)	/* the block's last line */
		last += *c == '\n';
	for (line = from; line <= last && line <= (int)d->lines_nr; line++) {
		const struct design_line *l = &d->lines[line - 1];
		const char *p = l->s, *e = l->s + l->n;

		while (p < e && (isspace((unsigned char)*p) || *p == '"' || *p == '\''))
			p++;
		if ((size_t)(e - p) > n && !strncmp(p, needle, n) &&
		    (p[n] == ':' || p[n] == '"' || p[n] == '\''))
			return line;
	}
	return from;
}

/* The example an OpenAPI media type object gives, or NULL (a new
 * reference). */
static json_t *media_example(json_t *content)
{
	const char *mt;
	json_t *m, *ex;

	json_object_foreach(content, mt, m) {
		if ((ex = json_object_get(m, "example")) != NULL)
			return json_incref(ex);
		json_object_foreach(json_object_get(m, "examples"), mt, ex)
			if (json_object_get(ex, "value"))
				return json_incref(json_object_get(ex, "value"));
		if ((ex = json_object_get(json_object_get(m, "schema"), "example")) != NULL)
			return json_incref(ex);
	}
	return NULL;
}

static void operation(struct design_doc *d, const struct design_block *b, const char *path,
		      const char *method, json_t *op, int line)
{
	const char *summary = json_string_value(json_object_get(op, "summary"));
	json_t *responses = json_object_get(op, "responses"), *resp, *rb;
	struct design_endpoint *ep;
	char m[16];
	const char *code;
	size_t i;

	for (i = 0; i < sizeof(m) - 1 && method[i]; i++)
		m[i] = (char)toupper((unsigned char)method[i]);
	m[i] = 0;
	ep = design_ep_new(d, m, path, summary ? summary
			   : json_string_value(json_object_get(op, "operationId")), line);
	if (!ep)
		return;
	json_object_foreach(responses, code, resp) {
		int c = (int)strtol(code, NULL, 10);

		if (c < 100 || c > 599)
			continue;	/* "default", "2XX" */
		design_ep_code(ep, c);
		design_ep_example(ep, c, key_line(d, b, code, line), c >= 400,
				  media_example(json_object_get(resp, "content")));
	}
	if ((rb = json_object_get(op, "requestBody")) != NULL)
		design_ep_example(ep, 0, key_line(d, b, "requestBody", line), 0,
				  media_example(json_object_get(rb, "content")));
}

/* An OpenAPI document: the block's text as YAML (or JSON, which is YAML)
 * with `paths` (and `openapi` or `swagger`). */
static json_t *openapi_doc(const struct design_doc *d, const struct design_block *b)
{
	struct yamldoc yd;
	struct diag_list dl;
	json_t *j = NULL;

	(void)d;
	if (!strstr(b->text, "paths"))
		return NULL;
	diag_list_init(&dl);
	if (!yamldoc_parse(&yd, "openapi", "OpenAPI block", b->text, strlen(b->text),
			   b->first_line, &dl)) {
		j = yd.root ? yamldoc_to_json(yd.root) : NULL;
		yamldoc_release(&yd);
	}
	diag_list_release(&dl);
	if (j && (!json_is_object(json_object_get(j, "paths")) ||
		  !(json_object_get(j, "openapi") || json_object_get(j, "swagger")))) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

static void openapi_endpoints(struct design_doc *d)
{
	static const char *const methods[] = { "get", "post", "put", "patch", "delete", "head", "options", NULL };
	size_t i, k;

	for (i = 0; i < d->blocks_nr; i++) {
		const struct design_block *b = &d->blocks[i];
		json_t *doc, *item;
		const char *path;

		if (b->section != 3 || !b->text ||
		    (strcmp(b->lang, "yaml") && strcmp(b->lang, "yml") && strcmp(b->lang, "json") &&
		     strcmp(b->lang, "openapi")) || !(doc = openapi_doc(d, b)))
			continue;
		json_object_foreach(json_object_get(doc, "paths"), path, item) {
			int pline = key_line(d, b, path, b->first_line);

			for (k = 0; methods[k]; k++)
				if (json_is_object(json_object_get(item, methods[k])))
					operation(d, b, path, methods[k], json_object_get(item, methods[k]),
						  key_line(d, b, methods[k], pline));
		}
		json_decref(doc);
	}
}

void design_apispec_endpoints(struct design_doc *d)
{
	if (!d->sec[3].found)
		return;
	table_endpoints(d);
	openapi_endpoints(d);
}
