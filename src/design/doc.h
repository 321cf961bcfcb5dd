/*
 * doc: the structure of a design document, read once: its lines, its
 * headings (outside code), its fenced code blocks (with their language
 * and first line), the seven sections (matched leniently: numbering
 * optional, any case, a subtitle after a colon allowed) and the API
 * endpoints with the examples under each.
 *
 * Ownership: a design_doc owns copies of everything; lines are 1-based.
 */
#ifndef ARCHIE_DESIGN_DOC_H
#define ARCHIE_DESIGN_DOC_H

#include "design/design.h"

#include <jansson.h>

struct design_line {
	const char *s;			/* into doc->text */
	size_t n;
	int code;			/* inside a fenced block (or its fence) */
};

struct design_heading {
	int line, level;
	char *text;			/* without #'s, trimmed */
};

struct design_block {
	char *lang;			/* lower case; "" when none */
	int fence_line;			/* the opening fence */
	int first_line;			/* the first line of its content */
	char *text;
	int section;			/* 0..6, or -1 */
};

struct design_section {
	int found;
	int heading;			/* index into headings */
	int line;			/* the heading's line */
	int level;
	int end_line;			/* the last line of the section */
};

struct design_example {
	int status;			/* 0: a request body */
	int line;			/* the block's first line */
	json_t *json;			/* parsed, or NULL */
	int is_error;			/* labelled as an error response */
};

struct design_endpoint {
	char *method;			/* upper case */
	char *path;			/* as written */
	char *norm;			/* parameters as {} : "/orders/{}" */
	char *summary;			/* the text after the path, or the heading */
	int line, end_line;
	struct design_example *ex;
	size_t ex_nr, ex_alloc;
	int codes[32];			/* status codes mentioned */
	int codes_nr;
	int no_body;			/* says it takes no body */
};

struct design_doc {
	char *name;
	char *text;
	struct design_line *lines;
	size_t lines_nr;
	struct design_heading *headings;
	size_t headings_nr, headings_alloc;
	struct design_heading *bold;	/* bold title lines, while parsing */
	size_t bold_nr, bold_alloc;
	struct design_block *blocks;
	size_t blocks_nr, blocks_alloc;
	struct design_section sec[DESIGN_SECTIONS];
	char *title;			/* the first level-1 heading */
	struct design_endpoint *eps;
	size_t eps_nr, eps_alloc;
	int common_errors;		/* the line of a section of errors every endpoint may answer, or 0 */
};

void design_doc_parse(struct design_doc *d, const char *name, const char *text, size_t len);
void design_doc_release(struct design_doc *d);

/* Endpoints written other ways than a `METHOD /path` line (apispec.c):
 * the rows of a table with Method and Path columns, the operations of an
 * OpenAPI document in a ```yaml or ```json block of API Contracts.  One
 * already defined in full is not added again. */
void design_apispec_endpoints(struct design_doc *d);
/* For apispec.c: a new endpoint at line (NULL when that method and path
 * are defined already), an example (json: a new reference or NULL), a
 * status code. */
struct design_endpoint *design_ep_new(struct design_doc *d, const char *method, const char *path,
				      const char *summary, int line);
void design_ep_example(struct design_endpoint *ep, int status, int line, int is_error, json_t *json);
void design_ep_code(struct design_endpoint *ep, int code);

/* 1 if lines from..to (1-based, inclusive) are all blank. */
int design_doc_blank(const struct design_doc *d, int from, int to);
/* The section (0..6) a line is in, or -1. */
int design_doc_section_of(const struct design_doc *d, int line);
/* 1 if the block's language is SQL / JSON. */
int design_block_is_sql(const struct design_block *b);
int design_block_is_json(const struct design_block *b);
/* Parses a JSON block: 0, or -1 with *line (document line) and msg. */
int design_block_json(const struct design_block *b, json_t **out, int *line, struct strbuf *msg);

/* 1 if code is a registered HTTP status code. */
int design_http_status_known(int code);
const char *design_http_reason(int code);

#endif
