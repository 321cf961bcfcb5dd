/*
 * bench_store: the session store's speed, against references measured in
 * the same run.
 *
 *   1. Audit events written per second: store_event (redaction, JSON, one
 *      transaction each, WAL), a synced turn end every 10 events.
 *      Reference: the same rows inserted with a bare prepared statement,
 *      one transaction each, same pragmas — the floor SQLite sets.
 *   2. Time to resume a session of 10,000 messages (store_load: read,
 *      parse, rebuild the conversation, repair).  Target: under 100 ms.
 *      Reference: reading the same rows' text with a bare SELECT.
 *
 *   bench_store [DIR]   (default: a fresh directory under $TMPDIR)
 */
#include "core/strbuf.h"
#include "provider/conv.h"
#include "store/store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *why)
{
	fprintf(stderr, "bench_store: %s: %s\n", what, why);
	exit(1);
}

#define NEVENTS 20000
#define NMSGS 10000

static const char *args =
	"{\"command\":\"grep -rn 'rate_limit' src/ --include='*.go' | head -50\","
	"\"description\":\"find where rate limiting is configured\",\"timeout\":120000}";

static double bench_events(struct store *st)
{
	struct store_event ev;
	char call[32];
	double t0;
	int i;

	memset(&ev, 0, sizeof(ev));
	ev.kind = STORE_EV_TOOL;
	ev.session = "bench-events";
	ev.agent = "backend-architect";
	ev.tool = "Bash";
	ev.arguments = args;
	ev.verdict = "allow";
	ev.rule = "command 'grep -rn rate_limit src/': built-in default: a read-only command is allowed";
	ev.decided_by = "policy";
	ev.outcome = "ok";
	ev.exit_code = 0;
	ev.bytes = 1234;
	ev.duration_ms = 12;
	t0 = now();
	for (i = 0; i < NEVENTS; i++) {
		snprintf(call, sizeof(call), "call_%d", i);
		ev.call_id = call;
		if (store_event(st, &ev))
			die("store_event", st->error.buf);
		if (i % 10 == 9 && store_turn_end(st, "bench-events"))
			die("store_turn_end", st->error.buf);
	}
	return NEVENTS / (now() - t0);
}

static double bench_events_raw(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	char call[32];
	double t0;
	int i;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		die("sqlite3_open", sqlite3_errmsg(db));
	sqlite3_busy_timeout(db, 10000);
	sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
	if (sqlite3_prepare_v2(db, "INSERT INTO events (session, kind, ts, duration_ms, agent, tool,"
			       " call_id, arguments, verdict, rule, decided_by, outcome, exit_code, bytes)"
			       " VALUES ('bench-raw', 'tool', 1, 12, 'backend-architect', 'Bash', ?, ?,"
			       " 'allow', 'command ...: built-in default', 'policy', 'ok', 0, 1234)",
			       -1, &s, NULL) != SQLITE_OK)
		die("prepare", sqlite3_errmsg(db));
	t0 = now();
	for (i = 0; i < NEVENTS; i++) {
		snprintf(call, sizeof(call), "call_%d", i);
		sqlite3_bind_text(s, 1, call, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 2, args, -1, SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_DONE)
			die("insert", sqlite3_errmsg(db));
		sqlite3_reset(s);
		if (i % 10 == 9) {
			sqlite3_exec(db, "PRAGMA synchronous=FULL; UPDATE sessions SET updated = 1"
					 " WHERE id = 'bench-raw'; PRAGMA synchronous=NORMAL",
				     NULL, NULL, NULL);
		}
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	return NEVENTS / (now() - t0);
}

static void build_session(struct store *st)
{
	struct store_session ss;
	char id[32], text[400];
	int i;

	memset(&ss, 0, sizeof(ss));
	ss.id = "bench-resume";
	ss.project = "/bench";
	ss.agent = "backend-architect";
	ss.model = "m";
	if (store_session_begin(st, &ss))
		die("session", st->error.buf);
	sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL);
	for (i = 0; i < NMSGS; i++) {
		struct conv_msg m;

		memset(&m, 0, sizeof(m));
		snprintf(id, sizeof(id), "call_%d", i / 2);
		if (i % 2 == 0) {
			m.role = CONV_ASSISTANT;
			snprintf(text, sizeof(text), "Step %d: I will look at the handlers next, because the"
				 " rate limiter has to sit in front of them.", i);
			conv_add_text(&m, text, strlen(text));
			conv_add_tool_use(&m, id, "Read", "{\"path\":\"internal/api/handlers.go\",\"offset\":1,\"limit\":200}");
		} else {
			m.role = CONV_USER;
			memset(text, 'x', 300);
			text[300] = '\0';
			conv_add_tool_result(&m, id, text, 0);
		}
		if (store_message(st, "bench-resume", i, &m, 0))
			die("message", st->error.buf);
		conv_msg_release(&m);
	}
	sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
}

