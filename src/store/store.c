/*
 * store: see store.h.
 */
#include "store/store_int.h"

#include "core/clock.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "provider/conv.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int flush_pending(struct store *st);

void store_default_dir(const char *dir, struct strbuf *out)
{
	const char *e;

	if (dir && *dir) {
		strbuf_addstr(out, dir);
		return;
	}
	if ((e = getenv("ARCHIE_STATE_DIR")) && *e) {
		strbuf_addstr(out, e);
		return;
	}
	if ((e = getenv("XDG_STATE_HOME")) && *e == '/') {
		strbuf_addf(out, "%s/archie", e);
		return;
	}
	e = getenv("HOME");
	strbuf_addf(out, "%s/.local/state/archie", e && *e ? e : ".");
}

/* mkdir -p, the last component 0700 (and made 0700 if it was not). */
static int make_state_dir(const char *dir, struct strbuf *err)
{
	struct strbuf p = STRBUF_INIT;
	struct stat st;
	size_t i;
	int rc = -1;

	strbuf_addstr(&p, dir);
	for (i = 1; i <= p.len; i++) {
		if (i < p.len && p.buf[i] != '/')
			continue;
		p.buf[i] = '\0';
		if (mkdir(p.buf, i == p.len ? 0700 : 0755) && errno != EEXIST) {
			strbuf_seterr(err, "cannot create the state directory %s: %s (set --state-dir or ARCHIE_STATE_DIR to a writable place)",
				      p.buf, strerror(errno));
			goto out;
		}
		if (i < p.len)
			p.buf[i] = '/';
	}
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		strbuf_seterr(err, "the state directory %s is not a directory", dir);
		goto out;
	}
	if ((st.st_mode & 077) && chmod(dir, 0700))
		log_warn("store", "cannot make %s private: %s", dir, strerror(errno));
	rc = 0;
out:
	strbuf_release(&p);
	return rc;
}

