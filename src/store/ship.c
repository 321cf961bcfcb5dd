/*
 * ship: see ship.h.
 */
#include "store/ship.h"

#include "core/clock.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "store/pgstore.h"
#include "store/store_int.h"

#include <errno.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Outbox rows per batch: a transaction there of a few hundred kilobytes,
 * short enough that a failing server loses little work. */
#define SHIP_BATCH 500
/* How often the outbox is looked at (it is one indexed read). */
#define SHIP_POLL_MS 250
/* Retry delays after a failure: doubling up to this. */
#define SHIP_BACKOFF_MAX_MS 30000

int ship_enable(struct store *st, struct strbuf *err)
{
	if (!st->db)
		return strbuf_seterr(err, "no local record");
	if (store_exec(st->db, "INSERT OR IGNORE INTO ship_on VALUES (1)", err))
		return strbuf_seterr(err, "cannot turn sharing on in %s: %s", st->path, err->buf);
	return 0;
}

long long ship_queue_all(struct store *st, struct strbuf *err)
{
	long long before = ship_queued(st);

	if (store_exec(st->db, "BEGIN IMMEDIATE;"
			 " INSERT INTO outbox (tbl, session) SELECT 's', id FROM sessions;"
			 " INSERT INTO outbox (tbl, session, key) SELECT 'm', session, seq FROM messages;"
			 " INSERT INTO outbox (tbl, session, key) SELECT 'e', session, id FROM events"
			 "  ORDER BY id;"
			 " COMMIT", err)) {
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return ship_queued(st) - (before > 0 ? before : 0);
}

long long ship_queued(struct store *st)
{
	sqlite3_stmt *s = st->db ? store_prepare(st, "SELECT count(*) FROM outbox") : NULL;
	long long n = -1;

	if (s && sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

/* The statements a batch reads the local rows with, prepared once a
 * batch (preparing one per row was most of a batch's time). */
enum { Q_SESSION, Q_MESSAGE, Q_EVENT, Q_EXISTS, NQ };

static const char *const batch_sql[NQ] = {
	"SELECT * FROM sessions WHERE id = ?",
	"SELECT session, seq, role, content, incomplete, created FROM messages"
	" WHERE session = ? AND seq = ?",
	"SELECT * FROM events WHERE session = ? AND id = ?",
	"SELECT id FROM sessions WHERE id = ?",
};

struct batch {
	long long first, last;		/* the outbox ids taken */
	size_t nr;
	json_t *sessions, *messages, *gone, *events;
	json_t *seen;			/* keys already in the batch */
	sqlite3_stmt *q[NQ];
};

/* The row query q finds for (text, num), as text columns; NULL. */
static json_t *one_row(struct batch *b, int q, const char *text, long long num)
{
	sqlite3_stmt *s = b->q[q];
	json_t *row = NULL;

	if (!s)
		return NULL;
	sqlite3_bind_text(s, 1, text, -1, SQLITE_TRANSIENT);
	if (q == Q_MESSAGE || q == Q_EVENT)
		sqlite3_bind_int64(s, 2, num);
	if (sqlite3_step(s) == SQLITE_ROW)
		row = store_row_json(s, 0);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return row;
}

/* Adds outbox row (tbl, session, key) to the batch, as the local record
 * holds it now. */
static void batch_add(struct batch *b, const char *tbl, const char *session, long long key)
{
	char k[512];
	json_t *row;

	snprintf(k, sizeof(k), "%s %s %lld", tbl, session, key);
	if (json_object_get(b->seen, k))
		return;		/* written twice since the last batch: once is the state */
	json_object_set_new(b->seen, k, json_true());
	if (*tbl == 's') {
		row = one_row(b, Q_SESSION, session, 0);
		if (row)
			json_array_append_new(b->sessions, row);
	} else if (*tbl == 'm') {
		row = one_row(b, Q_MESSAGE, session, key);
		if (row) {
			json_array_append_new(b->messages, row);
		} else if ((row = one_row(b, Q_EXISTS, session, 0))) {
			/* truncated to be written again; a pruned session's
			 * messages stay in the team's record */
			json_decref(row);
			row = json_pack("{s:s, s:I}", "session", session, "seq", (json_int_t)key);
			json_array_append_new(b->gone, row);
		}
	} else if (*tbl == 'e') {
		row = one_row(b, Q_EVENT, session, key);
		if (row) {
			json_object_set(row, "src_id", json_object_get(row, "id"));
			json_object_del(row, "id");
			json_array_append_new(b->events, row);
		}
	}
}

/* Reads the next batch from the outbox; 0 when it was empty. */
static size_t batch_read(struct store *st, struct batch *b)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT id, tbl, session, key FROM outbox ORDER BY id LIMIT ?");
	int i;

	memset(b, 0, sizeof(*b));
	for (i = 0; i < NQ; i++)
		b->q[i] = store_prepare(st, batch_sql[i]);
	b->sessions = json_array();
	b->messages = json_array();
	b->gone = json_array();
	b->events = json_array();
	b->seen = json_object();
	if (!s)
		return 0;
	sqlite3_bind_int(s, 1, SHIP_BATCH);
	while (sqlite3_step(s) == SQLITE_ROW) {
		long long id = sqlite3_column_int64(s, 0);

		if (!b->nr++)
			b->first = id;
		b->last = id;
		batch_add(b, (const char *)sqlite3_column_text(s, 1),
			  (const char *)sqlite3_column_text(s, 2), sqlite3_column_int64(s, 3));
	}
	sqlite3_finalize(s);
	return b->nr;
}

static void batch_release(struct batch *b)
{
	int i;

	for (i = 0; i < NQ; i++)
		sqlite3_finalize(b->q[i]);
	json_decref(b->sessions);
	json_decref(b->messages);
	json_decref(b->gone);
	json_decref(b->events);
	json_decref(b->seen);
}

int ship_drain(struct store *st, struct pgstore *pg, long long *shipped, struct strbuf *err)
{
	struct batch b;

	if (shipped)
		*shipped = 0;
	for (;;) {
		sqlite3_stmt *s;
		int rc;

		if (!batch_read(st, &b)) {
			batch_release(&b);
			return 0;
		}
		rc = pgstore_ship(pg, b.sessions, b.messages, b.gone, b.events, err);
		if (!rc && (s = store_prepare(st, "DELETE FROM outbox WHERE id BETWEEN ? AND ?"))) {
			sqlite3_bind_int64(s, 1, b.first);
			sqlite3_bind_int64(s, 2, b.last);
			/* not removed (the disk refuses): shipped again later,
			 * a no-op there */
			if (sqlite3_step(s) != SQLITE_DONE)
				rc = strbuf_seterr(err, "cannot update the outbox in %s: %s", st->path,
						   sqlite3_errmsg(st->db));
			sqlite3_finalize(s);
		}
		if (!rc && shipped)
			*shipped += (long long)b.nr;
		batch_release(&b);
		if (rc)
			return -1;
	}
}

/* ---- the shipper thread -------------------------------------------------------- */

struct ship {
	struct store st;		/* its own connection to the local record */
	struct pgstore pg;
	char *url;
	ship_notice_fn *notice;
	void *ud;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int stopping, done;
	long long stop_by;		/* clock_ms() by which the last pass ends */
	int failing;			/* said it fails; say when it works again */
	long backoff_ms;
	long long next_try;
};

static void say(struct ship *sh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(struct ship *sh, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	if (sh->notice)
		sh->notice(sh->ud, sb.buf);
	else
		fprintf(stderr, "archie: %s\n", sb.buf);
	strbuf_release(&sb);
}

/* Whether anything waits (cheaper than counting a long outbox). */
static int queued_any(struct store *st)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT EXISTS (SELECT 1 FROM outbox)");
	int any = 0;

	if (s && sqlite3_step(s) == SQLITE_ROW)
		any = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return any;
}

/* One attempt: connect if need be, ship what is queued.  0, or -1. */
static int attempt(struct ship *sh, struct strbuf *err)
{
	long long n = 0;
	int fresh = !sh->pg.conn;

	if (fresh && pgstore_connect(&sh->pg, sh->url, err))
		return -1;
	if (ship_drain(&sh->st, &sh->pg, &n, err)) {
		pgstore_close(&sh->pg);
		/* a connection from before a restart of the server fails on
		 * first use: one more try on a fresh one */
		if (fresh)
			return -1;
		strbuf_reset(err);
		if (pgstore_connect(&sh->pg, sh->url, err) ||
		    ship_drain(&sh->st, &sh->pg, &n, err)) {
			pgstore_close(&sh->pg);
			return -1;
		}
	}
	if (n)
		log_debug("ship", "shipped %lld rows", n);
	return 0;
}

static void failed(struct ship *sh, const char *why)
{
	if (!sh->failing)
		say(sh, "the shared record is not reachable (%s); the session goes on, and what it records waits in the local record (%lld rows) to be shipped when it is back",
		    why, ship_queued(&sh->st));
	sh->failing = 1;
	sh->backoff_ms = sh->backoff_ms ? sh->backoff_ms * 2 : 1000;
	if (sh->backoff_ms > SHIP_BACKOFF_MAX_MS)
		sh->backoff_ms = SHIP_BACKOFF_MAX_MS;
	sh->next_try = clock_ms() + sh->backoff_ms;
}

static void *ship_main(void *arg)
{
	struct ship *sh = arg;
	struct strbuf err = STRBUF_INIT;

	pthread_mutex_lock(&sh->lock);
	while (!sh->stopping) {
		struct timespec ts;

		pthread_mutex_unlock(&sh->lock);
		if (clock_ms() >= sh->next_try && queued_any(&sh->st)) {
			strbuf_reset(&err);
			if (attempt(sh, &err)) {
				failed(sh, err.buf);
			} else if (sh->failing) {
				say(sh, "the shared record is reachable again; the rows kept meanwhile are shipped");
				sh->failing = 0;
				sh->backoff_ms = 0;
			}
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += SHIP_POLL_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&sh->lock);
		if (!sh->stopping)
			pthread_cond_timedwait(&sh->wake, &sh->lock, &ts);
	}
	pthread_mutex_unlock(&sh->lock);
	/* the last pass, whatever the backoff said: the session has ended */
	if (queued_any(&sh->st) && clock_ms() < sh->stop_by) {
		strbuf_reset(&err);
		if (attempt(sh, &err))
			say(sh, "the shared record is not reachable (%s); %lld rows wait in the local record for the next archie (or 'archie store sync')",
			    err.buf, ship_queued(&sh->st));
		else if (sh->failing)
			say(sh, "the shared record is reachable again; the rows kept meanwhile are shipped");
	}
	strbuf_release(&err);
	pthread_mutex_lock(&sh->lock);
	sh->done = 1;
	pthread_cond_broadcast(&sh->wake);
	pthread_mutex_unlock(&sh->lock);
	return NULL;
}

struct ship *ship_start(const char *state_dir, const char *url, ship_notice_fn *notice,
			void *ud, struct strbuf *err)
{
	struct ship *sh = xcalloc(1, sizeof(*sh));

	if (store_open(&sh->st, state_dir, err)) {
		free(sh);
		return NULL;
	}
	if (ship_enable(&sh->st, err)) {
		store_close(&sh->st);
		free(sh);
		return NULL;
	}
	sh->url = xstrdup(url);
	sh->notice = notice;
	sh->ud = ud;
	pthread_mutex_init(&sh->lock, NULL);
	pthread_cond_init(&sh->wake, NULL);
	if (pthread_create(&sh->thread, NULL, ship_main, sh)) {
		strbuf_seterr(err, "cannot start the shipper: %s", strerror(errno));
		pthread_mutex_destroy(&sh->lock);
		pthread_cond_destroy(&sh->wake);
		store_close(&sh->st);
		free(sh->url);
		free(sh);
		return NULL;
	}
	return sh;
}

void ship_stop(struct ship *sh, long wait_ms)
{
	struct timespec ts;
	int done;

	if (!sh)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += wait_ms / 1000 + 1;
	pthread_mutex_lock(&sh->lock);
	sh->stop_by = clock_ms() + wait_ms;
	sh->stopping = 1;
	pthread_cond_broadcast(&sh->wake);
	while (!sh->done)
		if (pthread_cond_timedwait(&sh->wake, &sh->lock, &ts) == ETIMEDOUT)
			break;
	done = sh->done;
	pthread_mutex_unlock(&sh->lock);
	if (!done) {
		/* a server that holds the connection past the wait: the
		 * process is ending; the thread and its memory go with it,
		 * and the outbox keeps what it had not removed */
		pthread_detach(sh->thread);
		return;
	}
	pthread_join(sh->thread, NULL);
	pgstore_close(&sh->pg);
	store_close(&sh->st);
	pthread_mutex_destroy(&sh->lock);
	pthread_cond_destroy(&sh->wake);
	free(sh->url);
	free(sh);
}
