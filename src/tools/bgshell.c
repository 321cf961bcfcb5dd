/*
 * bgshell: background shells.  See bgshell.h.
 */
#include "tools/bgshell.h"
#include "tools/bgshell_int.h"

#include "core/clock.h"
#include "core/headtail.h"
#include "core/log.h"
#include "core/proc.h"
#include "core/xalloc.h"
#include "policy/sandbox.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- the thread --------------------------------------------------------------- */

static void wake(struct bgshell_set *b)
{
	char c = 1;

	if (write(b->wake[1], &c, 1) < 0 && errno != EAGAIN)
		log_debug("bgshell", "wake: %s", strerror(errno));
}

/* On the thread, with the lock: forks the pending start. */
static void do_start(struct bgshell_set *b)
{
	struct proc *p = b->start_p;

	bgshell_monitor_start(b);
	p->merge_stderr = 1;
	b->start_rc = proc_start(p, &b->start_err);
	if (!b->start_rc) {
		fcntl(p->out, F_SETFL, fcntl(p->out, F_GETFL) | O_NONBLOCK);
		bgshell_monitor_tell(b, '+', p->pid);
	}
	b->start_p = NULL;
	b->start_done = 1;
	pthread_cond_broadcast(&b->changed);
}

/* On the thread, without the lock (only the thread reads or closes a
 * shell's pipe): one read of what the shell printed, added under the
 * lock.  One read a turn, not until the pipe is empty: a command that
 * prints as fast as it can would otherwise keep the thread (and the
 * lock) from everyone else. */
static void take_output(struct bgshell_set *b, struct shell *s, char *buf, size_t cap)
{
	ssize_t n = read(s->out, buf, cap);
	int fd = s->out, gone = n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR);

	pthread_mutex_lock(&b->lock);
	if (n > 0)
		headtail_add(&s->buf, buf, (size_t)n);
	else if (gone)
		s->out = -1;
	pthread_mutex_unlock(&b->lock);
	if (gone)
		close(fd);
}

/*
 * With the lock: the process groups a shell's processes are in besides
 * its own, told to the monitor.  bubblewrap runs the command in a session
 * of its own, which a signal to the shell's group does not reach; if
 * archie dies, the monitor stops those groups too.  Looked for in the
 * shell's first seconds, when it starts what it will run.
 */
static void watch_groups(struct bgshell_set *b, struct shell *s)
{
	long long now = clock_wall_ms();
	size_t i, k;

	if (s->reaped || now - s->started > GROUPS_WATCH_MS || now - s->groups_at < 2LL * POLL_MS)
		return;
	s->groups_at = now;
	bgshell_collect_tree(s);
	for (i = 0; i < s->tree_nr; i++) {
		pid_t g = getpgid(s->tree[i].pid);

		if (g <= 1 || g == s->pid)
			continue;
		for (k = 0; k < s->groups_nr && s->groups[k] != g; k++)
			;
		if (k == s->groups_nr && s->groups_nr < GROUPS_MAX) {
			s->groups[s->groups_nr++] = g;
			bgshell_monitor_tell(b, '+', g);
		}
	}
}

static void reap(struct bgshell_set *b, struct shell *s)
{
	int status;
	size_t k;

	if (s->reaped || waitpid(s->pid, &status, WNOHANG) != s->pid)
		return;
	s->reaped = 1;
	s->ended = clock_wall_ms();
	if (WIFEXITED(status)) {
		s->exit_code = WEXITSTATUS(status);
	} else {
		s->exit_code = -1;
		s->term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	}
	bgshell_monitor_tell(b, '-', s->pid);
	for (k = 0; k < s->groups_nr; k++)
		bgshell_monitor_tell(b, '-', s->groups[k]);
}

