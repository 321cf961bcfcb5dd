/*
 * mcp_rpc: talking to an MCP server — its process over stdio (JSON-RPC,
 * one message a line), or Streamable HTTP (POST with JSON or an event
 * stream back, the Mcp-Session-Id kept, a forgotten session initialised
 * again).  See mcp_int.h.
 */
#include "mcp/mcp_int.h"

#include "config/config.h"
#include "core/cancel.h"
#include "core/clock.h"
#include "core/fileio.h"
#include "core/proc.h"
#include "core/xalloc.h"
#include "policy/childenv.h"
#include "provider/http.h"

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
	if (file_write_all(s->to_fd, t, n + 1))
		rc = strbuf_seterr(err, "the server closed its input (%s)", strerror(errno));
	free(t);
	return rc;
}

/* How the server ended, if it did. */
void mcp_exit_status(struct mcp_server *s, struct strbuf *out)
{
	int st;

	if (s->pid > 0 && waitpid(s->pid, &st, WNOHANG) == s->pid) {
		s->pid = 0;
		if (WIFEXITED(st))
			strbuf_addf(out, " (it exited with status %d)", WEXITSTATUS(st));
		else if (WIFSIGNALED(st))
			strbuf_addf(out, " (it was killed by signal %d)", WTERMSIG(st));
	}
}

/* Sends a request and reads until its response; notifications and the
 * server's own requests on the way are handled.  0 with *result (a new
 * reference) or -1 with err. */
/* One message as a server sent it: a notification noted, our response
 * returned (0/-1), anything else ignored (1). */
static int take_message(struct mcp_server *s, json_t *msg, long id, const char *method,
			json_t **result, struct strbuf *err)
{
	json_t *mid = json_object_get(msg, "id");
	const char *mm = json_string_value(json_object_get(msg, "method"));

	if (mm) {
		if (!strcmp(mm, "notifications/tools/list_changed"))
			__atomic_store_n(&s->list_changed, 1, __ATOMIC_RELEASE);
		return 1;
	}
	if (json_integer_value(mid) != id)
		return 1;
	if (json_object_get(msg, "error")) {
		json_t *e = json_object_get(msg, "error");

		strbuf_seterr(err, "the server answered %s with an error: %s (code %lld)", method,
			      json_string_value(json_object_get(e, "message"))
			      ? json_string_value(json_object_get(e, "message")) : "?",
			      (long long)json_integer_value(json_object_get(e, "code")));
		return -1;
	}
	*result = json_incref(json_object_get(msg, "result"));
	if (!*result)
		return strbuf_seterr(err, "the server's answer to %s has no result", method);
	return 0;
}

