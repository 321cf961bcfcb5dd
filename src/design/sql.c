/*
 * sql: running the Data Schema's DDL and checking the catalog: where
 * things are in the document, statements, and the check itself (on
 * PostgreSQL, sql_pg.c; else SQLite, sql_lite.c).  See sql.h.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "design/sql_int.h"

#include "core/strbuf.h"
#include "core/strvec.h"
#include "core/xalloc.h"
#include "design/doc.h"
#include "design/pg.h"

#include <ctype.h>
#include <pcre2.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


/* ---- where things are in the document ------------------------------------------------ */

/* The document line of byte offset off of block b's text. */
int sql_line_of(const struct design_block *b, size_t off)
{
	int line = b->first_line;
	size_t i;

	for (i = 0; i < off && b->text[i]; i++)
		line += b->text[i] == '\n';
	return line;
}

/* The byte offset of 1-based character pos in s (UTF-8). */
size_t sql_char_offset(const char *s, int pos)
{
	size_t i = 0;
	int chars = 0;

	while (s[i] && chars < pos - 1) {
		i++;
		while ((s[i] & 0xC0) == 0x80)
			i++;
		chars++;
	}
	return i;
}

/* One identifier at *p as PostgreSQL reads it: "quoted" (its "" an
 * escaped quote) kept as written, bare folded to lower case; appended to
 * out, *p moved past it.  0, or -1 when there is none. */
int sql_ident(const char **p, struct strbuf *out)
{
	const char *s = *p;

	if (*s == '"') {
		for (s++; *s; s++) {
			if (*s == '"' && s[1] == '"')
				strbuf_addch(out, *s++);
			else if (*s == '"')
				break;
			else
				strbuf_addch(out, *s);
		}
		*p = *s ? s + 1 : s;
		return 0;
	}
	if (!(isalpha((unsigned char)*s) || *s == '_' || (unsigned char)*s >= 0x80))
		return -1;
	for (; isalnum((unsigned char)*s) || *s == '_' || *s == '$' || (unsigned char)*s >= 0x80; s++)
		strbuf_addch(out, (char)tolower((unsigned char)*s));
	*p = s;
	return 0;
}

/* The last part of a qualified name (schema."Table"), as stored. */
void sql_ident_last(const char *qualified, struct strbuf *out)
{
	const char *p = qualified;

	for (;;) {
		strbuf_reset(out);
		while (isspace((unsigned char)*p))
			p++;
		if (sql_ident(&p, out) || *p != '.')
			return;
		p++;
	}
}

/* The line where "CREATE ... <kind> [IF NOT EXISTS] name" is written (kind
 * "table" or "index"), or fallback.  Names are compared as PostgreSQL
 * stores them (a quoted name as written, a bare one folded), schema aside. */
int sql_line_of_create(const struct design_doc *d, const char *kind, const char *name,
		       int fallback)
{
	struct strbuf want = STRBUF_INIT, got = STRBUF_INIT;
	int line = fallback, found = 0, loose = 0;
	size_t i;

	sql_ident_last(name, &want);
	for (i = 0; i < d->blocks_nr && !found; i++) {
		const struct design_block *b = &d->blocks[i];
		const char *p;

		if (b->section != 4 || !design_block_is_sql(b))
			continue;
		for (p = b->text; !found && (p = strcasestr(p, kind)) != NULL; p += strlen(kind)) {
			const char *q = p + strlen(kind), *before = p;

			/* "CREATE [UNIQUE|UNLOGGED|TEMP] <kind>" */
			while (before > b->text && isspace((unsigned char)before[-1]))
				before--;
			if (before - b->text < 6 || !(strncasecmp(before - 6, "create", 6) == 0 ||
						     strncasecmp(before - 6, "unique", 6) == 0 ||
						     strncasecmp(before - 6, "logged", 6) == 0 ||
						     strncasecmp(before - 4, "temp", 4) == 0))
				continue;
			while (isspace((unsigned char)*q))
				q++;
			if (!strncasecmp(q, "if not exists", 13))
				q += 13;
			if (!strncasecmp(q, "concurrently", 12))
				q += 12;
			while (isspace((unsigned char)*q))
				q++;
			/* the name, parts joined by dots: the last one counts */
			strbuf_reset(&got);
			while (!sql_ident(&q, &got) && *q == '.') {
				q++;
				strbuf_reset(&got);
			}
			if (got.len && !strcmp(got.buf, want.buf)) {
				line = sql_line_of(b, (size_t)(p - b->text));
				found = 1;
			} else if (got.len && !strcasecmp(got.buf, want.buf) && !loose) {
				/* SQLite keeps a bare name's case: the same name to it */
				loose = sql_line_of(b, (size_t)(p - b->text));
			}
		}
	}
	strbuf_release(&want);
	strbuf_release(&got);
	return found ? line : loose ? loose : line;
}

