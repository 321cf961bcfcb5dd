/*
 * sql_pg: the Data Schema's DDL on the throwaway PostgreSQL cluster, and
 * its catalog read for the documented rules.  See sql_int.h.
 */
#include "design/sql_int.h"

#include "core/strvec.h"
#include "core/xalloc.h"
#include "design/doc.h"
#include "design/pg.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* What running the DDL keeps track of. */
struct pgrun {
	struct design_doc *d;
	struct pg_cluster *pg;
	struct design_report *r;
	struct strvec failed;		/* tables that failed to be created */
	struct strvec roles;		/* roles the DDL needed, created for the check */
	int in_tx;			/* inside the document's BEGIN ... COMMIT */
	int tx_line;			/* where it began */
	int tx_aborted;			/* an error aborted it: skip to its end */
	size_t skipped;			/* statements not run since */
};

enum stmt_kind { STMT_OTHER, STMT_BEGIN, STMT_END };

/* BEGIN / START TRANSACTION, COMMIT / END / ROLLBACK / ABORT, or other. */
static enum stmt_kind kind_of(const char *s)
{
	static const char *const begins[] = { "begin", "start transaction", NULL };
	static const char *const ends[] = { "commit", "end", "rollback", "abort", NULL };
	size_t i, n;

	s = sql_statement_start(s);
	for (i = 0; begins[i]; i++) {
		n = strlen(begins[i]);
		if (!strncasecmp(s, begins[i], n) && !isalnum((unsigned char)s[n]) && s[n] != '_')
			return STMT_BEGIN;
	}
	for (i = 0; ends[i]; i++) {
		n = strlen(ends[i]);
		/* ROLLBACK TO SAVEPOINT ends nothing */
		if (!strncasecmp(s, ends[i], n) && !isalnum((unsigned char)s[n]) && s[n] != '_' &&
		    !strcasestr(s, " to "))
			return STMT_END;
	}
	return STMT_OTHER;
}

/* The role a 'role "x" does not exist' error names (a new string), or NULL. */
static char *missing_role(const char *msg)
{
	const char *q;

	if (!msg || strncmp(msg, "role \"", 6) || !(q = strstr(msg + 6, "\" does not exist")))
		return NULL;
	return xstrndup(msg + 6, (size_t)(q - msg - 6));
}

static void quiet(struct pgrun *x, const char *sql)
{
	struct pg_result res;

	pg_exec(x->pg, sql, &res);
	pg_result_release(&res);
}

/*
 * A role the DDL names but never creates (pg_dump's OWNER TO postgres,
 * GRANT ... TO anon) is created, so the statement can run as on the
 * cluster it was written for; the report says which were assumed.
 */
static int create_role(struct pgrun *x, const char *role)
{
	struct strbuf sql = STRBUF_INIT, id = STRBUF_INIT;
	struct pg_result res;
	const char *p;
	int ok;

	if (strvec_find(&x->roles, role) >= 0 || x->roles.nr >= 64)
		return -1;	/* created already and still missing: something else */
	for (p = role; *p; p++) {	/* quote_ident: "" inside */
		if (*p == '"')
			strbuf_addch(&id, '"');
		strbuf_addch(&id, *p);
	}
	strbuf_addf(&sql, "CREATE ROLE \"%s\"", id.buf);
	pg_exec(x->pg, sql.buf, &res);
	ok = res.ok;
	pg_result_release(&res);
	strbuf_release(&sql);
	strbuf_release(&id);
	if (ok)
		strvec_push(&x->roles, role);
	return ok ? 0 : -1;
}

/* The offset in the block where an error is best shown. */
static size_t error_at(const struct design_block *b, size_t start, size_t end, const char *stmt,
		       const struct pg_result *res)
{
	size_t at = start;

	if (res->position)
		return at + sql_char_offset(stmt, res->position);
	{
		/* 'relation "refunds" does not exist': where it is named */
		const char *q = strchr(res->error, '"'), *e = q ? strchr(q + 1, '"') : NULL;
		char *name = e ? xstrndup(q + 1, (size_t)(e - q - 1)) : NULL;
		const char *hit = name && *name ? strcasestr(stmt, name) : NULL;

		if (hit)
			at += (size_t)(hit - stmt);
		else
			while (at < end && isspace((unsigned char)b->text[at]))
				at++;
		free(name);
	}
	return at;
}

