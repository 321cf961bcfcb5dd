/*
 * pgstore: see pgstore.h.
 *
 * Rows travel as one JSON array per table and statement
 * (json_populate_recordset on the server), so a batch of a thousand events
 * is one round trip, and reads come back as one JSON document
 * (json_agg), parsed by jansson: no per-column type mapping to keep in
 * step with the schema.
 */
#include "store/pgstore.h"

#include "core/pq_dl.h"
#include "core/strvec.h"
#include "core/xalloc.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The schema, in versions: migrations[i] takes it from i to i + 1.  Each
 * step is written to run twice harmlessly (IF NOT EXISTS, DROP POLICY IF
 * EXISTS), since the setup SQL an administrator runs is these same steps.
 */
static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE IF NOT EXISTS archie.sessions ("
	"  id text PRIMARY KEY,"
	"  project text NOT NULL,"
	"  cwd text, agent text, provider text, model text, parent text, title text,"
	"  created bigint NOT NULL,"
	"  updated bigint NOT NULL,"
	"  username text, host text,"
	"  owner name NOT NULL DEFAULT current_user);\n"
	"CREATE INDEX IF NOT EXISTS sessions_project ON archie.sessions (project, updated);\n"
	"CREATE INDEX IF NOT EXISTS sessions_user ON archie.sessions (username, updated);\n"
	"CREATE INDEX IF NOT EXISTS sessions_host ON archie.sessions (host, updated);\n"
	"CREATE INDEX IF NOT EXISTS sessions_parent ON archie.sessions (parent);\n"
	"CREATE TABLE IF NOT EXISTS archie.messages ("
	"  session text NOT NULL,"
	"  seq bigint NOT NULL,"
	"  role text NOT NULL,"
	"  content text NOT NULL,"
	"  incomplete integer NOT NULL DEFAULT 0,"
	"  created bigint NOT NULL,"
	"  owner name NOT NULL DEFAULT current_user,"
	"  PRIMARY KEY (session, seq));\n"
	"CREATE TABLE IF NOT EXISTS archie.events ("
	"  id bigserial PRIMARY KEY,"
	"  session text NOT NULL,"
	"  src_id bigint NOT NULL,"
	"  kind text NOT NULL,"
	"  ts bigint NOT NULL,"
	"  duration_ms bigint, agent text, parent_agent text,"
	"  tool text, call_id text, arguments text,"
	"  verdict text, rule text, decided_by text, outcome text,"
	"  exit_code integer, bytes bigint, error text, detail text,"
	"  model text, attempt integer, status integer, ttft_ms bigint,"
	"  input_tokens bigint, output_tokens bigint,"
	"  cache_read_tokens bigint, cache_write_tokens bigint, cost double precision,"
	"  reasoning_tokens bigint,"
	"  owner name NOT NULL DEFAULT current_user,"
	"  UNIQUE (session, src_id));\n"
	"CREATE INDEX IF NOT EXISTS events_session ON archie.events (session, ts, src_id);\n"
	"CREATE INDEX IF NOT EXISTS events_ts ON archie.events (ts);\n"
	/* a row is seen by its writer, and by members of archie_auditor
	 * (a role that need not exist) */
	"CREATE OR REPLACE FUNCTION archie.sees(who name) RETURNS boolean"
	"  LANGUAGE sql STABLE AS $f$ SELECT who = current_user OR EXISTS ("
	"    SELECT 1 FROM pg_roles r WHERE r.rolname = 'archie_auditor'"
	"    AND pg_has_role(current_user, r.oid, 'MEMBER')) $f$;\n"
	"ALTER TABLE archie.sessions ENABLE ROW LEVEL SECURITY;\n"
	"ALTER TABLE archie.messages ENABLE ROW LEVEL SECURITY;\n"
	"ALTER TABLE archie.events ENABLE ROW LEVEL SECURITY;\n"
	"DROP POLICY IF EXISTS archie_rows ON archie.sessions;\n"
	"CREATE POLICY archie_rows ON archie.sessions USING (archie.sees(owner))"
	"  WITH CHECK (owner = current_user);\n"
	"DROP POLICY IF EXISTS archie_rows ON archie.messages;\n"
	"CREATE POLICY archie_rows ON archie.messages USING (archie.sees(owner))"
	"  WITH CHECK (owner = current_user);\n"
	"DROP POLICY IF EXISTS archie_rows ON archie.events;\n"
	"CREATE POLICY archie_rows ON archie.events USING (archie.sees(owner))"
	"  WITH CHECK (owner = current_user);\n",
};

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(*migrations)))

