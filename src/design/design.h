/*
 * design: the design contract.  archie's backend-architect delivers a
 * design as a Markdown document with seven sections, in this order:
 *
 *   1. Executive Summary   2. Architecture Overview   3. Service Definitions
 *   4. API Contracts       5. Data Schema             6. Technology Stack Rationale
 *   7. Key Considerations (Scalability, Security, Observability, Deployment & CI/CD)
 *
 * design_check() reads such a document like a compiler reads code and
 * reports every problem with its line: sections missing, out of order or
 * empty; endpoints without a request body, a success or an error response;
 * JSON that does not parse; status codes that are not HTTP's or do not fit;
 * error envelopes that differ; endpoints defined twice; SQL DDL that does
 * not run on a real database (a throwaway PostgreSQL cluster, else SQLite
 * in memory, with a warning); tables without primary keys, foreign keys
 * without an index, duplicate indexes; technology choices with no
 * alternative; missing considerations; no plan for 10x load.
 *
 * The pieces: doc.c (the Markdown structure: headings, sections, code
 * blocks, endpoints), check.c (the checks), report.c (the diagnostics they
 * add, on core/diag, and their text and JSON forms), sql.c (running
 * the DDL and reading the catalog), pg.c (the throwaway PostgreSQL cluster,
 * libpq loaded on first use), openapi.c (exports).
 *
 * Ownership: a report owns its diagnostics; documents own their text.
 */
#ifndef ARCHIE_DESIGN_H
#define ARCHIE_DESIGN_H

#include "core/strbuf.h"
#include "design/report.h"

#include <jansson.h>
#include <stddef.h>

#define DESIGN_SECTIONS 7
/* The largest document read: real ones with whole pg_dumps run to
 * megabytes. */
#define DESIGN_FILE_MAX ((size_t)16 << 20)

/* The seven sections, in order ("Executive Summary", ...). */
extern const char *const design_section_names[DESIGN_SECTIONS];

struct design_opts {
	int sqlite_only;		/* do not look for PostgreSQL */
	const char *pg_bindir;		/* where initdb and postgres are; NULL: search */
};

/* Checks a document (name is used in messages).  Returns 0 (problems are
 * in the report, sorted by line), or -1 with err when the check itself
 * could not run. */
int design_check(const char *name, const char *text, size_t len,
		 const struct design_opts *o, struct design_report *r, struct strbuf *err);
/* Reads path (at most DESIGN_FILE_MAX) and checks it. */
int design_check_file(const char *path, const struct design_opts *o,
		      struct design_report *r, struct strbuf *err);

/* The API contracts as an OpenAPI 3.1 document, in YAML. */
int design_export_openapi(const char *name, const char *text, size_t len,
			  struct strbuf *out, struct strbuf *err);
/* The Data Schema's SQL blocks, in order, as one script. */
int design_export_sql(const char *name, const char *text, size_t len, struct strbuf *out,
		      struct strbuf *err);

#endif
