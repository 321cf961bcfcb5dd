/*
 * report: a design check's diagnostics, on core/diag.  See report.h.
 */
#include "design/report.h"

#include "core/xalloc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void design_report_init(struct design_report *r)
{
	memset(r, 0, sizeof(*r));
	diag_list_init(&r->diags);
}

void design_report_release(struct design_report *r)
{
	diag_list_release(&r->diags);
	json_decref(r->notices);
	memset(r, 0, sizeof(*r));
}

void design_add(struct design_report *r, enum diag_severity sev, int line,
		const char *section, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	/* the file is named when the report is printed */
	diag_add(&r->diags, sev, NULL, line, 0, "%s", sb.buf);
	r->diags.v[r->diags.nr - 1].section = section;
	strbuf_release(&sb);
}

void design_report_sort(struct design_report *r)
{
	diag_list_sort(&r->diags);	/* stable for equal lines */
}

size_t design_report_errors(const struct design_report *r)
{
	return r->diags.errors;
}

void design_report_text(const struct design_report *r, const char *file, struct strbuf *out)
{
	const struct diag_list *dl = &r->diags;
	size_t i;

	for (i = 0; i < dl->nr; i++)
		strbuf_addf(out, "%s:%d: %s: %s\n", file, dl->v[i].line,
			    diag_severity_name(dl->v[i].severity), dl->v[i].msg);
	strbuf_addf(out, "%s: %zu error%s, %zu warning%s (%zu endpoint%s, %zu SQL block%s%s%s, %zu JSON block%s)\n",
		    file, dl->errors, dl->errors == 1 ? "" : "s", dl->warnings,
		    dl->warnings == 1 ? "" : "s", r->endpoints, r->endpoints == 1 ? "" : "s",
		    r->sql_blocks, r->sql_blocks == 1 ? "" : "s", r->database ? " run on " : "",
		    r->database ? r->database : "", r->json_blocks, r->json_blocks == 1 ? "" : "s");
	/* what the database said along the way: not problems, kept apart */
	for (i = 0; i < json_array_size(r->notices); i++) {
		json_t *n = json_array_get(r->notices, i);

		strbuf_addf(out, "%s:%d: note: %s\n", file,
			    (int)json_integer_value(json_object_get(n, "line")),
			    json_string_value(json_object_get(n, "message")));
	}
}

void design_notice(struct design_report *r, int line, const char *msg)
{
	if (!r->notices)
		r->notices = json_array();
	json_array_append_new(r->notices, json_pack("{s:i, s:s}", "line", line, "message", msg));
}

json_t *design_report_json(const struct design_report *r, const char *file)
{
	const struct diag_list *dl = &r->diags;
	json_t *diags = json_array();
	size_t i;

	for (i = 0; i < dl->nr; i++) {
		json_t *o = json_pack("{s:i, s:s, s:s}", "line", dl->v[i].line, "severity",
				      diag_severity_name(dl->v[i].severity), "message", dl->v[i].msg);

		json_object_set_new(o, "section", dl->v[i].section ? json_string(dl->v[i].section)
								   : json_null());
		json_array_append_new(diags, o);
	}
	return json_pack("{s:s, s:b, s:I, s:I, s:o, s:I, s:I, s:I, s:I, s:o, s:o}", "file", file,
			 "ok", dl->errors == 0, "errors", (json_int_t)dl->errors,
			 "warnings", (json_int_t)dl->warnings,
			 "database", r->database ? json_string(r->database) : json_null(),
			 "endpoints", (json_int_t)r->endpoints, "sql_blocks", (json_int_t)r->sql_blocks,
			 "tables", (json_int_t)r->tables,
			 "json_blocks", (json_int_t)r->json_blocks, "diagnostics", diags,
			 "notices", r->notices ? json_incref(r->notices) : json_array());
}