_Static_assert(NMIGRATIONS == PGSTORE_SCHEMA_VERSION, "a migration per schema version");

static const char setup_head[] =
	"-- archie's shared record: run once, as a role that may create roles\n"
	"-- and schemas (psql -v ON_ERROR_STOP=1 -f this-file).  Then give each\n"
	"-- person a login role in archie_user, and those who read everyone's\n"
	"-- sessions archie_auditor too:\n"
	"--   CREATE ROLE alice LOGIN IN ROLE archie_user;\n"
	"--   GRANT archie_auditor TO carol;\n"
	"DO $$ BEGIN\n"
	"  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'archie_user') THEN\n"
	"    CREATE ROLE archie_user NOLOGIN;\n"
	"  END IF;\n"
	"  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'archie_auditor') THEN\n"
	"    CREATE ROLE archie_auditor NOLOGIN;\n"
	"  END IF;\n"
	"END $$;\n"
	"BEGIN;\n"
	"CREATE SCHEMA IF NOT EXISTS archie;\n"
	"CREATE TABLE IF NOT EXISTS archie.schema_version (version integer NOT NULL);\n";

static const char setup_tail[] =
	"GRANT USAGE ON SCHEMA archie TO archie_user, archie_auditor;\n"
	"GRANT SELECT ON archie.schema_version TO archie_user, archie_auditor;\n"
	"GRANT SELECT, INSERT, UPDATE, DELETE ON archie.sessions, archie.messages, archie.events TO archie_user;\n"
	"GRANT SELECT ON archie.sessions, archie.messages, archie.events TO archie_auditor;\n"
	"GRANT USAGE ON SEQUENCE archie.events_id_seq TO archie_user;\n"
	"COMMIT;\n";

static char *setup_text;
static pthread_once_t setup_once = PTHREAD_ONCE_INIT;

static void setup_build(void)
{
	struct strbuf sb = STRBUF_INIT;
	int i;

	strbuf_addstr(&sb, setup_head);
	for (i = 0; i < NMIGRATIONS; i++)
		strbuf_addstr(&sb, migrations[i]);
	strbuf_addf(&sb, "DELETE FROM archie.schema_version;\n"
			 "INSERT INTO archie.schema_version VALUES (%d);\n", PGSTORE_SCHEMA_VERSION);
	strbuf_addstr(&sb, setup_tail);
	setup_text = strbuf_detach(&sb, NULL);
}

const char *pgstore_setup_sql(void)
{
	/* built once, from the same migrations archie runs itself */
	pthread_once(&setup_once, setup_build);
	return setup_text;
}

/* ---- connecting ------------------------------------------------------------ */

static const char *opt(PQconninfoOption *o, const char *key)
{
	for (; o && o->keyword; o++)
		if (!strcmp(o->keyword, key))
			return o->val && *o->val ? o->val : NULL;
	return NULL;
}

void pgstore_describe(const char *url, struct strbuf *out)
{
	PQconninfoOption *o;
	struct strbuf e = STRBUF_INIT;
	char *perr = NULL;
	const char *host, *user, *db, *port;

	if (pq_dl_load(&e) || !(o = PQconninfoParse(url, &perr))) {
		strbuf_addstr(out, "(an unreadable connection string)");
		if (perr)
			PQfreemem(perr);
		strbuf_release(&e);
		return;
	}
	host = opt(o, "host") ? opt(o, "host") : getenv("PGHOST");
	user = opt(o, "user") ? opt(o, "user") : getenv("PGUSER");
	db = opt(o, "dbname") ? opt(o, "dbname") : getenv("PGDATABASE");
	port = opt(o, "port") ? opt(o, "port") : getenv("PGPORT");
	if (user)
		strbuf_addf(out, "%s@", user);
	strbuf_addstr(out, host ? host : "(the local socket)");
	if (port)
		strbuf_addf(out, ":%s", port);
	if (db)
		strbuf_addf(out, "/%s", db);
	PQconninfoFree(o);
	strbuf_release(&e);
}

