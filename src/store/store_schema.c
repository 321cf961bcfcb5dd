/*
 * store_schema: the local record's schema and its migrations (see
 * store.h: PRAGMA user_version is the schema's version).
 */
#include "store/store_int.h"

#include "core/strbuf.h"

#include <sqlite3.h>
#include <stdio.h>

/*
 * The migrations: migrations[i] takes a database from version i to i + 1.
 * Never edit one that has shipped; add the next.  None may drop data.
 */
static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE sessions ("
	"  id TEXT PRIMARY KEY,"
	"  project TEXT NOT NULL,"
	"  cwd TEXT,"
	"  agent TEXT,"
	"  provider TEXT,"
	"  model TEXT,"
	"  parent TEXT,"
	"  title TEXT,"
	"  created INTEGER NOT NULL,"
	"  updated INTEGER NOT NULL);"
	"CREATE INDEX sessions_project ON sessions(project, updated);"
	"CREATE INDEX sessions_parent ON sessions(parent);"
	"CREATE TABLE messages ("
	"  session TEXT NOT NULL,"
	"  seq INTEGER NOT NULL,"
	"  role TEXT NOT NULL,"
	"  content TEXT NOT NULL,"		/* JSON: [blocks] */
	"  incomplete INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL,"
	"  PRIMARY KEY (session, seq)) WITHOUT ROWID;"
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY,"
	"  session TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"			/* tool, model, route, delegate */
	"  ts INTEGER NOT NULL,"
	"  duration_ms INTEGER,"
	"  agent TEXT, parent_agent TEXT,"
	"  tool TEXT, call_id TEXT, arguments TEXT,"
	"  verdict TEXT, rule TEXT, decided_by TEXT, outcome TEXT,"
	"  exit_code INTEGER, bytes INTEGER, error TEXT, detail TEXT,"
	"  model TEXT, attempt INTEGER, status INTEGER, ttft_ms INTEGER,"
	"  input_tokens INTEGER, output_tokens INTEGER,"
	"  cache_read_tokens INTEGER, cache_write_tokens INTEGER, cost REAL);"
	"CREATE INDEX events_session ON events(session, ts);"
	"CREATE INDEX events_ts ON events(ts);",
	/* 1 -> 2: images, stored once by their content (messages refer to them) */
	"CREATE TABLE blobs (key TEXT PRIMARY KEY, data TEXT NOT NULL);",
	/* 2 -> 3: reasoning tokens, the part of a response's output that was
	 * reasoning (NULL in rows written before) */
	"ALTER TABLE events ADD COLUMN reasoning_tokens INTEGER;",
	/* 3 -> 4: what the agent changed, file by file, to undo it
	 * (src/checkpoint/): prompt is the seq of the user's message the
	 * change answered; before/after are object ids in the project's
	 * shadow repository, '' where the file did not exist */
	"CREATE TABLE checkpoints ("
	"  id INTEGER PRIMARY KEY,"
	"  session TEXT NOT NULL,"
	"  prompt INTEGER NOT NULL,"
	"  prompt_text TEXT,"
	"  ts INTEGER NOT NULL,"
	"  agent TEXT, tool TEXT, call_id TEXT,"
	"  path TEXT NOT NULL,"
	"  before TEXT NOT NULL, after TEXT NOT NULL, before_mode INTEGER,"
	"  undone INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX checkpoints_session ON checkpoints(session, prompt);",
	/* 4 -> 5: the shared record (store/ship.c): who ran a session and
	 * where, and the outbox.  Once sharing is on (a row in ship_on),
	 * triggers note every written row in the outbox, in the same
	 * transaction as the write, so nothing recorded can miss being
	 * shipped; the shipper removes what the team's database has.
	 * AUTOINCREMENT: an outbox id is never reused, so removing a shipped
	 * range can never remove a row written after it was read. */
	"ALTER TABLE sessions ADD COLUMN username TEXT;"
	"ALTER TABLE sessions ADD COLUMN host TEXT;"
	"CREATE TABLE ship_on (one INTEGER PRIMARY KEY CHECK (one = 1));"
	"CREATE TABLE outbox ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  tbl TEXT NOT NULL,"			/* s(essions), m(essages), e(vents) */
	"  session TEXT NOT NULL,"
	"  key INTEGER);"			/* m: the seq; e: the event's id */
	"CREATE TRIGGER outbox_session_new AFTER INSERT ON sessions"
	"  WHEN EXISTS (SELECT 1 FROM ship_on)"
	"  BEGIN INSERT INTO outbox (tbl, session) VALUES ('s', NEW.id); END;"
	"CREATE TRIGGER outbox_session_update AFTER UPDATE ON sessions"
	"  WHEN EXISTS (SELECT 1 FROM ship_on)"
	"  BEGIN INSERT INTO outbox (tbl, session) VALUES ('s', NEW.id); END;"
	"CREATE TRIGGER outbox_message_new AFTER INSERT ON messages"
	"  WHEN EXISTS (SELECT 1 FROM ship_on)"
	"  BEGIN INSERT INTO outbox (tbl, session, key) VALUES ('m', NEW.session, NEW.seq); END;"
	"CREATE TRIGGER outbox_message_gone AFTER DELETE ON messages"
	"  WHEN EXISTS (SELECT 1 FROM ship_on)"
	"  BEGIN INSERT INTO outbox (tbl, session, key) VALUES ('m', OLD.session, OLD.seq); END;"
	"CREATE TRIGGER outbox_event_new AFTER INSERT ON events"
	"  WHEN EXISTS (SELECT 1 FROM ship_on)"
	"  BEGIN INSERT INTO outbox (tbl, session, key) VALUES ('e', NEW.session, NEW.id); END;",
};

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(*migrations)))

_Static_assert(NMIGRATIONS == STORE_SCHEMA_VERSION,
	       "a migration per schema version");

static int user_version(sqlite3 *db)
{
	sqlite3_stmt *s;
	int v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* Brings the schema to STORE_SCHEMA_VERSION, each step in a transaction
 * taken with the write lock, so two processes opening a new database at
 * once migrate it once. */
int store_migrate(sqlite3 *db, struct strbuf *err)
{
	struct strbuf e = STRBUF_INIT;
	int v, rc = -1;

	if (store_exec(db, "BEGIN IMMEDIATE", &e))
		goto out;
	v = user_version(db);
	if (v < 0) {
		strbuf_seterr(&e, "cannot read the schema version: %s", sqlite3_errmsg(db));
		goto rollback;
	}
	if (v > STORE_SCHEMA_VERSION) {
		strbuf_seterr(&e, "the database has schema version %d, newer than this archie knows (%d); upgrade archie, or use another --state-dir",
			      v, STORE_SCHEMA_VERSION);
		goto rollback;
	}
	for (; v < STORE_SCHEMA_VERSION; v++) {
		char pragma[64];

		if (store_exec(db, migrations[v], &e))
			goto rollback;
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v + 1);
		if (store_exec(db, pragma, &e))
			goto rollback;
	}
	if (store_exec(db, "COMMIT", &e))
		goto rollback;
	rc = 0;
	goto out;
rollback:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
out:
	if (rc)
		strbuf_seterr(err, "%s", e.buf);
	strbuf_release(&e);
	return rc;
}