int store_exec(sqlite3 *db, const char *sql, struct strbuf *err)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		strbuf_seterr(err, "%s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int store_open(struct store *st, const char *dir, struct strbuf *err)
{
	struct strbuf d = STRBUF_INIT, e = STRBUF_INIT;
	sqlite3 *db = NULL;
	struct stat sb;
	int fd, rc = -1;

	memset(st, 0, sizeof(*st));
	strbuf_init(&st->error, 4096);
	redact_init(&st->red);
	store_default_dir(dir, &d);
	if (make_state_dir(d.buf, err))
		goto out;
	strbuf_addstr(&d, "/archie.db");
	st->path = strbuf_detach(&d, NULL);
	/* create it ourselves so it is 0600 from the start; SQLite gives
	 * the -wal and -shm files the same mode.  Only when it is missing:
	 * closing a descriptor drops every POSIX lock this process holds on
	 * the file, and another connection of ours (a subagent's, the
	 * shipper's, another hosted session's) may hold SQLite's */
	if (stat(st->path, &sb)) {
		fd = open(st->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0) {
			strbuf_seterr(err, "cannot open %s: %s", st->path, strerror(errno));
			goto out;
		}
		if (fchmod(fd, 0600))
			log_warn("store", "cannot make %s private: %s", st->path, strerror(errno));
		close(fd);
	} else if ((sb.st_mode & 077) && chmod(st->path, 0600)) {
		log_warn("store", "cannot make %s private: %s", st->path, strerror(errno));
	}
	if (sqlite3_open_v2(st->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		strbuf_seterr(err, "cannot open the session database %s: %s", st->path,
			      db ? sqlite3_errmsg(db) : "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(db, 10000);
	if (store_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
			 " PRAGMA foreign_keys=ON", &e) || store_migrate(db, &e)) {
		strbuf_seterr(err, "the session database %s: %s", st->path, e.buf);
		goto out;
	}
	st->db = db;
	db = NULL;
	rc = 0;
out:
	if (db)
		sqlite3_close(db);
	strbuf_release(&d);
	strbuf_release(&e);
	if (rc)
		store_close(st);
	return rc;
}

int store_open_sibling(struct store *st, const struct store *like, struct strbuf *err)
{
	struct strbuf dir = STRBUF_INIT;
	const char *slash = strrchr(like->path, '/');
	size_t i;
	int rc;

	strbuf_add(&dir, like->path, slash ? (size_t)(slash - like->path) : 0);
	rc = store_open(st, dir.len ? dir.buf : ".", err);
	strbuf_release(&dir);
	if (rc)
		return -1;
	/* the configured keys (the environment's are there already; adding
	 * ignores duplicates) */
	for (i = 0; i < like->red.values.nr; i++)
		redact_add_value(&st->red, like->red.values.v[i]);
	return 0;
}

void store_close(struct store *st)
{
	if (st->db) {
		if (st->pending && json_array_size(st->pending) && flush_pending(st))
			log_warn("store", "%zu audit events could not be written to %s before exit",
				 json_array_size(st->pending), st->path);
		while (st->stmts_nr)
			sqlite3_finalize(st->stmts[--st->stmts_nr].stmt);
		sqlite3_close(st->db);
	}
	json_decref(st->pending);
	free(st->path);
	redact_release(&st->red);
	strbuf_release(&st->error);
	memset(st, 0, sizeof(*st));
}

/* A write failed: say so once per failure spell; the next success clears
 * it. */
static int write_failed(struct store *st, const char *what)
{
	if (!st->failing)
		log_warn("store", "cannot record %s in %s: %s; the session goes on in memory and recording resumes when the disk is back",
			 what, st->path, sqlite3_errmsg(st->db));
	st->failing = 1;
	strbuf_reset(&st->error);
	strbuf_addf(&st->error, "cannot record %s: %s", what, sqlite3_errmsg(st->db));
	return -1;
}

static int write_ok(struct store *st)
{
	if (st->failing)
		log_info("store", "recording to %s works again", st->path);
	st->failing = 0;
	return 0;
}

/* Binds a string redacted (NULL stays NULL). */
static void bind_redacted(struct store *st, sqlite3_stmt *s, int i, const char *text)
{
	if (!text) {
		sqlite3_bind_null(s, i);
		return;
	}
	sqlite3_bind_text(s, i, redact_dup(&st->red, text), -1, free);
}

/* Every string in j, redacted in place. */
static void redact_json(struct store *st, json_t *j)
{
	const char *k;
	json_t *v;
	size_t i;

	if (json_is_object(j)) {
		json_object_foreach(j, k, v) {
			if (json_is_string(v)) {
				char *r = redact_dup(&st->red, json_string_value(v));

				/* a secret-named key hides its whole value */
				if (redact_name_is_secret(k, strlen(k)) && *r &&
				    strlen(json_string_value(v)) >= 4) {
					free(r);
					r = xstrdup(REDACTED);
				}
				json_object_set_new(j, k, json_string(r));
				free(r);
			} else {
				redact_json(st, v);
			}
		}
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v) {
			if (json_is_string(v)) {
				char *r = redact_dup(&st->red, json_string_value(v));

				json_array_set_new(j, i, json_string(r));
				free(r);
			} else {
				redact_json(st, v);
			}
		}
	}
}

/* j dumped after redaction (caller frees with free()). */
static char *redacted_dump(struct store *st, json_t *j)
{
	redact_json(st, j);
	return json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
}

sqlite3_stmt *store_prepare(struct store *st, const char *sql)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return NULL;
	return s;
}

/* The statement for sql, prepared once a connection and kept (a turn
 * runs the same few: preparing them again each time was a tenth of a
 * turn's CPU), reset and unbound.  NULL if it does not prepare. */
static sqlite3_stmt *cached(struct store *st, const char *sql)
{
	sqlite3_stmt *s = NULL;
	size_t i;

	for (i = 0; i < st->stmts_nr; i++)
		if (st->stmts[i].sql == sql)
			return st->stmts[i].stmt;
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK)
		return NULL;
	if (st->stmts_nr < sizeof(st->stmts) / sizeof(*st->stmts)) {
		st->stmts[st->stmts_nr].sql = sql;
		st->stmts[st->stmts_nr].stmt = s;
		st->stmts_nr++;
	}
	return s;
}