static void *thread_main(void *arg)
{
	struct bgshell_set *b = arg;
	size_t cap = 16;
	struct pollfd *fds = xcalloc(cap, sizeof(*fds));
	struct shell **who = xcalloc(cap, sizeof(*who));
	char *buf = xmalloc(65536);

	pthread_mutex_lock(&b->lock);
	while (!b->stopping) {
		size_t i, n = 1;
		int ready;

		if (b->start_p)
			do_start(b);
		if (cap < b->nr + 1) {
			cap = b->nr + 16;
			fds = xrealloc(fds, cap * sizeof(*fds));
			who = xrealloc(who, cap * sizeof(*who));
		}
		fds[0].fd = b->wake[0];
		fds[0].events = POLLIN;
		for (i = 0; i < b->nr; i++)
			if (b->v[i]->out >= 0) {
				fds[n].fd = b->v[i]->out;
				fds[n].events = POLLIN;
				who[n++] = b->v[i];
			}
		pthread_mutex_unlock(&b->lock);
		ready = poll(fds, n, POLL_MS);
		if (ready > 0 && (fds[0].revents & POLLIN)) {
			char junk[64];

			while (read(b->wake[0], junk, sizeof(junk)) > 0)
				;
		}
		for (i = 1; ready > 0 && i < n; i++)
			if (fds[i].revents)
				take_output(b, who[i], buf, 65536);
		pthread_mutex_lock(&b->lock);
		for (i = 0; i < b->nr; i++) {
			reap(b, b->v[i]);
			watch_groups(b, b->v[i]);
		}
		pthread_cond_broadcast(&b->changed);
	}
	pthread_mutex_unlock(&b->lock);
	free(fds);
	free(who);
	free(buf);
	return NULL;
}

/* ---- the set ------------------------------------------------------------------ */

struct bgshell_set *bgshell_new(void)
{
	struct bgshell_set *b = xcalloc(1, sizeof(*b));

	pthread_mutex_init(&b->lock, NULL);
	pthread_mutex_init(&b->starts, NULL);
	pthread_cond_init(&b->changed, NULL);
	strbuf_init(&b->start_err, 0);
	b->monitor = -1;
	if (pipe2(b->wake, O_CLOEXEC | O_NONBLOCK) < 0)
		goto fail;
	return b;
fail:
	pthread_mutex_destroy(&b->lock);
	pthread_mutex_destroy(&b->starts);
	pthread_cond_destroy(&b->changed);
	free(b);
	return NULL;
}

static int running(const struct shell *s)
{
	return !s->reaped || s->out >= 0;
}

/* With the lock: waits up to ms for cond() on s, or until the thread
 * says something changed that makes it true. */
static int wait_until(struct bgshell_set *b, struct shell *s, long ms,
		      int (*cond)(const struct shell *s))
{
	struct timespec ts;

	clock_deadline(&ts, ms);
	while (!cond(s))
		if (pthread_cond_timedwait(&b->changed, &b->lock, &ts) == ETIMEDOUT)
			return cond(s);
	return 1;
}

static int reaped(const struct shell *s)
{
	return s->reaped;
}

/* reaped, and its output at its end: nothing of it holds the pipe */
static int ended(const struct shell *s)
{
	return !running(s);
}

/* With the lock: SIGTERM to the shell's processes, SIGKILL to those left
 * after the grace. */
static void stop_group(struct bgshell_set *b, struct shell *s)
{
	if (s->reaped)
		return;
	s->killed = 1;
	bgshell_collect_tree(s);
	bgshell_signal_tree(s, SIGTERM);
	wake(b);
	if (wait_until(b, s, GRACE_MS, ended))
		return;
	bgshell_signal_tree(s, SIGKILL);
	wake(b);
	wait_until(b, s, GRACE_MS, ended);
}

void bgshell_stop_all(struct bgshell_set *b)
{
	size_t i;
	int any = 0;

	if (!b)
		return;
	pthread_mutex_lock(&b->lock);
	/* every shell told at once, so n shells take one grace, not n */
	for (i = 0; i < b->nr; i++)
		if (!b->v[i]->reaped) {
			b->v[i]->killed = 1;
			bgshell_collect_tree(b->v[i]);
			bgshell_signal_tree(b->v[i], SIGTERM);
			any = 1;
		}
	for (i = 0; any && i < b->nr; i++)
		if (!wait_until(b, b->v[i], GRACE_MS, reaped))
			break;
	for (i = 0; any && i < b->nr; i++)
		if (b->v[i]->tree_nr)
			bgshell_signal_tree(b->v[i], SIGKILL);
	for (i = 0; any && i < b->nr; i++)
		wait_until(b, b->v[i], GRACE_MS, reaped);
	pthread_mutex_unlock(&b->lock);
}

