/*
 * check: the checks of the design contract, and the report.  See design.h.
 */
#include "design/design.h"

#include "core/fileio.h"
#include "core/xalloc.h"
#include "design/doc.h"
#include "design/prose.h"
#include "design/sql.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- sections ------------------------------------------------------------------------- */

static void check_sections(const struct design_doc *d, struct design_report *r)
{
	int i, prev = -1, prev_line = 0, explained = 0;

	for (i = 0; i < DESIGN_SECTIONS; i++) {
		const struct design_section *s = &d->sec[i];

		if (!s->found) {
			/* where it belongs: after the previous section found */
			int at = 0, k;

			for (k = i - 1; k >= 0 && !at; k--)
				if (d->sec[k].found)
					at = d->sec[k].line;
			/* what a design holds is said once, not with every gap */
			if (!explained++)
				design_add(r, DIAG_ERROR, at ? at : 1, design_section_names[i],
					   "missing section '%d. %s': a design has seven sections, in order: Executive Summary, Architecture Overview, Service Definitions, API Contracts, Data Schema, Technology Stack Rationale, Key Considerations",
					   i + 1, design_section_names[i]);
			else
				design_add(r, DIAG_ERROR, at ? at : 1, design_section_names[i],
					   "missing section '%d. %s'", i + 1, design_section_names[i]);
			continue;
		}
		if (prev >= 0 && s->line < prev_line)
			design_add(r, DIAG_ERROR, s->line, design_section_names[i],
				   "section '%s' comes before '%s' (line %d); section %d must come after section %d",
				   design_section_names[i], design_section_names[prev], prev_line, i + 1,
				   prev + 1);
		if (design_doc_blank(d, s->line + 1, s->end_line))
			design_add(r, DIAG_ERROR, s->line, design_section_names[i],
				   "section '%s' is empty", design_section_names[i]);
		if (s->line > prev_line) {
			prev = i;
			prev_line = s->line;
		}
	}
}

/* ---- JSON ---------------------------------------------------------------------------------- */

static void check_json_blocks(const struct design_doc *d, struct design_report *r)
{
	size_t i;

	for (i = 0; i < d->blocks_nr; i++) {
		const struct design_block *b = &d->blocks[i];
		struct strbuf msg = STRBUF_INIT;
		json_t *j;
		int line;

		if (!design_block_is_json(b))
			continue;
		r->json_blocks++;
		if (design_block_json(b, &j, &line, &msg))
			design_add(r, DIAG_ERROR, line,
				   b->section >= 0 ? design_section_names[b->section] : NULL,
				   "invalid JSON: %s", msg.buf);
		json_decref(j);
		strbuf_release(&msg);
	}
}

/* ---- API contracts ------------------------------------------------------------------------- */

static const struct design_block *block_at(const struct design_doc *d, int first_line)
{
	size_t i;

	for (i = 0; i < d->blocks_nr; i++)
		if (d->blocks[i].first_line == first_line)
			return &d->blocks[i];
	return NULL;
}

/* Keys that differ between error responses of one envelope legitimately. */
static int optional_key(const char *k)
{
	static const char *const keys[] = {
		"details", "detail", "fields", "errors", "meta", "hint", "docs", "documentation_url",
		"request_id", "requestId", "trace_id", "traceId", "timestamp", "path", "retry_after",
		"instance", "context", "suggestion", "suggestions", "help", "validation_errors",
		"validationErrors", "field_errors", "fieldErrors", "retryAfter", "retry_after_seconds",
		NULL,
	};
	size_t i;

	for (i = 0; keys[i]; i++)
		if (!strcmp(k, keys[i]))
			return 1;
	return 0;
}

/* An error body's shape: its keys, and its object members' keys. */
static void envelope(json_t *j, int depth, struct strbuf *out)
{
	const char **keys;
	const char *k;
	json_t *v;
	size_t n = 0, i, a;

	if (!json_is_object(j)) {
		strbuf_addstr(out, json_is_array(j) ? "[...]" : "value");
		return;
	}
	keys = xcalloc(json_object_size(j) + 1, sizeof(*keys));
	json_object_foreach(j, k, v)
		if (!optional_key(k))
			keys[n++] = k;
	/* sorted, so key order does not matter */
	for (i = 1; i < n; i++)
		for (a = i; a > 0 && strcmp(keys[a - 1], keys[a]) > 0; a--) {
			const char *t = keys[a];

			keys[a] = keys[a - 1];
			keys[a - 1] = t;
		}
	strbuf_addch(out, '{');
	for (i = 0; i < n; i++) {
		strbuf_addf(out, "%s%s", i ? ", " : "", keys[i]);
		v = json_object_get(j, keys[i]);
		if (depth < 1 && json_is_object(v))
			envelope(v, depth + 1, out);
	}
	strbuf_addch(out, '}');
	free(keys);
}

static int takes_body(const char *m)
{
	return !strcmp(m, "POST") || !strcmp(m, "PUT") || !strcmp(m, "PATCH");
}

/* A create: POST to a collection (its last segment a plural noun, not a
 * parameter or an action), or one whose summary says so. */
static int is_create(const struct design_endpoint *ep)
{
	const char *last = strrchr(ep->norm, '/');
	size_t n;

	if (strcmp(ep->method, "POST"))
		return 0;
	if (ep->summary && (strcasestr(ep->summary, "create") || strcasestr(ep->summary, "register") ||
			    strcasestr(ep->summary, "add ")))
		return 1;
	last = last ? last + 1 : ep->norm;
	n = strlen(last);
	return n > 1 && strcmp(last, "{}") && last[n - 1] == 's' && !strstr(last, "status") &&
	       strcmp(last, "process") && strcmp(last, "access");
}

