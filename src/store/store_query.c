/*
 * store_query: reading the record back for people: finding a session by
 * a prefix of its id, listing sessions, the audit trail's events with
 * filters, and statistics.  See store.h; writing (and loading a
 * conversation to resume) is store.c's.
 */
#include "store/store_int.h"

#include "core/strbuf.h"
#include "core/utf8.h"
#include "core/xalloc.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

/* Columns that hold JSON text come back as JSON. */
static int json_column(const char *name)
{
	return !strcmp(name, "content") || !strcmp(name, "detail") || !strcmp(name, "arguments");
}

json_t *store_row_json(sqlite3_stmt *s, int parse)
{
	json_t *o = json_object();
	int i, n = sqlite3_column_count(s);

	for (i = 0; i < n; i++) {
		const char *name = sqlite3_column_name(s, i);
		json_t *v = NULL;

		switch (sqlite3_column_type(s, i)) {
		case SQLITE_INTEGER:
			v = json_integer(sqlite3_column_int64(s, i));
			break;
		case SQLITE_FLOAT:
			v = json_real(sqlite3_column_double(s, i));
			break;
		case SQLITE_TEXT: {
			const char *t = (const char *)sqlite3_column_text(s, i);
			json_error_t jerr;

			if (parse && json_column(name))
				v = json_loads(t, JSON_DECODE_ANY, &jerr);
			if (!v)
				v = json_string(t);
			if (!v) {
				/* not UTF-8 (a path in another encoding): made
				 * valid, never dropped (the team's record needs
				 * every NOT NULL column) */
				char *fixed = utf8_lossy_dup(t, strlen(t));

				v = json_string(fixed);
				free(fixed);
			}
			break;
		}
		default:
			break;
		}
		if (v)
			json_object_set_new(o, name, v);
	}
	return o;
}

/* All rows of a prepared statement (finalized here). */
json_t *store_rows_json(sqlite3_stmt *s)
{
	json_t *a = json_array();

	while (sqlite3_step(s) == SQLITE_ROW)
		json_array_append_new(a, store_row_json(s, 1));
	sqlite3_finalize(s);
	return a;
}

int store_find_session(struct store *st, const char *ref, const char *project,
		       struct strbuf *out, struct strbuf *err)
{
	sqlite3_stmt *s;
	int n = 0;

	if (!st->db)
		return strbuf_seterr(err, "no session database");
	if (!ref) {
		s = store_prepare(st, project
			    ? "SELECT id FROM sessions WHERE project = ?1 AND parent IS NULL ORDER BY updated DESC, rowid DESC LIMIT 1"
			    : "SELECT id FROM sessions WHERE parent IS NULL ORDER BY updated DESC, rowid DESC LIMIT 1");
		if (!s)
			return strbuf_seterr(err, "%s", sqlite3_errmsg(st->db));
		if (project)
			sqlite3_bind_text(s, 1, project, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(s) == SQLITE_ROW) {
			strbuf_addstr(out, (const char *)sqlite3_column_text(s, 0));
			n = 1;
		}
		sqlite3_finalize(s);
		if (!n)
			return strbuf_seterr(err, "no session to continue in %s ('archie sessions list' shows the recorded ones)",
					     project ? project : "any project");
		return 0;
	}
	s = store_prepare(st, "SELECT id FROM sessions WHERE id = ?1 UNION ALL"
			" SELECT id FROM sessions WHERE id != ?1 AND substr(id, 1, length(?1)) = ?1 LIMIT 3");
	if (!s)
		return strbuf_seterr(err, "%s", sqlite3_errmsg(st->db));
	sqlite3_bind_text(s, 1, ref, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(s, 0);

		if (n == 0)
			strbuf_addstr(out, id);
		if (!strcmp(id, ref)) {
			n = 1;
			strbuf_reset(out);
			strbuf_addstr(out, id);
			break;
		}
		n++;
	}
	sqlite3_finalize(s);
	if (n == 1)
		return 0;
	strbuf_reset(out);
	if (!n)
		return strbuf_seterr(err, "no session '%s' ('archie sessions list' shows the recorded ones)", ref);
	return strbuf_seterr(err, "'%s' names more than one session; give more of its id", ref);
}

