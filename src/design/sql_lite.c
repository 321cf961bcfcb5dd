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

/* One PCRE2 substitution over cur, in place (a rule that does not
 * compile changes nothing). */
static void substitute(struct strbuf *cur, const char *re_text, const char *with)
{
	int errc;
	PCRE2_SIZE off, outlen;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)re_text, PCRE2_ZERO_TERMINATED,
				       PCRE2_CASELESS | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF,
				       &errc, &off, NULL);
	char *buf;

	if (!re)
		return;
	outlen = cur->len * 2 + 256;
	buf = xmalloc(outlen);
	if (pcre2_substitute(re, (PCRE2_SPTR)cur->buf, cur->len, 0, PCRE2_SUBSTITUTE_GLOBAL, NULL,
			     NULL, (PCRE2_SPTR)with, PCRE2_ZERO_TERMINATED, (PCRE2_UCHAR *)buf,
			     &outlen) >= 0) {
		strbuf_reset(cur);
		strbuf_add(cur, buf, outlen);
	}
	free(buf);
	pcre2_code_free(re);
}

/* PostgreSQL spellings SQLite does not take, rewritten without changing
 * line numbers; schemas (SQLite has one per attached file) folded into
 * the names: public.orders is orders, accounts."user" is accounts_user. */
static void sqlite_translate(const char *in, const struct strvec *schemas, struct strbuf *out)
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
		{ "\\bTABLE[ \\t]+ONLY\\b", "TABLE" },
		{ "\\bADD[ \\t]+(COLUMN[ \\t]+)?IF[ \\t]+NOT[ \\t]+EXISTS\\b", "ADD COLUMN" },
	};
	struct strbuf cur = STRBUF_INIT_CAP((size_t)16 << 20), re = STRBUF_INIT;
	size_t i;

	strbuf_addstr(&cur, in);
	for (i = 0; i < sizeof(rules) / sizeof(*rules); i++)
		substitute(&cur, rules[i].re, rules[i].with);
	substitute(&cur, "(?<![\\w.\"])\"?(public|pg_catalog)\"?\\.(?=[\"a-z_])", "");
	for (i = 0; i < schemas->nr; i++) {
		strbuf_reset(&re);
		strbuf_addf(&re, "(?<![\\w.\"])\"?(%s)\"?\\.\"?([a-z_][a-z0-9_$]*)\"?", schemas->v[i]);
		substitute(&cur, re.buf, "\"$1_$2\"");
	}
	strbuf_add(out, cur.buf, cur.len);
	strbuf_release(&cur);
	strbuf_release(&re);
}

/* What SQLite has no equivalent for: the kind, for the one warning that
 * counts them, or NULL when the statement runs.  *keys: it adds keys
 * (ALTER TABLE ... ADD CONSTRAINT), so its table's keys cannot be judged. */
static const char *sqlite_skip_kind(const char *s, int *keys)
{
	static const char *const heads[] = {
		"create extension", "create type", "create schema", "create domain", "create sequence",
		"create function", "create or replace function", "create or replace procedure",
		"create or replace view", "create or replace rule", "create trigger", "create policy",
		"create publication", "create role", "create user", "create rule", "comment on",
		"grant", "revoke", "set", "do", "begin", "commit", "end", "start transaction",
		"create procedure", "create materialized view", "create aggregate", "create event trigger",
		"create operator", "create cast", "create collation", "create text search",
		"create statistics", "create server", "create foreign", "create unlogged",
		"select", "refresh", "copy", "reset", "lock", "analyze", "vacuum", "notify", NULL,
	};
	size_t i;

	*keys = 0;
	s = sql_statement_start(s);
	if (!strncasecmp(s, "alter ", 6)) {
		/* ALTER TABLE t ADD [COLUMN] c ...: SQLite runs it, one action */
		const char *add = strcasestr(s, " add ");

		if (!strncasecmp(s, "alter table", 11) && add && !strchr(s, ',') &&
		    !strcasestr(add, "constraint") && !strcasestr(add, "primary key") &&
		    !strcasestr(add, "foreign key") && !strcasestr(add, " unique") &&
		    !strcasestr(add, " check"))
			return NULL;
		*keys = !strncasecmp(s, "alter table", 11) &&
			(strcasestr(s, "primary key") || strcasestr(s, "foreign key") ||
			 strcasestr(s, "unique"));
		return *keys ? "ALTER TABLE ... ADD CONSTRAINT" : "ALTER";
	}
	if (!strncasecmp(s, "create table", 12) &&
	    (strcasestr(s, "partition of") || strcasestr(s, ") inherits") || strcasestr(s, " inherits (")))
		return "CREATE TABLE ... PARTITION OF / INHERITS";
	for (i = 0; heads[i]; i++) {
		size_t n = strlen(heads[i]);

		if (!strncasecmp(s, heads[i], n) && !isalnum((unsigned char)s[n]) && s[n] != '_')
			return heads[i];
	}
	return NULL;
}

