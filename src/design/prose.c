/*
 * prose: Technology Stack Rationale and Key Considerations.  See prose.h.
 */
#include "design/prose.h"

#include "core/xalloc.h"
#include "design/design.h"
#include "design/doc.h"
#include "design/lang.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- technology rationale -------------------------------------------------------------- */

/* 1 if lines from..to hold a comparison table: two or more options in
 * rows, or three or more columns (a feature matrix of the candidates). */
static int comparison_table(const struct design_doc *d, int from, int to)
{
	int line, rows = 0, cols = 0, in_table = 0;

	for (line = from; line <= to; line++) {
		const struct design_line *l = &d->lines[line - 1];
		const char *t = l->s, *e = l->s + l->n;

		while (t < e && isspace((unsigned char)*t))
			t++;
		if (l->code || t >= e || *t != '|') {
			if (in_table && (rows >= 2 || cols >= 3))
				return 1;
			in_table = rows = cols = 0;
			continue;
		}
		if (!in_table) {	/* the header row */
			const char *p;

			in_table = 1;
			for (p = t + 1; p < e; p++)
				cols += *p == '|' && p + 1 < e;
			cols++;
		} else if (strspn(t, "|-: \t") < (size_t)(e - t)) {
			rows++;
		}
	}
	return in_table && (rows >= 2 || cols >= 3);
}

/*
 * The choices: the sub-headings of the section (the shallowest level
 * there), each with everything under it counted together — its bullets,
 * its "**vs Flask**", its comparison table — or, with no sub-headings,
 * the top-level list items and table rows.
 */
static void rationale_items(const struct design_doc *d, struct design_report *r);

void design_check_rationale(const struct design_doc *d, struct design_report *r)
{
	const struct design_section *s = &d->sec[5];
	int level = 99;
	size_t i, k;

	if (!s->found || !d->lines)
		return;
	for (i = 0; i < d->headings_nr; i++)
		if (d->headings[i].line > s->line && d->headings[i].line <= s->end_line &&
		    d->headings[i].level < level)
			level = d->headings[i].level;
	if (level == 99) {
		rationale_items(d, r);
		return;
	}
	for (i = 0; i < d->headings_nr; i++) {
		const struct design_heading *h = &d->headings[i];
		struct strbuf text = STRBUF_INIT_CAP((size_t)4 << 20);
		int end = s->end_line, line;

		if (h->line <= s->line || h->line > s->end_line || h->level != level)
			continue;
		for (k = i + 1; k < d->headings_nr; k++)
			if (d->headings[k].line > h->line && d->headings[k].level <= level) {
				if (d->headings[k].line - 1 < end)
					end = d->headings[k].line - 1;
				break;
			}
		for (line = h->line; line <= end; line++)
			if (!d->lines[line - 1].code) {
				strbuf_add(&text, d->lines[line - 1].s, d->lines[line - 1].n);
				strbuf_addch(&text, '\n');
			}
		if (!design_lang_has(DW_ALTERNATIVE, text.buf) && !comparison_table(d, h->line + 1, end))
			design_add(r, DIAG_ERROR, h->line, design_section_names[5],
				   "technology choice '%.60s' names no alternative it was compared with (say what it was chosen over, and why)",
				   h->text);
		strbuf_release(&text);
	}
}

/* Without sub-headings, each choice is a top-level list item (with the
 * lines under it) or a table row; each must name what it was compared
 * with. */
