/*
 * mcp_rpc: the message layer of the MCP client — requests and their
 * responses, what servers ask archie (ping, roots, sampling, elicitation)
 * and tell it (list changes, progress, log messages, resource updates),
 * cancellation — and the stdio transport (JSON-RPC, one message a line).
 * The HTTP transports are mcp_http.c's.  See mcp_int.h.
 */
#include "mcp/mcp_int.h"

#include "config/config.h"
#include "core/cancel.h"
#include "core/clock.h"
#include "core/fileio.h"
#include "core/proc.h"
#include "core/xalloc.h"
#include "policy/childenv.h"
#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>


/* ---- the connection ----------------------------------------------------------------- */

int mcp_spawn(struct mcp *m, struct mcp_server *s, struct strbuf *err)
{
	struct strvec envv = STRVEC_INIT;
	struct strbuf log = STRBUF_INIT;
	struct proc p;
	size_t i;
	int logfd, rc;

	if (m->log_dir) {
		file_mkdirs(m->log_dir, 0700, err);
		strbuf_addf(&log, "%s/%s.log", m->log_dir, s->name);
	}
	logfd = open(log.len ? log.buf : "/dev/null", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	strbuf_release(&log);
	proc_init(&p);
	strvec_push(&p.argv, s->command);
	for (i = 0; i < s->args.nr; i++)
		strvec_push(&p.argv, s->args.v[i]);
	/* a scrubbed environment (no provider keys, no tokens), plus what
	 * the server's own configuration gives it */
	childenv_build(&envv, &s->env);
	p.envp = (const char *const *)envv.v;
	p.pipe_in = 1;
	p.err_to = logfd;	/* its stderr: the server's log */
	strbuf_reset(err);
	rc = proc_start(&p, err);
	if (logfd >= 0)
		close(logfd);
	strvec_release(&envv);
	if (rc) {
		proc_release(&p);
		return strchr(s->command, '/') ? -1
		       : strbuf_seterr(err, "cannot run '%s': it is not on PATH, or not executable",
				       s->command);
	}
	/* the server is the registry's now: its pid and pipes */
	s->pid = p.pid;
	s->to_fd = p.in;
	s->from_fd = p.out;
	p.in = p.out = -1;
	proc_release(&p);
	fcntl(s->from_fd, F_SETFL, fcntl(s->from_fd, F_GETFL) | O_NONBLOCK);
	return 0;
}

static int send_line(struct mcp_server *s, json_t *msg, struct strbuf *err)
{
	char *t = json_dumps(msg, JSON_COMPACT);
	size_t n = strlen(t);
	int rc = 0;

	t = xrealloc(t, n + 2);
	t[n] = '\n';
	if (s->to_fd < 0 || file_write_all(s->to_fd, t, n + 1))
		rc = strbuf_seterr(err, "the server closed its input (%s)",
				   s->to_fd < 0 ? "it is not running" : strerror(errno));
	free(t);
	return rc;
}

static int send_msg(struct mcp_server *s, json_t *msg, struct strbuf *err)
{
	return s->transport == MCP_STDIO ? send_line(s, msg, err) : mcp_http_send(s, msg, err);
}

int mcp_exit_status(struct mcp_server *s, struct strbuf *out)
{
	int st;

	if (s->pid > 0 && waitpid(s->pid, &st, WNOHANG) == s->pid) {
		s->pid = 0;
		if (WIFEXITED(st))
			strbuf_addf(out, " (it exited with status %d)", WEXITSTATUS(st));
		else if (WIFSIGNALED(st))
			strbuf_addf(out, " (it was killed by signal %d)", WTERMSIG(st));
		return 1;
	}
	return s->transport == MCP_STDIO && s->pid <= 0;
}

/* ---- what servers ask --------------------------------------------------------------- */

/* A file: URI for a directory, percent-encoded (RFC 8089). */
static void file_uri(const char *path, struct strbuf *out)
{
	strbuf_addstr(out, "file://");
	for (; *path; path++) {
		unsigned char c = (unsigned char)*path;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("/-._~", c))
			strbuf_addch(out, (char)c);
		else
			strbuf_addf(out, "%%%02X", c);
	}
}

static json_t *roots_result(struct mcp *m)
{
	json_t *roots = json_array();
	size_t i;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->roots.nr; i++) {
		struct strbuf uri = STRBUF_INIT;
		const char *base = strrchr(m->roots.v[i], '/');

		file_uri(m->roots.v[i], &uri);
		json_array_append_new(roots, json_pack("{s:s, s:s}", "uri", uri.buf, "name",
						       base && base[1] ? base + 1 : m->roots.v[i]));
		strbuf_release(&uri);
	}
	pthread_mutex_unlock(&m->lock);
	return json_pack("{s:o}", "roots", roots);
}

