/*
 * pg: the throwaway PostgreSQL cluster.  See pg.h.
 */
#include "design/pg.h"

#include "core/pq_dl.h"
#include "core/proc.h"

#include "policy/childenv.h"

#include "core/clock.h"
#include "core/fileio.h"
#include "core/strbuf.h"
#include "core/strvec.h"
#include "core/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- finding PostgreSQL ------------------------------------------------------------- */

static int executable(const char *dir, const char *name)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return access(p, X_OK) == 0;
}

static int find_bindir(const char *given, char *out, size_t n)
{
	const char *env = getenv("ARCHIE_PG_BINDIR");
	glob_t g;
	size_t i;

	if (given && *given) {
		snprintf(out, n, "%s", given);
		return executable(out, "initdb") && executable(out, "postgres") ? 0 : -1;
	}
	if (env && *env) {
		snprintf(out, n, "%s", env);
		return executable(out, "initdb") && executable(out, "postgres") ? 0 : -1;
	}
	/* Debian keeps the server's programs out of PATH, by version */
	if (!glob("/usr/lib/postgresql/*/bin", 0, NULL, &g)) {
		int best = -1;
		long bestv = -1;

		for (i = 0; i < g.gl_pathc; i++) {
			long v = strtol(g.gl_pathv[i] + strlen("/usr/lib/postgresql/"), NULL, 10);

			if (v > bestv && executable(g.gl_pathv[i], "initdb") &&
			    executable(g.gl_pathv[i], "postgres")) {
				bestv = v;
				best = (int)i;
			}
		}
		if (best >= 0) {
			snprintf(out, n, "%s", g.gl_pathv[best]);
			globfree(&g);
			return 0;
		}
		globfree(&g);
	}
	{
		struct strbuf w = STRBUF_INIT;
		int rc = -1;

		if (!file_which("initdb", &w) && strrchr(w.buf, '/')) {
			snprintf(out, n, "%.*s", (int)(strrchr(w.buf, '/') - w.buf), w.buf);
			rc = executable(out, "postgres") ? 0 : -1;
		}
		strbuf_release(&w);
		return rc;
	}
}

/* ---- running it -------------------------------------------------------------------- */

static void remove_tree(const char *path)
{
	struct dirent *de;
	DIR *d = opendir(path);

	if (d) {
		while ((de = readdir(d)) != NULL) {
			char p[PATH_MAX];
			struct stat st;

			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			snprintf(p, sizeof(p), "%s/%s", path, de->d_name);
			if (!lstat(p, &st) && S_ISDIR(st.st_mode))
				remove_tree(p);
			else
				unlink(p);
		}
		closedir(d);
	}
	rmdir(path);
}

static void chown_tree(const char *path, uid_t uid, gid_t gid)
{
	struct dirent *de;
	DIR *d;

	if (chown(path, uid, gid))
		return;
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		char p[PATH_MAX];

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, de->d_name);
		chown_tree(p, uid, gid);
	}
	closedir(d);
}

struct ids {
	uid_t uid;
	gid_t gid;
};

/* In the child, before exec: PostgreSQL refuses to run as root. */
static int drop_root(void *ud)
{
	const struct ids *id = ud;

	return geteuid() == 0 && (setgid(id->gid) || setuid(id->uid)) ? -1 : 0;
}

/* Starts argv with output to log; as uid/gid when running as root.
 * Returns its pid, or -1. */
static pid_t spawn(char *const argv[], const char *log, uid_t uid, gid_t gid)
{
	struct strvec env = STRVEC_INIT;
	struct strbuf err = STRBUF_INIT;
	struct ids id = { uid, gid };
	struct proc p;
	pid_t pid = -1;
	size_t i;
	int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

	proc_init(&p);
	for (i = 0; argv[i]; i++)
		strvec_push(&p.argv, argv[i]);
	childenv_build(&env, NULL);	/* a scrubbed environment */
	p.envp = (const char *const *)env.v;
	p.out_to = p.err_to = fd >= 0 ? fd : open("/dev/null", O_WRONLY | O_CLOEXEC);
	p.setup = drop_root;
	p.setup_ud = &id;
	if (!proc_start(&p, &err))
		pid = p.pid;
	if (p.out_to >= 0)
		close(p.out_to);
	proc_release(&p);
	strvec_release(&env);
	strbuf_release(&err);
	return pid;
}

