/*
 * bench_pgstore: audit events per second into the team's PostgreSQL
 * record from 8 writers (8 processes, each a machine with its own local
 * record and its own shipper), against references measured in the same
 * run on the same throwaway PostgreSQL:
 *
 *   local only    the 8 writers recording locally, nothing shipped (what a
 *                 session pays whatever the team's record does);
 *   row at a time the same rows INSERTed into PostgreSQL one transaction
 *                 each from 8 connections (what shipping without batches
 *                 would cost), against the shipping stage alone (8
 *                 outboxes of queued events drained).
 *
 * Shipped means in PostgreSQL and counted there: the run checks that no
 * event is missing and none is there twice.
 *
 *   bench_pgstore
 */
#include "core/pq_dl.h"
#include "core/strbuf.h"
#include "design/pg.h"
#include "store/pgstore.h"
#include "store/ship.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WRITERS 8
#define EVENTS 4000		/* per writer */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *why)
{
	fprintf(stderr, "bench_pgstore: %s: %s\n", what, why);
	exit(1);
}

static void write_events(struct store *st, const char *session)
{
	struct store_session ss;
	struct store_event ev;
	char call[32];
	int i;

	memset(&ss, 0, sizeof(ss));
	ss.id = session;
	ss.project = "/bench";
	ss.agent = "backend-architect";
	ss.title = "bench";
	if (store_session_begin(st, &ss))
		die("store_session_begin", st->error.buf);
	memset(&ev, 0, sizeof(ev));
	ev.kind = STORE_EV_TOOL;
	ev.session = session;
	ev.agent = "backend-architect";
	ev.tool = "Bash";
	ev.arguments = "{\"command\":\"grep -rn rate_limit src/ | head -50\"}";
	ev.verdict = "allow";
	ev.decided_by = "policy";
	ev.outcome = "ok";
	ev.bytes = 1234;
	ev.duration_ms = 12;
	for (i = 0; i < EVENTS; i++) {
		snprintf(call, sizeof(call), "call_%d", i);
		ev.call_id = call;
		if (store_event(st, &ev))
			die("store_event", st->error.buf);
		if (i % 10 == 9 && store_turn_end(st, session))
			die("store_turn_end", st->error.buf);
	}
}

/* One writer: mode 0 local only, 1 shipped as it goes (a shipper thread),
 * 2 row at a time there, 3 queued (sharing on, no shipper), 4 the queue
 * of mode 3 drained. */
static void writer(const char *root, int w, int mode, const char *url)
{
	struct strbuf dir = STRBUF_INIT, err = STRBUF_INIT, sid = STRBUF_INIT;
	struct store st;
	struct ship *sh = NULL;

	strbuf_addf(&dir, "%s/w%d-%d", root, w, mode == 4 ? 3 : mode);
	strbuf_addf(&sid, "bench-%d-%d-%ld", mode, w, (long)getpid());
	if (mode == 2) {
		PGconn *c = PQconnectdb(url);
		char sql[512];
		int i;

		if (PQstatus(c) != CONNECTION_OK)
			die("connect", PQerrorMessage(c));
		for (i = 0; i < EVENTS; i++) {
			snprintf(sql, sizeof(sql),
				 "INSERT INTO bench_rows (session, src_id, kind, ts, tool, arguments)"
				 " VALUES ('%s', %d, 'tool', %d, 'Bash', '{\"command\":\"grep\"}')",
				 sid.buf, i, i);
			PQclear(PQexec(c, sql));
		}
		PQfinish(c);
		_exit(0);
	}
	if (store_open(&st, dir.buf, &err))
		die("store_open", err.buf);
	if (mode == 4) {
		struct pgstore pg;

		if (pgstore_connect(&pg, url, &err) || ship_drain(&st, &pg, NULL, &err))
			die("ship_drain", err.buf);
		pgstore_close(&pg);
		store_close(&st);
		_exit(0);
	}
	if (mode == 3 && ship_enable(&st, &err))
		die("ship_enable", err.buf);
	if (mode == 1 && !(sh = ship_start(dir.buf, url, NULL, NULL, &err)))
		die("ship_start", err.buf);
	write_events(&st, sid.buf);
	store_close(&st);
	ship_stop(sh, 120000);		/* until the outbox is empty */
	_exit(0);
}

static double run_writers(const char *root, int mode, const char *url)
{
	pid_t pids[WRITERS];
	double t0 = now();
	int i, status;

	for (i = 0; i < WRITERS; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			die("fork", "failed");
		if (!pids[i])
			writer(root, i, mode, url);
	}
	for (i = 0; i < WRITERS; i++)
		if (waitpid(pids[i], &status, 0) != pids[i] || !WIFEXITED(status) || WEXITSTATUS(status))
			die("a writer", "failed");
	return now() - t0;
}

static long long count(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	long long n = PQresultStatus(r) == PGRES_TUPLES_OK ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : -1;

	PQclear(r);
	return n;
}

int main(void)
{
	struct pg_cluster c;
	struct strbuf err = STRBUF_INIT, url = STRBUF_INIT;
	char root[] = "/tmp/archie-bench-pg-XXXXXX";
	double t_local, t_ship, t_rows, t_drain, total = (double)WRITERS * EVENTS;
	long long shipped, distinct;

	if (!mkdtemp(root))
		die("mkdtemp", "failed");
	if (pq_dl_load(&err) || pg_start(&c, NULL, &err))
		die("PostgreSQL", err.buf);
	strbuf_addf(&url, "host=%s dbname=postgres user=archie", c.dir);
	PQclear(PQexec(c.conn, "CREATE TABLE bench_rows (id bigserial PRIMARY KEY, session text,"
			       " src_id bigint, kind text, ts bigint, tool text, arguments text)"));
	t_local = run_writers(root, 0, url.buf);
	t_ship = run_writers(root, 1, url.buf);
	t_rows = run_writers(root, 2, url.buf);
	run_writers(root, 3, url.buf);
	t_drain = run_writers(root, 4, url.buf);
	shipped = count(c.conn, "SELECT count(*) FROM archie.events") / 2;
	distinct = count(c.conn, "SELECT count(*) FROM (SELECT DISTINCT session, src_id FROM archie.events) d") / 2;
	printf("  %d writers x %d events, twice: every one in PostgreSQL once: %s (%lld, %lld distinct)\n", WRITERS,
	       EVENTS, shipped == (long long)total && distinct == shipped ? "yes" : "NO", shipped, distinct);
	printf("  recorded locally and shipped:  %8.0f events/s (%.2f s)\n", total / t_ship, t_ship);
	printf("  recorded locally only:         %8.0f events/s: shipping costs the writers %.2fx\n",
	       total / t_local, t_ship / t_local);
	printf("  shipping alone (8 outboxes drained): %8.0f events/s\n", total / t_drain);
	printf("  a row at a time into PostgreSQL:     %8.0f events/s: batches are %.1fx faster\n",
	       total / t_rows, t_rows / t_drain);
	pg_stop(&c);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		if (system(cmd))
			fprintf(stderr, "bench_pgstore: cannot remove %s\n", root);
	}
	strbuf_release(&err);
	strbuf_release(&url);
	return shipped == (long long)total && distinct == shipped ? 0 : 1;
}
