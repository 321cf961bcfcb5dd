/*
 * openapi: the API contracts as an OpenAPI 3.1 document, and the schema as
 * one SQL script.  The document is built as JSON with jansson, then
 * emitted as block-style YAML by libfyaml.  See design.h.
 */
#include "design/design.h"

#include "core/xalloc.h"
#include "design/doc.h"
#include "design/sql.h"

#include <ctype.h>
#include <libfyaml.h>
#include <stdlib.h>
#include <string.h>

/* "/orders/:id" -> "/orders/{id}", and the parameters' names. */
static char *openapi_path(const char *p, json_t *params)
{
	struct strbuf sb = STRBUF_INIT;

	while (*p) {
		if (*p == '{' || (*p == ':' && p[-1] == '/')) {
			const char *s = p + 1, *e = s;

			while (*e && *e != '}' && *e != '/')
				e++;
			strbuf_addch(&sb, '{');
			strbuf_add(&sb, s, (size_t)(e - s));
			strbuf_addch(&sb, '}');
			json_array_append_new(params, json_pack("{s:s%, s:s, s:b, s:{s:s}}", "name", s,
				(size_t)(e - s), "in", "path", "required", 1, "schema", "type", "string"));
			p = *e == '}' ? e + 1 : e;
		} else {
			strbuf_addch(&sb, *p++);
		}
	}
	return strbuf_detach(&sb, NULL);
}

/* "POST /orders/{id}/items" -> "postOrdersIdItems" */
static char *operation_id(const char *method, const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	int up = 0;

	for (; *method; method++)
		strbuf_addch(&sb, tolower((unsigned char)*method));
	for (; *path; path++) {
		if (isalnum((unsigned char)*path)) {
			strbuf_addch(&sb, up ? toupper((unsigned char)*path) : *path);
			up = 0;
		} else {
			up = 1;
		}
	}
	return strbuf_detach(&sb, NULL);
}

static json_t *build(struct design_doc *d)
{
	json_t *paths = json_object(), *doc;
	size_t i, x;

	for (i = 0; i < d->eps_nr; i++) {
		struct design_endpoint *ep = &d->eps[i];
		json_t *params = json_array(), *op, *responses = json_object(), *item;
		char *path = openapi_path(ep->path, params), *opid = operation_id(ep->method, ep->path);
		char method[16];
		int c;

		snprintf(method, sizeof(method), "%s", ep->method);
		for (c = 0; method[c]; c++)
			method[c] = (char)tolower((unsigned char)method[c]);
		op = json_pack("{s:s, s:s}", "operationId", opid,
			       "summary", ep->summary && *ep->summary ? ep->summary : path);
		if (json_array_size(params))
			json_object_set(op, "parameters", params);
		for (x = 0; x < ep->ex_nr; x++) {
			struct design_example *e = &ep->ex[x];
			const struct design_block *b = NULL;
			struct strbuf m = STRBUF_INIT;
			json_t *j = NULL;
			size_t k;
			int line;

			for (k = 0; k < d->blocks_nr; k++)
				if (d->blocks[k].first_line == e->line)
					b = &d->blocks[k];
			if (!b || design_block_json(b, &j, &line, &m)) {
				strbuf_release(&m);
				continue;
			}
			strbuf_release(&m);
			if (e->status == 0) {
				json_object_set_new(op, "requestBody", json_pack("{s:b, s:{s:{s:o}}}",
					"required", 1, "content", "application/json", "example", j));
			} else if (e->status > 0) {
				char code[16];

				snprintf(code, sizeof(code), "%d", e->status);
				json_object_set_new(responses, code, json_pack("{s:s, s:{s:{s:o}}}",
					"description", design_http_reason(e->status) ? design_http_reason(e->status) : "Response",
					"content", "application/json", "example", j));
			} else {
				json_decref(j);
			}
		}
		/* codes mentioned without an example still get a response */
		for (c = 0; c < ep->codes_nr; c++) {
			char code[16];

			snprintf(code, sizeof(code), "%d", ep->codes[c]);
			if (design_http_status_known(ep->codes[c]) && !json_object_get(responses, code))
				json_object_set_new(responses, code, json_pack("{s:s}", "description",
					design_http_reason(ep->codes[c])));
		}
		if (!json_object_size(responses))
			json_object_set_new(responses, "default", json_pack("{s:s}", "description",
									   "Response"));
		json_object_set_new(op, "responses", responses);
		item = json_object_get(paths, path);
		if (!item) {
			item = json_object();
			json_object_set_new(paths, path, item);
		}
		if (!json_object_get(item, method))
			json_object_set_new(item, method, op);
		else
			json_decref(op);
		json_decref(params);
		free(path);
		free(opid);
	}
	doc = json_pack("{s:s, s:{s:s, s:s, s:s}, s:[{s:s}], s:o}", "openapi", "3.1.0",
			"info", "title", d->title ? d->title : d->name, "version", "1.0.0",
			"description", "Exported by archie check-design from the API Contracts section.",
			"servers", "url", "/", "paths", paths);
	return doc;
}

