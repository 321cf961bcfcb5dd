/*
 * sql: running the Data Schema's DDL and checking the catalog.  See sql.h.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "design/sql.h"

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

static const char *const SEC = "Data Schema";

/* ---- where things are in the document ------------------------------------------------ */

/* The document line of byte offset off of block b's text. */
static int line_of(const struct design_block *b, size_t off)
{
	int line = b->first_line;
	size_t i;

	for (i = 0; i < off && b->text[i]; i++)
		line += b->text[i] == '\n';
	return line;
}

/* The byte offset of 1-based character pos in s (UTF-8). */
static size_t char_offset(const char *s, int pos)
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

/* The line where "CREATE ... <kind> [IF NOT EXISTS] name" is written (kind
 * "table" or "index"), or fallback. */
static int line_of_create(const struct design_doc *d, const char *kind, const char *name,
			  int fallback)
{
	size_t i;
	const char *bare = strrchr(name, '.');

	bare = bare ? bare + 1 : name;
	for (i = 0; i < d->blocks_nr; i++) {
		const struct design_block *b = &d->blocks[i];
		const char *p;

		if (b->section != 4 || !design_block_is_sql(b))
			continue;
		for (p = b->text; (p = strcasestr(p, kind)) != NULL; p += strlen(kind)) {
			const char *q = p + strlen(kind), *before = p;
			size_t n = strlen(bare);

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
			if (*q == '"')
				q++;
			{
				const char *dot = q;

				while (*dot && (isalnum((unsigned char)*dot) || *dot == '_' || *dot == '.' || *dot == '"'))
					dot++;
				while (dot > q && dot[-1] == '"')
					dot--;
				if ((size_t)(dot - q) >= n && !strncasecmp(dot - n, bare, n) &&
				    (dot - n == q || dot[-(long)n - 1] == '.' || dot[-(long)n - 1] == '"'))
					return line_of(b, (size_t)(p - b->text));
			}
		}
	}
	return fallback;
}

/* The line of column col's declaration within table's CREATE TABLE, or
 * the table's line. */
static int line_of_column(const struct design_doc *d, const char *table, const char *col)
{
	int tl = line_of_create(d, "table", table, 0), line;
	size_t n = strlen(col);

	if (!tl)
		return d->sec[4].line;
	for (line = tl; line <= d->sec[4].end_line && line < tl + 200; line++) {
		const struct design_line *l = &d->lines[line - 1];
		const char *s = l->s, *e = l->s + l->n;

		while (s < e && isspace((unsigned char)*s))
			s++;
		if (*s == '"')
			s++;
		if ((size_t)(e - s) > n && !strncasecmp(s, col, n) &&
		    !isalnum((unsigned char)s[n]) && s[n] != '_')
			return line;
		if (line > tl && memchr(l->s, ';', l->n))
			break;
	}
	return tl;
}

/* ---- statements --------------------------------------------------------------------------- */

/* Splits SQL into statements at ';' outside quotes, comments and dollar
 * quotes: each statement's start and end offsets into s. */
static size_t split_statements(const char *s, size_t *starts, size_t *ends, size_t max)
{
	size_t i = 0, nr = 0, start = 0, n = strlen(s);

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
			if (nr < max) {
				starts[nr] = start;
				ends[nr] = i + 1;
				nr++;
			}
			start = ++i;
		} else {
			i++;
		}
	}
	if (nr < max) {
		size_t k = start;

		while (k < n && isspace((unsigned char)s[k]))
			k++;
		if (k < n) {
			starts[nr] = start;
			ends[nr] = n;
			nr++;
		}
	}
	return nr;
}

/* ---- follow-on errors --------------------------------------------------------------- */

/* The table a CREATE TABLE statement makes (lower case), or NULL. */
static char *created_table(const char *stmt)
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
static int follows_on(const struct strvec *failed, const char *msg)
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

/* ---- PostgreSQL ------------------------------------------------------------------------------- */