void pgstore_secrets(const char *url, struct strvec *out)
{
	struct strbuf e = STRBUF_INIT;
	PQconninfoOption *o;
	char *perr = NULL;

	if (!pq_dl_load(&e) && (o = PQconninfoParse(url, &perr))) {
		if (opt(o, "password"))
			strvec_push(out, opt(o, "password"));
		PQconninfoFree(o);
	}
	if (perr)
		PQfreemem(perr);
	strbuf_release(&e);
}

/* libpq's messages run over lines ("...failed: ...\n\tIs the server
 * running...?"): one line, for a warning that says it once. */
static void one_line(struct strbuf *sb)
{
	size_t i;

	strbuf_rtrim(sb);
	for (i = 0; i < sb->len; i++)
		if (sb->buf[i] == '\n' || sb->buf[i] == '\t')
			sb->buf[i] = ' ';
}

static int loopback(const char *h)
{
	return !strcmp(h, "localhost") || !strncmp(h, "127.", 4) || !strcmp(h, "::1");
}

/* The sslmode to add, or NULL to leave libpq's (the string or PGSSLMODE
 * says, or a Unix socket). */
static const char *tls_default(PQconninfoOption *o)
{
	const char *host = opt(o, "host") ? opt(o, "host") : getenv("PGHOST");
	const char *addr = opt(o, "hostaddr");

	if (opt(o, "sslmode") || getenv("PGSSLMODE"))
		return NULL;
	if (!addr && (!host || *host == '/' || *host == '@'))
		return NULL;
	return loopback(addr ? addr : host) ? "prefer" : "require";
}

static PGresult *run(struct pgstore *pg, const char *sql, int n, const char *const *params)
{
	return PQexecParams(pg->conn, sql, n, NULL, params, NULL, NULL, 0);
}

/* A command's or query's result checked: 0, or -1 with err ("what: the
 * server's message"); res cleared unless kept. */
static int check(struct pgstore *pg, PGresult *res, const char *what, struct strbuf *err,
		 PGresult **keep)
{
	ExecStatusType s = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;

	if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) {
		if (keep)
			*keep = res;
		else
			PQclear(res);
		return 0;
	}
	strbuf_seterr(err, "%s in %s: %s", what, pg->where,
		      res ? PQresultErrorMessage(res) : PQerrorMessage(pg->conn));
	one_line(err);
	PQclear(res);
	return -1;
}

static int exec_ok(struct pgstore *pg, const char *sql, const char *what, struct strbuf *err)
{
	return check(pg, PQexec(pg->conn, sql), what, err, NULL);
}

/* The schema's version here: -1 on error, 0 when there is none. */
static int schema_version(struct pgstore *pg, struct strbuf *err)
{
	PGresult *res;
	int v = 0;

	if (check(pg, PQexec(pg->conn, "SELECT to_regclass('archie.schema_version') IS NOT NULL"),
		  "cannot read the schema", err, &res))
		return -1;
	if (strcmp(PQgetvalue(res, 0, 0), "t")) {
		PQclear(res);
		return 0;
	}
	PQclear(res);
	if (check(pg, PQexec(pg->conn, "SELECT coalesce(max(version), 0) FROM archie.schema_version"),
		  "cannot read the schema's version", err, &res))
		return -1;
	v = (int)strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return v;
}

static int migrate(struct pgstore *pg, struct strbuf *err)
{
	struct strbuf e = STRBUF_INIT, sql = STRBUF_INIT;
	int v = schema_version(pg, err), rc = -1;

	if (v < 0)
		return -1;
	if (v == PGSTORE_SCHEMA_VERSION)
		return 0;
	if (v > PGSTORE_SCHEMA_VERSION)
		return strbuf_seterr(err, "the shared record in %s has schema version %d, newer than this archie knows (%d); upgrade archie",
				     pg->where, v, PGSTORE_SCHEMA_VERSION);
	/* one migrator at a time, the others wait and find it done */
	if (exec_ok(pg, "BEGIN", "cannot migrate", &e) ||
	    exec_ok(pg, "SELECT pg_advisory_xact_lock(7234001)", "cannot migrate", &e) ||
	    exec_ok(pg, "CREATE SCHEMA IF NOT EXISTS archie;"
			" CREATE TABLE IF NOT EXISTS archie.schema_version (version integer NOT NULL)",
		    "cannot create the schema", &e))
		goto fail;
	v = schema_version(pg, &e);
	if (v < 0)
		goto fail;
	for (; v < PGSTORE_SCHEMA_VERSION; v++)
		if (exec_ok(pg, migrations[v], "cannot create the tables", &e))
			goto fail;
	strbuf_addf(&sql, "DELETE FROM archie.schema_version; INSERT INTO archie.schema_version VALUES (%d)",
		    PGSTORE_SCHEMA_VERSION);
	if (exec_ok(pg, sql.buf, "cannot record the schema's version", &e) ||
	    exec_ok(pg, "COMMIT", "cannot migrate", &e))
		goto fail;
	rc = 0;
	goto out;
fail:
	PQclear(PQexec(pg->conn, "ROLLBACK"));
	strbuf_seterr(err, "%s; if this role may not create them, an administrator sets the database up once with the SQL of 'archie store setup-sql' (docs/team.md)",
		      e.buf);
out:
	strbuf_release(&e);
	strbuf_release(&sql);
	return rc;
}

