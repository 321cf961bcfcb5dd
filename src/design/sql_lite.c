/*
 * sql_lite: the Data Schema's DDL on SQLite in memory, when there is no
 * PostgreSQL: PostgreSQL spellings translated where SQLite has an
 * equivalent, statements it has none for skipped, its catalog read for
 * the documented rules.  See sql_int.h.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "design/sql_int.h"

#include "core/strvec.h"
#include "core/xalloc.h"
#include "design/doc.h"

#include <ctype.h>
#include <pcre2.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
			design_add(r, DIAG_ERROR, sql_line_of_create(d, "table", tb, d->sec[4].line), SEC,
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
				design_add(r, DIAG_ERROR, sql_line_of_column(d, tb, first), SEC,
					   "foreign key %s (%s) references table %s, which does not exist",
					   tb, cols, to);
			if (!covered)
				design_add(r, DIAG_ERROR, sql_line_of_column(d, tb, first), SEC,
					   "foreign key %s (%s) -> %s has no index that starts with its column%s; add CREATE INDEX ON %s (%s);",
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
						   sql_line_of_create(d, "index", strncmp(b, "sqlite_", 7) ? b : a,
								  sql_line_of_create(d, "table", tb, d->sec[4].line)),
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

void sql_run_sqlite(struct design_doc *d, struct design_report *r)
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
		size_t *starts, *ends, n, k;

		if (b->section != 4 || !design_block_is_sql(b))
			continue;
		n = sql_split(b->text, &starts, &ends);
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
			    !sql_follows_on(&failed, sqlite3_errmsg(db))) {
				char *t = sql_created_table(stmt);

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
				design_add(r, DIAG_ERROR, sql_line_of(b, at), SEC, "the DDL fails on SQLite: %s",
					   sqlite3_errmsg(db));
			}
			sqlite3_finalize(s);
			free(stmt);
		}
		strbuf_release(&tr);
		free(starts);
		free(ends);
	}
	sqlite_catalog(d, db, r);
	sqlite3_close(db);
	strvec_release(&failed);
}