static void log_tail(const char *log, struct strbuf *out)
{
	struct strbuf sb = STRBUF_INIT_CAP((size_t)1 << 20);
	struct strbuf e = STRBUF_INIT;
	size_t from;

	if (!file_read(log, (size_t)1 << 20, &sb, &e) && sb.len) {
		strbuf_rtrim(&sb);
		from = sb.len > 400 ? sb.len - 400 : 0;
		strbuf_addstr(out, ": ");
		strbuf_add(out, sb.buf + from, sb.len - from);
	}
	strbuf_release(&sb);
	strbuf_release(&e);
}

static void keep_notice(void *ud, const char *msg)
{
	struct pg_cluster *c = ud;
	size_t n = strlen(msg);

	while (n && msg[n - 1] == '\n')
		n--;
	if (c->notices_nr >= 1000)
		return;		/* a DDL that notices more says enough by then */
	ALLOC_GROW(c->notices, c->notices_nr + 1, c->notices_alloc);
	c->notices[c->notices_nr++] = xstrndup(msg, n);
}

void pg_take_notices(struct pg_cluster *c, struct strvec *out)
{
	size_t i;

	for (i = 0; i < c->notices_nr; i++)
		strvec_push_nodup(out, c->notices[i]);
	c->notices_nr = 0;
}

/* ---- the template cluster ---------------------------------------------------------------
 *
 * initdb takes most of a check's time (about 400 ms of 500 on a small VM),
 * and its result is the same every time for one PostgreSQL: it runs once,
 * its data directory is kept as a template in the user's cache, and each
 * check copies it (about 50 ms) into its own throwaway directory.  The
 * template is made aside and renamed into place, so checks running at once
 * never see half of one; ARCHIE_PG_TEMPLATE=0 turns it off.
 */

/* $XDG_CACHE_HOME/archie/pg-template/<key>: key names the server (its
 * binary's path, size and time) and the uid it runs as; "" when off. */
static void template_dir(const char *bin, struct strbuf *out)
{
	const char *cache = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	const char *off = getenv("ARCHIE_PG_TEMPLATE");
	char pg[PATH_MAX + 16];
	struct stat st;
	unsigned long h = 5381;
	const char *p;

	if ((off && !strcmp(off, "0")) || (!(cache && *cache) && !(home && *home)))
		return;
	snprintf(pg, sizeof(pg), "%s/postgres", bin);
	if (stat(pg, &st))
		return;
	for (p = pg; *p; p++)
		h = h * 33 + (unsigned char)*p;
	h = h * 33 + (unsigned long)st.st_size;
	h = h * 33 + (unsigned long)st.st_mtime;
	h = h * 33 + (unsigned long)geteuid();
	if (cache && *cache)
		strbuf_addf(out, "%s/archie/pg-template/%08lx", cache, h & 0xffffffffUL);
	else
		strbuf_addf(out, "%s/.cache/archie/pg-template/%08lx", home, h & 0xffffffffUL);
}

static int copy_file(const char *from, const char *to, mode_t mode, uid_t uid, gid_t gid)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out, rc = 0;
	ssize_t n;

	if (in < 0)
		return -1;
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 07777);
	if (out < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (file_write_all(out, buf, (size_t)n)) {
			rc = -1;
			break;
		}
	if (n < 0)
		rc = -1;
	if (uid != geteuid() && fchown(out, uid, gid))
		rc = -1;
	close(in);
	if (close(out))
		rc = -1;
	return rc;
}

/* A data directory copied, modes kept, owned by uid:gid. */
static int copy_tree(const char *from, const char *to, uid_t uid, gid_t gid)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int rc = 0;

	if (stat(from, &st) || mkdir(to, st.st_mode & 07777) ||
	    (uid != geteuid() && chown(to, uid, gid)))
		return -1;
	if (!(d = opendir(from)))
		return -1;
	while (!rc && (de = readdir(d)) != NULL) {
		char a[PATH_MAX], b[PATH_MAX];

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(a, sizeof(a), "%s/%s", from, de->d_name);
		snprintf(b, sizeof(b), "%s/%s", to, de->d_name);
		if (lstat(a, &st))
			rc = -1;
		else if (S_ISDIR(st.st_mode))
			rc = copy_tree(a, b, uid, gid);
		else if (S_ISREG(st.st_mode))
			rc = copy_file(a, b, st.st_mode, uid, gid);
	}
	closedir(d);
	return rc;
}

/* Keeps a fresh cluster's data directory as the template (best effort:
 * a check goes on without one). */