static void rationale_items(const struct design_doc *d, struct design_report *r)
{
	const struct design_section *s = &d->sec[5];
	struct strbuf item = STRBUF_INIT_CAP((size_t)1 << 20);
	int line, item_line = 0, alt_col = -1, items = 0, table_head = 0;

	if (!s->found || !d->lines)
		return;
	for (line = s->line + 1; line <= s->end_line + 1; line++) {
		const struct design_line *l = line <= s->end_line ? &d->lines[line - 1] : NULL;
		const char *t = l ? l->s : NULL, *e = l ? l->s + l->n : NULL;
		int starts = 0;

		if (l) {
			while (t < e && (*t == ' ' || *t == '\t'))
				t++;
			starts = !l->code && t == l->s && t < e &&
				 (((*t == '-' || *t == '*' || *t == '+') && t + 1 < e && t[1] == ' ') ||
				  (isdigit((unsigned char)*t) && t + 1 < e && (t[1] == '.' || t[1] == ')')) ||
				  *t == '#');
			if (!l->code && t < e && *t == '|') {
				/* a table: a row per choice; an "alternative" column counts */
				char *row = xmemdupz(t, (size_t)(e - t));
				int dash = strspn(row, "|-: \t") == strlen(row);

				if (!table_head) {
					char *p = row;
					int col = -1;

					table_head = 1;
					/* a header cell that starts "Alternative(s)" */
					for (; *p; p++)
						if (*p == '|') {
							col++;
							if (!strncasecmp(p + 1 + strspn(p + 1, " *`_"), "alternative", 11))
								alt_col = col;
						}
				} else if (!dash) {
					int ok = design_lang_has(DW_ALTERNATIVE, row);

					if (alt_col >= 0) {
						char *p = row, *cell;
						int col = -1;

						for (cell = NULL; *p; p++)
							if (*p == '|' && ++col == alt_col)
								cell = p + 1;
						if (cell) {
							size_t n = strcspn(cell, "|");

							while (n && isspace((unsigned char)*cell)) {
								cell++;
								n--;
							}
							ok |= n > 0 && strncmp(cell, "-", n) && strncasecmp(cell, "none", 4) &&
							      strncasecmp(cell, "n/a", 3);
						}
					}
					items++;
					if (!ok)
						design_add(r, DIAG_ERROR, line, design_section_names[5],
							   "technology choice '%.60s' names no alternative it was compared with",
							   row + strspn(row, "| "));
				}
				free(row);
				continue;
			}
			table_head = 0;
		}
		if (!l || starts) {
			if (item.len) {
				items++;
				if (!design_lang_has(DW_ALTERNATIVE, item.buf)) {
					size_t n = strcspn(item.buf, "\n");

					design_add(r, DIAG_ERROR, item_line, design_section_names[5],
						   "technology choice '%.*s' names no alternative it was compared with (say what it was chosen over, and why)",
						   (int)(n > 60 ? 60 : n), item.buf);
				}
			}
			strbuf_reset(&item);
			item_line = line;
			if (t && *t == '#') {
				/* a sub-heading starts a choice */
				strbuf_add(&item, t, (size_t)(e - t));
				strbuf_addch(&item, '\n');
				continue;
			}
		}
		if (l && item_line && !l->code) {
			strbuf_add(&item, t, (size_t)(e - t));
			strbuf_addch(&item, '\n');
		}
	}
	if (!items && !design_doc_blank(d, s->line + 1, s->end_line)) {
		/* prose only: the section as a whole must compare */
		struct strbuf all = STRBUF_INIT_CAP((size_t)1 << 20);

		for (line = s->line + 1; line <= s->end_line; line++)
			if (!d->lines[line - 1].code) {
				strbuf_add(&all, d->lines[line - 1].s, d->lines[line - 1].n);
				strbuf_addch(&all, '\n');
			}
		if (!design_lang_has(DW_ALTERNATIVE, all.buf))
			design_add(r, DIAG_ERROR, s->line, design_section_names[5],
				   "Technology Stack Rationale names no alternative for its choices");
		strbuf_release(&all);
	}
	strbuf_release(&item);
}

/* ---- key considerations ----------------------------------------------------------------- */

/* A subsection's label: "### 7.2 Security", "**1. Scalability:** ..." ->
 * "Security", "Scalability" (numbering, emoji and emphasis off, cut at
 * its colon or dash). */