/* This process's CPU seconds (the resume is single-threaded). */
static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The best of five resumes: wall seconds, CPU seconds in *cpu. */
static double bench_resume(struct store *st, size_t *nr, double *cpu)
{
	struct strbuf err = STRBUF_INIT;
	double best = 1e9;
	int run;

	*cpu = 1e9;
	for (run = 0; run < 5; run++) {
		struct conv c;
		size_t rec;
		double t0 = now(), c0 = cpu_now(), t, tc;

		conv_init(&c);
		if (store_load(st, "bench-resume", &c, &rec, NULL, &err))
			die("store_load", err.buf);
		t = now() - t0;
		tc = cpu_now() - c0;
		*nr = c.nr;
		conv_release(&c);
		if (t < best)
			best = t;
		if (tc < *cpu)
			*cpu = tc;
	}
	strbuf_release(&err);
	return best;
}

static double bench_resume_raw(struct store *st)
{
	double best = 1e9;
	int run;

	for (run = 0; run < 5; run++) {
		sqlite3_stmt *s;
		size_t bytes = 0;
		double t0 = now(), t;

		sqlite3_prepare_v2(st->db, "SELECT seq, role, content FROM messages WHERE session = ?"
				   " ORDER BY seq", -1, &s, NULL);
		sqlite3_bind_text(s, 1, "bench-resume", -1, SQLITE_STATIC);
		while (sqlite3_step(s) == SQLITE_ROW)
			bytes += (size_t)sqlite3_column_bytes(s, 2);
		sqlite3_finalize(s);
		t = now() - t0;
		if (t < best)
			best = t;
		if (!bytes)
			die("raw read", "no rows");
	}
	return best;
}

int main(int argc, char **argv)
{
	struct strbuf err = STRBUF_INIT, dir = STRBUF_INIT;
	struct store st;
	double ours, raw, t, traw, tcpu;
	size_t nr = 0;

	if (argc > 1) {
		strbuf_addstr(&dir, argv[1]);
	} else {
		const char *tmp = getenv("TMPDIR");

		strbuf_addf(&dir, "%s/archie-bench-store-XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(dir.buf))
			die("mkdtemp", dir.buf);
	}
	if (store_open(&st, dir.buf, &err))
		die("store_open", err.buf);
	{
		struct store_session ss;

		memset(&ss, 0, sizeof(ss));
		ss.id = "bench-events";
		ss.project = "/bench";
		store_session_begin(&st, &ss);
		ss.id = "bench-raw";
		store_session_begin(&st, &ss);
	}
	ours = bench_events(&st);
	raw = bench_events_raw(st.path);
	printf("events written: %.0f/s (store_event, redacted, a synced turn end every 10);"
	       " bare INSERT of the same rows: %.0f/s (%.2fx the time)\n", ours, raw, raw / ours);
	build_session(&st);
	t = bench_resume(&st, &nr, &tcpu);
	traw = bench_resume_raw(&st);
	printf("resume of a %d-message session: %.1f ms CPU (%s: target under 70 ms), %.1f ms wall,"
	       " to a %zu-message conversation; bare SELECT of the rows: %.1f ms (%.1fx)\n",
	       NMSGS, tcpu * 1000, tcpu < 0.07 ? "met" : "MISSED", t * 1000, nr, traw * 1000,
	       t / traw);
	store_close(&st);
	if (argc <= 1) {
		struct strbuf cmd = STRBUF_INIT;

		strbuf_addf(&cmd, "rm -rf '%s'", dir.buf);
		if (system(cmd.buf))
			fprintf(stderr, "bench_store: could not remove %s\n", dir.buf);
		strbuf_release(&cmd);
	}
	strbuf_release(&dir);
	strbuf_release(&err);
	/* a benchmark reports; only a failure to run it fails */
	return 0;
}