static void take_notices(struct pgrun *x, int line)
{
	struct strvec n = STRVEC_INIT;
	size_t i;

	pg_take_notices(x->pg, &n);
	for (i = 0; i < n.nr; i++)
		design_notice(x->r, line, n.v[i]);
	strvec_release(&n);
}

/* One statement, as PostgreSQL would run it in a script: inside the
 * document's own transaction, an error aborts it and what follows is not
 * run until its COMMIT (which then rolls back). */
static void run_statement(struct pgrun *x, const struct design_block *b, size_t start, size_t end)
{
	char *stmt = xstrndup(b->text + start, end - start), *role;
	enum stmt_kind kind = kind_of(stmt);
	struct pg_result res;
	size_t lead = start;
	int line, tries;

	while (lead < end && isspace((unsigned char)b->text[lead]))
		lead++;
	line = sql_line_of(b, lead);
	if (x->tx_aborted) {
		if (kind == STMT_END) {
			quiet(x, "ROLLBACK");
			x->tx_aborted = x->in_tx = 0;
		} else {
			x->skipped++;
		}
		free(stmt);
		return;
	}
	for (tries = 0;; tries++) {
		/* a savepoint lets a statement that needed a role run again
		 * inside the transaction */
		if (x->in_tx && kind == STMT_OTHER)
			quiet(x, "SAVEPOINT archie_statement");
		pg_exec(x->pg, stmt, &res);
		take_notices(x, line);
		if (res.ok || tries > 8 || !(role = missing_role(res.error)))
			break;
		if (x->in_tx && kind == STMT_OTHER)
			quiet(x, "ROLLBACK TO SAVEPOINT archie_statement");
		if (create_role(x, role)) {
			free(role);
			break;
		}
		free(role);
		pg_result_release(&res);
	}
	if (res.ok) {
		if (kind == STMT_BEGIN) {
			x->in_tx = 1;
			x->tx_line = line;
		} else if (kind == STMT_END) {
			x->in_tx = 0;
		} else if (x->in_tx) {
			quiet(x, "RELEASE SAVEPOINT archie_statement");
		}
	} else if (!sql_follows_on(&x->failed, res.error)) {
		char *t = sql_created_table(stmt);
		struct strbuf m = STRBUF_INIT;

		if (t)
			strvec_push_nodup(&x->failed, t);
		strbuf_addstr(&m, res.error);
		if (res.detail)
			strbuf_addf(&m, " (%s)", res.detail);
		if (x->in_tx)
			strbuf_addf(&m, "; this aborts the transaction begun at line %d, so what follows up to its COMMIT was not run or checked",
				    x->tx_line);
		design_add(x->r, DIAG_ERROR, sql_line_of(b, error_at(b, start, end, stmt, &res)), SEC,
			   "the DDL fails on PostgreSQL: %s", m.buf);
		strbuf_release(&m);
		if (x->in_tx) {
			x->tx_aborted = 1;
			x->skipped = 0;
		}
	} else if (x->in_tx) {
		quiet(x, "ROLLBACK TO SAVEPOINT archie_statement");
	}
	pg_result_release(&res);
	free(stmt);
}