static void run_pg(struct design_doc *d, struct pg_cluster *pg, struct design_report *r)
{
	static const char no_pk[] =
		"SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
		" WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
		" AND n.nspname NOT LIKE 'pg_toast%' AND NOT EXISTS (SELECT 1 FROM pg_constraint k"
		" WHERE k.conrelid = c.oid AND k.contype = 'p') ORDER BY c.oid";
	static const char fk_unindexed[] =
		"SELECT c.conrelid::regclass::text, c.conname, (SELECT string_agg(a.attname, ',' ORDER BY"
		" array_position(c.conkey, a.attnum)) FROM pg_attribute a WHERE a.attrelid = c.conrelid"
		" AND a.attnum = ANY (c.conkey)), c.confrelid::regclass::text FROM pg_constraint c"
		" WHERE c.contype = 'f' AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid"
		" AND (i.indkey::int2[])[0:array_length(c.conkey, 1) - 1] @> c.conkey"
		" AND (i.indkey::int2[])[0:array_length(c.conkey, 1) - 1] <@ c.conkey) ORDER BY c.oid";
	static const char dup_idx[] =
		"SELECT i.indrelid::regclass::text, string_agg(i.indexrelid::regclass::text, ','"
		" ORDER BY i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid"
		" JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog',"
		" 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' GROUP BY i.indrelid,"
		" i.indkey::text, coalesce(i.indexprs::text, ''), coalesce(i.indpred::text, ''),"
		" i.indclass::text HAVING count(*) > 1";
	struct strvec failed = STRVEC_INIT;
	struct pg_result res;
	size_t i;
	int k;

	for (i = 0; i < d->blocks_nr; i++) {
		const struct design_block *b = &d->blocks[i];
		size_t starts[512], ends[512], n, st;

		if (b->section != 4 || !design_block_is_sql(b))
			continue;
		/* statement by statement, so an error without a position still
		 * has its statement's line */
		n = split_statements(b->text, starts, ends, 512);
		for (st = 0; st < n; st++) {
			char *stmt = xstrndup(b->text + starts[st], ends[st] - starts[st]);
			size_t at = starts[st];
			int line;
			struct strbuf m = STRBUF_INIT;

			pg_exec(pg, stmt, &res);
			if (res.ok || follows_on(&failed, res.error)) {
				pg_result_release(&res);
				free(stmt);
				strbuf_release(&m);
				continue;
			}
			{
				char *t = created_table(stmt);

				if (t)
					strvec_push_nodup(&failed, t);
			}
			if (res.position) {
				at += char_offset(stmt, res.position);
			} else {
				/* 'relation "refunds" does not exist': where it is named */
				const char *q = strchr(res.error, '"'), *e = q ? strchr(q + 1, '"') : NULL;
				char *name = e ? xstrndup(q + 1, (size_t)(e - q - 1)) : NULL;
				const char *hit = name && *name ? strcasestr(stmt, name) : NULL;

				if (hit)
					at += (size_t)(hit - stmt);
				else
					while (at < ends[st] && isspace((unsigned char)b->text[at]))
						at++;
				free(name);
			}
			line = line_of(b, at);

			strbuf_addstr(&m, res.error);
			if (res.detail)
				strbuf_addf(&m, " (%s)", res.detail);
			design_add(r, DIAG_ERROR, line, SEC, "the DDL fails on PostgreSQL: %s", m.buf);
			strbuf_release(&m);
			pg_result_release(&res);
			free(stmt);
		}
	}
	strvec_release(&failed);
	pg_exec(pg, "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
		    " WHERE c.relkind IN ('r','p') AND n.nspname NOT IN ('pg_catalog','information_schema')"
		    " AND n.nspname NOT LIKE 'pg_toast%'", &res);
	if (res.ok && res.nrows)
		r->tables = (size_t)strtoul(res.rows[0][0], NULL, 10);
	pg_result_release(&res);
	pg_exec(pg, no_pk, &res);
	for (k = 0; res.ok && k < res.nrows; k++)
		design_add(r, DIAG_ERROR, line_of_create(d, "table", res.rows[k][0], d->sec[4].line),
			   SEC, "table %s has no primary key", res.rows[k][0]);
	pg_result_release(&res);
	pg_exec(pg, fk_unindexed, &res);
	for (k = 0; res.ok && k < res.nrows; k++) {
		char *col = xstrdup(res.rows[k][2]);

		col[strcspn(col, ",")] = 0;
		design_add(r, DIAG_ERROR, line_of_column(d, res.rows[k][0], col), SEC,
			   "foreign key %s.(%s) -> %s has no index that starts with its column%s; add CREATE INDEX ON %s (%s)",
			   res.rows[k][0], res.rows[k][2], res.rows[k][3],
			   strchr(res.rows[k][2], ',') ? "s" : "", res.rows[k][0], res.rows[k][2]);
		free(col);
	}
	pg_result_release(&res);
	pg_exec(pg, dup_idx, &res);
	for (k = 0; res.ok && k < res.nrows; k++) {
		char *names = xstrdup(res.rows[k][1]), *second = strchr(names, ',');

		if (second)
			*second++ = 0;
		design_add(r, DIAG_ERROR,
			   line_of_create(d, "index", second ? second : names,
					  line_of_create(d, "table", res.rows[k][0], d->sec[4].line)),
			   SEC, "indexes %s and %s on %s are duplicates (the same columns); keep one",
			   names, second ? second : "?", res.rows[k][0]);
		free(names);
	}
	pg_result_release(&res);
}

