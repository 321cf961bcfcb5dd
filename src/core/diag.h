/*
 * diag: located diagnostics (file:line:column: message).
 *
 * Validators that look at user files (agent definitions, configuration,
 * design documents) collect every problem they find into a diag_list rather
 * than stopping at the first, so one run of `archie agents validate` shows
 * them all.  Lines and columns count from 1; 0 means "not known" and is not
 * printed.
 *
 * Ownership: a diag_list owns its entries and their strings; diag_add copies
 * the file name.
 */
#ifndef ARCHIE_DIAG_H
#define ARCHIE_DIAG_H

#include <stddef.h>
#include <stdio.h>

struct strbuf;

enum diag_severity { DIAG_ERROR, DIAG_WARNING };

struct diag {
	enum diag_severity severity;
	char *file;
	int line;
	int col;
	char *msg;
	const char *section;	/* the part of the file it is about (static), or NULL */
};

struct diag_list {
	struct diag *v;
	size_t nr;
	size_t alloc;
	size_t errors;
	size_t warnings;
};

#define DIAG_LIST_INIT { NULL, 0, 0, 0, 0 }

void diag_list_init(struct diag_list *dl);
void diag_list_release(struct diag_list *dl);

/* Adds one diagnostic; always returns -1 so error paths can return it. */
int diag_add(struct diag_list *dl, enum diag_severity sev, const char *file,
	     int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* Moves every entry of src to the end of dst; src is left empty. */
void diag_list_move(struct diag_list *dst, struct diag_list *src);

/* Sorts by file, then line, then column (stable for equal positions). */
void diag_list_sort(struct diag_list *dl);

/* Prints "file:line:col: error: msg" lines.  File names are printed with
 * unprintable bytes escaped. */
void diag_print(const struct diag_list *dl, FILE *out);
void diag_format(const struct diag *d, struct strbuf *out);
/* "error", "warning". */
const char *diag_severity_name(enum diag_severity s);

#endif