void bgshell_free(struct bgshell_set *b)
{
	size_t i;

	if (!b)
		return;
	bgshell_stop_all(b);
	pthread_mutex_lock(&b->lock);
	b->stopping = 1;
	pthread_mutex_unlock(&b->lock);
	wake(b);
	if (b->thread_up)
		pthread_join(b->thread, NULL);
	for (i = 0; i < b->nr; i++) {
		struct shell *s = b->v[i];

		kill(-s->pid, SIGKILL);
		if (s->out >= 0)
			close(s->out);
		if (s->has_sr)
			sandbox_run_finish(&s->sr, NULL);
		headtail_release(&s->buf);
		free(s->tree);
		free(s->command);
		free(s);
	}
	free(b->v);
	if (b->monitor >= 0) {
		close(b->monitor);
		waitpid(b->monitor_pid, NULL, 0);
	}
	close(b->wake[0]);
	close(b->wake[1]);
	strbuf_release(&b->start_err);
	pthread_cond_destroy(&b->changed);
	pthread_mutex_destroy(&b->lock);
	pthread_mutex_destroy(&b->starts);
	free(b);
}

int bgshell_start(struct bgshell_set *b, struct proc *p, struct sandbox_run *sr,
		  const char *command, struct strbuf *id, struct strbuf *err)
{
	struct shell *s;
	int rc;

	pthread_mutex_lock(&b->starts);
	pthread_mutex_lock(&b->lock);
	/* the thread, on the first start: most sessions never need it */
	if (!b->thread_up && pthread_create(&b->thread, NULL, thread_main, b)) {
		rc = strbuf_seterr(err, "cannot start the thread that runs background commands");
		goto out;
	}
	b->thread_up = 1;
	strbuf_reset(&b->start_err);
	b->start_p = p;
	b->start_done = 0;
	wake(b);
	while (!b->start_done)
		pthread_cond_wait(&b->changed, &b->lock);
	rc = b->start_rc;
	if (rc) {
		strbuf_add(err, b->start_err.buf, b->start_err.len);
		goto out;
	}
	s = xcalloc(1, sizeof(*s));
	snprintf(s->id, sizeof(s->id), "bash_%u", ++b->next);
	s->command = xstrdup(command);
	s->pid = p->pid;
	s->out = p->out;
	p->out = -1;
	p->pid = 0;
	headtail_init(&s->buf, HEAD_CAP, TAIL_CAP);
	s->started = clock_wall_ms();
	if (sr) {
		s->sr = *sr;
		s->has_sr = 1;
		memset(sr, 0, sizeof(*sr));
		sr->seccomp_fd = sr->ruleset_fd = -1;
	}
	ALLOC_GROW(b->v, b->nr + 1, b->alloc);
	b->v[b->nr++] = s;
	strbuf_addstr(id, s->id);
	wake(b);
out:
	pthread_mutex_unlock(&b->lock);
	pthread_mutex_unlock(&b->starts);
	return rc;
}

/* ---- reading, stopping, listing --------------------------------------------- */

/* With the lock: the shell of that id ("bash_3", or "3"), or NULL. */
static struct shell *find(struct bgshell_set *b, const char *id)
{
	size_t i;

	for (i = 0; id && i < b->nr; i++)
		if (!strcmp(b->v[i]->id, id) || !strcmp(b->v[i]->id + 5, id))
			return b->v[i];
	return NULL;
}

static void no_such(struct bgshell_set *b, const char *id, struct strbuf *out)
{
	size_t i;

	strbuf_addf(out, "error: there is no background shell '%s'", id ? id : "");
	if (!b->nr) {
		strbuf_addstr(out, "; none was started (Bash with run_in_background: true starts one)");
		return;
	}
	strbuf_addstr(out, "; there are:");
	for (i = 0; i < b->nr; i++)
		strbuf_addf(out, " %s", b->v[i]->id);
}

/* A listener on port in the network namespace pid is in (0: archie's):
 * its /proc/PID/net/tcp and tcp6 list the sockets, state 0A listening.
 * Read from there because a sandboxed service listens in the sandbox's
 * network namespace, which archie itself is not in. */