static void check_endpoint(struct design_doc *d, struct design_endpoint *ep,
			   struct design_report *r, struct strbuf *first_env, int *first_env_line)
{
	const char *sec = design_section_names[3];
	int i, ok = 0, err = 0, req = 0;
	size_t x;

	for (i = 0; i < ep->codes_nr; i++) {
		int c = ep->codes[i];

		if (!design_http_status_known(c)) {
			design_add(r, DIAG_ERROR, ep->line, sec,
				   "%s %s: %d is not an HTTP status code", ep->method, ep->path, c);
			continue;
		}
		ok |= c >= 200 && c < 300;
		err |= c >= 400;
	}
	for (x = 0; x < ep->ex_nr; x++) {
		struct design_example *e = &ep->ex[x];
		const struct design_block *b = block_at(d, e->line);
		struct strbuf m = STRBUF_INIT;
		int bad_line;

		req |= e->status == 0;
		/* (an OpenAPI operation's example comes parsed already) */
		if ((e->json || (b && !design_block_json(b, &e->json, &bad_line, &m))) && e->is_error &&
		    e->status != 0) {
			struct strbuf env = STRBUF_INIT;

			if (e->status > 0 && e->status < 400)
				design_add(r, DIAG_ERROR, e->line, sec,
					   "%s %s: an error response with status %d; errors use 4xx or 5xx",
					   ep->method, ep->path, e->status);
			envelope(e->json, 0, &env);
			if (!first_env->len) {
				strbuf_add(first_env, env.buf, env.len);
				*first_env_line = e->line;
			} else if (strcmp(first_env->buf, env.buf)) {
				design_add(r, DIAG_ERROR, e->line, sec,
					   "%s %s: this error response's envelope %s differs from the one used first (line %d: %s); use one error envelope throughout",
					   ep->method, ep->path, env.buf, *first_env_line, first_env->buf);
			}
			strbuf_release(&env);
		}
		strbuf_release(&m);
	}
	if (takes_body(ep->method) && !req && !ep->no_body)
		design_add(r, DIAG_ERROR, ep->line, sec,
			   "%s %s has no sample request body (a ```json block introduced as the request, or say it takes no body)",
			   ep->method, ep->path);
	if (!ok)
		design_add(r, DIAG_ERROR, ep->line, sec,
			   "%s %s has no success response with its status code (2xx)", ep->method, ep->path);
	/* (the document's common error responses count for every endpoint) */
	if (!err && !d->common_errors)
		design_add(r, DIAG_ERROR, ep->line, sec,
			   "%s %s has no error response with its status code (4xx or 5xx)", ep->method,
			   ep->path);
	if (is_create(ep) && ok) {
		int has201 = 0, other = 0;

		for (i = 0; i < ep->codes_nr; i++) {
			has201 |= ep->codes[i] == 201 || ep->codes[i] == 202;
			if (ep->codes[i] >= 200 && ep->codes[i] < 300 && !other)
				other = ep->codes[i];
		}
		if (!has201)
			design_add(r, DIAG_ERROR, ep->line, sec,
				   "%s %s creates a resource: its success status should be 201 Created (or 202 Accepted), not %d",
				   ep->method, ep->path, other);
	}
}

static void check_api(struct design_doc *d, struct design_report *r)
{
	struct strbuf env = STRBUF_INIT;
	size_t i, k;
	int env_line = 0;

	if (!d->sec[3].found)
		return;
	r->endpoints = d->eps_nr;
	if (!d->eps_nr) {
		design_add(r, DIAG_ERROR, d->sec[3].line, design_section_names[3],
			   "API Contracts defines no endpoint (write each as `METHOD /path`, e.g. a heading '### POST /orders')");
		return;
	}
	for (i = 0; i < d->eps_nr; i++) {
		for (k = 0; k < i; k++)
			if (!strcmp(d->eps[i].method, d->eps[k].method) &&
			    !strcmp(d->eps[i].norm, d->eps[k].norm)) {
				design_add(r, DIAG_ERROR, d->eps[i].line, design_section_names[3],
					   "%s %s is defined twice (first at line %d)", d->eps[i].method,
					   d->eps[i].path, d->eps[k].line);
				break;
			}
		check_endpoint(d, &d->eps[i], r, &env, &env_line);
	}
	strbuf_release(&env);
}

/* ---- the whole check ----------------------------------------------------------------------- */

int design_check(const char *name, const char *text, size_t len,
		 const struct design_opts *o, struct design_report *r, struct strbuf *err)
{
	struct design_doc d;
	int rc;

	design_doc_parse(&d, name, text, len);
	check_sections(&d, r);
	check_json_blocks(&d, r);
	check_api(&d, r);
	rc = design_sql_check(&d, o, r, err);
	design_check_rationale(&d, r);
	design_check_considerations(&d, r);
	design_report_sort(r);
	design_doc_release(&d);
	return rc;
}

int design_check_file(const char *path, const struct design_opts *o,
		      struct design_report *r, struct strbuf *err)
{
	struct strbuf data = STRBUF_INIT_CAP(DESIGN_FILE_MAX);
	int rc;

	if (file_read(path, DESIGN_FILE_MAX, &data, err)) {
		strbuf_release(&data);
		return -1;
	}
	rc = design_check(path, data.buf, data.len, o, r, err);
	strbuf_release(&data);
	return rc;
}