/* Steps a statement: a cached one is reset and unbound for its next use,
 * another finalized.  The step's result code. */
static int step_once(struct store *st, sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);
	size_t i;

	for (i = 0; i < st->stmts_nr; i++)
		if (st->stmts[i].stmt == s) {
			sqlite3_reset(s);
			sqlite3_clear_bindings(s);
			return rc;
		}
	sqlite3_finalize(s);
	return rc;
}

/* PRAGMA synchronous for the next commits (FULL: a synced commit). */
static void set_synchronous(struct store *st, int full)
{
	static const char full_sql[] = "PRAGMA synchronous=FULL";
	static const char normal_sql[] = "PRAGMA synchronous=NORMAL";
	sqlite3_stmt *s = cached(st, full ? full_sql : normal_sql);

	if (s)
		step_once(st, s);
}

static int step_done(struct store *st, sqlite3_stmt *s, const char *what)
{
	if (step_once(st, s) != SQLITE_DONE)
		return write_failed(st, what);
	return write_ok(st);
}

/* The user a session runs as (the account's name: $USER can say
 * anything) and the machine's name, for the team's record. */
static void who_and_where(char *user, size_t un, char *host, size_t hn)
{
	struct passwd pw, *res = NULL;
	char buf[1024];

	if (!getpwuid_r(getuid(), &pw, buf, sizeof(buf), &res) && res)
		snprintf(user, un, "%s", pw.pw_name);
	else
		snprintf(user, un, "uid%u", (unsigned)getuid());
	if (gethostname(host, hn))
		snprintf(host, hn, "unknown");
	host[hn - 1] = '\0';
}