static int listening(pid_t pid, int port)
{
	static const char *const files[] = { "tcp", "tcp6" };
	char path[64], line[512];
	size_t i;

	for (i = 0; i < 2; i++) {
		FILE *f;

		if (pid > 0)
			snprintf(path, sizeof(path), "/proc/%ld/net/%s", (long)pid, files[i]);
		else
			snprintf(path, sizeof(path), "/proc/self/net/%s", files[i]);
		if (!(f = fopen(path, "re")))
			continue;
		while (fgets(line, sizeof(line), f)) {
			char local[80], remote[80], st[8];
			const char *colon;

			if (sscanf(line, "%*s %79s %79s %7s", local, remote, st) != 3 ||
			    strcmp(st, "0A") || !(colon = strrchr(local, ':')))
				continue;
			if (strtol(colon + 1, NULL, 16) == port) {
				fclose(f);
				return 1;
			}
		}
		fclose(f);
	}
	return 0;
}

static void age(struct strbuf *out, long long ms)
{
	if (ms < 60000)
		strbuf_addf(out, "%.1f s", (double)ms / 1000);
	else
		strbuf_addf(out, "%lld min %lld s", ms / 60000, ms / 1000 % 60);
}

static void status_line(const struct shell *s, size_t fresh, struct strbuf *out)
{
	long long now = clock_wall_ms();

	strbuf_addf(out, "[%s: ", s->id);
	if (running(s)) {
		strbuf_addf(out, "running, pid %ld, for ", (long)s->pid);
		age(out, now - s->started);
	} else {
		if (s->killed)
			strbuf_addstr(out, "stopped");
		else if (s->exit_code >= 0)
			strbuf_addf(out, "exited with code %d", s->exit_code);
		else
			strbuf_addf(out, "killed by signal %d", s->term_signal);
		strbuf_addstr(out, " after ");
		age(out, s->ended - s->started);
	}
	strbuf_addf(out, "; %zu bytes of output, %zu new]", s->buf.total, fresh);
}

/* The lines of text matching re (a line is kept whole). */
static void keep_matching(pcre2_code *re, const struct strbuf *text, struct strbuf *out)
{
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
	const char *p = text->buf, *end = text->buf + text->len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (pcre2_match(re, (PCRE2_SPTR)p, n, 0, 0, md, NULL) >= 0) {
			strbuf_add(out, p, n);
			strbuf_addch(out, '\n');
		}
		p += n + (nl ? 1 : 0);
	}
	pcre2_match_data_free(md);
}

static pcre2_code *compile(const char *pattern, const char *what, struct strbuf *out)
{
	int code;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
				       PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_MULTILINE, &code, &off, NULL);

	if (!re) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(code, msg, sizeof(msg));
		strbuf_addf(out, "error: %s is not a valid regular expression at offset %zu: %s",
			    what, (size_t)off, (const char *)msg);
	}
	return re;
}

/* With the lock: the pattern appears in what came since from. */
static int seen(const struct shell *s, pcre2_code *re, pcre2_match_data *md, size_t from)
{
	struct strbuf t = STRBUF_INIT;
	int hit;

	headtail_since(&s->buf, from, NULL, &t);
	hit = pcre2_match(re, (PCRE2_SPTR)t.buf, t.len, 0, 0, md, NULL) >= 0;
	strbuf_release(&t);
	return hit;
}

/* With the lock: waits as w says.  Returns what ended the wait. */
static const char *wait_for(struct bgshell_set *b, struct shell *s, pcre2_code *re,
			    const struct bgshell_wait *w)
{
	pcre2_match_data *md = re ? pcre2_match_data_create_from_pattern(re, NULL) : NULL;
	long t0 = clock_ms();
	const char *why = NULL;

	while (!why) {
		struct timespec ts;

		if (re && seen(s, re, md, s->read_at))
			why = "the pattern appeared";
		else if (w->port && listening(s->reaped ? 0 : s->pid, w->port))
			why = "the port is listening";
		else if (!running(s))
			why = "the shell ended";
		else if (w->cancel && *w->cancel)
			why = "interrupted";
		else if (clock_ms() - t0 >= w->timeout_ms)
			why = "timed out";
		else {
			clock_deadline(&ts, 50);
			pthread_cond_timedwait(&b->changed, &b->lock, &ts);
		}
	}
	pcre2_match_data_free(md);
	return why;
}