json_t *store_session_row(struct store *st, const char *id)
{
	sqlite3_stmt *s;
	json_t *o;

	if (!st->db || !(s = store_prepare(st, "SELECT * FROM sessions WHERE id = ?")))
		return NULL;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
	o = sqlite3_step(s) == SQLITE_ROW ? store_row_json(s, 1) : NULL;
	sqlite3_finalize(s);
	return o;
}

json_t *store_sessions(struct store *st, const char *project, int limit, int children)
{
	sqlite3_stmt *s;

	s = store_prepare(st, "SELECT s.id, s.project, s.agent, s.model, s.parent, s.title,"
			" s.created, s.updated,"
			" (SELECT count(*) FROM messages m WHERE m.session = s.id) AS messages,"
			" (SELECT count(*) FROM sessions c WHERE c.parent = s.id) AS children"
			" FROM sessions s WHERE (?1 IS NULL OR s.project = ?1)"
			" AND (?3 OR s.parent IS NULL)"
			" ORDER BY s.updated DESC, s.rowid DESC LIMIT ?2");
	if (!s)
		return json_array();
	if (project)
		sqlite3_bind_text(s, 1, project, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 2, limit > 0 ? limit : -1);
	sqlite3_bind_int(s, 3, children);
	return store_rows_json(s);
}

json_t *store_session_dump(struct store *st, const char *id)
{
	struct store_filter f;
	sqlite3_stmt *s;
	json_t *o;

	o = store_session_row(st, id);
	if (!o)
		return NULL;
	s = store_prepare(st, "SELECT seq, role, content, incomplete, created FROM messages"
			" WHERE session = ? ORDER BY seq");
	if (s) {
		sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
		json_object_set_new(o, "messages", store_rows_json(s));
	}
	memset(&f, 0, sizeof(f));
	f.session = id;
	json_object_set_new(o, "events", store_events(st, &f));
	return o;
}

json_t *store_events(struct store *st, const struct store_filter *f)
{
	sqlite3_stmt *s;

	s = store_prepare(st, "SELECT * FROM events WHERE (?1 IS NULL OR session = ?1)"
			" AND ts >= ?2 AND (?3 IS NULL OR tool = ?3)"
			/* the verdict that stood, not only the policy's: a call the
			 * user refused at the prompt is a deny, one approved an allow */
			" AND (?4 IS NULL OR (?4 = 'deny' AND (verdict = 'deny' OR outcome = 'denied'))"
			"  OR (?4 = 'allow' AND (verdict = 'allow' OR (verdict = 'ask' AND outcome != 'denied')))"
			"  OR (?4 = 'ask' AND verdict = 'ask'))"
			" AND (?5 IS NULL OR kind = ?5)"
			" ORDER BY ts, id LIMIT ?6");
	if (!s)
		return json_array();
	if (f->session)
		sqlite3_bind_text(s, 1, f->session, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, f->since_ms);
	if (f->tool)
		sqlite3_bind_text(s, 3, f->tool, -1, SQLITE_TRANSIENT);
	if (f->verdict)
		sqlite3_bind_text(s, 4, f->verdict, -1, SQLITE_TRANSIENT);
	if (f->kind)
		sqlite3_bind_text(s, 5, f->kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 6, f->limit > 0 ? f->limit : -1);
	return store_rows_json(s);
}

/* The q-quantile (0..1) of the model latencies of a group, nearest
 * rank. */
static json_t *latency_quantile(struct store *st, const char *col, const char *key, double q)
{
	struct strbuf sql = STRBUF_INIT;
	sqlite3_stmt *s;
	json_t *v = json_null();

	strbuf_addf(&sql, "SELECT duration_ms FROM events e JOIN sessions s ON s.id = e.session"
			  " WHERE e.kind = 'model' AND e.duration_ms IS NOT NULL AND %s = ?1"
			  " ORDER BY duration_ms LIMIT 1 OFFSET (SELECT max(0, CAST(round(?2 * count(*) + 0.4999) AS INTEGER) - 1)"
			  " FROM events e JOIN sessions s ON s.id = e.session"
			  " WHERE e.kind = 'model' AND e.duration_ms IS NOT NULL AND %s = ?1)", col, col);
	s = store_prepare(st, sql.buf);
	strbuf_release(&sql);
	if (!s)
		return v;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(s, 2, q);
	if (sqlite3_step(s) == SQLITE_ROW) {
		json_decref(v);
		v = json_integer(sqlite3_column_int64(s, 0));
	}
	sqlite3_finalize(s);
	return v;
}

