/*
 * report: a headless run's SARIF or JUnit report.  See report.h.
 */
#include "cli/report.h"

#include "checkpoint/rewind.h"
#include "cli/session.h"
#include "core/fileio.h"
#include "core/xalloc.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

enum report_kind { REPORT_NONE, REPORT_SARIF, REPORT_JUNIT };

static enum report_kind kind_of(const char *file)
{
	size_t n = strlen(file);

	if ((n > 6 && !strcmp(file + n - 6, ".sarif")) ||
	    (n > 11 && !strcmp(file + n - 11, ".sarif.json")))
		return REPORT_SARIF;
	if (n > 4 && !strcmp(file + n - 4, ".xml"))
		return REPORT_JUNIT;
	return REPORT_NONE;
}

int cli_report_check(const char *file, struct strbuf *err)
{
	return kind_of(file) == REPORT_NONE
	       ? strbuf_seterr(err, "--report %s: name a .sarif (SARIF 2.1.0) or .xml (JUnit) file", file)
	       : 0;
}

/* The files the session changed, each once, in order (a new array). */
static json_t *changed_files(struct session *s)
{
	json_t *prompts, *p, *f, *out = json_array();
	size_t i, k, j;

	if (!s->store_ready || !s->loop)
		return out;
	prompts = rewind_prompts(&s->store, loop_session_id(s->loop));
	json_array_foreach(prompts, i, p) {
		json_array_foreach(json_object_get(p, "files"), k, f) {
			json_t *seen;
			int dup = 0;

			json_array_foreach(out, j, seen)
				dup |= json_equal(seen, f);
			if (!dup)
				json_array_append(out, f);
		}
	}
	json_decref(prompts);
	return out;
}

static json_t *sarif(struct session *s, enum loop_exit ex)
{
	json_t *results = json_array(), *files = changed_files(s), *f;
	const struct loop_denial *d;
	size_t i, nd;

	json_array_foreach(files, i, f)
		json_array_append_new(results, json_pack(
			"{s:s, s:s, s:{s:s}, s:[{s:{s:{s:O}}}]}", "ruleId", "archie/changed-file",
			"level", "note", "message", "text", "The agent changed this file.",
			"locations", "physicalLocation", "artifactLocation", "uri", f));
	d = loop_denials(s->loop, &nd);
	for (i = 0; i < nd; i++) {
		struct strbuf t = STRBUF_INIT;

		strbuf_addf(&t, "%s was denied: %s", d[i].tool, d[i].reason);
		if (d[i].rule)
			strbuf_addf(&t, " (a rule that would allow it: %s)", d[i].rule);
		json_array_append_new(results, json_pack(
			"{s:s, s:s, s:{s:s}, s:{s:s, s:s}}", "ruleId", "archie/denied-call", "level",
			"warning", "message", "text", t.buf, "properties", "tool", d[i].tool,
			"arguments", d[i].arguments ? d[i].arguments : ""));
		strbuf_release(&t);
	}
	json_decref(files);
	return json_pack("{s:s, s:s, s:[{s:{s:{s:s, s:s, s:s, s:[{s:s, s:{s:s}}, {s:s, s:{s:s}}]}},"
			 " s:o, s:[{s:b, s:s}], s:{s:s, s:s}}]}",
			 "$schema", "https://json.schemastore.org/sarif-2.1.0.json", "version", "2.1.0",
			 "runs", "tool", "driver", "name", "archie", "version", "0.1",
			 "informationUri", "https://github.com/archie",
			 "rules", "id", "archie/changed-file", "shortDescription", "text",
			 "A file the agent changed", "id", "archie/denied-call", "shortDescription",
			 "text", "A tool call the permission policy denied",
			 "results", results,
			 "invocations", "executionSuccessful", ex == LOOP_DONE, "exitCode", loop_exit_name(ex),
			 "properties", "session", loop_session_id(s->loop), "exit_reason",
			 loop_exit_name(ex));
}

/* XML text, escaped. */
static void xml(struct strbuf *out, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': strbuf_addstr(out, "&lt;"); break;
		case '>': strbuf_addstr(out, "&gt;"); break;
		case '&': strbuf_addstr(out, "&amp;"); break;
		case '"': strbuf_addstr(out, "&quot;"); break;
		default:
			/* control characters XML 1.0 does not allow */
			if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
				strbuf_addch(out, *s);
		}
	}
}

static void junit(struct session *s, enum loop_exit ex, struct strbuf *out)
{
	json_t *files = changed_files(s), *f;
	size_t i, nd = 0;
	const struct loop_denial *d = loop_denials(s->loop, &nd);

	strbuf_addf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		    "<testsuites name=\"archie\">\n"
		    "  <testsuite name=\"archie run\" tests=\"%zu\" failures=\"%zu\" errors=\"%d\">\n",
		    json_array_size(files) + nd + 1, nd, ex == LOOP_DONE || ex == LOOP_DENIED ? 0 : 1);
	strbuf_addstr(out, "    <testcase classname=\"archie.run\" name=\"the run ended: ");
	xml(out, loop_exit_name(ex));
	strbuf_addstr(out, "\">");
	if (ex != LOOP_DONE && ex != LOOP_DENIED) {
		strbuf_addstr(out, "<error message=\"");
		xml(out, loop_exit_name(ex));
		strbuf_addstr(out, "\"/>");
	}
	strbuf_addstr(out, "</testcase>\n");
	json_array_foreach(files, i, f) {
		strbuf_addstr(out, "    <testcase classname=\"archie.changed\" name=\"");
		xml(out, json_string_value(f));
		strbuf_addstr(out, "\"/>\n");
	}
	for (i = 0; i < nd; i++) {
		strbuf_addstr(out, "    <testcase classname=\"archie.denied\" name=\"");
		xml(out, d[i].tool);
		strbuf_addstr(out, "\"><failure message=\"");
		xml(out, d[i].reason);
		strbuf_addstr(out, "\">");
		xml(out, d[i].arguments);
		strbuf_addstr(out, "</failure></testcase>\n");
	}
	strbuf_addstr(out, "  </testsuite>\n</testsuites>\n");
	json_decref(files);
}

int cli_report_write(struct session *s, const char *file, enum loop_exit ex, struct strbuf *err)
{
	struct strbuf out = STRBUF_INIT;
	int rc;

	switch (kind_of(file)) {
	case REPORT_SARIF: {
		json_t *j = sarif(s, ex);
		char *t = json_dumps(j, JSON_INDENT(2));

		strbuf_addf(&out, "%s\n", t);
		free(t);
		json_decref(j);
		break;
	}
	case REPORT_JUNIT:
		junit(s, ex, &out);
		break;
	default:
		return cli_report_check(file, err);
	}
	rc = file_write_atomic(file, out.buf, out.len, 0644, err);
	strbuf_release(&out);
	return rc;
}