/* The table an ALTER TABLE names (lower case, schema folded as the
 * translation folds it), or NULL. */
static char *table_name_at(const char *p);

static char *altered_table(const char *s)
{
	return table_name_at(sql_statement_start(s) + 11);	/* past "alter table" */
}

/* The table named at p ([ONLY] [IF EXISTS] name), folded as above. */
static char *table_name_at(const char *p)
{
	struct strbuf sb = STRBUF_INIT, part = STRBUF_INIT;

	while (isspace((unsigned char)*p))
		p++;
	if (!strncasecmp(p, "only ", 5))
		p += 5;
	if (!strncasecmp(p, "if exists ", 10))
		p += 10;
	while (isspace((unsigned char)*p))
		p++;
	while (!sql_ident(&p, &part)) {
		if (*p != '.') {
			if (sb.len && !strcmp(sb.buf, "public_"))
				strbuf_reset(&sb);
			strbuf_add(&sb, part.buf, part.len);
			break;
		}
		strbuf_add(&sb, part.buf, part.len);
		strbuf_addch(&sb, '_');
		strbuf_reset(&part);
		p++;
	}
	strbuf_release(&part);
	if (!sb.len) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb, NULL);
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

/* A table's name as the document writes it: the translation made
 * accounts.session accounts_session (a new string). */
static char *shown_name(const char *table, const struct strvec *schemas)
{
	size_t i, n;

	for (i = 0; i < schemas->nr; i++) {
		n = strlen(schemas->v[i]);
		if (!strncasecmp(table, schemas->v[i], n) && table[n] == '_' && table[n + 1])
			return xstrfmt("%s.%s", schemas->v[i], table + n + 1);
	}
	return xstrdup(table);
}

/* 1 unless table is one whose keys SQLite could not see added. */
static int judged(const struct strvec *unjudged, const char *table)
{
	size_t i;

	for (i = 0; i < unjudged->nr; i++)
		if (!strcasecmp(unjudged->v[i], table))
			return 0;
	return 1;
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

/* The catalog's findings; tables in unjudged had keys added by
 * statements SQLite skipped, so their keys are not judged (a finding
 * there would be invented). */
static void sqlite_catalog(struct design_doc *d, sqlite3 *db, const struct strvec *unjudged,
			   const struct strvec *schemas, struct design_report *r)
{
	struct strvec tables = STRVEC_INIT;
	size_t t;

	sqlite_rows(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid",
		    NULL, collect, &tables);
	r->tables = tables.nr;
	for (t = 0; t < tables.nr; t++) {
		const char *tb = tables.v[t];
		char *tbs = shown_name(tb, schemas);	/* as the document names it */
		struct strvec pk = STRVEC_INIT, fks = STRVEC_INIT, idx = STRVEC_INIT;
		struct strvec cols_of = STRVEC_INIT;
		size_t i, k;
		int unj = !judged(unjudged, tb);

		sqlite_rows(db, "SELECT name FROM pragma_table_info(?1) WHERE pk > 0", tb, collect, &pk);
		if (!pk.nr && !unj)
			design_add(r, DIAG_ERROR, sql_line_of_create(d, "table", tbs, d->sec[4].line), SEC,
				   "table %s has no primary key", tbs);
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
			char *first, *shown_to;
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
			shown_to = shown_name(to, schemas);
			if (!exists)
				design_add(r, DIAG_ERROR, sql_line_of_column(d, tbs, first), SEC,
					   "foreign key %s (%s) references table %s, which does not exist",
					   tbs, cols, shown_to);
			if (!covered && !unj)
				design_add(r, DIAG_ERROR, sql_line_of_column(d, tbs, first), SEC,
					   "foreign key %s (%s) -> %s has no index that starts with its column%s; add CREATE INDEX ON %s (%s);",
					   tbs, cols, shown_to, strchr(cols, ',') ? "s" : "", tbs, cols);
			free(shown_to);
			free(first);
			free(cols);
		}
		/* duplicates: the same columns and the same predicate */
		for (i = 0; i < idx.nr; i++)
			for (k = i + 1; k < idx.nr; k++) {
				const char *wi = strcasestr(idx.v[i], " WHERE "), *wk = strcasestr(idx.v[k], " WHERE ");

				/* (two expression indexes look alike here: not judged) */
				if (strcmp(cols_of.v[i], cols_of.v[k]) || strstr(cols_of.v[i], "(expr)") ||
				    ((wi || wk) && (!wi || !wk || strcasecmp(wi, wk))))
					continue;
				{
					char *a = xstrndup(idx.v[i], strcspn(idx.v[i], "\t"));
					char *b = xstrndup(idx.v[k], strcspn(idx.v[k], "\t"));
					const char *shown_a = strncmp(a, "sqlite_autoindex", 16) ? a : "(a UNIQUE constraint)";
					const char *shown_b = strncmp(b, "sqlite_autoindex", 16) ? b : "(a UNIQUE constraint)";

					design_add(r, DIAG_ERROR,
						   sql_line_of_create(d, "index", strncmp(b, "sqlite_", 7) ? b : a,
								  sql_line_of_create(d, "table", tbs, d->sec[4].line)),
						   SEC, "indexes %s and %s on %s are duplicates (the same columns: %s); keep one",
						   shown_a, shown_b, tbs, cols_of.v[i]);
					free(a);
					free(b);
				}
			}
		free(tbs);
		strvec_release(&pk);
		strvec_release(&fks);
		strvec_release(&idx);
		strvec_release(&cols_of);
	}
	strvec_release(&tables);
}

