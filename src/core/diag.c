/*
 * diag: collecting and printing located diagnostics.  See diag.h.
 */
#include "core/diag.h"

#include "core/strbuf.h"
#include "core/xalloc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void diag_list_init(struct diag_list *dl)
{
	memset(dl, 0, sizeof(*dl));
}

void diag_list_release(struct diag_list *dl)
{
	size_t i;

	for (i = 0; i < dl->nr; i++) {
		free(dl->v[i].file);
		free(dl->v[i].msg);
	}
	free(dl->v);
	diag_list_init(dl);
}

int diag_add(struct diag_list *dl, enum diag_severity sev, const char *file,
	     int line, int col, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT_CAP(4096);
	struct diag *d;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);

	ALLOC_GROW(dl->v, dl->nr + 1, dl->alloc);
	d = &dl->v[dl->nr++];
	d->severity = sev;
	d->file = xstrdup(file ? file : "");
	d->line = line;
	d->col = col;
	d->msg = strbuf_detach(&msg, NULL);
	d->section = NULL;
	if (sev == DIAG_ERROR)
		dl->errors++;
	else
		dl->warnings++;
	return -1;
}

void diag_list_move(struct diag_list *dst, struct diag_list *src)
{
	size_t i;

	for (i = 0; i < src->nr; i++) {
		ALLOC_GROW(dst->v, dst->nr + 1, dst->alloc);
		dst->v[dst->nr++] = src->v[i];
	}
	dst->errors += src->errors;
	dst->warnings += src->warnings;
	free(src->v);
	diag_list_init(src);
}

static int cmp_diag(const void *pa, const void *pb)
{
	const struct diag *a = pa, *b = pb;
	int c = strcmp(a->file, b->file);

	if (c)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	/* qsort is not stable: fall back on insertion order */
	return a < b ? -1 : a > b;
}

void diag_list_sort(struct diag_list *dl)
{
	if (dl->nr > 1)
		qsort(dl->v, dl->nr, sizeof(*dl->v), cmp_diag);
}

void diag_format(const struct diag *d, struct strbuf *out)
{
	strbuf_add_printable(out, d->file, strlen(d->file));
	if (d->line > 0) {
		strbuf_addf(out, ":%d", d->line);
		if (d->col > 0)
			strbuf_addf(out, ":%d", d->col);
	}
	strbuf_addf(out, ": %s: %s", diag_severity_name(d->severity), d->msg);
}

const char *diag_severity_name(enum diag_severity s)
{
	return s == DIAG_ERROR ? "error" : "warning";
}

void diag_print(const struct diag_list *dl, FILE *out)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < dl->nr; i++) {
		strbuf_reset(&sb);
		diag_format(&dl->v[i], &sb);
		fprintf(out, "%s\n", sb.buf);
	}
	strbuf_release(&sb);
}