int pgstore_connect(struct pgstore *pg, const char *url, struct strbuf *err)
{
	const char *keys[8], *vals[8];
	PQconninfoOption *o = NULL;
	struct strbuf where = STRBUF_INIT;
	char *perr = NULL;
	const char *tls;
	int n = 0;

	memset(pg, 0, sizeof(*pg));
	if (pq_dl_load(err))
		return -1;
	if (!(o = PQconninfoParse(url, &perr))) {
		/* libpq's message quotes no password: it names the syntax */
		strbuf_seterr(err, "the store URL is not a PostgreSQL connection string: %s",
			      perr ? perr : "out of memory");
		strbuf_rtrim(err);
		if (perr)
			PQfreemem(perr);
		return -1;
	}
	pgstore_describe(url, &where);
	pg->where = strbuf_detach(&where, NULL);
	keys[n] = "dbname", vals[n++] = url;
	if ((tls = tls_default(o)))
		keys[n] = "sslmode", vals[n++] = tls;
	if (!opt(o, "connect_timeout") && !getenv("PGCONNECT_TIMEOUT"))
		keys[n] = "connect_timeout", vals[n++] = "5";
	if (!opt(o, "application_name"))
		keys[n] = "application_name", vals[n++] = "archie";
	keys[n] = vals[n] = NULL;
	PQconninfoFree(o);
	pg->conn = PQconnectdbParams(keys, vals, 1);
	if (!pg->conn || PQstatus(pg->conn) != CONNECTION_OK) {
		strbuf_seterr(err, "cannot connect to the shared record %s: %s", pg->where,
			      pg->conn ? PQerrorMessage(pg->conn) : "out of memory");
		one_line(err);
		if (tls && !strcmp(tls, "require") && strstr(err->buf, "SSL"))
			strbuf_addstr(err, " (TLS is required for a server on another machine; add sslmode=disable to the URL only on a network you trust)");
		goto fail;
	}
	pg->tls = PQsslInUse(pg->conn);
	/* a stuck server must not hold a shipper forever */
	if (exec_ok(pg, "SET statement_timeout = 60000; SET client_min_messages = warning",
		    "cannot configure the session", err) ||
	    migrate(pg, err))
		goto fail;
	return 0;
fail:
	pgstore_close(pg);
	return -1;
}

void pgstore_close(struct pgstore *pg)
{
	if (pg->conn)
		PQfinish(pg->conn);
	free(pg->where);
	memset(pg, 0, sizeof(*pg));
}

/* ---- shipping ------------------------------------------------------------- */

static const char ship_sessions_sql[] =
	"INSERT INTO archie.sessions (id, project, cwd, agent, provider, model, parent, title,"
	" created, updated, username, host)"
	" SELECT id, project, cwd, agent, provider, model, parent, title, created, updated,"
	" username, host FROM json_populate_recordset(NULL::archie.sessions, $1::json)"
	" ON CONFLICT (id) DO UPDATE SET agent = EXCLUDED.agent, model = EXCLUDED.model,"
	" title = EXCLUDED.title,"
	" updated = greatest(archie.sessions.updated, EXCLUDED.updated)";

static const char ship_messages_sql[] =
	"INSERT INTO archie.messages (session, seq, role, content, incomplete, created)"
	" SELECT session, seq, role, content, incomplete, created"
	" FROM json_populate_recordset(NULL::archie.messages, $1::json)"
	" ON CONFLICT (session, seq) DO UPDATE SET role = EXCLUDED.role,"
	" content = EXCLUDED.content, incomplete = EXCLUDED.incomplete,"
	" created = EXCLUDED.created";