/* ---- SQLite ------------------------------------------------------------------------------- */

/* PostgreSQL spellings SQLite does not take, rewritten without changing
 * line numbers. */
static void sqlite_translate(const char *in, struct strbuf *out)
{
	static const struct { const char *re, *with; } rules[] = {
		{ "\\bDEFAULT[ \\t]+([a-z_][a-z0-9_.]*[ \\t]*\\([^()\\n]*\\))", "DEFAULT ($1)" },
		{ "::[ \\t]*[a-z_][a-z0-9_]*(\\[\\])?", "" },
		{ "\\bUSING[ \\t]+(gin|gist|btree|hash|brin|spgist)\\b", "" },
		{ "\\bGENERATED[ \\t]+(ALWAYS|BY[ \\t]+DEFAULT)[ \\t]+AS[ \\t]+IDENTITY(\\([^)\\n]*\\))?", "" },
		{ "\\bINCLUDE[ \\t]*\\([^)\\n]*\\)", "" },
		{ "\\bWITH(OUT)?[ \\t]+TIME[ \\t]+ZONE\\b", "" },
		{ "\\bCONCURRENTLY\\b", "" },
		{ "([a-z0-9_)])\\[\\]", "$1" },
		{ "\\b(jsonb_path_ops|jsonb_ops|text_pattern_ops|varchar_pattern_ops)\\b", "" },
	};
	struct strbuf cur = STRBUF_INIT_CAP((size_t)16 << 20);
	size_t i;

	strbuf_addstr(&cur, in);
	for (i = 0; i < sizeof(rules) / sizeof(*rules); i++) {
		int errc;
		PCRE2_SIZE off, outlen;
		pcre2_code *re = pcre2_compile((PCRE2_SPTR)rules[i].re, PCRE2_ZERO_TERMINATED,
					       PCRE2_CASELESS | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF,
					       &errc, &off, NULL);
		char *buf;

		if (!re)
			continue;
		outlen = cur.len * 2 + 256;
		buf = xmalloc(outlen);
		if (pcre2_substitute(re, (PCRE2_SPTR)cur.buf, cur.len, 0, PCRE2_SUBSTITUTE_GLOBAL, NULL,
				     NULL, (PCRE2_SPTR)rules[i].with, PCRE2_ZERO_TERMINATED,
				     (PCRE2_UCHAR *)buf, &outlen) >= 0) {
			strbuf_reset(&cur);
			strbuf_add(&cur, buf, outlen);
		}
		free(buf);
		pcre2_code_free(re);
	}
	strbuf_add(out, cur.buf, cur.len);
	strbuf_release(&cur);
}

/* Statements SQLite has no equivalent for: skipped (PostgreSQL checks them). */
static int sqlite_skips(const char *s)
{
	static const char *const heads[] = {
		"create extension", "create type", "create schema", "create domain", "create sequence",
		"create function", "create or replace", "create trigger", "create policy",
		"create publication", "create role", "create user", "comment on", "alter ", "grant ",
		"revoke ", "set ", "do ", "do$", "begin", "commit", "start transaction", "create procedure",
		"create materialized", "create aggregate", "select set_config", NULL,
	};
	size_t i;

	while (isspace((unsigned char)*s) || !strncmp(s, "--", 2)) {
		if (!strncmp(s, "--", 2))
			s += strcspn(s, "\n");
		else
			s++;
	}
	for (i = 0; heads[i]; i++)
		if (!strncasecmp(s, heads[i], strlen(heads[i])))
			return 1;
	return 0;
}