static void catalog_checks(struct pgrun *x)
{
	static const char tables[] =
		"SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
		" WHERE c.relkind IN ('r','p') AND n.nspname NOT IN ('pg_catalog','information_schema')"
		" AND n.nspname NOT LIKE 'pg_toast%'";
	static const char no_pk[] =
		"SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
		" WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
		" AND n.nspname NOT LIKE 'pg_toast%' AND NOT EXISTS (SELECT 1 FROM pg_constraint k"
		" WHERE k.conrelid = c.oid AND k.contype = 'p') ORDER BY c.oid";
	/* declared foreign keys only: a partitioned table's are cloned onto
	 * each partition (conparentid), and reported once, at the parent */
	static const char fk_unindexed[] =
		"SELECT c.conrelid::regclass::text, c.conname, (SELECT string_agg(quote_ident(a.attname), ', '"
		" ORDER BY array_position(c.conkey, a.attnum)) FROM pg_attribute a WHERE a.attrelid = c.conrelid"
		" AND a.attnum = ANY (c.conkey)), c.confrelid::regclass::text, (SELECT a.attname FROM"
		" pg_attribute a WHERE a.attrelid = c.conrelid AND a.attnum = c.conkey[1]) FROM pg_constraint c"
		" WHERE c.contype = 'f' AND c.conparentid = 0 AND NOT EXISTS (SELECT 1 FROM pg_index i"
		" WHERE i.indrelid = c.conrelid"
		" AND (i.indkey::int2[])[0:array_length(c.conkey, 1) - 1] @> c.conkey"
		" AND (i.indkey::int2[])[0:array_length(c.conkey, 1) - 1] <@ c.conkey) ORDER BY c.oid";
	static const char dup_idx[] =
		"SELECT i.indrelid::regclass::text, string_agg(i.indexrelid::regclass::text, ','"
		" ORDER BY i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid"
		" JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog',"
		" 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' GROUP BY i.indrelid,"
		" i.indkey::text, coalesce(i.indexprs::text, ''), coalesce(i.indpred::text, ''),"
		" i.indclass::text HAVING count(*) > 1";
	struct design_doc *d = x->d;
	struct design_report *r = x->r;
	struct pg_result res;
	int k;

	pg_exec(x->pg, tables, &res);
	if (res.ok && res.nrows)
		r->tables = (size_t)strtoul(res.rows[0][0], NULL, 10);
	pg_result_release(&res);
	pg_exec(x->pg, no_pk, &res);
	for (k = 0; res.ok && k < res.nrows; k++)
		design_add(r, DIAG_ERROR, sql_line_of_create(d, "table", res.rows[k][0], d->sec[4].line),
			   SEC, "table %s has no primary key", res.rows[k][0]);
	pg_result_release(&res);
	pg_exec(x->pg, fk_unindexed, &res);
	/* names as PostgreSQL prints them: quoted where they must be, so the
	 * suggested index is valid SQL as it stands */
	for (k = 0; res.ok && k < res.nrows; k++)
		design_add(r, DIAG_ERROR, sql_line_of_column(d, res.rows[k][0], res.rows[k][4]), SEC,
			   "foreign key %s (%s) -> %s has no index that starts with its column%s; add CREATE INDEX ON %s (%s);",
			   res.rows[k][0], res.rows[k][2], res.rows[k][3],
			   strchr(res.rows[k][2], ',') ? "s" : "", res.rows[k][0], res.rows[k][2]);
	pg_result_release(&res);
	pg_exec(x->pg, dup_idx, &res);
	for (k = 0; res.ok && k < res.nrows; k++) {
		char *names = xstrdup(res.rows[k][1]), *second = strchr(names, ',');

		if (second)
			*second++ = 0;
		design_add(r, DIAG_ERROR,
			   sql_line_of_create(d, "index", second ? second : names,
					      sql_line_of_create(d, "table", res.rows[k][0], d->sec[4].line)),
			   SEC, "indexes %s and %s on %s are duplicates (the same columns); keep one",
			   names, second ? second : "?", res.rows[k][0]);
		free(names);
	}
	pg_result_release(&res);
}

void sql_run_pg(struct design_doc *d, struct pg_cluster *pg, struct design_report *r)
{
	struct pgrun x;
	size_t i, k;

	memset(&x, 0, sizeof(x));
	x.d = d;
	x.pg = pg;
	x.r = r;
	strvec_init(&x.failed);
	strvec_init(&x.roles);
	/* the role every stock pg_dump names (OWNER TO postgres): a cluster
	 * the DDL was written for has it */
	quiet(&x, "CREATE ROLE postgres SUPERUSER");
	take_notices(&x, d->sec[4].line);
	for (i = 0; i < d->blocks_nr; i++) {
		const struct design_block *b = &d->blocks[i];
		size_t *starts, *ends, n;

		if (b->section != 4 || !design_block_is_sql(b))
			continue;
		/* statement by statement, so an error without a position still
		 * has its statement's line */
		n = sql_split(b->text, &starts, &ends);
		for (k = 0; k < n; k++)
			run_statement(&x, b, starts[k], ends[k]);
		free(starts);
		free(ends);
	}
	if (x.in_tx)	/* a BEGIN never committed: as psql would leave it, rolled back */
		quiet(&x, x.tx_aborted ? "ROLLBACK" : "COMMIT");
	if (x.roles.nr) {
		struct strbuf list = STRBUF_INIT;

		for (k = 0; k < x.roles.nr; k++)
			strbuf_addf(&list, "%s%s", k ? ", " : "", x.roles.v[k]);
		design_add(r, DIAG_WARNING, d->sec[4].line, SEC,
			   "the DDL names roles it does not create (%s): they were assumed to exist, and created for the check",
			   list.buf);
		strbuf_release(&list);
	}
	catalog_checks(&x);
	take_notices(&x, d->sec[4].line);
	strvec_release(&x.failed);
	strvec_release(&x.roles);
}