static int rpc_stdio(struct mcp_server *s, const char *method, json_t *params, long timeout_ms,
		     volatile sig_atomic_t *cancel, json_t **result, struct strbuf *err)
{
	long id = ++s->next_id, t0 = clock_ms();
	json_t *req = json_pack("{s:s, s:I, s:s}", "jsonrpc", "2.0", "id", (json_int_t)id,
				"method", method);
	int rc;

	*result = NULL;
	if (params)
		json_object_set(req, "params", params);
	if (send_line(s, req, err)) {
		json_decref(req);
		mcp_exit_status(s, err);
		return -1;
	}
	json_decref(req);
	for (;;) {
		char *nl;

		while ((nl = memchr(s->in.buf, '\n', s->in.len)) != NULL) {
			size_t n = (size_t)(nl - s->in.buf);
			json_error_t jerr;
			json_t *msg = json_loadb(s->in.buf, n, 0, &jerr), *mid;

			if (!msg) {
				if (strspn(s->in.buf, " \t\r") < n) {
					strbuf_seterr(err, "the server wrote something that is not JSON-RPC on stdout: '%.*s'",
						      (int)(n > 80 ? 80 : n), s->in.buf);
					return -1;
				}
			}
			memmove(s->in.buf, nl + 1, s->in.len - n - 1);
			strbuf_setlen(&s->in, s->in.len - n - 1);
			if (!msg)
				continue;
			mid = json_object_get(msg, "id");
			if (json_object_get(msg, "method") && mid) {
				/* the server asks us: pings are answered, the rest declined */
				const char *mm = json_string_value(json_object_get(msg, "method"));
				json_t *r = mm && !strcmp(mm, "ping")
					    ? json_pack("{s:s, s:O, s:{}}", "jsonrpc", "2.0", "id", mid, "result")
					    : json_pack("{s:s, s:O, s:{s:i, s:s}}", "jsonrpc", "2.0", "id", mid,
							"error", "code", -32601, "message", "not supported by archie");

				send_line(s, r, err);
				json_decref(r);
			}
			rc = take_message(s, msg, id, method, result, err);
			json_decref(msg);
			if (rc <= 0)
				return rc;
		}
		{
			struct pollfd pfd = { s->from_fd, POLLIN, 0 };
			char buf[65536];
			ssize_t r;
			int pr;

			if (mcp_stopping)
				return strbuf_seterr(err, "archie is shutting down");
			if (cancel_requested(cancel))
				return strbuf_seterr(err, "interrupted");
			if (clock_ms() - t0 > timeout_ms)
				return strbuf_seterr(err, "no answer to %s within %ld ms", method, timeout_ms);
			pr = poll(&pfd, 1, 50);
			if (pr <= 0)
				continue;
			r = read(s->from_fd, buf, sizeof(buf));
			if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
				struct timespec ts = { 0, 20 * 1000000L };

				nanosleep(&ts, NULL);	/* let it finish exiting */
				strbuf_seterr(err, "the server closed its output before answering %s", method);
				mcp_exit_status(s, err);
				return -1;
			}
			if (r > 0 && strbuf_add(&s->in, buf, (size_t)r))
				return strbuf_seterr(err, "the server sent a message larger than %zu bytes",
						     LINE_MAX_BYTES);
		}
	}
}

/* ---- Streamable HTTP ----------------------------------------------------------------- */

struct http_acc {
	struct strbuf body;
};

static int http_data(void *ud, const char *data, size_t len)
{
	struct http_acc *a = ud;

	return strbuf_add(&a->body, data, len) ? -1 : 0;
}

/* POSTs one JSON-RPC message; for a request (id > 0) finds its response in
 * a JSON or an SSE reply.  *status gets the HTTP status. */
static int post(struct mcp_server *s, json_t *msg, long id, const char *method,
		long timeout_ms, volatile sig_atomic_t *cancel, json_t **result, long *status,
		struct strbuf *err)
{
	struct http_request req;
	struct http_response resp;
	struct http_acc acc;
	struct strvec hdrs = STRVEC_INIT;
	char *body = json_dumps(msg, JSON_COMPACT);
	size_t i;
	int rc = -1;