static const char ship_gone_sql[] =
	"DELETE FROM archie.messages m USING json_populate_recordset(NULL::archie.messages, $1::json) x"
	" WHERE m.session = x.session AND m.seq = x.seq";

static const char ship_events_sql[] =
	"INSERT INTO archie.events (session, src_id, kind, ts, duration_ms, agent, parent_agent,"
	" tool, call_id, arguments, verdict, rule, decided_by, outcome, exit_code, bytes, error,"
	" detail, model, attempt, status, ttft_ms, input_tokens, output_tokens,"
	" cache_read_tokens, cache_write_tokens, cost, reasoning_tokens)"
	" SELECT session, src_id, kind, ts, duration_ms, agent, parent_agent,"
	" tool, call_id, arguments, verdict, rule, decided_by, outcome, exit_code, bytes, error,"
	" detail, model, attempt, status, ttft_ms, input_tokens, output_tokens,"
	" cache_read_tokens, cache_write_tokens, cost, reasoning_tokens"
	" FROM json_populate_recordset(NULL::archie.events, $1::json) ORDER BY src_id"
	" ON CONFLICT (session, src_id) DO NOTHING";

static int ship_rows(struct pgstore *pg, const char *sql, json_t *rows, const char *what,
		     struct strbuf *err)
{
	char *text;
	int rc;

	if (!json_array_size(rows))
		return 0;
	text = json_dumps(rows, JSON_COMPACT);
	if (!text)
		return strbuf_seterr(err, "cannot encode %s", what);
	rc = check(pg, run(pg, sql, 1, (const char *const *)&text), what, err, NULL);
	free(text);
	return rc;
}

int pgstore_ship(struct pgstore *pg, json_t *sessions, json_t *messages,
		 json_t *gone, json_t *events, struct strbuf *err)
{
	if (exec_ok(pg, "BEGIN", "cannot ship", err))
		return -1;
	if (ship_rows(pg, ship_sessions_sql, sessions, "cannot ship sessions", err) ||
	    ship_rows(pg, ship_gone_sql, gone, "cannot ship repaired messages", err) ||
	    ship_rows(pg, ship_messages_sql, messages, "cannot ship messages", err) ||
	    ship_rows(pg, ship_events_sql, events, "cannot ship events", err) ||
	    exec_ok(pg, "COMMIT", "cannot ship", err)) {
		PQclear(PQexec(pg->conn, "ROLLBACK"));
		return -1;
	}
	return 0;
}

/* ---- reading ----------------------------------------------------------------- */

/* The parameters every read takes: $1 user, $2 host, $3 project, $4 since,
 * $5 until (NULL: none). */
#define FILTER_SQL(s) \
	" (" s ".username = $1 OR $1 IS NULL) AND (" s ".host = $2 OR $2 IS NULL)" \
	" AND (" s ".project = $3 OR $3 IS NULL)"

struct params {
	const char *v[12];
	char num[4][32];
	int n;
};

static void filter_params(struct params *p, const struct pgstore_filter *f)
{
	memset(p, 0, sizeof(*p));
	p->v[0] = f->user;
	p->v[1] = f->host;
	p->v[2] = f->project;
	if (f->since_ms > 0) {
		snprintf(p->num[0], sizeof(p->num[0]), "%lld", f->since_ms);
		p->v[3] = p->num[0];
	}
	if (f->until_ms > 0) {
		snprintf(p->num[1], sizeof(p->num[1]), "%lld", f->until_ms);
		p->v[4] = p->num[1];
	}
	p->n = 5;
}

/* A query whose one cell is a JSON document, parsed; NULL with err. */
static json_t *query_json(struct pgstore *pg, const char *sql, const struct params *p,
			  struct strbuf *err)
{
	json_error_t jerr;
	PGresult *res;
	json_t *j;

	if (check(pg, run(pg, sql, p->n, p->v), "cannot read the shared record", err, &res))
		return NULL;
	j = PQntuples(res) == 1 ? json_loads(PQgetvalue(res, 0, 0), JSON_DECODE_ANY, &jerr) : NULL;
	PQclear(res);
	if (!j)
		strbuf_seterr(err, "the shared record %s answered something that is not JSON", pg->where);
	return j;
}