/* The schemas the DDL names (CREATE SCHEMA x, CREATE TABLE x.t,
 * REFERENCES x.t...), public aside, lower case, each once. */
static void find_schemas(const struct design_doc *d, struct strvec *out)
{
	static const char pattern[] =
		"\\b(?:SCHEMA(?:\\s+IF\\s+NOT\\s+EXISTS)?|TABLE(?:\\s+ONLY)?(?:\\s+IF\\s+(?:NOT\\s+)?EXISTS)?|"
		"REFERENCES|ON|INTO|FROM|JOIN|VIEW)\\s+\"?([a-z_][a-z0-9_]*)\"?(\\.|\\s*;|\\s+AUTHORIZATION|\\s*$)";
	int errc;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
				       PCRE2_CASELESS | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_MULTILINE,
				       &errc, &off, NULL);
	pcre2_match_data *md = re ? pcre2_match_data_create_from_pattern(re, NULL) : NULL;
	size_t i;

	for (i = 0; md && i < d->blocks_nr; i++) {
		const struct design_block *b = &d->blocks[i];
		PCRE2_SIZE at = 0, len = strlen(b->text);

		if (b->section != 4 || !design_block_is_sql(b))
			continue;
		while (at < len && pcre2_match(re, (PCRE2_SPTR)b->text, len, at, 0, md, NULL) > 2) {
			PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
			int is_schema = ov[5] > ov[4] && b->text[ov[4]] == '.';
			char *name = xstrndup(b->text + ov[2], ov[3] - ov[2]), *q;

			/* "x." (a qualified name) or "SCHEMA x" */
			is_schema |= ov[1] - ov[0] > 6 && !strncasecmp(b->text + ov[0], "schema", 6);
			for (q = name; *q; q++)
				*q = (char)tolower((unsigned char)*q);
			if (is_schema && strcmp(name, "public") && strcmp(name, "pg_catalog") &&
			    strvec_find(out, name) < 0)
				strvec_push(out, name);
			free(name);
			at = ov[1] > at ? ov[1] : at + 1;
		}
	}
	pcre2_match_data_free(md);
	pcre2_code_free(re);
}

/* A statement SQLite could not run: an error at its line, or, when it
 * only calls a PostgreSQL function SQLite lacks, one more skipped kind. */
