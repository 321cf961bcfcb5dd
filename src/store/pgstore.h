/*
 * pgstore: the team's shared record, in PostgreSQL.
 *
 * Every archie writes its own sessions to its local SQLite record first
 * (store.h); with `store: {url: ...}` in the user's config (or
 * ARCHIE_STORE_URL) the shipper (ship.h) copies them here, and `archie
 * audit`, `sessions list --all` and `stats --all` read the team's record
 * from here.  The tables live in the schema `archie`: sessions, messages
 * and events, as in SQLite, plus who wrote each row (owner, the
 * PostgreSQL role: row-level security keeps a user to their own rows
 * unless they are a member of archie_auditor; see docs/team.md).
 *
 * Rows arrive already redacted (they are copies of the local record's).
 * Shipping is idempotent: an event is keyed by its session and its local
 * id, a message by its session and seq, so a batch shipped twice (a crash
 * between the commit here and the local bookkeeping) lands once.
 *
 * Connections: any libpq URI or key=value string.  TLS by default: a TCP
 * host gets sslmode=require (prefer for a loopback address) unless the
 * string says otherwise; a Unix socket needs none.  Passwords come from
 * the string, PGPASSWORD or ~/.pgpass, and never appear in messages.
 *
 * Ownership: a pgstore owns its connection; one per thread.
 */
#ifndef ARCHIE_PGSTORE_H
#define ARCHIE_PGSTORE_H

#include "core/strbuf.h"

#include <jansson.h>

#define PGSTORE_SCHEMA_VERSION 1

struct pgstore {
	void *conn;			/* PGconn * */
	char *where;			/* user@host:port/db, for messages (no password) */
	int tls;			/* the connection is encrypted */
};

/* Connects and brings the schema up to date (creating it under an
 * advisory lock when this role may; otherwise it must be there: see
 * pgstore_setup_sql).  0, or -1 with err (what failed and the fix). */
int pgstore_connect(struct pgstore *pg, const char *url, struct strbuf *err);
void pgstore_close(struct pgstore *pg);

/* The password a connection string holds, if any, appended to out (for
 * the redactor: it must never reach the record or a message). */
struct strvec;
void pgstore_secrets(const char *url, struct strvec *out);

/* user@host:port/db of a connection string (no password), in out. */
void pgstore_describe(const char *url, struct strbuf *out);

/*
 * Ships rows in one transaction: sessions (upserted), messages (upserted
 * by session and seq), message keys to delete ([{session, seq}]), events
 * (inserted once by session and src_id).  Each is a JSON array of row
 * objects as the local tables hold them (events with src_id for the local
 * id).  0, or -1 with err (nothing shipped).
 */
int pgstore_ship(struct pgstore *pg, json_t *sessions, json_t *messages,
		 json_t *gone, json_t *events, struct strbuf *err);

/* What the team's record is filtered by; NULL / 0: no filter. */
struct pgstore_filter {
	const char *user, *host, *project, *session;
	long long since_ms, until_ms;
	const char *tool, *verdict, *kind;	/* events */
	int limit;
	int children;			/* sessions: subagents' too */
};

/* The rows, in the shapes store.h's readers give (store_sessions,
 * store_events, store_stats; sessions and stats also by user and host).
 * NULL with err on failure. */
json_t *pgstore_sessions(struct pgstore *pg, const struct pgstore_filter *f, struct strbuf *err);
json_t *pgstore_events(struct pgstore *pg, const struct pgstore_filter *f, struct strbuf *err);
json_t *pgstore_stats(struct pgstore *pg, const struct pgstore_filter *f, struct strbuf *err);

/* The SQL an administrator runs once to set a team up: the schema, the
 * roles archie_user and archie_auditor, grants and row-level security.
 * A static string. */
const char *pgstore_setup_sql(void);

#endif