static void save_template(const char *data, const char *tpl)
{
	struct strbuf tmp = STRBUF_INIT, dst = STRBUF_INIT, e = STRBUF_INIT;
	char *slash;

	if (!*tpl)
		return;
	strbuf_addf(&tmp, "%s.tmp-XXXXXX", tpl);
	slash = strrchr(tmp.buf, '/');
	*slash = 0;
	if (file_mkdirs(tmp.buf, 0700, &e))
		goto out;
	*slash = '/';
	if (!mkdtemp(tmp.buf))
		goto out;
	strbuf_addf(&dst, "%s/data", tmp.buf);
	if (copy_tree(data, dst.buf, geteuid(), getegid()) || rename(tmp.buf, tpl))
		remove_tree(tmp.buf);	/* (another check made it first: fine) */
out:
	strbuf_release(&tmp);
	strbuf_release(&dst);
	strbuf_release(&e);
}

int pg_start(struct pg_cluster *c, const char *bindir, struct strbuf *err)
{
	char bin[PATH_MAX], initdb[PATH_MAX + 16], postgres[PATH_MAX + 16], data[PATH_MAX + 8];
	char log[PATH_MAX + 8], conninfo[PATH_MAX + 64], tdata[PATH_MAX + 8], tversion[PATH_MAX + 24];
	struct strbuf tpl = STRBUF_INIT;
	const char *tmp = getenv("TMPDIR");
	uid_t uid = geteuid();
	gid_t gid = getegid();
	pid_t pid;
	int status;
	long t0;

	memset(c, 0, sizeof(*c));
	if (pq_dl_load(err))
		return -1;
	if (find_bindir(bindir, bin, sizeof(bin)))
		return strbuf_seterr(err, "no PostgreSQL server programs (initdb, postgres) were found; install Debian's postgresql package, or set ARCHIE_PG_BINDIR");
	/* the socket path must stay short (sun_path is 108 bytes) */
	snprintf(c->dir, sizeof(c->dir), "%s/archie-pg-XXXXXX",
		 tmp && *tmp && strlen(tmp) < 60 ? tmp : "/tmp");
	if (!mkdtemp(c->dir)) {
		strbuf_seterr(err, "cannot make a directory for PostgreSQL in %s: %s", c->dir,
			      strerror(errno));
		c->dir[0] = 0;
		return -1;
	}
	if (uid == 0) {
		/* PostgreSQL will not run as root */
		struct passwd *pw = getpwnam("postgres");

		if (!pw)
			pw = getpwnam("nobody");
		if (!pw) {
			strbuf_seterr(err, "running as root, and there is no 'postgres' or 'nobody' user to run PostgreSQL as");
			goto fail;
		}
		uid = pw->pw_uid;
		gid = pw->pw_gid;
		chown_tree(c->dir, uid, gid);
	}
	snprintf(initdb, sizeof(initdb), "%s/initdb", bin);
	snprintf(postgres, sizeof(postgres), "%s/postgres", bin);
	snprintf(data, sizeof(data), "%s/data", c->dir);
	snprintf(log, sizeof(log), "%s/log", c->dir);
	template_dir(bin, &tpl);
	snprintf(tdata, sizeof(tdata), "%s/data", tpl.buf);
	snprintf(tversion, sizeof(tversion), "%s/PG_VERSION", tdata);
	if (!tpl.len || access(tversion, R_OK) || copy_tree(tdata, data, uid, gid)) {
		char *argv[] = {
			initdb, "-D", data, "-A", "trust", "-U", "archie", "-E", "UTF8",
			"--locale=C", "--no-sync", "--wal-segsize=1", NULL,
		};

		remove_tree(data);	/* (a copy that failed half way) */
		pid = spawn(argv, log, uid, gid);
		if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status)) {
			strbuf_seterr(err, "initdb failed");
			log_tail(log, err);
			goto fail;
		}
		save_template(data, tpl.buf);
	} else {
		c->from_template = 1;
	}
	{
		char *argv[] = {
			postgres, "-D", data, "-k", c->dir, "-c", "listen_addresses=",
			"-c", "fsync=off", "-c", "full_page_writes=off", "-c", "synchronous_commit=off",
			"-c", "max_connections=20", "-c", "shared_buffers=16MB", NULL,
		};

		c->pid = spawn(argv, log, uid, gid);
		if (c->pid < 0) {
			c->pid = 0;
			strbuf_seterr(err, "cannot start postgres: %s", strerror(errno));
			goto fail;
		}
	}
	snprintf(conninfo, sizeof(conninfo), "host=%s dbname=postgres user=archie connect_timeout=5",
		 c->dir);
	for (t0 = clock_ms(); PQping(conninfo) != PQPING_OK; ) {
		struct timespec ts = { 0, 20 * 1000000L };

		if (waitpid(c->pid, &status, WNOHANG) == c->pid) {
			c->pid = 0;
			strbuf_seterr(err, "postgres exited at start");
			log_tail(log, err);
			goto fail;
		}
		if (clock_ms() - t0 > 20000) {
			strbuf_seterr(err, "postgres did not accept connections within 20 s");
			log_tail(log, err);
			goto fail;
		}
		nanosleep(&ts, NULL);
	}
	c->conn = PQconnectdb(conninfo);
	if (PQstatus(c->conn) != CONNECTION_OK) {
		strbuf_seterr(err, "cannot connect to the throwaway PostgreSQL: %s",
			      PQerrorMessage(c->conn));
		goto fail;
	}
	/* NOTICEs go to the report, not to stderr as libpq would print them */
	PQsetNoticeProcessor(c->conn, keep_notice, c);
	{
		int v = PQserverVersion(c->conn);

		snprintf(c->version, sizeof(c->version), "%d.%d", v / 10000, v % 10000);
	}
	strbuf_release(&tpl);
	return 0;