static json_t *error_reply(json_t *id, int code, const char *msg)
{
	return json_pack("{s:s, s:O, s:{s:i, s:s}}", "jsonrpc", "2.0", "id", id, "error",
			 "code", code, "message", msg);
}

json_t *mcp_answer(struct mcp *m, struct mcp_server *s, json_t *req, const struct mcp_client *c)
{
	json_t *id = json_object_get(req, "id"), *params = json_object_get(req, "params");
	const char *method = json_string_value(json_object_get(req, "method"));
	struct strbuf err = STRBUF_INIT;
	json_t *res = NULL, *reply;
	int (*fn)(void *, const char *, json_t *, json_t **, struct strbuf *) = NULL;
	void *ud = NULL;

	if (!method)
		method = "";
	log_info("mcp", "server %s asks %s", s->name, method);
	if (!strcmp(method, "ping"))
		return json_pack("{s:s, s:O, s:{}}", "jsonrpc", "2.0", "id", id, "result");
	if (!strcmp(method, "roots/list"))
		return json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", id, "result",
				 roots_result(m));
	if (!strcmp(method, "sampling/createMessage") || !strcmp(method, "elicitation/create")) {
		int sampling = method[0] == 's';
		const struct mcp_client *who = c && (sampling ? c->sample : c->elicit) ? c : &m->idle;

		fn = sampling ? who->sample : who->elicit;
		ud = who->ud;
		if (!fn && !sampling)	/* nobody to ask: declined, as the spec allows */
			return json_pack("{s:s, s:O, s:{s:s}}", "jsonrpc", "2.0", "id", id, "result",
					 "action", "decline");
		if (!fn)
			return error_reply(id, -32601, "sampling is not available here");
		if (fn(ud, s->name, params, &res, &err)) {
			reply = error_reply(id, -1, err.len ? err.buf : "declined");
			strbuf_release(&err);
			return reply;
		}
		strbuf_release(&err);
		return json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", id, "result",
				 res ? res : json_object());
	}
	return error_reply(id, -32601, "not supported by archie");
}

/* ---- what servers say --------------------------------------------------------------- */

static const char *const log_levels[] = { "debug", "info", "notice", "warning", "error",
					  "critical", "alert", "emergency", NULL };