/* The line of column col (as stored) within table's CREATE TABLE, or
 * the table's line. */
int sql_line_of_column(const struct design_doc *d, const char *table, const char *col)
{
	struct strbuf got = STRBUF_INIT;
	int tl = sql_line_of_create(d, "table", table, 0), line, at = 0;

	if (!tl)
		return d->sec[4].line;
	for (line = tl; !at && line <= d->sec[4].end_line && line < tl + 400; line++) {
		const struct design_line *l = &d->lines[line - 1];
		char *text = xstrndup(l->s, l->n);
		const char *s = text;

		while (isspace((unsigned char)*s) || *s == '(' || *s == ',')
			s++;
		strbuf_reset(&got);
		if (line > tl && !sql_ident(&s, &got) && !strcasecmp(got.buf, col))
			at = line;
		/* (the CREATE line may hold the first column too) */
		if (line == tl && strchr(text, '(')) {
			s = strchr(text, '(') + 1;
			while (isspace((unsigned char)*s))
				s++;
			strbuf_reset(&got);
			if (!sql_ident(&s, &got) && !strcasecmp(got.buf, col))
				at = line;
		}
		if (line > tl && memchr(l->s, ';', l->n) && !at) {
			free(text);
			break;
		}
		free(text);
	}
	strbuf_release(&got);
	return at ? at : tl;
}

const char *sql_statement_start(const char *s)
{
	for (;;) {
		while (isspace((unsigned char)*s))
			s++;
		if (!strncmp(s, "--", 2))
			s += strcspn(s, "\n");
		else if (!strncmp(s, "/*", 2) && strstr(s, "*/"))
			s = strstr(s, "*/") + 2;
		else
			return s;
	}
}

/* ---- statements --------------------------------------------------------------------------- */

static void add_span(size_t **starts, size_t **ends, size_t *nr, size_t *alloc, size_t from,
		     size_t to)
{
	if (*nr == *alloc) {
		*alloc = *alloc ? *alloc * 2 : 64;
		*starts = xrealloc(*starts, *alloc * sizeof(**starts));
		*ends = xrealloc(*ends, *alloc * sizeof(**ends));
	}
	(*starts)[*nr] = from;
	(*ends)[(*nr)++] = to;
}

/* Splits SQL into statements at ';' outside quotes, comments and dollar
 * quotes: each statement's start and end offsets into s, as many as there
 * are (a pg_dump of 300 tables has thousands). */
size_t sql_split(const char *s, size_t **starts, size_t **ends)
{
	size_t i = 0, nr = 0, alloc = 0, start = 0, n = strlen(s);

	*starts = *ends = NULL;

	while (i < n) {
		char c = s[i];

		if (c == '\'' || c == '"') {
			for (i++; i < n && s[i] != c; i++)
				;
			i++;
		} else if (c == '-' && s[i + 1] == '-') {
			while (i < n && s[i] != '\n')
				i++;
		} else if (c == '/' && s[i + 1] == '*') {
			const char *e = strstr(s + i + 2, "*/");

			i = e ? (size_t)(e - s) + 2 : n;
		} else if (c == '$') {
			size_t k = i + 1;

			while (k < n && (isalnum((unsigned char)s[k]) || s[k] == '_'))
				k++;
			if (k < n && s[k] == '$') {
				char tag[64];
				const char *e;
				size_t tl = k - i + 1;

				if (tl >= sizeof(tag))
					tl = sizeof(tag) - 1;
				memcpy(tag, s + i, tl);
				tag[tl] = 0;
				e = strstr(s + k + 1, tag);
				i = e ? (size_t)(e - s) + tl : n;
			} else {
				i++;
			}
		} else if (c == ';') {
			add_span(starts, ends, &nr, &alloc, start, i + 1);
			start = ++i;
		} else {
			i++;
		}
	}
	{
		size_t k = start;

		while (k < n && isspace((unsigned char)s[k]))
			k++;
		if (k < n)
			add_span(starts, ends, &nr, &alloc, start, n);
	}
	return nr;
}

/* ---- follow-on errors --------------------------------------------------------------- */

