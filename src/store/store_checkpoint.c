/*
 * store_checkpoint: the record of what the agent changed, file by file,
 * so it can be undone (src/checkpoint/ keeps the contents), and pruning
 * sessions with everything recorded of them.  See store.h.
 */
#include "store/store_int.h"

#include "core/strbuf.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

int store_change_add(struct store *st, const struct store_change *c)
{
	sqlite3_stmt *s = store_prepare(st,
		"INSERT INTO checkpoints (session, prompt, prompt_text, ts, agent, tool, call_id,"
		" path, before, after, before_mode) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, c->session, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, c->prompt);
	sqlite3_bind_text(s, 3, c->prompt_text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, c->ts);
	sqlite3_bind_text(s, 5, c->agent, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, c->tool, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, c->call_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, c->path, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, c->before, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 10, c->after, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 11, c->before_mode);
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(s);
	return rc;
}

json_t *store_changes(struct store *st, const char *session)
{
	sqlite3_stmt *s = store_prepare(st,
		"SELECT prompt, prompt_text, ts, agent, tool, call_id, path, before, after,"
		" before_mode, undone FROM checkpoints WHERE session = ?1 ORDER BY prompt, id");

	if (s)
		sqlite3_bind_text(s, 1, session, -1, SQLITE_STATIC);
	return s ? store_rows_json(s) : json_array();
}

int store_changes_undone(struct store *st, const char *session, long from)
{
	sqlite3_stmt *s = store_prepare(st,
		"UPDATE checkpoints SET undone = 1 WHERE session = ?1 AND prompt >= ?2");
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, session, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, from);
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(s);
	return rc;
}

json_t *store_change_sessions(struct store *st, const char *project, int limit)
{
	sqlite3_stmt *s = store_prepare(st,
		"SELECT c.session AS session, s.title AS title, s.updated AS updated,"
		" COUNT(DISTINCT c.prompt) AS prompts, COUNT(DISTINCT c.path) AS files,"
		" SUM(c.undone = 0) AS pending"
		" FROM checkpoints c JOIN sessions s ON s.id = c.session"
		" WHERE s.project = ?1 GROUP BY c.session ORDER BY s.updated DESC LIMIT ?2");

	if (s) {
		sqlite3_bind_text(s, 1, project, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 2, limit > 0 ? limit : 20);
	}
	return s ? store_rows_json(s) : json_array();
}

int store_prune(struct store *st, long long before_ms, struct strbuf *err)
{
	static const char *const sql[] = {
		"DELETE FROM messages WHERE session IN (SELECT id FROM sessions WHERE updated < ?1)",
		"DELETE FROM events WHERE session IN (SELECT id FROM sessions WHERE updated < ?1)",
		"DELETE FROM checkpoints WHERE session IN (SELECT id FROM sessions WHERE updated < ?1)",
		"DELETE FROM sessions WHERE updated < ?1",
	};
	struct strbuf e = STRBUF_INIT;
	int n = 0;
	size_t i;

	if (store_exec(st->db, "BEGIN IMMEDIATE", &e))
		goto fail;
	for (i = 0; i < sizeof(sql) / sizeof(*sql); i++) {
		sqlite3_stmt *s = store_prepare(st, sql[i]);

		if (!s) {
			strbuf_seterr(&e, "%s", sqlite3_errmsg(st->db));
			goto rollback;
		}
		sqlite3_bind_int64(s, 1, before_ms);
		if (sqlite3_step(s) != SQLITE_DONE) {
			strbuf_seterr(&e, "%s", sqlite3_errmsg(st->db));
			sqlite3_finalize(s);
			goto rollback;
		}
		n = sqlite3_changes(st->db);
		sqlite3_finalize(s);
	}
	if (store_exec(st->db, "COMMIT", &e))
		goto rollback;
	strbuf_release(&e);
	return n;
rollback:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
fail:
	strbuf_seterr(err, "cannot prune %s: %s", st->path, e.buf);
	strbuf_release(&e);
	return -1;
}
