/* Unit tests for store: files and modes, schema versions, what is
 * recorded and read back, resume repair, a full disk (SQLite's page limit)
 * with events kept in memory and written later, and 8 processes writing at
 * once. */
#include "testutil.h"

#include "core/strbuf.h"
#include "provider/conv.h"
#include "store/store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <time.h>

static char *dir;

static int setup(void **state)
{
	(void)state;
	dir = tu_mkdtemp();
	return 0;
}

static int teardown(void **state)
{
	char cmd[4200];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		return -1;
	free(dir);
	return 0;
}

static void open_ok(struct store *st, const char *sub)
{
	struct strbuf err = STRBUF_INIT, d = STRBUF_INIT;

	strbuf_addf(&d, "%s/%s", dir, sub);
	if (store_open(st, d.buf, &err))
		fail_msg("store_open: %s", err.buf);
	strbuf_release(&err);
	strbuf_release(&d);
}

static long long count(struct store *st, const char *sql)
{
	sqlite3_stmt *s;
	long long n = -1;

	assert_int_equal(sqlite3_prepare_v2(st->db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

static void integrity_ok(struct store *st)
{
	sqlite3_stmt *s;

	assert_int_equal(sqlite3_prepare_v2(st->db, "PRAGMA integrity_check", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), "ok");
	sqlite3_finalize(s);
}

static void begin(struct store *st, const char *id)
{
	struct store_session ss;

	memset(&ss, 0, sizeof(ss));
	ss.id = id;
	ss.project = "/p";
	ss.agent = "a";
	ss.model = "m";
	ss.title = "t";
	assert_int_equal(store_session_begin(st, &ss), 0);
}

static void tool_event(struct store_event *ev, const char *session, const char *call)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = STORE_EV_TOOL;
	ev->session = session;
	ev->tool = "Bash";
	ev->call_id = call;
	ev->arguments = "{\"command\":\"echo ok\"}";
	ev->verdict = "allow";
	ev->outcome = "ok";
	ev->exit_code = 0;
	ev->bytes = 3;
	ev->duration_ms = 1;
}

static void test_files_and_version(void **state)
{
	struct store st;
	struct stat sb;
	struct strbuf p = STRBUF_INIT;

	(void)state;
	open_ok(&st, "a/b");
	assert_int_equal(stat(st.path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	strbuf_addf(&p, "%s/a/b", dir);
	assert_int_equal(stat(p.buf, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	assert_int_equal(count(&st, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_int_equal(count(&st, "SELECT count(*) FROM sqlite_master WHERE name = 'events'"), 1);
	store_close(&st);
	strbuf_release(&p);
}

static void test_newer_schema_refused(void **state)
{
	struct strbuf err = STRBUF_INIT, d = STRBUF_INIT;
	struct store st;

	(void)state;
	open_ok(&st, "newer");
	begin(&st, "s1");
	assert_int_equal(sqlite3_exec(st.db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	store_close(&st);
	strbuf_addf(&d, "%s/newer", dir);
	assert_int_equal(store_open(&st, d.buf, &err), -1);
	assert_non_null(strstr(err.buf, "newer than this archie knows"));
	/* and nothing was touched */
	{
		sqlite3 *db;
		sqlite3_stmt *s;

		strbuf_addstr(&d, "/archie.db");
		assert_int_equal(sqlite3_open(d.buf, &db), SQLITE_OK);
		assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM sessions", -1, &s, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(s, 0), 1);
		sqlite3_finalize(s);
		sqlite3_close(db);
	}
	strbuf_release(&err);
	strbuf_release(&d);
}

static void test_migrate_from_every_version(void **state)
{
	struct store st;
	int v;

	(void)state;
	/* version 0: an empty file (as a crash during the first open leaves
	 * it), and a database that already holds data of another program's
	 * table, which must survive */
	for (v = 0; v < STORE_SCHEMA_VERSION; v++) {
		struct strbuf d = STRBUF_INIT;
		sqlite3 *db;

		strbuf_addf(&d, "%s/v%d", dir, v);
		mkdir(d.buf, 0700);
		strbuf_addstr(&d, "/archie.db");
		assert_int_equal(sqlite3_open(d.buf, &db), SQLITE_OK);
		assert_int_equal(sqlite3_exec(db, "CREATE TABLE keep(x); INSERT INTO keep VALUES (42)",
					      NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
		strbuf_reset(&d);
		strbuf_addf(&d, "v%d", v);
		open_ok(&st, d.buf);
		assert_int_equal(count(&st, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
		assert_int_equal(count(&st, "SELECT x FROM keep"), 42);
		integrity_ok(&st);
		store_close(&st);
		/* opening again changes nothing */
		open_ok(&st, d.buf);
		assert_int_equal(count(&st, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
		store_close(&st);
		strbuf_release(&d);
	}
}

static void test_round_trip_and_redaction(void **state)
{
	struct store st;
	struct conv c;
	struct conv_msg *m;
	struct store_event ev;
	struct strbuf err = STRBUF_INIT;
	size_t rec;
	json_t *info = NULL, *evs;
	struct store_filter f;

	(void)state;
	open_ok(&st, "rt");
	begin(&st, "sess-rt");
	conv_init(&c);
	m = conv_add_msg(&c, CONV_USER);
	conv_add_text(m, "key sk-ant-api03-abcdefghijklmnopqrstuvwx please", 48);
	m = conv_add_msg(&c, CONV_ASSISTANT);
	conv_add_tool_use(m, "c1", "Bash", "{\"command\":\"export GITHUB_TOKEN=ghp_0123456789abcdefghijABCDEFGHIJ012345\"}");
	m = conv_add_msg(&c, CONV_USER);
	conv_add_tool_result(m, "c1", "done", 0);
	assert_int_equal(store_message(&st, "sess-rt", 0, &c.msgs[0], 0), 0);
	assert_int_equal(store_message(&st, "sess-rt", 1, &c.msgs[1], 0), 0);
	assert_int_equal(store_message(&st, "sess-rt", 2, &c.msgs[2], 0), 0);
	tool_event(&ev, "sess-rt", "c1");
	ev.arguments = c.msgs[1].blocks[0].input;
	assert_int_equal(store_event(&st, &ev), 0);
	assert_int_equal(store_turn_end(&st, "sess-rt"), 0);
	conv_release(&c);

	assert_int_equal(count(&st, "SELECT count(*) FROM messages WHERE content LIKE '%sk-ant%' OR content LIKE '%ghp_%'"), 0);
	assert_int_equal(count(&st, "SELECT count(*) FROM events WHERE arguments LIKE '%ghp_%'"), 0);

	conv_init(&c);
	assert_int_equal(store_load(&st, "sess-rt", &c, &rec, &info, &err), 0);
	assert_int_equal(c.nr, 4);	/* + "interrupted": it ended with results */
	assert_int_equal(rec, 3);
	assert_string_equal(c.msgs[0].blocks[0].text, "key [REDACTED] please");
	assert_string_equal(c.msgs[1].blocks[0].input, "{\"command\":\"export GITHUB_TOKEN=[REDACTED]\"}");
	assert_string_equal(json_string_value(json_object_get(info, "agent")), "a");
	json_decref(info);
	conv_release(&c);

	memset(&f, 0, sizeof(f));
	f.session = "sess-rt";
	evs = store_events(&st, &f);
	assert_int_equal(json_array_size(evs), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(evs, 0), "tool")), "Bash");
	json_decref(evs);
	store_close(&st);
	strbuf_release(&err);
}

/* Writes msgs of the given shape: "u:text", "a:text", "a>id" (a call),
 * "u<id" (a result). */
static void write_shape(struct store *st, const char *id, const char *const *shape, size_t n)
{
	size_t i;

	begin(st, id);
	for (i = 0; i < n; i++) {
		struct conv_msg m;
		const char *s = shape[i];
		char *p, *tok, *copy = strdup(s + 2), *save = NULL;

		memset(&m, 0, sizeof(m));
		m.role = s[0] == 'u' ? CONV_USER : CONV_ASSISTANT;
		for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			if (s[1] == ':')
				conv_add_text(&m, tok, strlen(tok));
			else if (s[1] == '>')
				conv_add_tool_use(&m, tok, "LS", "{}");
			else
				conv_add_tool_result(&m, tok, "r", 0);
		}
		(void)p;
		assert_int_equal(store_message(st, id, (long)i, &m, 0), 0);
		conv_msg_release(&m);
		free(copy);
	}
}

/* The loaded conversation as a string: roles and blocks. */
static void shape_of(const struct conv *c, struct strbuf *out)
{
	size_t i, k;

	for (i = 0; i < c->nr; i++) {
		strbuf_addch(out, c->msgs[i].role == CONV_USER ? 'u' : 'a');
		strbuf_addch(out, '[');
		for (k = 0; k < c->msgs[i].nr; k++) {
			const struct conv_block *b = &c->msgs[i].blocks[k];

			if (k)
				strbuf_addch(out, ' ');
			if (b->type == CONV_TEXT)
				strbuf_addstr(out, b->text);
			else if (b->type == CONV_TOOL_USE)
				strbuf_addf(out, ">%s", b->id);
			else
				strbuf_addf(out, "<%s%s", b->id, b->is_error ? "!" : "");
		}
		strbuf_addstr(out, "]");
	}
}

#define I "(interrupted: archie stopped before the model answered this; what was asked may not be done)"

static void test_resume_repair(void **state)
{
	static const struct {
		const char *shape[6];
		size_t n;
		const char *want;
		size_t recorded;
	} cases[] = {
		/* complete: nothing to do */
		{ { "u:hi", "a>c1", "u<c1", "a:done" }, 4, "u[hi]a[>c1]u[<c1]a[done]", 4 },
		/* killed during the tool: a synthetic result, appended */
		{ { "u:hi", "a>c1" }, 2, "u[hi]a[>c1]u[<c1!]a[" I "]", 2 },
		/* two calls, one answered */
		{ { "u:hi", "a>c1,c2", "u<c1" }, 3, "u[hi]a[>c1 >c2]u[<c1 <c2!]a[" I "]", 2 },
		/* a prompt whose answer never came, then a new prompt */
		{ { "u:one", "u:two" }, 2, "u[one two]a[" I "]", 0 },
		/* killed during the tool, then a prompt was recorded */
		{ { "u:hi", "a>c1", "u:again" }, 3, "u[hi]a[>c1]u[<c1! again]a[" I "]", 2 },
		/* killed after the results were recorded */
		{ { "u:hi", "a>c1", "u<c1" }, 3, "u[hi]a[>c1]u[<c1]a[" I "]", 3 },
	};
	struct store st;
	size_t i;

	(void)state;
	open_ok(&st, "repair");
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct strbuf err = STRBUF_INIT, got = STRBUF_INIT;
		char id[32];
		struct conv c;
		size_t rec;

		snprintf(id, sizeof(id), "rep-%zu", i);
		write_shape(&st, id, cases[i].shape, cases[i].n);
		conv_init(&c);
		assert_int_equal(store_load(&st, id, &c, &rec, NULL, &err), 0);
		shape_of(&c, &got);
		if (strcmp(got.buf, cases[i].want) || rec != cases[i].recorded)
			fail_msg("case %zu: got %s (recorded %zu), want %s (recorded %zu)", i,
				 got.buf, rec, cases[i].want, cases[i].recorded);
		conv_release(&c);
		strbuf_release(&got);
		strbuf_release(&err);
	}
	store_close(&st);
}

static void test_find_session(void **state)
{
	struct store st;
	struct strbuf id = STRBUF_INIT, err = STRBUF_INIT;

	(void)state;
	open_ok(&st, "find");
	begin(&st, "abc-111");
	begin(&st, "abd-222");
	assert_int_equal(store_find_session(&st, "abc", NULL, &id, &err), 0);
	assert_string_equal(id.buf, "abc-111");
	strbuf_reset(&id);
	assert_int_equal(store_find_session(&st, "ab", NULL, &id, &err), -1);
	assert_non_null(strstr(err.buf, "more than one"));
	assert_int_equal(store_find_session(&st, "zzz", NULL, &id, &err), -1);
	assert_non_null(strstr(err.buf, "no session 'zzz'"));
	assert_int_equal(store_find_session(&st, NULL, "/p", &id, &err), 0);
	assert_int_equal(store_find_session(&st, NULL, "/other", &id, &err), -1);
	store_close(&st);
	strbuf_release(&id);
	strbuf_release(&err);
}

static void test_full_disk(void **state)
{
	struct store st;
	struct store_event ev;
	char call[32];
	int i, failed = 0;
	long long pages;

	(void)state;
	open_ok(&st, "full");
	begin(&st, "s-full");
	assert_int_equal(sqlite3_exec(st.db, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL), SQLITE_OK);
	pages = count(&st, "PRAGMA page_count");
	{
		char sql[64];

		snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %lld", pages + 1);
		assert_int_equal(sqlite3_exec(st.db, sql, NULL, NULL, NULL), SQLITE_OK);
	}
	for (i = 0; i < 300; i++) {
		snprintf(call, sizeof(call), "c%d", i);
		tool_event(&ev, "s-full", call);
		ev.error = "a long error text that fills the pages of the database quickly, quickly";
		if (store_event(&st, &ev))
			failed++;
	}
	assert_true(failed > 0);
	assert_true(st.failing);
	assert_non_null(strstr(st.error.buf, "full"));
	assert_true(json_array_size(st.pending) > 0);
	assert_int_equal(store_turn_end(&st, "s-full"), -1);
	/* the disk is back: everything kept is written, in order */
	assert_int_equal(sqlite3_exec(st.db, "PRAGMA max_page_count = 1000000", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(store_turn_end(&st, "s-full"), 0);
	assert_false(st.failing);
	assert_int_equal(json_array_size(st.pending), 0);
	assert_int_equal(count(&st, "SELECT count(*) FROM events WHERE session = 's-full'"), 300);
	assert_int_equal(count(&st, "SELECT count(DISTINCT call_id) FROM events"), 300);
	integrity_ok(&st);
	store_close(&st);
}

/* 8 processes writing sessions, messages and events at once for about two
 * seconds: no error, no lost row, a sound database. */
static void test_concurrent_processes(void **state)
{
	enum { NPROC = 8 };
	pid_t pids[NPROC];
	struct store st;
	long long total_events = 0, total_msgs = 0;
	int i, pipefd[2];

	(void)state;
	open_ok(&st, "conc");	/* created before the race */
	store_close(&st);
	assert_int_equal(pipe(pipefd), 0);
	for (i = 0; i < NPROC; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			struct store cs;
			struct store_event ev;
			struct conv_msg m;
			long long done[2] = { 0, 0 };
			time_t end = time(NULL) + 2;
			char sid[32], call[32];
			int errors = 0;

			close(pipefd[0]);
			open_ok(&cs, "conc");
			snprintf(sid, sizeof(sid), "proc-%d", i);
			begin(&cs, sid);
			memset(&m, 0, sizeof(m));
			m.role = CONV_USER;
			conv_add_text(&m, "hello", 5);
			while (time(NULL) < end) {
				snprintf(call, sizeof(call), "p%d-%lld", i, done[0]);
				tool_event(&ev, sid, call);
				if (store_event(&cs, &ev))
					errors++;
				else
					done[0]++;
				if (store_message(&cs, sid, (long)done[1], &m, 0))
					errors++;
				else
					done[1]++;
				if (done[0] % 50 == 0 && store_turn_end(&cs, sid))
					errors++;
			}
			conv_msg_release(&m);
			store_close(&cs);
			if (errors)
				done[0] = -1;
			if (write(pipefd[1], done, sizeof(done)) != sizeof(done))
				_exit(2);
			_exit(0);
		}
	}
	close(pipefd[1]);
	for (i = 0; i < NPROC; i++) {
		long long done[2];
		int status;

		assert_int_equal(read(pipefd[0], done, sizeof(done)), sizeof(done));
		assert_true(done[0] >= 0);	/* no write failed */
		total_events += done[0];
		total_msgs += done[1];
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	close(pipefd[0]);
	open_ok(&st, "conc");
	assert_true(total_events > NPROC * 10);
	assert_int_equal(count(&st, "SELECT count(*) FROM events"), total_events);
	assert_int_equal(count(&st, "SELECT count(*) FROM messages"), total_msgs);
	assert_int_equal(count(&st, "SELECT count(*) FROM sessions"), NPROC);
	integrity_ok(&st);
	store_close(&st);
}

/* Whether another process sees a lock on the file (F_GETLK from a child:
 * a process never conflicts with its own locks). */
static int locked_for_others(const char *path)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		struct flock fl;
		int fd = open(path, O_RDWR);

		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		if (fd < 0 || fcntl(fd, F_GETLK, &fl))
			_exit(2);
		_exit(fl.l_type != F_UNLCK);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) < 2);
	return WEXITSTATUS(status);
}

/* Connections of one process (a subagent's, the shipper's, hosted
 * sessions'): opening another must not drop the locks the first holds
 * (closing any descriptor of the file would: POSIX locks are the
 * process's; found as SQLITE_IOERR_SHORT_READ under archie serve), so
 * all keep writing. */
static void test_connections_in_one_process(void **state)
{
	struct store a, b, c;
	struct store_event ev;
	struct strbuf path = STRBUF_INIT;
	int i;

	(void)state;
	open_ok(&a, "same");
	begin(&a, "s-a");
	strbuf_addf(&path, "%s/same/archie.db", dir);
	/* a holds a read transaction's lock while others open */
	assert_int_equal(sqlite3_exec(a.db, "BEGIN; SELECT count(*) FROM sessions", NULL, NULL, NULL),
			 SQLITE_OK);
	assert_true(locked_for_others(path.buf));
	open_ok(&b, "same");
	open_ok(&c, "same");
	assert_true(locked_for_others(path.buf));	/* still a's */
	assert_int_equal(sqlite3_exec(a.db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	strbuf_release(&path);
	begin(&b, "s-b");
	begin(&c, "s-c");
	for (i = 0; i < 20; i++) {
		tool_event(&ev, "s-a", "x");
		assert_int_equal(store_event(&a, &ev), 0);
		tool_event(&ev, "s-b", "y");
		assert_int_equal(store_event(&b, &ev), 0);
	}
	assert_int_equal(store_turn_end(&a, "s-a"), 0);
	assert_int_equal(count(&c, "SELECT count(*) FROM sessions"), 3);
	assert_int_equal(count(&c, "SELECT count(*) FROM events"), 40);
	integrity_ok(&c);
	store_close(&c);
	store_close(&b);
	store_close(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_files_and_version),
		cmocka_unit_test(test_newer_schema_refused),
		cmocka_unit_test(test_migrate_from_every_version),
		cmocka_unit_test(test_round_trip_and_redaction),
		cmocka_unit_test(test_resume_repair),
		cmocka_unit_test(test_find_session),
		cmocka_unit_test(test_full_disk),
		cmocka_unit_test(test_concurrent_processes),
		cmocka_unit_test(test_connections_in_one_process),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