/* The table a CREATE TABLE statement makes (lower case), or NULL. */
char *sql_created_table(const char *stmt)
{
	const char *p = stmt, *e;

	while (isspace((unsigned char)*p))
		p++;
	if (strncasecmp(p, "create", 6))
		return NULL;
	p = strcasestr(p, "table");
	if (!p || p - stmt > 40)
		return NULL;
	p += 5;
	while (isspace((unsigned char)*p))
		p++;
	if (!strncasecmp(p, "if not exists", 13))
		p += 13;
	while (isspace((unsigned char)*p) || *p == '"')
		p++;
	for (e = p; isalnum((unsigned char)*e) || *e == '_' || *e == '.'; e++)
		;
	if (e == p)
		return NULL;
	{
		char *t = xstrndup(p, (size_t)(e - p)), *q;

		for (q = t; *q; q++)
			*q = (char)tolower((unsigned char)*q);
		return t;
	}
}

/* 1 if an error only follows from a table that failed to be created
 * (reported already): 'relation "payments" does not exist', 'no such
 * table: main.payments'. */
int sql_follows_on(const struct strvec *failed, const char *msg)
{
	size_t i;

	for (i = 0; i < failed->nr; i++) {
		char q[256], s[256];

		snprintf(q, sizeof(q), "\"%s\"", failed->v[i]);
		snprintf(s, sizeof(s), "no such table: main.%s", failed->v[i]);
		if (strcasestr(msg, q) || strcasestr(msg, s))
			return 1;
	}
	return 0;
}

/* ---- the check ------------------------------------------------------------------------------- */

/* The languages a schema is also written in (models, schema files). */
static int schema_language(const char *lang)
{
	static const char *const langs[] = {
		"javascript", "js", "typescript", "ts", "mongodb", "mongo", "mongosh", "yaml", "yml",
		"prisma", "graphql", "gql", "python", "py", "dbml", "cql", "cypher", "proto",
		"protobuf", "avro", NULL,
	};
	size_t i;

	for (i = 0; langs[i]; i++)
		if (!strcmp(lang, langs[i]))
			return 1;
	return 0;
}

int design_sql_check(struct design_doc *d, const struct design_opts *o,
		     struct design_report *r, struct strbuf *err)
{
	struct strbuf why = STRBUF_INIT;
	struct pg_cluster pg;
	size_t i, json_schemas = 0;

	(void)err;
	if (!d->sec[4].found)
		return 0;
	for (i = 0; i < d->blocks_nr; i++) {
		if (d->blocks[i].section != 4)
			continue;
		if (design_block_is_sql(&d->blocks[i]))
			r->sql_blocks++;
		else if (design_block_is_json(&d->blocks[i]))
			json_schemas++;
	}
	if (!r->sql_blocks) {
		const char *other = NULL;

		/* a document store's schema as code (a Mongoose model, a
		 * Prisma schema): a schema, which archie cannot run */
		for (i = 0; i < d->blocks_nr && !other && !json_schemas; i++)
			if (d->blocks[i].section == 4 && schema_language(d->blocks[i].lang))
				other = d->blocks[i].lang;
		if (other)
			design_add(r, DIAG_WARNING, d->sec[4].line, SEC,
				   "the Data Schema is given as ```%s, which archie does not run: only SQL DDL and JSON schemas are checked",
				   other);
		else if (!json_schemas)
			design_add(r, DIAG_ERROR, d->sec[4].line, SEC,
				   "Data Schema has no schema: give the DDL in ```sql blocks (or, for a document store, the documents' schemas in ```json blocks)");
		return 0;
	}
	if (!o || !o->sqlite_only) {
		if (!pg_start(&pg, o ? o->pg_bindir : NULL, &why)) {
			r->database = "postgresql";
			sql_run_pg(d, &pg, r);
			pg_stop(&pg);
			strbuf_release(&why);
			return 0;
		}
	} else {
		strbuf_addstr(&why, "--sqlite was given");
	}
	r->database = "sqlite";
	design_add(r, DIAG_WARNING, d->sec[4].line, SEC,
		   "the DDL was run on SQLite in memory, not PostgreSQL (%s), so PostgreSQL-specific syntax was not checked",
		   why.buf);
	strbuf_release(&why);
	sql_run_sqlite(d, r);
	return 0;
}

void design_sql_script(const struct design_doc *d, struct strbuf *out)
{
	size_t i;

	for (i = 0; i < d->blocks_nr; i++) {
		const struct design_block *b = &d->blocks[i];

		if (b->section != 4 || !design_block_is_sql(b))
			continue;
		strbuf_addf(out, "-- %s, line %d\n%s", d->name, b->first_line, b->text);
		if (out->len && out->buf[out->len - 1] != '\n')
			strbuf_addch(out, '\n');
		strbuf_addch(out, '\n');
	}
}