static void label_of(const char *t, struct strbuf *out)
{
	const unsigned char *p = (const unsigned char *)t;

	for (;;) {
		while (*p == '#' || *p == '*' || *p == '_' || *p == '-' || *p == '+' || isspace(*p))
			p++;
		if (isdigit(*p)) {
			while (isdigit(*p) || *p == '.' || *p == ')')
				p++;
			continue;
		}
		if (*p >= 0xF0 && p[1] && p[2] && p[3]) {	/* an emoji */
			p += 4;
			continue;
		}
		if (*p == 0xE2 && p[1] && p[2]) {		/* a symbol */
			p += 3;
			continue;
		}
		if (*p == 0xEF && p[1] == 0xB8 && p[2] == 0x8F) {	/* its variation selector */
			p += 3;
			continue;
		}
		break;
	}
	for (; *p && *p != ':' && strncmp((const char *)p, " - ", 3) &&
	       strncmp((const char *)p, "\xe2\x80\x94", 3) && strncmp((const char *)p, "**", 2); p++)
		strbuf_addch(out, (char)*p);
}

void design_check_considerations(const struct design_doc *d, struct design_report *r)
{
	static const char *const subs[4] = { "Scalability", "Security", "Observability",
					     "Deployment & CI/CD" };
	const struct design_section *s = &d->sec[6];
	int start[4], end[4], line;
	size_t i, k;

	if (!s->found)
		return;
	for (i = 0; i < 4; i++)
		start[i] = end[i] = 0;
	/* a subsection: a heading, or a line that starts with a bold or list label */
	for (line = s->line + 1; line <= s->end_line; line++) {
		const struct design_line *l = &d->lines[line - 1];
		char *txt;
		const char *t;
		int label;

		if (l->code)
			continue;
		txt = xmemdupz(l->s, l->n);
		t = txt + strspn(txt, " \t");
		label = *t == '#' || !strncmp(t, "**", 2) || !strncmp(t, "- **", 4) ||
			!strncmp(t, "* **", 4) || !strncmp(t, "__", 2);
		if (label) {
			struct strbuf head = STRBUF_INIT;
			int which;

			label_of(t, &head);
			which = design_lang_consideration(head.buf);
			if (which >= 0 && !start[which])
				start[which] = line;
			strbuf_release(&head);
		}
		free(txt);
	}
	for (i = 0; i < 4; i++) {
		int next = s->end_line + 1;

		if (!start[i]) {
			design_add(r, DIAG_ERROR, s->line, design_section_names[6],
				   "Key Considerations has no '%s' subsection", subs[i]);
			continue;
		}
		for (k = 0; k < 4; k++)
			if (start[k] > start[i] && start[k] < next)
				next = start[k];
		end[i] = next - 1;
	}
	if (start[0]) {
		struct strbuf t = STRBUF_INIT_CAP((size_t)1 << 20);
		const char *p;
		int found = 0;

		for (line = start[0]; line <= end[0]; line++) {
			strbuf_add(&t, d->lines[line - 1].s, d->lines[line - 1].n);
			strbuf_addch(&t, '\n');
		}
		for (p = t.buf; *p && !found; p++) {
			if (!strncmp(p, "10", 2) && (p == t.buf || !isdigit((unsigned char)p[-1]))) {
				const char *q = p + 2;

				while (*q == ' ' || *q == '-')
					q++;
				found = *q == 'x' || *q == 'X' || !strncmp(q, "\xc3\x97", 2) ||
					!strncasecmp(q, "times", 5) || !strncasecmp(q, "fold", 4);
			}
		}
		found |= strcasestr(t.buf, "ten times") || strcasestr(t.buf, "tenfold") ||
			 strcasestr(t.buf, "ten-fold") || strcasestr(t.buf, "an order of magnitude");
		if (!found)
			design_add(r, DIAG_ERROR, start[0], design_section_names[6],
				   "Scalability does not say what happens at 10x the expected load (give the figure and the plan)");
		strbuf_release(&t);
	}
}