	*result = NULL;
	strbuf_init(&acc.body, LINE_MAX_BYTES);
	strvec_push(&hdrs, "Content-Type: application/json");
	strvec_push(&hdrs, "Accept: application/json, text/event-stream");
	if (s->session_id)
		strvec_pushf(&hdrs, "Mcp-Session-Id: %s", s->session_id);
	if (s->protocol)
		strvec_pushf(&hdrs, "MCP-Protocol-Version: %s", s->protocol);
	for (i = 0; i < s->headers.nr; i++)
		strvec_push(&hdrs, s->headers.v[i]);
	memset(&req, 0, sizeof(req));
	req.url = s->url;
	req.headers = &hdrs;
	req.body = body;
	req.body_len = strlen(body);
	req.connect_timeout_ms = timeout_ms < 10000 ? timeout_ms : 10000;
	req.total_timeout_ms = timeout_ms;
	req.idle_timeout_ms = timeout_ms;
	req.cancel = cancel;
	req.on_data = http_data;
	req.ud = &acc;
	http_response_init(&resp);
	http_post(&req, &resp);
	*status = resp.status;
	if (resp.failure != HTTP_OK) {
		strbuf_seterr(err, "%s: %s", s->url, resp.error.len ? resp.error.buf : "the request failed");
		goto out;
	}
	if (resp.mcp_session_id && !s->session_id)
		s->session_id = xstrdup(resp.mcp_session_id);
	if (resp.status < 200 || resp.status >= 300) {
		strbuf_seterr(err, "%s answered HTTP %ld to %s%s%.200s", s->url, resp.status, method,
			      resp.body.len ? ": " : "", resp.body.buf);
		goto out;
	}
	if (id <= 0) {
		rc = 0;		/* a notification: 202 and no body */
		goto out;
	}
	if (resp.content_type && strstr(resp.content_type, "text/event-stream")) {
		/* events, each a JSON-RPC message in its data lines */
		struct strbuf data = STRBUF_INIT_CAP(LINE_MAX_BYTES);
		const char *p = acc.body.buf;

		while (*p && rc < 0 && !*result) {
			size_t n = strcspn(p, "\n");
			int blank = n == 0 || (n == 1 && p[0] == '\r');

			if (!strncmp(p, "data:", 5)) {
				size_t skip = 5 + (p[5] == ' ');
				size_t dn = n - skip - (n > skip && p[n - 1] == '\r');

				if (data.len)
					strbuf_addch(&data, '\n');
				strbuf_add(&data, p + skip, dn);
			}
			if ((blank || !p[n] || !p[n + 1]) && data.len) {
				json_error_t jerr;
				json_t *m = json_loadb(data.buf, data.len, 0, &jerr);

				if (m && take_message(s, m, id, method, result, err) <= 0)
					rc = *result ? 0 : -1;
				json_decref(m);
				strbuf_reset(&data);
			}
			p += n + (p[n] == '\n');
		}
		strbuf_release(&data);
		if (rc < 0 && !err->len)
			strbuf_seterr(err, "the server's event stream ended without the answer to %s", method);
	} else {
		json_error_t jerr;
		json_t *m = json_loadb(acc.body.buf, acc.body.len, 0, &jerr), *one;

		if (!m) {
			strbuf_seterr(err, "the server's answer to %s is not JSON: %s", method, jerr.text);
			goto out;
		}
		if (json_is_array(m)) {
			json_array_foreach(m, i, one)
				if (take_message(s, one, id, method, result, err) <= 0)
					break;
		} else {
			take_message(s, m, id, method, result, err);
		}
		json_decref(m);
		rc = *result ? 0 : -1;
		if (rc && !err->len)
			strbuf_seterr(err, "the server's reply has no answer to %s", method);
	}
out:
	http_response_release(&resp);
	strbuf_release(&acc.body);
	strvec_release(&hdrs);
	free(body);
	return rc;
}


static int rpc_http(struct mcp *m, struct mcp_server *s, const char *method, json_t *params,
		    long timeout_ms, volatile sig_atomic_t *cancel, json_t **result,
		    struct strbuf *err)
{
	long status = 0;
	int attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		long id = ++s->next_id;
		json_t *req = json_pack("{s:s, s:I, s:s}", "jsonrpc", "2.0", "id", (json_int_t)id,
					"method", method);
		int rc;

		if (params)
			json_object_set(req, "params", params);
		strbuf_reset(err);
		rc = post(s, req, id, method, timeout_ms, cancel, result, &status, err);
		json_decref(req);
		if (!rc || status != 404 || !s->session_id || !strcmp(method, "initialize"))
			return rc;
		/* the server forgot our session: a new one, then the request again */
		free(s->session_id);
		s->session_id = NULL;
		free(s->protocol);
		s->protocol = NULL;
		strbuf_reset(err);
		if (mcp_handshake(m, s, err))
			return -1;
	}
	return -1;
}

int mcp_notify(struct mcp_server *s, const char *method, struct strbuf *err)
{
	json_t *n = json_pack("{s:s, s:s}", "jsonrpc", "2.0", "method", method), *res;
	long status;
	int rc;

	if (s->url)
		rc = post(s, n, 0, method, START_TIMEOUT_MS, NULL, &res, &status, err);
	else
		rc = send_line(s, n, err);
	json_decref(n);
	return rc;
}

int mcp_rpc(struct mcp *m, struct mcp_server *s, const char *method, json_t *params,
	       long timeout_ms, volatile sig_atomic_t *cancel, json_t **result, struct strbuf *err)
{
	if (s->url)
		return rpc_http(m, s, method, params, timeout_ms, cancel, result, err);
	return rpc_stdio(s, method, params, timeout_ms, cancel, result, err);
}