int store_session_begin(struct store *st, const struct store_session *ss)
{
	char user[256], host[256];
	sqlite3_stmt *s;
	long long now = clock_wall_ms();

	if (!st->db)
		return -1;
	s = store_prepare(st, "INSERT OR IGNORE INTO sessions (id, project, cwd, agent, provider, model,"
			" parent, title, created, updated, username, host) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
	if (!s)
		return write_failed(st, "the session");
	who_and_where(user, sizeof(user), host, sizeof(host));
	sqlite3_bind_text(s, 1, ss->id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, ss->project, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, ss->cwd, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 4, ss->agent, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 5, ss->provider, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 6, ss->model, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 7, ss->parent, -1, SQLITE_TRANSIENT);
	bind_redacted(st, s, 8, ss->title);
	sqlite3_bind_int64(s, 9, now);
	sqlite3_bind_int64(s, 10, now);
	sqlite3_bind_text(s, 11, user, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 12, host, -1, SQLITE_TRANSIENT);
	return step_done(st, s, "the session");
}

/* ---- images, stored once ---------------------------------------------------- */

/* A key for data: FNV-1a 64 of it and its length (checked against what is
 * stored under it, so a collision gets a key of its own). */
static void blob_key(const char *data, int round, char *key, size_t n)
{
	unsigned long long h = 1469598103934665603ULL;
	const unsigned char *p;

	for (p = (const unsigned char *)data; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	snprintf(key, n, "fnv1a64-%016llx-%zu%s%.0d", h, strlen(data), round ? "-" : "", round);
}

/* Moves the data of content's image blocks into blobs (each image once,
 * whatever the messages holding it), leaving {"blob": key}. */
static void blobs_out(struct store *st, json_t *content)
{
	static const char get_sql[] = "SELECT data FROM blobs WHERE key = ?";
	static const char put_sql[] = "INSERT OR IGNORE INTO blobs (key, data) VALUES (?, ?)";
	json_t *b;
	size_t i;

	json_array_foreach(content, i, b) {
		const char *data = json_string_value(json_object_get(b, "data"));
		char key[96];
		int round;

		if (!data || strcmp(json_string_value(json_object_get(b, "type")) ?: "", "image"))
			continue;
		for (round = 0; round < 8; round++) {
			sqlite3_stmt *s = cached(st, get_sql);
			int same = -1;

			blob_key(data, round, key, sizeof(key));
			if (!s)
				return;
			sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
			if (sqlite3_step(s) == SQLITE_ROW)
				same = !strcmp((const char *)sqlite3_column_text(s, 0), data);
			sqlite3_reset(s);
			sqlite3_clear_bindings(s);
			if (same == 1)
				break;
			if (same == 0)
				continue;	/* another image under this key */
			s = cached(st, put_sql);
			if (!s)
				return;
			sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(s, 2, data, -1, SQLITE_STATIC);
			step_once(st, s);
			break;
		}
		json_object_set_new(b, "blob", json_string(key));
		json_object_del(b, "data");
	}
}

/* The other way: blocks that refer to a blob get its data back. */
static void blobs_in(struct store *st, json_t *content)
{
	json_t *b;
	size_t i;

	json_array_foreach(content, i, b) {
		const char *key = json_string_value(json_object_get(b, "blob"));
		sqlite3_stmt *s;

		if (!key || !(s = store_prepare(st, "SELECT data FROM blobs WHERE key = ?")))
			continue;
		sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(s) == SQLITE_ROW)
			json_object_set_new(b, "data",
					    json_string((const char *)sqlite3_column_text(s, 0)));
		sqlite3_finalize(s);
		json_object_del(b, "blob");
	}
}

int store_message(struct store *st, const char *session, long seq,
		  const struct conv_msg *m, int incomplete)
{
	static const char sql[] = "INSERT OR REPLACE INTO messages (session, seq, role, content,"
				  " incomplete, created) VALUES (?,?,?,?,?,?)";
	sqlite3_stmt *s;
	json_t *j;
	char *content;

	if (!st->db)
		return -1;
	s = cached(st, sql);
	if (!s)
		return write_failed(st, "a message");
	j = conv_msg_to_json(m);
	/* images first: stored once, and never through the redactor, whose
	 * patterns could match inside base64 */
	blobs_out(st, json_object_get(j, "content"));
	content = redacted_dump(st, json_object_get(j, "content"));
	json_decref(j);
	sqlite3_bind_text(s, 1, session, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, seq);
	sqlite3_bind_text(s, 3, m->role == CONV_USER ? "user" : "assistant", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, content, -1, free);
	sqlite3_bind_int(s, 5, incomplete);
	sqlite3_bind_int64(s, 6, clock_wall_ms());
	return step_done(st, s, "a message");
}

/* The columns of an event row, in the order of the insert below. */
static const char *const event_cols[] = {
	"session", "kind", "ts", "duration_ms", "agent", "parent_agent", "tool",
	"call_id", "arguments", "verdict", "rule", "decided_by", "outcome",
	"exit_code", "bytes", "error", "detail", "model", "attempt", "status",
	"ttft_ms", "input_tokens", "output_tokens", "cache_read_tokens",
	"cache_write_tokens", "cost", "reasoning_tokens",
};
#define NEVENT_COLS (sizeof(event_cols) / sizeof(*event_cols))

static const char insert_event_sql[] =
	"INSERT INTO events (session, kind, ts, duration_ms, agent, parent_agent, tool,"
	" call_id, arguments, verdict, rule, decided_by, outcome, exit_code, bytes, error,"
	" detail, model, attempt, status, ttft_ms, input_tokens, output_tokens,"
	" cache_read_tokens, cache_write_tokens, cost, reasoning_tokens)"
	" VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

static void set_str(json_t *row, const char *k, const char *v)
{
	if (v)
		json_object_set_new(row, k, json_string(v));
}

static void set_num(json_t *row, const char *k, long long v)
{
	if (v >= 0)
		json_object_set_new(row, k, json_integer(v));
}

static void set_redacted(struct store *st, json_t *row, const char *k, const char *v)
{
	if (v) {
		char *r = redact_dup(&st->red, v);

		json_object_set_new(row, k, json_string(r));
		free(r);
	}
}

const char *store_event_kind_name(enum store_event_kind k)
{
	static const char *const names[] = { "tool", "model", "route", "delegate", "hook",
					     "compaction", "background", "mcp" };

	return names[k];
}

/* The event as its row: column -> value, every string redacted; JSON
 * columns as text. */
static json_t *event_row(struct store *st, const struct store_event *ev)
{
	json_t *row = json_object();

	set_str(row, "session", ev->session);
	set_str(row, "kind", store_event_kind_name(ev->kind));
	set_num(row, "ts", ev->ts_ms ? ev->ts_ms : clock_wall_ms());
	set_num(row, "duration_ms", ev->duration_ms);
	set_str(row, "agent", ev->agent);
	set_str(row, "parent_agent", ev->parent_agent);
	set_str(row, "tool", ev->tool);
	set_str(row, "call_id", ev->call_id);
	if (ev->arguments) {
		json_error_t jerr;
		json_t *j = json_loads(ev->arguments, 0, &jerr);

		if (j) {
			char *args = redacted_dump(st, j);

			json_decref(j);
			json_object_set_new(row, "arguments", json_string(args));
			free(args);
		} else {
			set_redacted(st, row, "arguments", ev->arguments);
		}
	}
	set_str(row, "verdict", ev->verdict);
	set_redacted(st, row, "rule", ev->rule);
	set_str(row, "decided_by", ev->decided_by);
	set_str(row, "outcome", ev->outcome);
	if (ev->kind == STORE_EV_TOOL || ev->kind == STORE_EV_HOOK)
		set_num(row, "exit_code", ev->exit_code);
	set_num(row, "bytes", ev->bytes);
	set_redacted(st, row, "error", ev->error);
	if (ev->detail) {
		json_t *copy = json_deep_copy(ev->detail);
		char *d = redacted_dump(st, copy);

		json_decref(copy);
		json_object_set_new(row, "detail", json_string(d));
		free(d);
	}
	set_str(row, "model", ev->model);
	if (ev->kind == STORE_EV_MODEL) {
		set_num(row, "attempt", ev->attempt);
		set_num(row, "status", ev->status);
		set_num(row, "ttft_ms", ev->ttft_ms);
		set_num(row, "input_tokens", ev->input_tokens);
		set_num(row, "output_tokens", ev->output_tokens);
		set_num(row, "cache_read_tokens", ev->cache_read_tokens);
		set_num(row, "cache_write_tokens", ev->cache_write_tokens);
		set_num(row, "reasoning_tokens", ev->reasoning_tokens);
		json_object_set_new(row, "cost", json_real(ev->cost));
	}
	return row;
}

/* Inserts one event row; 0 or -1 (nothing written). */
static int insert_event(struct store *st, json_t *row)
{
	sqlite3_stmt *s;
	size_t i;
	int rc;

	s = cached(st, insert_event_sql);
	if (!s)
		return -1;
	for (i = 0; i < NEVENT_COLS; i++) {
		json_t *v = json_object_get(row, event_cols[i]);

		if (json_is_string(v))
			sqlite3_bind_text(s, (int)i + 1, json_string_value(v), -1, SQLITE_STATIC);
		else if (json_is_integer(v))
			sqlite3_bind_int64(s, (int)i + 1, json_integer_value(v));
		else if (json_is_real(v))
			sqlite3_bind_double(s, (int)i + 1, json_real_value(v));
		else
			sqlite3_bind_null(s, (int)i + 1);
	}
	rc = step_once(st, s);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Writes the events that failed before, oldest first; stops at the first
 * failure.  0 when none are left. */
static int flush_pending(struct store *st)
{
	while (st->pending && json_array_size(st->pending)) {
		if (insert_event(st, json_array_get(st->pending, 0)))
			return -1;
		json_array_remove(st->pending, 0);
	}
	return 0;
}

/* Keeps a row that could not be written, for the next write to retry. */
static void keep_pending(struct store *st, json_t *row)
{
	if (!st->pending)
		st->pending = json_array();
	if (json_array_size(st->pending) >= STORE_PENDING_MAX) {
		json_array_remove(st->pending, 0);
		st->dropped++;
	}
	json_array_append(st->pending, row);
}

int store_event(struct store *st, const struct store_event *ev)
{
	json_t *row;
	int rc;

	if (!st->db)
		return -1;
	row = event_row(st, ev);
	if (flush_pending(st) || insert_event(st, row)) {
		keep_pending(st, row);
		json_decref(row);
		return write_failed(st, "an audit event");
	}
	json_decref(row);
	rc = write_ok(st);
	return rc;
}

int store_turn_end(struct store *st, const char *session)
{
	static const char turn_end_sql[] = "UPDATE sessions SET updated = ? WHERE id = ?";
	sqlite3_stmt *s;
	int rc;

	if (!st->db)
		return -1;
	if (flush_pending(st))
		return write_failed(st, "the audit events kept in memory");
	/* a synced commit makes every earlier WAL frame durable too */
	set_synchronous(st, 1);
	s = cached(st, turn_end_sql);
	if (!s) {
		set_synchronous(st, 0);
		return write_failed(st, "the end of a turn");
	}
	sqlite3_bind_int64(s, 1, clock_wall_ms());
	sqlite3_bind_text(s, 2, session, -1, SQLITE_TRANSIENT);
	rc = step_done(st, s, "the end of a turn");
	set_synchronous(st, 0);
	return rc;
}


/* ---- reading ----------------------------------------------------------- */

int store_load(struct store *st, const char *id, struct conv *conv,
	       size_t *recorded, json_t **info, struct strbuf *err)
{
	sqlite3_stmt *s;
	size_t base = conv->nr, first;
	long expect;
	int pristine = 1;	/* conv[base..] is row for row what is stored */

	*recorded = conv->nr;
	if (!st->db)
		return strbuf_seterr(err, "no session database");
	if (info && !(*info = store_session_row(st, id)))
		return strbuf_seterr(err, "no session '%s'", id);
	expect = store_view_start(st, id);
	s = store_prepare(st, "SELECT seq, role, content FROM messages WHERE session = ? AND seq >= ?"
			  " ORDER BY seq");
	if (!s)
		return strbuf_seterr(err, "%s", sqlite3_errmsg(st->db));
	sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, expect);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *role = (const char *)sqlite3_column_text(s, 1);
		const char *text = (const char *)sqlite3_column_text(s, 2);
		enum conv_role r = role && !strcmp(role, "assistant") ? CONV_ASSISTANT : CONV_USER;
		json_error_t jerr;
		json_t *content = json_loads(text ? text : "[]", 0, &jerr);
		struct conv_msg m;

		blobs_in(st, content);
		if (sqlite3_column_int64(s, 0) != expect) {
			log_warn("store", "session %s: message %ld is missing; resuming without it",
				 id, expect);
			pristine = 0;
		}
		expect = sqlite3_column_int64(s, 0) + 1;
		memset(&m, 0, sizeof(m));
		m.role = r;
		if (content)
			conv_msg_from_json(content, &m);
		json_decref(content);
		if (!m.nr) {
			conv_msg_release(&m);
			pristine = 0;
			continue;
		}
		if (conv_push_merged(conv, base, &m)) {
			/* two in a row (a prompt whose answer never came) became one */
			if (pristine)
				*recorded = conv->nr - 1;
			pristine = 0;
			continue;
		}
		if (pristine)
			*recorded = conv->nr;
	}
	sqlite3_finalize(s);
	first = conv_repair(conv, base);
	if (first < *recorded)
		*recorded = first;
	return 0;
}

long store_view_start(struct store *st, const char *id)
{
	sqlite3_stmt *s;
	long from = 0;

	if (!st->db)
		return 0;
	s = store_prepare(st, "SELECT detail FROM events WHERE session = ? AND kind = 'compaction'"
			  " ORDER BY id DESC LIMIT 1");
	if (!s)
		return 0;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0)) {
		json_error_t jerr;
		json_t *d = json_loads((const char *)sqlite3_column_text(s, 0), 0, &jerr);

		from = (long)json_integer_value(json_object_get(d, "view_from"));
		json_decref(d);
	}
	sqlite3_finalize(s);
	return from;
}

int store_truncate(struct store *st, const char *session, long from_seq)
{
	sqlite3_stmt *s;

	if (!st->db)
		return -1;
	s = store_prepare(st, "DELETE FROM messages WHERE session = ? AND seq >= ?");
	if (!s)
		return write_failed(st, "a repaired session");
	sqlite3_bind_text(s, 1, session, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, from_seq);
	return step_done(st, s, "a repaired session");
}