/* Totals of a group (a session or a project). */
static json_t *group_stats(struct store *st, const char *col, const char *key)
{
	struct strbuf sql = STRBUF_INIT;
	sqlite3_stmt *s;
	json_t *o = json_object(), *by;

	strbuf_addf(&sql, "SELECT count(DISTINCT s.id) AS sessions,"
			  " sum(e.kind = 'model') AS turns, sum(e.kind = 'tool') AS tool_calls,"
			  " sum(e.kind = 'tool' AND e.outcome = 'denied') AS denials,"
			  " coalesce(sum(e.input_tokens), 0) AS input_tokens,"
			  " coalesce(sum(e.output_tokens), 0) AS output_tokens,"
			  " coalesce(sum(e.cache_read_tokens), 0) AS cache_read_tokens,"
			  " coalesce(sum(e.cache_write_tokens), 0) AS cache_write_tokens,"
			  " coalesce(sum(e.reasoning_tokens), 0) AS reasoning_tokens,"
			  " coalesce(sum(e.cost), 0.0) AS cost"
			  " FROM sessions s LEFT JOIN events e ON e.session = s.id WHERE %s = ?1", col);
	s = store_prepare(st, sql.buf);
	if (s) {
		sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(s) == SQLITE_ROW) {
			json_decref(o);
			o = store_row_json(s, 1);
		}
		sqlite3_finalize(s);
	}
	strbuf_reset(&sql);
	strbuf_addf(&sql, "SELECT e.tool, count(*) FROM events e JOIN sessions s ON s.id = e.session"
			  " WHERE e.kind = 'tool' AND %s = ?1 GROUP BY e.tool ORDER BY 2 DESC, 1", col);
	by = json_object();
	s = store_prepare(st, sql.buf);
	if (s) {
		sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
		while (sqlite3_step(s) == SQLITE_ROW)
			json_object_set_new(by, (const char *)sqlite3_column_text(s, 0),
					    json_integer(sqlite3_column_int64(s, 1)));
		sqlite3_finalize(s);
	}
	strbuf_release(&sql);
	json_object_set_new(o, "tools", by);
	json_object_set_new(o, "latency_p50_ms", latency_quantile(st, col, key, 0.5));
	json_object_set_new(o, "latency_p95_ms", latency_quantile(st, col, key, 0.95));
	return o;
}

json_t *store_stats(struct store *st, const char *project)
{
	json_t *out = json_object(), *sessions = json_array(), *projects = json_array();
	sqlite3_stmt *s;

	s = store_prepare(st, "SELECT id, project, title FROM sessions WHERE (?1 IS NULL OR project = ?1)"
			" ORDER BY updated DESC LIMIT 50");
	if (s) {
		if (project)
			sqlite3_bind_text(s, 1, project, -1, SQLITE_TRANSIENT);
		while (sqlite3_step(s) == SQLITE_ROW) {
			const char *id = (const char *)sqlite3_column_text(s, 0);
			json_t *g = group_stats(st, "s.id", id);

			json_object_del(g, "sessions");
			json_object_set_new(g, "id", json_string(id));
			json_object_set_new(g, "project", json_string((const char *)sqlite3_column_text(s, 1)));
			if (sqlite3_column_text(s, 2))
				json_object_set_new(g, "title", json_string((const char *)sqlite3_column_text(s, 2)));
			json_array_append_new(sessions, g);
		}
		sqlite3_finalize(s);
	}
	s = store_prepare(st, "SELECT DISTINCT project FROM sessions WHERE (?1 IS NULL OR project = ?1) ORDER BY project");
	if (s) {
		if (project)
			sqlite3_bind_text(s, 1, project, -1, SQLITE_TRANSIENT);
		while (sqlite3_step(s) == SQLITE_ROW) {
			const char *p = (const char *)sqlite3_column_text(s, 0);
			json_t *g = group_stats(st, "s.project", p);

			json_object_set_new(g, "project", json_string(p));
			json_array_append_new(projects, g);
		}
		sqlite3_finalize(s);
	}
	json_object_set_new(out, "sessions", sessions);
	json_object_set_new(out, "projects", projects);
	return out;
}