static int sqlite_rows(sqlite3 *db, const char *sql, const char *arg,
		       void (*fn)(void *ud, sqlite3_stmt *s), void *ud)
{
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (arg)
		sqlite3_bind_text(s, 1, arg, -1, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW)
		fn(ud, s);
	sqlite3_finalize(s);
	return 0;
}

static void collect(void *ud, sqlite3_stmt *s)
{
	struct strvec *v = ud;
	int c, n = sqlite3_column_count(s);
	struct strbuf row = STRBUF_INIT;

	/* columns joined with a tab */
	for (c = 0; c < n; c++)
		strbuf_addf(&row, "%s%s", c ? "\t" : "",
			    sqlite3_column_text(s, c) ? (const char *)sqlite3_column_text(s, c) : "");
	strvec_push_nodup(v, strbuf_detach(&row, NULL));
}

/* The columns of an index, in order, comma-joined. */
static char *sqlite_index_cols(sqlite3 *db, const char *index)
{
	struct strvec cols = STRVEC_INIT;
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	sqlite_rows(db, "SELECT coalesce(name, '(expr)') FROM pragma_index_info(?1) ORDER BY seqno",
		    index, collect, &cols);
	for (i = 0; i < cols.nr; i++)
		strbuf_addf(&sb, "%s%s", i ? "," : "", cols.v[i]);
	strvec_release(&cols);
	return strbuf_detach(&sb, NULL);
}

static void sqlite_catalog(struct design_doc *d, sqlite3 *db, struct design_report *r)
{
	struct strvec tables = STRVEC_INIT;
	size_t t;

	sqlite_rows(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid",
		    NULL, collect, &tables);
	r->tables = tables.nr;
	for (t = 0; t < tables.nr; t++) {
		const char *tb = tables.v[t];
		struct strvec pk = STRVEC_INIT, fks = STRVEC_INIT, idx = STRVEC_INIT;
		struct strvec cols_of = STRVEC_INIT;
		size_t i, k;

		sqlite_rows(db, "SELECT name FROM pragma_table_info(?1) WHERE pk > 0", tb, collect, &pk);
		if (!pk.nr)
			design_add(r, DIAG_ERROR, line_of_create(d, "table", tb, d->sec[4].line), SEC,
				   "table %s has no primary key", tb);
		sqlite_rows(db, "SELECT name, partial, (SELECT sql FROM sqlite_master m WHERE m.name = l.name)"
				" FROM pragma_index_list(?1) l ORDER BY seq DESC", tb, collect, &idx);
		for (i = 0; i < idx.nr; i++) {
			char *name = xstrndup(idx.v[i], strcspn(idx.v[i], "\t"));

			strvec_push_nodup(&cols_of, sqlite_index_cols(db, name));
			free(name);
		}
		/* a rowid primary key is an index too */
		if (pk.nr == 1)
			strvec_push(&cols_of, pk.v[0]);
		sqlite_rows(db, "SELECT id, group_concat(\"from\", ','), \"table\" FROM"
				" (SELECT * FROM pragma_foreign_key_list(?1) ORDER BY id, seq) GROUP BY id",
			    tb, collect, &fks);
		for (i = 0; i < fks.nr; i++) {
			char *cols = xstrdup(strchr(fks.v[i], '\t') + 1), *to = strchr(cols, '\t');
			char *first;
			int covered = 0, exists = 0;
			size_t n;

			*to++ = 0;
			first = xstrndup(cols, strcspn(cols, ","));
			n = strlen(cols);
			for (k = 0; k < cols_of.nr && !covered; k++)
				covered = !strncmp(cols_of.v[k], cols, n) &&
					  (cols_of.v[k][n] == 0 || cols_of.v[k][n] == ',');
			for (k = 0; k < tables.nr; k++)
				exists |= !strcasecmp(tables.v[k], to);
			if (!exists)
				design_add(r, DIAG_ERROR, line_of_column(d, tb, first), SEC,
					   "foreign key %s.(%s) references table %s, which does not exist",
					   tb, cols, to);
			if (!covered)
				design_add(r, DIAG_ERROR, line_of_column(d, tb, first), SEC,
					   "foreign key %s.(%s) -> %s has no index that starts with its column%s; add CREATE INDEX ON %s (%s)",
					   tb, cols, to, strchr(cols, ',') ? "s" : "", tb, cols);
			free(first);
			free(cols);
		}
		/* duplicates: the same columns and the same predicate */
		for (i = 0; i < idx.nr; i++)
			for (k = i + 1; k < idx.nr; k++) {
				const char *wi = strcasestr(idx.v[i], " WHERE "), *wk = strcasestr(idx.v[k], " WHERE ");

				if (strcmp(cols_of.v[i], cols_of.v[k]) ||
				    ((wi || wk) && (!wi || !wk || strcasecmp(wi, wk))))
					continue;
				{
					char *a = xstrndup(idx.v[i], strcspn(idx.v[i], "\t"));
					char *b = xstrndup(idx.v[k], strcspn(idx.v[k], "\t"));
					const char *shown_a = strncmp(a, "sqlite_autoindex", 16) ? a : "(a UNIQUE constraint)";
					const char *shown_b = strncmp(b, "sqlite_autoindex", 16) ? b : "(a UNIQUE constraint)";

					design_add(r, DIAG_ERROR,
						   line_of_create(d, "index", strncmp(b, "sqlite_", 7) ? b : a,
								  line_of_create(d, "table", tb, d->sec[4].line)),
						   SEC, "indexes %s and %s on %s are duplicates (the same columns: %s); keep one",
						   shown_a, shown_b, tb, cols_of.v[i]);
					free(a);
					free(b);
				}
			}
		strvec_release(&pk);
		strvec_release(&fks);
		strvec_release(&idx);
		strvec_release(&cols_of);
	}
	strvec_release(&tables);
}