json_t *pgstore_sessions(struct pgstore *pg, const struct pgstore_filter *f, struct strbuf *err)
{
	static const char sql[] =
		"SELECT coalesce(json_agg(json_strip_nulls(row_to_json(t))), '[]') FROM ("
		" SELECT s.id, s.project, s.agent, s.model, s.parent, s.title, s.created, s.updated,"
		" s.username AS user, s.host,"
		" (SELECT count(*) FROM archie.messages m WHERE m.session = s.id) AS messages,"
		" (SELECT count(*) FROM archie.sessions c WHERE c.parent = s.id) AS children"
		" FROM archie.sessions s WHERE" FILTER_SQL("s")
		" AND (s.updated >= $4::bigint OR $4 IS NULL) AND (s.created < $5::bigint OR $5 IS NULL)"
		" AND ($6::boolean OR s.parent IS NULL)"
		" ORDER BY s.updated DESC, s.id LIMIT $7::bigint) t";
	struct params p;
	char lim[32];

	filter_params(&p, f);
	p.v[5] = f->children ? "true" : "false";
	snprintf(lim, sizeof(lim), "%d", f->limit > 0 ? f->limit : 1000000);
	p.v[6] = lim;
	p.n = 7;
	return query_json(pg, sql, &p, err);
}

/* Text columns holding JSON, as JSON (as the local reader gives them). */
static void parse_json_columns(json_t *rows)
{
	static const char *const cols[] = { "arguments", "detail", "content" };
	json_t *r;
	size_t i, k;

	json_array_foreach(rows, i, r) {
		for (k = 0; k < sizeof(cols) / sizeof(*cols); k++) {
			const char *t = json_string_value(json_object_get(r, cols[k]));
			json_error_t jerr;
			json_t *v;

			if (t && (v = json_loads(t, JSON_DECODE_ANY, &jerr)))
				json_object_set_new(r, cols[k], v);
		}
	}
}

json_t *pgstore_events(struct pgstore *pg, const struct pgstore_filter *f, struct strbuf *err)
{
	static const char sql[] =
		"SELECT coalesce(json_agg(json_strip_nulls(row_to_json(t))), '[]') FROM ("
		" SELECT e.id, e.session, e.kind, e.ts, e.duration_ms, e.agent, e.parent_agent,"
		" e.tool, e.call_id, e.arguments, e.verdict, e.rule, e.decided_by, e.outcome,"
		" e.exit_code, e.bytes, e.error, e.detail, e.model, e.attempt, e.status, e.ttft_ms,"
		" e.input_tokens, e.output_tokens, e.cache_read_tokens, e.cache_write_tokens,"
		" e.cost, e.reasoning_tokens, s.username AS user, s.host, s.project"
		" FROM archie.events e JOIN archie.sessions s ON s.id = e.session WHERE" FILTER_SQL("s")
		" AND (e.ts >= $4::bigint OR $4 IS NULL) AND (e.ts < $5::bigint OR $5 IS NULL)"
		" AND (left(e.session, length($6)) = $6 OR $6 IS NULL)"
		" AND (e.tool = $7 OR $7 IS NULL)"
		" AND ($8::text IS NULL OR ($8 = 'deny' AND (e.verdict = 'deny' OR e.outcome = 'denied'))"
		"  OR ($8 = 'allow' AND (e.verdict = 'allow' OR (e.verdict = 'ask' AND e.outcome IS DISTINCT FROM 'denied')))"
		"  OR ($8 = 'ask' AND e.verdict = 'ask'))"
		" AND (e.kind = $9 OR $9 IS NULL)"
		" ORDER BY e.ts, e.session, e.src_id LIMIT $10::bigint) t";
	struct params p;
	char lim[32];
	json_t *rows;

	filter_params(&p, f);
	p.v[5] = f->session;
	p.v[6] = f->tool;
	p.v[7] = f->verdict;
	p.v[8] = f->kind;
	snprintf(lim, sizeof(lim), "%d", f->limit > 0 ? f->limit : 100000000);
	p.v[9] = lim;
	p.n = 10;
	rows = query_json(pg, sql, &p, err);
	parse_json_columns(rows);
	return rows;
}

