/*
 * report: what a design check found.  The diagnostics are core/diag's
 * (the file is the caller's to name when it prints them), each with the
 * section it is about; the counts say what was checked.
 *
 * Ownership: a report owns its diagnostics.
 */
#ifndef ARCHIE_DESIGN_REPORT_H
#define ARCHIE_DESIGN_REPORT_H

#include "core/diag.h"
#include "core/strbuf.h"

#include <jansson.h>

struct design_report {
	struct diag_list diags;		/* sorted by line once the check ends */
	const char *database;		/* "postgresql", "sqlite", or NULL: no SQL */
	size_t endpoints, tables, sql_blocks, json_blocks;
	json_t *notices;		/* the database's NOTICEs: [{line, message}] */
};

void design_report_init(struct design_report *r);
void design_report_release(struct design_report *r);
/* Adds a problem at line (0: the document as a whole) of section (a
 * design_section_names entry, or NULL). */
void design_add(struct design_report *r, enum diag_severity sev, int line,
		const char *section, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* A NOTICE the database sent while running line's statement. */
void design_notice(struct design_report *r, int line, const char *msg);
/* Sorts by line; problems of one line keep the order they were found in. */
void design_report_sort(struct design_report *r);
size_t design_report_errors(const struct design_report *r);

/* "file:line: error: message" lines, then a summary line. */
void design_report_text(const struct design_report *r, const char *file, struct strbuf *out);
/* {"file", "ok", "errors", "warnings", "database", "diagnostics": [...]} */
json_t *design_report_json(const struct design_report *r, const char *file);

#endif