static void run_sqlite(struct design_doc *d, struct design_report *r)
{
	struct strvec failed = STRVEC_INIT;
	sqlite3 *db;
	size_t i;

	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		return;
	sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
	for (i = 0; i < d->blocks_nr; i++) {
		const struct design_block *b = &d->blocks[i];
		struct strbuf tr = STRBUF_INIT_CAP((size_t)16 << 20);
		size_t starts[512], ends[512], n, k;

		if (b->section != 4 || !design_block_is_sql(b))
			continue;
		n = split_statements(b->text, starts, ends, 512);
		for (k = 0; k < n; k++) {
			char *stmt = xstrndup(b->text + starts[k], ends[k] - starts[k]);
			sqlite3_stmt *s = NULL;
			const char *tail;
			int rc;

			if (sqlite_skips(stmt)) {
				free(stmt);
				continue;
			}
			strbuf_reset(&tr);
			sqlite_translate(stmt, &tr);
			rc = sqlite3_prepare_v2(db, tr.buf, (int)tr.len, &s, &tail);
			if (rc == SQLITE_OK && s)
				rc = sqlite3_step(s);
			if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW &&
			    !follows_on(&failed, sqlite3_errmsg(db))) {
				char *t = created_table(stmt);

				if (t)
					strvec_push_nodup(&failed, t);
				int off = sqlite3_error_offset(db);
				size_t at = starts[k];

				/* the translation kept lines, so count them in the original */
				if (off > 0) {
					int nl = 0, j;

					for (j = 0; j < off && tr.buf[j]; j++)
						nl += tr.buf[j] == '\n';
					for (at = starts[k]; nl && at < ends[k]; at++)
						nl -= b->text[at] == '\n';
				} else {
					while (at < ends[k] && isspace((unsigned char)b->text[at]))
						at++;
				}
				design_add(r, DIAG_ERROR, line_of(b, at), SEC, "the DDL fails on SQLite: %s",
					   sqlite3_errmsg(db));
			}
			sqlite3_finalize(s);
			free(stmt);
		}
		strbuf_release(&tr);
	}
	sqlite_catalog(d, db, r);
	sqlite3_close(db);
	strvec_release(&failed);
}

/* ---- the check ------------------------------------------------------------------------------- */

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
		if (!json_schemas)
			design_add(r, DIAG_ERROR, d->sec[4].line, SEC,
				   "Data Schema has no schema: give the DDL in ```sql blocks (or, for a document store, the documents' schemas in ```json blocks)");
		return 0;
	}
	if (!o || !o->sqlite_only) {
		if (!pg_start(&pg, o ? o->pg_bindir : NULL, &why)) {
			r->database = "postgresql";
			run_pg(d, &pg, r);
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
	run_sqlite(d, r);
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