/* Totals grouped by a sessions column (key: its name in the output). */
static json_t *group(struct pgstore *pg, const char *col, const char *key, int limit,
		     const struct params *p, struct strbuf *err)
{
	struct strbuf sql = STRBUF_INIT;
	json_t *rows, *tools, *r, *t;
	size_t i, k;

	/* f: the sessions filtered (the latest `limit` of them, if any) */
	strbuf_addf(&sql,
		"WITH f AS (SELECT * FROM archie.sessions s WHERE" FILTER_SQL("s")
		" AND (s.updated >= $4::bigint OR $4 IS NULL) AND (s.created < $5::bigint OR $5 IS NULL)"
		" ORDER BY s.updated DESC LIMIT %d)"
		" SELECT json_build_object('groups', (SELECT coalesce(json_agg(row_to_json(g)), '[]') FROM ("
		"  SELECT f.%s AS \"%s\", count(DISTINCT f.id) AS sessions,"
		"  count(e.id) FILTER (WHERE e.kind = 'model') AS turns,"
		"  count(e.id) FILTER (WHERE e.kind = 'tool') AS tool_calls,"
		"  count(e.id) FILTER (WHERE e.kind = 'tool' AND e.outcome = 'denied') AS denials,"
		"  coalesce(sum(e.input_tokens), 0) AS input_tokens,"
		"  coalesce(sum(e.output_tokens), 0) AS output_tokens,"
		"  coalesce(sum(e.cache_read_tokens), 0) AS cache_read_tokens,"
		"  coalesce(sum(e.cache_write_tokens), 0) AS cache_write_tokens,"
		"  coalesce(sum(e.reasoning_tokens), 0) AS reasoning_tokens,"
		"  coalesce(sum(e.cost), 0.0) AS cost,"
		"  percentile_disc(0.5) WITHIN GROUP (ORDER BY e.duration_ms)"
		"   FILTER (WHERE e.kind = 'model' AND e.duration_ms IS NOT NULL) AS latency_p50_ms,"
		"  percentile_disc(0.95) WITHIN GROUP (ORDER BY e.duration_ms)"
		"   FILTER (WHERE e.kind = 'model' AND e.duration_ms IS NOT NULL) AS latency_p95_ms,"
		"  max(f.updated) AS updated, min(f.title) AS title, min(f.project) AS project_of"
		"  FROM f LEFT JOIN archie.events e ON e.session = f.id GROUP BY f.%s"
		"  ORDER BY max(f.updated) DESC) g),"
		" 'tools', (SELECT coalesce(json_agg(json_build_array(k, tool, n)), '[]') FROM ("
		"  SELECT f.%s AS k, e.tool, count(*) AS n FROM f JOIN archie.events e ON e.session = f.id"
		"  WHERE e.kind = 'tool' GROUP BY 1, 2 ORDER BY 3 DESC, 2) x))",
		limit > 0 ? limit : 1000000000, col, key, col, col);
	r = query_json(pg, sql.buf, p, err);
	strbuf_release(&sql);
	if (!r)
		return NULL;
	rows = json_incref(json_object_get(r, "groups"));
	tools = json_object_get(r, "tools");
	json_array_foreach(rows, i, t) {
		json_t *by = json_object(), *x;

		json_array_foreach(tools, k, x)
			if (json_equal(json_array_get(x, 0), json_object_get(t, key)))
				json_object_set(by, json_string_value(json_array_get(x, 1)) ?: "?",
						json_array_get(x, 2));
		json_object_set_new(t, "tools", by);
		/* the title and project only mean something per session */
		if (strcmp(key, "id")) {
			json_object_del(t, "title");
			json_object_del(t, "project_of");
		} else {
			json_object_set(t, "project", json_object_get(t, "project_of"));
			json_object_del(t, "project_of");
			json_object_del(t, "sessions");
		}
		json_object_del(t, "updated");
	}
	json_decref(r);
	return rows;
}

json_t *pgstore_stats(struct pgstore *pg, const struct pgstore_filter *f, struct strbuf *err)
{
	static const struct {
		const char *col, *key, *out;
		int limit;
	} groups[] = {
		{ "id", "id", "sessions", 50 },
		{ "project", "project", "projects", 0 },
		{ "username", "user", "users", 0 },
		{ "host", "host", "hosts", 0 },
	};
	json_t *out = json_object();
	struct params p;
	size_t i;

	filter_params(&p, f);
	for (i = 0; i < sizeof(groups) / sizeof(*groups); i++) {
		json_t *g = group(pg, groups[i].col, groups[i].key, groups[i].limit, &p, err);

		if (!g) {
			json_decref(out);
			return NULL;
		}
		json_object_set_new(out, groups[i].out, g);
	}
	return out;
}