fail:
	strbuf_release(&tpl);
	pg_stop(c);
	return -1;
}

void pg_stop(struct pg_cluster *c)
{
	size_t i;

	for (i = 0; i < c->notices_nr; i++)
		free(c->notices[i]);
	free(c->notices);
	c->notices = NULL;
	c->notices_nr = c->notices_alloc = 0;
	if (c->conn) {
		PQfinish(c->conn);
		c->conn = NULL;
	}
	if (c->pid > 0) {
		int status;
		long t0 = clock_ms();

		kill(c->pid, SIGQUIT);	/* immediate shutdown: nothing to keep */
		while (waitpid(c->pid, &status, WNOHANG) == 0) {
			struct timespec ts = { 0, 10 * 1000000L };

			if (clock_ms() - t0 > 5000) {
				kill(c->pid, SIGKILL);
				waitpid(c->pid, &status, 0);
				break;
			}
			nanosleep(&ts, NULL);
		}
		c->pid = 0;
	}
	if (c->dir[0]) {
		remove_tree(c->dir);
		c->dir[0] = 0;
	}
}

void pg_exec(struct pg_cluster *c, const char *sql, struct pg_result *out)
{
	PGresult *res = PQexec(c->conn, sql);
	ExecStatusType st = PQresultStatus(res);
	int r, k;

	memset(out, 0, sizeof(*out));
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) {
		out->ok = 1;
		if (st == PGRES_TUPLES_OK) {
			out->nrows = PQntuples(res);
			out->ncols = PQnfields(res);
			out->rows = xcalloc((size_t)out->nrows + 1, sizeof(*out->rows));
			for (r = 0; r < out->nrows; r++) {
				out->rows[r] = xcalloc((size_t)out->ncols + 1, sizeof(**out->rows));
				for (k = 0; k < out->ncols; k++)
					out->rows[r][k] = xstrdup(PQgetvalue(res, r, k));
			}
		}
	} else {
		const char *m = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
		const char *d = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
		const char *h = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_HINT) : NULL;
		const char *p = res ? PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION) : NULL;
		struct strbuf det = STRBUF_INIT;

		out->error = xstrdup(m ? m : PQerrorMessage(c->conn));
		out->error[strcspn(out->error, "\n")] = 0;
		if (d)
			strbuf_addf(&det, "%s", d);
		if (h)
			strbuf_addf(&det, "%s%s", det.len ? "; " : "", h);
		out->detail = det.len ? strbuf_detach(&det, NULL) : NULL;
		strbuf_release(&det);
		out->position = p ? (int)strtol(p, NULL, 10) : 0;
	}
	if (res)
		PQclear(res);
}

void pg_result_release(struct pg_result *r)
{
	int i, k;

	for (i = 0; i < r->nrows; i++) {
		for (k = 0; k < r->ncols; k++)
			free(r->rows[i][k]);
		free(r->rows[i]);
	}
	free(r->rows);
	free(r->error);
	free(r->detail);
	memset(r, 0, sizeof(*r));
}