static void lite_error(sqlite3 *db, const struct design_block *b, size_t start, size_t end,
		       const struct strbuf *tr, struct strvec *kinds, struct design_report *r)
{
	const char *msg = sqlite3_errmsg(db);
	int off = sqlite3_error_offset(db);
	size_t at = start;

	if (!strncmp(msg, "no such function:", 17) || !strncmp(msg, "unknown function:", 17)) {
		strvec_push(kinds, "statements calling PostgreSQL functions");
		return;
	}
	/* ADD COLUMN IF NOT EXISTS of a column that exists: PostgreSQL
	 * skips it, SQLite (which has no IF NOT EXISTS there) does not */
	if (!strncmp(msg, "duplicate column name", 21) && strcasestr(b->text + start, "if not exists") &&
	    (size_t)(strcasestr(b->text + start, "if not exists") - b->text) < end)
		return;
	if (strstr(msg, "EXCLUDE")) {
		strvec_push(kinds, "tables with EXCLUDE constraints");
		return;
	}
	/* the translation kept lines, so count them in the original */
	if (off > 0) {
		int nl = 0, j;

		for (j = 0; j < off && tr->buf[j]; j++)
			nl += tr->buf[j] == '\n';
		for (at = start; nl && at < end; at++)
			nl -= b->text[at] == '\n';
	} else {
		while (at < end && isspace((unsigned char)b->text[at]))
			at++;
	}
	/* a warning: most of what SQLite refuses is PostgreSQL it lacks, and
	 * an error here could be invented; PostgreSQL judges it for real */
	design_add(r, DIAG_WARNING, sql_line_of(b, at), SEC,
		   "SQLite could not run this statement (%s); PostgreSQL may accept it, so it was not judged",
		   msg);
}

/* One warning per kind of statement SQLite skipped, with its count. */
static void report_skipped(const struct design_doc *d, const struct strvec *kinds,
			   struct design_report *r)
{
	size_t i, k, n;

	for (i = 0; i < kinds->nr; i++) {
		for (k = 0; k < i && strcmp(kinds->v[k], kinds->v[i]); k++)
			;
		if (k < i)
			continue;	/* counted already */
		for (n = 0, k = i; k < kinds->nr; k++)
			n += !strcmp(kinds->v[k], kinds->v[i]);
		design_add(r, DIAG_WARNING, d->sec[4].line, SEC,
			   "SQLite has no equivalent for %s (%zu), so %s not run or checked%s", kinds->v[i], n,
			   n == 1 ? "it was" : "they were",
			   !strncmp(kinds->v[i], "ALTER TABLE ... ADD CONSTRAINT", 30) ||
			   strstr(kinds->v[i], "PARTITION") ? "; the keys of the tables they change were not judged" : "");
	}
}

void sql_run_sqlite(struct design_doc *d, struct design_report *r)
{
	struct strvec failed = STRVEC_INIT, schemas = STRVEC_INIT, kinds = STRVEC_INIT;
	struct strvec unjudged = STRVEC_INIT;
	sqlite3 *db;
	size_t i;

	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		return;
	sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
	find_schemas(d, &schemas);
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
			const char *tail, *kind;
			int rc, keys;

			if ((kind = sqlite_skip_kind(stmt, &keys)) != NULL) {
				strvec_push(&kinds, kind);
				if (keys) {
					char *t = altered_table(stmt);

					if (t)
						strvec_push_nodup(&unjudged, t);
				}
				if (strcasestr(stmt, "attach partition")) {
					/* the partition gets the parent's keys */
					char *t = table_name_at(strcasestr(stmt, "attach partition") + 16);

					if (t)
						strvec_push_nodup(&unjudged, t);
				}
				free(stmt);
				continue;
			}
			strbuf_reset(&tr);
			sqlite_translate(stmt, &schemas, &tr);
			rc = sqlite3_prepare_v2(db, tr.buf, (int)tr.len, &s, &tail);
			if (rc == SQLITE_OK && s)
				rc = sqlite3_step(s);
			if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW &&
			    !sql_follows_on(&failed, sqlite3_errmsg(db))) {
				char *t = sql_created_table(stmt);

				if (t) {
					/* as the translation names it: parking.places is
					 * parking_places, public.x is x */
					char *dot = strchr(t, '.');

					if (dot && !strncmp(t, "public.", 7)) {
						char *bare = xstrdup(dot + 1);

						free(t);
						t = bare;
					} else if (dot) {
						*dot = '_';
					}
					strvec_push_nodup(&failed, t);
				}
				lite_error(db, b, starts[k], ends[k], &tr, &kinds, r);
			}
			sqlite3_finalize(s);
			free(stmt);
		}
		strbuf_release(&tr);
		free(starts);
		free(ends);
	}
	report_skipped(d, &kinds, r);
	sqlite_catalog(d, db, &unjudged, &schemas, r);
	sqlite3_close(db);
	strvec_release(&failed);
	strvec_release(&schemas);
	strvec_release(&kinds);
	strvec_release(&unjudged);
}