/*
 * Whether a string must be quoted to stay a string: one the YAML core
 * schema would read as something else (null, a boolean, a number), empty,
 * or one whose plain form could not be read back (an indicator first, ": "
 * or " #" inside, spaces at an end, control characters).  Everything else
 * is written plain, as a person would write OpenAPI.
 */
static int needs_quotes(const char *s)
{
	static const char *const words[] = {
		"null", "Null", "NULL", "~", "true", "True", "TRUE", "false", "False", "FALSE",
		".inf", ".Inf", ".INF", "-.inf", "+.inf", ".nan", ".NaN", ".NAN",
	};
	size_t i, n = strlen(s);
	char *end;

	if (!n || strchr("-?:,[]{}#&*!|>'\"%@` ", s[0]) || s[n - 1] == ' ' || s[n - 1] == ':' ||
	    strstr(s, ": ") || strstr(s, " #"))
		return 1;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20)
			return 1;
	for (i = 0; i < sizeof(words) / sizeof(*words); i++)
		if (!strcmp(s, words[i]))
			return 1;
	(void)strtod(s, &end);
	if (!*end)
		return 1;	/* a number */
	return (s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) != 0;
}

/* The JSON value as a YAML node of fyd, plain scalars where they read back
 * the same. */
static struct fy_node *yaml_node(struct fy_document *fyd, json_t *v)
{
	struct fy_node *n;
	const char *key;
	json_t *item;
	size_t i;

	if (json_is_object(v)) {
		n = fy_node_create_mapping(fyd);
		json_object_foreach(v, key, item) {
			json_t *k = json_string(key);

			fy_node_mapping_append(n, yaml_node(fyd, k), yaml_node(fyd, item));
			json_decref(k);
		}
		return n;
	}
	if (json_is_array(v)) {
		n = fy_node_create_sequence(fyd);
		json_array_foreach(v, i, item)
			fy_node_sequence_append(n, yaml_node(fyd, item));
		return n;
	}
	if (json_is_string(v) && !needs_quotes(json_string_value(v))) {
		n = fy_node_create_scalar_copy(fyd, json_string_value(v), json_string_length(v));
	} else {
		/* quoted, or a number, boolean or null: its JSON form is YAML */
		char *js = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

		/* the document keeps the text it was built from: it owns js */
		n = js ? fy_node_build_from_malloc_string(fyd, js, strlen(js))
		       : fy_node_create_scalar_copy(fyd, "null", 4);
	}
	return n;
}

int design_export_openapi(const char *name, const char *text, size_t len,
			  struct strbuf *out, struct strbuf *err)
{
	struct design_doc d;
	struct fy_parse_cfg cfg;
	struct fy_document *fyd;
	json_t *doc;
	char *js, *yaml;
	int rc = -1;

	design_doc_parse(&d, name, text, len);
	if (!d.sec[3].found || !d.eps_nr) {
		strbuf_seterr(err, "%s has no API Contracts with endpoints to export", name);
		goto out;
	}
	doc = build(&d);
	memset(&cfg, 0, sizeof(cfg));
	cfg.flags = FYPCF_QUIET;
	fyd = fy_document_create(&cfg);
	if (!fyd || fy_document_set_root(fyd, yaml_node(fyd, doc))) {
		strbuf_seterr(err, "internal error: the OpenAPI document did not convert to YAML");
		json_decref(doc);
		goto out;
	}
	json_decref(doc);
	js = NULL;
	yaml = fy_emit_document_to_string(fyd, FYECF_MODE_BLOCK | FYECF_WIDTH_INF | FYECF_DOC_START_MARK_OFF);
	if (yaml) {
		strbuf_addstr(out, yaml);
		free(yaml);
		rc = 0;
	} else {
		strbuf_seterr(err, "internal error: YAML emission failed");
	}
	fy_document_destroy(fyd);
	free(js);
out:
	design_doc_release(&d);
	return rc;
}

int design_export_sql(const char *name, const char *text, size_t len, struct strbuf *out,
		      struct strbuf *err)
{
	struct design_doc d;
	int rc = 0;

	design_doc_parse(&d, name, text, len);
	design_sql_script(&d, out);
	if (!out->len)
		rc = strbuf_seterr(err, "%s has no ```sql blocks in its Data Schema to export", name);
	design_doc_release(&d);
	return rc;
}