int bgshell_read(struct bgshell_set *b, const char *id, const char *filter,
		 const struct bgshell_wait *w, size_t cap, struct strbuf *out)
{
	pcre2_code *re = NULL, *until = NULL;
	struct strbuf text = STRBUF_INIT, kept = STRBUF_INIT;
	const char *why = NULL;
	struct shell *s;
	int rc = -1;

	if (filter && *filter && !(re = compile(filter, "filter", out)))
		return -1;
	if (w && w->pattern && *w->pattern && !(until = compile(w->pattern, "wait_for", out))) {
		pcre2_code_free(re);
		return -1;
	}
	pthread_mutex_lock(&b->lock);
	if (!(s = find(b, id))) {
		no_such(b, id, out);
		goto out;
	}
	if (w && w->timeout_ms > 0 && (until || w->port))
		why = wait_for(b, s, until, w);
	status_line(s, s->buf.total - s->read_at, out);
	s->read_at = headtail_since(&s->buf, s->read_at,
				    "the middle of the output was cut before it was read", &text);
	if (why)
		strbuf_addf(out, "\n[waited: %s]", why);
	if (re) {
		keep_matching(re, &text, &kept);
		strbuf_reset(&text);
		strbuf_add(&text, kept.buf, kept.len);
	}
	if (text.len) {
		strbuf_addch(out, '\n');
		headtail_cap_text(text.buf, text.len, cap * 2 / 3, cap / 3,
				  "the middle of the new output was cut", out);
	}
	if (!running(s) && s->has_sr) {
		/* ended: what its sandbox quarantined is said once */
		strbuf_addch(out, '\n');
		sandbox_run_finish(&s->sr, out);
		s->has_sr = 0;
	}
	rc = 0;
out:
	pthread_mutex_unlock(&b->lock);
	strbuf_release(&text);
	strbuf_release(&kept);
	pcre2_code_free(re);
	pcre2_code_free(until);
	return rc;
}

int bgshell_kill(struct bgshell_set *b, const char *id, struct strbuf *out)
{
	struct shell *s;
	int rc = -1;

	pthread_mutex_lock(&b->lock);
	if (!(s = find(b, id))) {
		no_such(b, id, out);
	} else if (!running(s)) {
		status_line(s, s->buf.total - s->read_at, out);
		strbuf_addstr(out, "\n(it had already ended)");
		rc = 0;
	} else {
		/* waits for the end of its output too: what it printed last
		 * is in what the model gets */
		stop_group(b, s);
		status_line(s, s->buf.total - s->read_at, out);
		rc = 0;
	}
	pthread_mutex_unlock(&b->lock);
	return rc;
}

size_t bgshell_running(struct bgshell_set *b)
{
	size_t i, n = 0;

	if (!b)
		return 0;
	pthread_mutex_lock(&b->lock);
	for (i = 0; i < b->nr; i++)
		n += running(b->v[i]);
	pthread_mutex_unlock(&b->lock);
	return n;
}

void bgshell_list(struct bgshell_set *b, struct strbuf *out)
{
	size_t i;

	if (!b)
		return;
	pthread_mutex_lock(&b->lock);
	for (i = 0; i < b->nr; i++) {
		status_line(b->v[i], b->v[i]->buf.total - b->v[i]->read_at, out);
		strbuf_addf(out, " %s\n", b->v[i]->command);
	}
	pthread_mutex_unlock(&b->lock);
}

static void info_of(const struct shell *s, struct bgshell_info *in)
{
	memset(in, 0, sizeof(*in));
	in->id = s->id;
	in->command = s->command;
	in->pid = s->pid;
	in->running = running(s);
	in->exit_code = s->reaped ? s->exit_code : -1;
	in->term_signal = s->term_signal;
	in->killed = s->killed;
	in->started_ms = s->started;
	in->ended_ms = s->reaped ? s->ended : 0;
	in->bytes = s->buf.total;
	in->unread = s->buf.total - s->read_at;
}

void bgshell_take_ended(struct bgshell_set *b,
			void (*fn)(void *ud, const struct bgshell_info *info), void *ud)
{
	size_t i;

	if (!b)
		return;
	pthread_mutex_lock(&b->lock);
	for (i = 0; i < b->nr; i++) {
		struct shell *s = b->v[i];
		struct bgshell_info in;

		if (s->reported || running(s))
			continue;
		s->reported = 1;
		info_of(s, &in);
		fn(ud, &in);
	}
	pthread_mutex_unlock(&b->lock);
}