static void heard_log(struct mcp *m, struct mcp_server *s, json_t *params,
		      const struct mcp_client *c)
{
	const char *level = json_string_value(json_object_get(params, "level"));
	const char *logger = json_string_value(json_object_get(params, "logger"));
	json_t *data = json_object_get(params, "data");
	char *text = json_is_string(data) ? xstrdup(json_string_value(data))
					  : json_dumps(data, JSON_COMPACT | JSON_ENCODE_ANY);
	int rank = 1, i;

	for (i = 0; level && log_levels[i]; i++)
		if (!strcmp(level, log_levels[i]))
			rank = i;
	log_info("mcp", "server %s %s%s%s: %s", s->name, level ? level : "info",
		 logger ? " " : "", logger ? logger : "", text ? text : "");
	/* every message to the server's log, beside its stderr */
	if (m->log_dir) {
		struct strbuf path = STRBUF_INIT, line = STRBUF_INIT;
		int fd;

		strbuf_addf(&path, "%s/%s.log", m->log_dir, s->name);
		strbuf_addf(&line, "[%s%s%s] %s\n", level ? level : "info", logger ? " " : "",
			    logger ? logger : "", text ? text : "");
		fd = open(path.buf, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (fd >= 0) {
			if (file_write_all(fd, line.buf, line.len))
				log_debug("mcp", "cannot write %s", path.buf);
			close(fd);
		}
		strbuf_release(&path);
		strbuf_release(&line);
	}
	if (c && c->log)
		c->log(c->ud, s->name, level ? level : "info", text ? text : "");
	if (rank >= 3)
		mcp_tell(m, c, "MCP server '%s' (%s): %.500s", s->name, level, text ? text : "");
	free(text);
}

static void heard_progress(json_t *params, struct mcp_pending *p)
{
	json_t *tok = json_object_get(params, "progressToken");
	char tb[32];
	struct strbuf line = STRBUF_INIT;
	double done = json_number_value(json_object_get(params, "progress"));
	json_t *total = json_object_get(params, "total");
	const char *msg = json_string_value(json_object_get(params, "message"));

	if (!p || !p->token[0] || !p->client || !p->client->progress)
		return;
	if (json_is_string(tok))
		snprintf(tb, sizeof(tb), "%s", json_string_value(tok));
	else
		snprintf(tb, sizeof(tb), "%lld", (long long)json_integer_value(tok));
	if (strcmp(tb, p->token))
		return;
	if (json_is_number(total) && json_number_value(total) > 0)
		strbuf_addf(&line, "progress %g/%g", done, json_number_value(total));
	else
		strbuf_addf(&line, "progress %g", done);
	if (msg && *msg)
		strbuf_addf(&line, ": %.200s", msg);
	p->client->progress(p->client->ud, line.buf);
	strbuf_release(&line);
}

static void heard(struct mcp *m, struct mcp_server *s, const char *mm, json_t *params,
		  struct mcp_pending *p)
{
	const struct mcp_client *c = p ? p->client : NULL;

	if (!strcmp(mm, "notifications/tools/list_changed")) {
		__atomic_store_n(&s->list_changed, 1, __ATOMIC_RELEASE);
	} else if (!strcmp(mm, "notifications/prompts/list_changed")) {
		__atomic_store_n(&s->prompts_changed, 1, __ATOMIC_RELEASE);
	} else if (!strcmp(mm, "notifications/progress")) {
		heard_progress(params, p);
	} else if (!strcmp(mm, "notifications/message")) {
		heard_log(m, s, params, c);
	} else if (!strcmp(mm, "notifications/resources/updated")) {
		const char *uri = json_string_value(json_object_get(params, "uri"));

		if (uri) {
			pthread_mutex_lock(&m->lock);
			if (s->updated.nr < 256 && strvec_find(&s->updated, uri) < 0)
				strvec_push(&s->updated, uri);
			pthread_mutex_unlock(&m->lock);
			mcp_tell(m, c, "MCP server '%s': the resource %.300s changed", s->name, uri);
		}
	} else {
		log_debug("mcp", "server %s: %s", s->name, mm);
	}
}

int mcp_dispatch(struct mcp *m, struct mcp_server *s, json_t *msg, struct mcp_pending *p)
{
	json_t *mid = json_object_get(msg, "id");
	const char *mm = json_string_value(json_object_get(msg, "method"));
	struct strbuf err = STRBUF_INIT;

	if (mm && mid) {
		json_t *r = mcp_answer(m, s, msg, p ? p->client : NULL);

		if (send_msg(s, r, &err))
			log_warn("mcp", "server %s: cannot answer %s: %s", s->name, mm, err.buf);
		json_decref(r);
		strbuf_release(&err);
		return 0;
	}
	if (mm) {
		heard(m, s, mm, json_object_get(msg, "params"), p);
		return 0;
	}
	if (!p || !json_is_integer(mid) || json_integer_value(mid) != p->id)
		return 0;	/* a late answer to a request given up on */
	p->done = 1;
	if (json_object_get(msg, "error")) {
		json_t *e = json_object_get(msg, "error");

		strbuf_seterr(p->err, "the server answered %s with an error: %s (code %lld)", p->method,
			      json_string_value(json_object_get(e, "message"))
			      ? json_string_value(json_object_get(e, "message")) : "?",
			      (long long)json_integer_value(json_object_get(e, "code")));
		return 1;
	}
	p->result = json_incref(json_object_get(msg, "result"));
	if (!p->result)
		strbuf_seterr(p->err, "the server's answer to %s has no result", p->method);
	return 1;
}

/* ---- stdio ------------------------------------------------------------------------ */

/* The whole lines in s->in, each dispatched; -1 (err) on a line that is
 * not JSON. */
static int take_lines(struct mcp *m, struct mcp_server *s, struct mcp_pending *p,
		      struct strbuf *err)
{
	char *nl;

	while ((nl = memchr(s->in.buf, '\n', s->in.len)) != NULL && !(p && p->done)) {
		size_t n = (size_t)(nl - s->in.buf);
		json_error_t jerr;
		json_t *msg = json_loadb(s->in.buf, n, 0, &jerr);

		if (!msg && strspn(s->in.buf, " \t\r") < n)
			return strbuf_seterr(err, "the server wrote something that is not JSON-RPC on stdout: '%.*s'",
					     (int)(n > 80 ? 80 : n), s->in.buf);
		memmove(s->in.buf, nl + 1, s->in.len - n - 1);
		strbuf_setlen(&s->in, s->in.len - n - 1);
		if (msg)
			mcp_dispatch(m, s, msg, p);
		json_decref(msg);
	}
	return 0;
}

/* Reads what is there (waiting at most wait_ms): 1 read, 0 nothing, -1
 * the server closed its output. */
static int read_some(struct mcp_server *s, int wait_ms, struct strbuf *err)
{
	struct pollfd pfd = { s->from_fd, POLLIN, 0 };
	char buf[65536];
	ssize_t r;

	if (s->from_fd < 0 || poll(&pfd, 1, wait_ms) <= 0)
		return s->from_fd < 0 ? -1 : 0;
	r = read(s->from_fd, buf, sizeof(buf));
	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
		return -1;
	if (r > 0 && strbuf_add(&s->in, buf, (size_t)r))
		return strbuf_seterr(err, "the server sent a message larger than %zu bytes",
				     LINE_MAX_BYTES) - 1;
	return r > 0;
}

int mcp_gave_up(struct mcp_pending *p, long t0, long timeout_ms, struct strbuf *err)
{
	if (mcp_stopping)
		return strbuf_seterr(err, "archie is shutting down");
	if (cancel_requested(p->client ? p->client->cancel : NULL)) {
		p->abandoned = 1;
		return strbuf_seterr(err, "interrupted");
	}
	if (clock_ms() - t0 > timeout_ms) {
		p->abandoned = 1;
		return strbuf_seterr(err, "no answer to %s within %ld ms", p->method, timeout_ms);
	}
	return 0;
}

static int rpc_stdio(struct mcp *m, struct mcp_server *s, json_t *req, struct mcp_pending *p,
		     long timeout_ms, struct strbuf *err)
{
	long t0 = clock_ms();

	if (send_line(s, req, err)) {
		mcp_exit_status(s, err);
		return -1;
	}
	for (;;) {
		int r;

		if (take_lines(m, s, p, err))
			return -1;
		if (p->done)
			return p->result ? 0 : -1;
		if (mcp_gave_up(p, t0, timeout_ms, err))
			return -1;
		r = read_some(s, 50, err);
		if (r == -2)
			return -1;
		if (r < 0) {
			struct timespec ts = { 0, 20 * 1000000L };

			nanosleep(&ts, NULL);	/* let it finish exiting */
			strbuf_seterr(err, "the server closed its output before answering %s", p->method);
			mcp_exit_status(s, err);
			return -1;
		}
	}
}

void mcp_poll_stdio(struct mcp *m, struct mcp_server *s)
{
	struct strbuf err = STRBUF_INIT;
	int r;

	while ((r = read_some(s, 0, &err)) > 0)
		;
	take_lines(m, s, NULL, &err);
	if (r == -1 && s->from_fd >= 0) {
		/* it closed its output (it died): nothing more to watch; the
		 * next call finds it ended and starts it again */
		log_info("mcp", "server %s closed its output while idle", s->name);
		close(s->from_fd);
		s->from_fd = -1;
	}
	strbuf_release(&err);
}

/* ---- requests --------------------------------------------------------------------- */

int mcp_notify(struct mcp_server *s, const char *method, json_t *params, struct strbuf *err)
{
	json_t *n = json_pack("{s:s, s:s}", "jsonrpc", "2.0", "method", method);
	int rc;

	if (params)
		json_object_set(n, "params", params);
	rc = send_msg(s, n, err);
	json_decref(n);
	return rc;
}

int mcp_rpc(struct mcp *m, struct mcp_server *s, const char *method, json_t *params,
	    long timeout_ms, const struct mcp_client *c, json_t **result, struct strbuf *err)
{
	struct mcp_pending p;
	json_t *req, *par = params ? json_deep_copy(params) : NULL;
	int rc;

	memset(&p, 0, sizeof(p));
	p.id = ++s->next_id;
	p.method = method;
	p.client = c;
	p.err = err;
	/* progress is asked for where someone shows it */
	if (c && c->progress && !strcmp(method, "tools/call")) {
		snprintf(p.token, sizeof(p.token), "archie-%ld", p.id);
		if (!par)
			par = json_object();
		json_object_set_new(par, "_meta", json_pack("{s:s}", "progressToken", p.token));
	}
	req = json_pack("{s:s, s:I, s:s}", "jsonrpc", "2.0", "id", (json_int_t)p.id,
			"method", method);
	if (par)
		json_object_set_new(req, "params", par);
	strbuf_reset(err);
	rc = s->transport == MCP_STDIO ? rpc_stdio(m, s, req, &p, timeout_ms, err)
				       : mcp_http_rpc(m, s, req, &p, timeout_ms, err);
	json_decref(req);
	if (rc && p.abandoned && strcmp(method, "initialize")) {
		/* the server may stop working on it (a late answer is ignored) */
		struct strbuf e2 = STRBUF_INIT;
		json_t *cp = json_pack("{s:I, s:s}", "requestId", (json_int_t)p.id, "reason",
				       cancel_requested(c ? c->cancel : NULL) ? "the user interrupted"
									       : "timed out");

		mcp_notify(s, "notifications/cancelled", cp, &e2);
		json_decref(cp);
		strbuf_release(&e2);
	}
	if (rc) {
		json_decref(p.result);
		*result = NULL;
		return -1;
	}
	*result = p.result;
	return 0;
}
