/*
 * serve: see serve.h.  The routes:
 *
 *   GET    /v1/health
 *   GET    /v1/sessions                         hosted (and recently recorded)
 *   POST   /v1/sessions                         {workspace, agent, model, permission_mode, resume}
 *   GET    /v1/sessions/{id}
 *   DELETE /v1/sessions/{id}
 *   POST   /v1/sessions/{id}/messages           {prompt}
 *   GET    /v1/sessions/{id}/events             SSE; ?after=N or Last-Event-ID
 *   POST   /v1/sessions/{id}/approvals/{n}      {decision: allow|always|deny, reason}
 *   POST   /v1/sessions/{id}/elicitations/{n}   {action: accept|decline|cancel, content}
 *   POST   /v1/sessions/{id}/interrupt
 *   GET    /v1/audit                            ?session, kind, tool, verdict, since (ms), limit
 */
#include "serve/serve.h"

#include "serve/hosted.h"
#include "serve/serve_int.h"
#include "serve/mhd_dl.h"

#include "core/strbuf.h"
#include "core/xalloc.h"
#include "store/ship.h"
#include "store/store.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* A request body is a prompt and a few fields. */
#define BODY_MAX ((size_t)1 << 20)
#define SSE_KEEPALIVE_MS 15000

struct server {
	const struct serve_opts *o;
	char workspaces[PATH_MAX];
	char token[128];		/* "" on a Unix socket */
	uint16_t port;			/* TCP: the bound port */
	pthread_mutex_t lock;
	struct hosted **v;		/* the hosted sessions */
	size_t nr, alloc;
	struct store store;		/* for the audit route, read-only use */
	int store_ready;
	struct ship *ship;		/* to the team's record, or NULL */
	int stopping;			/* under lock: no new sessions */
};

struct req {
	struct strbuf body;
	int too_big;
};

/* ---- replies ------------------------------------------------------------------- */

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, json_t *body)
{
	char *text = body ? json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	struct MHD_Response *r;
	enum MHD_Result rc;

	json_decref(body);
	if (text) {
		size_t n = strlen(text);

		r = MHD_create_response_from_buffer(n, text, MHD_RESPMEM_MUST_FREE);
	} else {
		r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	}
	if (!r) {
		free(text);
		return MHD_NO;
	}
	if (text)
		MHD_add_response_header(r, "Content-Type", "application/json");
	if (status == 401)
		MHD_add_response_header(r, "WWW-Authenticate", "Bearer realm=\"archie\"");
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

/* {"error": {"type": T, "message": M}} */
static enum MHD_Result fail(struct MHD_Connection *c, unsigned status, const char *type,
			    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static enum MHD_Result fail(struct MHD_Connection *c, unsigned status, const char *type,
			    const char *fmt, ...)
{
	struct strbuf m = STRBUF_INIT;
	va_list ap;
	json_t *body;

	va_start(ap, fmt);
	strbuf_vaddf(&m, fmt, ap);
	va_end(ap);
	body = json_pack("{s:{s:s, s:s}}", "error", "type", type, "message", m.buf);
	strbuf_release(&m);
	return reply(c, status, body);
}

/* ---- the registry of hosted sessions ----------------------------------------------- */

/* The hosted session an id (or a unique prefix) names, held; NULL. */
static struct hosted *find_held(struct server *sv, const char *ref)
{
	struct hosted *found = NULL;
	size_t i, n = 0;

	pthread_mutex_lock(&sv->lock);
	for (i = 0; i < sv->nr; i++) {
		const char *id = hosted_id(sv->v[i]);

		if (!strcmp(id, ref)) {
			found = sv->v[i];
			n = 1;
			break;
		}
		if (!strncmp(id, ref, strlen(ref)) && strlen(ref) >= 4) {
			found = sv->v[i];
			n++;
		}
	}
	if (n != 1)
		found = NULL;
	if (found)
		hosted_hold(found);
	pthread_mutex_unlock(&sv->lock);
	return found;
}

static struct hosted *take(struct server *sv, struct hosted *h)
{
	size_t i;

	pthread_mutex_lock(&sv->lock);
	for (i = 0; i < sv->nr; i++)
		if (sv->v[i] == h) {
			memmove(sv->v + i, sv->v + i + 1, (sv->nr - i - 1) * sizeof(*sv->v));
			sv->nr--;
			pthread_mutex_unlock(&sv->lock);
			return h;
		}
	pthread_mutex_unlock(&sv->lock);
	return NULL;
}

/* Closes every hosted session (their streams end, so the connection
 * threads the daemon waits for return). */
static void close_all(struct server *sv)
{
	for (;;) {
		struct hosted *h = NULL;

		pthread_mutex_lock(&sv->lock);
		if (sv->nr)
			h = sv->v[--sv->nr];
		pthread_mutex_unlock(&sv->lock);
		if (!h)
			return;
		hosted_close(h);
	}
}

/* ---- authentication ------------------------------------------------------------ */

static int same_secret(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned char d = la != lb;

	/* every byte compared whatever differs: the time says nothing */
	for (i = 0; i < lb; i++)
		d |= (unsigned char)(a[i % (la ? la : 1)] ^ b[i]);
	return !d;
}

/* 0 when the request may go on; else the reply's status, its message in m. */
static unsigned authorised(struct server *sv, struct MHD_Connection *c, struct strbuf *m)
{
	const char *auth, *host;
	char ok[3][64];
	int i;

	if (!sv->token[0])
		return 0;	/* a Unix socket: its mode is the check */
	host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	snprintf(ok[0], sizeof(ok[0]), "127.0.0.1:%u", sv->port);
	snprintf(ok[1], sizeof(ok[1]), "localhost:%u", sv->port);
	snprintf(ok[2], sizeof(ok[2]), "[::1]:%u", sv->port);
	for (i = 0; i < 3 && host && strcmp(host, ok[i]); i++)
		;
	if (!host || i == 3) {
		strbuf_addf(m, "the Host header must name the loopback (%s), not '%s'", ok[0],
			    host ? host : "");
		return 403;
	}
	auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	if (!auth || strncasecmp(auth, "Bearer ", 7) || !same_secret(auth + 7, sv->token)) {
		strbuf_addstr(m, auth ? "the bearer token is not this server's"
				      : "send the server's token: Authorization: Bearer TOKEN (its file was named when the server started)");
		return 401;
	}
	return 0;
}

/* ---- routes ----------------------------------------------------------------------- */

static json_t *body_json(struct req *rq)
{
	json_error_t jerr;

	if (!rq->body.len)
		return json_object();
	return json_loadb(rq->body.buf, rq->body.len, 0, &jerr);
}

/* A requested workspace, real and inside the server's, in out; 0, or the
 * reply's status with the message in m. */
static unsigned workspace_ok(struct server *sv, const char *want, char *out, struct strbuf *m)
{
	char path[PATH_MAX * 2];
	size_t n = strlen(sv->workspaces), i;

	if (!want || !*want) {
		strbuf_addstr(m, "workspace is required: the session's directory");
		return 400;
	}
	if (*want != '/')
		snprintf(path, sizeof(path), "%s/%s", sv->workspaces, want);
	else
		snprintf(path, sizeof(path), "%s", want);
	if (!realpath(path, out)) {
		strbuf_addf(m, "workspace %s: %s", want, strerror(errno));
		return 400;
	}
	if (strncmp(out, sv->workspaces, n) || (out[n] && out[n] != '/' && n > 1)) {
		strbuf_addf(m, "workspace %s is outside the directory this server hosts (%s)", out,
			    sv->workspaces);
		return 403;
	}
	/* one session's workspace may not hold another's */
	pthread_mutex_lock(&sv->lock);
	for (i = 0; i < sv->nr; i++) {
		json_t *info = hosted_info(sv->v[i]);
		const char *w = json_string_value(json_object_get(info, "workspace"));
		size_t lw = strlen(w), lo = strlen(out);
		int nested = strcmp(w, out) &&
			     ((!strncmp(w, out, lo) && w[lo] == '/') || (!strncmp(out, w, lw) && out[lw] == '/'));

		if (nested) {
			strbuf_addf(m, "workspace %s and the workspace of session %s (%s) contain one another; give each session a directory of its own",
				    out, hosted_id(sv->v[i]), w);
			json_decref(info);
			pthread_mutex_unlock(&sv->lock);
			return 409;
		}
		json_decref(info);
	}
	pthread_mutex_unlock(&sv->lock);
	return 0;
}

/* A whole non-negative number, or -1. */
static long long number(const char *v)
{
	char *end;
	long long n;

	if (!v || !*v)
		return -1;
	errno = 0;
	n = strtoll(v, &end, 10);
	return *end || errno || n < 0 ? -1 : n;
}

static const char *jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static enum MHD_Result create_session(struct server *sv, struct MHD_Connection *c, struct req *rq)
{
	struct strbuf m = STRBUF_INIT, err = STRBUF_INIT;
	struct hosted_spec spec;
	char ws[PATH_MAX];
	struct hosted *h;
	json_t *b = body_json(rq);
	unsigned st;
	size_t i;
	const char *bad = NULL;
	size_t max = sv->o->max_sessions > 0 ? (size_t)sv->o->max_sessions : 64;

	if (!json_is_object(b)) {
		json_decref(b);
		return fail(c, 400, "invalid_request", "the body must be a JSON object");
	}
	if (json_object_get(b, "agent") && !jstr(b, "agent"))
		bad = "agent";
	else if (json_object_get(b, "model") && !jstr(b, "model"))
		bad = "model";
	else if (json_object_get(b, "permission_mode") && !jstr(b, "permission_mode"))
		bad = "permission_mode";
	else if (json_object_get(b, "mode") && !jstr(b, "mode"))
		bad = "mode";
	else if (json_object_get(b, "resume") && !jstr(b, "resume"))
		bad = "resume";
	if (bad) {
		json_decref(b);
		return fail(c, 400, "invalid_request", "%s must be a string", bad);
	}
	if ((st = workspace_ok(sv, jstr(b, "workspace"), ws, &m))) {
		enum MHD_Result r = fail(c, st, st == 403 ? "forbidden" : st == 409 ? "conflict" : "invalid_request", "%s", m.buf);

		json_decref(b);
		strbuf_release(&m);
		return r;
	}
	pthread_mutex_lock(&sv->lock);
	st = sv->stopping ? 2 : sv->nr >= max;
	pthread_mutex_unlock(&sv->lock);
	if (st == 2) {
		json_decref(b);
		return fail(c, 503, "unavailable", "the server is stopping");
	}
	if (st) {
		json_decref(b);
		return fail(c, 503, "overloaded", "this server hosts %zu sessions, its limit (--max-sessions); close one first", max);
	}
	memset(&spec, 0, sizeof(spec));
	spec.workspace = ws;
	spec.agent = jstr(b, "agent");
	spec.model = jstr(b, "model");
	/* "mode" as the clients and Claude Code's SDK spell it */
	spec.permission_mode = jstr(b, "permission_mode") ? jstr(b, "permission_mode") : jstr(b, "mode");
	spec.resume = jstr(b, "resume");
	h = hosted_open(sv->o->base, &spec, &err);
	json_decref(b);
	if (!h) {
		enum MHD_Result r = fail(c, 400, "invalid_request", "%s", err.buf);

		strbuf_release(&err);
		return r;
	}
	pthread_mutex_lock(&sv->lock);
	for (i = 0; i < sv->nr && strcmp(hosted_id(sv->v[i]), hosted_id(h)); i++)
		;
	if (i < sv->nr) {
		struct strbuf id = STRBUF_INIT;
		enum MHD_Result r;

		/* resuming a session that is hosted already: two threads
		 * would write one record */
		pthread_mutex_unlock(&sv->lock);
		strbuf_addstr(&id, hosted_id(h));
		hosted_close(h);
		r = fail(c, 409, "conflict", "session %s is hosted already; send its prompts there", id.buf);
		strbuf_release(&id);
		strbuf_release(&err);
		strbuf_release(&m);
		return r;
	}
	ALLOC_GROW(sv->v, sv->nr + 1, sv->alloc);
	sv->v[sv->nr++] = h;
	pthread_mutex_unlock(&sv->lock);
	strbuf_release(&err);
	strbuf_release(&m);
	return reply(c, 201, hosted_info(h));
}

static enum MHD_Result list_sessions(struct server *sv, struct MHD_Connection *c)
{
	json_t *active = json_array(), *o;
	size_t i;

	pthread_mutex_lock(&sv->lock);
	for (i = 0; i < sv->nr; i++)
		json_array_append_new(active, hosted_info(sv->v[i]));
	pthread_mutex_unlock(&sv->lock);
	o = json_pack("{s:o}", "sessions", active);
	pthread_mutex_lock(&sv->lock);
	json_object_set_new(o, "recorded", sv->store_ready ? store_sessions(&sv->store, NULL, 50, 0)
							   : json_array());
	pthread_mutex_unlock(&sv->lock);
	return reply(c, 200, o);
}

static enum MHD_Result audit(struct server *sv, struct MHD_Connection *c)
{
	struct store_filter f;
	const char *v;
	json_t *evs;

	memset(&f, 0, sizeof(f));
	f.session = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "session");
	f.kind = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "kind");
	f.tool = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "tool");
	f.verdict = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "verdict");
	if ((v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "since")) &&
	    (f.since_ms = number(v)) < 0)
		return fail(c, 400, "invalid_request", "since is a time in epoch milliseconds, not '%s'", v);
	f.limit = 1000;
	if ((v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit"))) {
		long long n = number(v);

		if (n < 1 || n > 100000)
			return fail(c, 400, "invalid_request", "limit is a number from 1 to 100000, not '%s'", v);
		f.limit = (int)n;
	}
	if (!sv->store_ready)
		return fail(c, 503, "unavailable", "the session record could not be opened");
	pthread_mutex_lock(&sv->lock);
	evs = store_events(&sv->store, &f);
	pthread_mutex_unlock(&sv->lock);
	return reply(c, 200, json_pack("{s:o}", "events", evs));
}

/* ---- events -------------------------------------------------------------------------- */

struct sse {
	struct hosted *h;		/* held */
	long long after;
	struct strbuf buf;
	size_t off;
};

static ssize_t sse_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct sse *e = cls;
	size_t n;

	(void)pos;
	while (e->off >= e->buf.len) {
		int open;

		strbuf_reset(&e->buf);
		e->off = 0;
		open = hosted_read(e->h, &e->after, 65536, SSE_KEEPALIVE_MS, &e->buf);
		if (!e->buf.len) {
			if (!open)
				return MHD_CONTENT_READER_END_OF_STREAM;
			/* a comment line: proxies keep the stream open, and a
			 * client that left is noticed */
			strbuf_addstr(&e->buf, ": keepalive\n\n");
		}
	}
	n = e->buf.len - e->off < max ? e->buf.len - e->off : max;
	memcpy(out, e->buf.buf + e->off, n);
	e->off += n;
	return (ssize_t)n;
}

static void sse_free(void *cls)
{
	struct sse *e = cls;

	hosted_unhold(e->h);
	strbuf_release(&e->buf);
	free(e);
}

static enum MHD_Result events(struct MHD_Connection *c, struct hosted *h)
{
	const char *after = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "after");
	const char *last = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Last-Event-ID");
	struct sse *e = xcalloc(1, sizeof(*e));
	struct MHD_Response *r;
	enum MHD_Result rc;

	e->h = h;		/* the hold passes to the stream */
	e->after = number(last ? last : after);
	if (e->after < 0)
		e->after = 0;	/* from the start: a malformed id loses nothing */
	strbuf_init(&e->buf, STRBUF_DEFAULT_CAP);
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 65536, sse_read, e, sse_free);
	if (!r) {
		sse_free(e);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", "text/event-stream");
	MHD_add_response_header(r, "Cache-Control", "no-cache");
	MHD_add_response_header(r, "X-Accel-Buffering", "no");
	rc = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return rc;
}

/* /v1/sessions/{id}/...: what the rest of the path asks of session h
 * (held; released here unless the stream keeps it). */
static enum MHD_Result session_route(struct server *sv, struct MHD_Connection *c, const char *method,
				     struct hosted *h, const char *rest, struct req *rq)
{
	struct strbuf err = STRBUF_INIT;
	enum MHD_Result r;
	json_t *b = NULL;

	if (!strcmp(rest, "") && !strcmp(method, "GET")) {
		r = reply(c, 200, hosted_info(h));
	} else if (!strcmp(rest, "") && !strcmp(method, "DELETE")) {
		hosted_unhold(h);
		if (take(sv, h))
			hosted_close(h);
		return reply(c, 204, NULL);
	} else if (!strcmp(rest, "/events") && !strcmp(method, "GET")) {
		return events(c, h);
	} else if (!strcmp(rest, "/messages") && !strcmp(method, "POST")) {
		b = body_json(rq);
		if (!json_is_string(json_object_get(b, "prompt")) || !*jstr(b, "prompt"))
			r = fail(c, 400, "invalid_request", "the body must be {\"prompt\": \"...\"}");
		else if (hosted_prompt(h, jstr(b, "prompt"), &err))
			r = fail(c, 409, "conflict", "%s", err.buf);
		else
			r = reply(c, 202, json_pack("{s:b, s:o}", "accepted", 1, "session",
						    hosted_info(h)));
	} else if (!strcmp(rest, "/interrupt") && !strcmp(method, "POST")) {
		r = hosted_interrupt(h) ? fail(c, 409, "conflict", "nothing runs in this session")
					: reply(c, 202, json_pack("{s:b}", "interrupted", 1));
	} else if (!strncmp(rest, "/approvals/", 11) && !strcmp(method, "POST")) {
		char *end;
		long long id = strtoll(rest + 11, &end, 10);

		b = body_json(rq);
		if (*end || id <= 0)
			r = fail(c, 404, "not_found", "no such approval");
		else if (!json_is_object(b))
			r = fail(c, 400, "invalid_request", "the body must be {\"decision\": \"allow|always|deny\"}");
		else if (hosted_answer(h, id, jstr(b, "decision"), jstr(b, "reason"), &err))
			r = fail(c, strstr(err.buf, "decision") ? 400 : 409, "conflict", "%s", err.buf);
		else
			r = reply(c, 200, json_pack("{s:I, s:s}", "approval_id", (json_int_t)id,
						    "decision", jstr(b, "decision")));
	} else if (!strncmp(rest, "/elicitations/", 14) && !strcmp(method, "POST")) {
		long long id = number(rest + 14);

		b = body_json(rq);
		if (id <= 0)
			r = fail(c, 404, "not_found", "no such elicitation");
		else if (!json_is_object(b))
			r = fail(c, 400, "invalid_request", "the body must be {\"action\": \"accept|decline|cancel\", \"content\": {...}}");
		else if (hosted_elicit_answer(h, id, jstr(b, "action"), json_object_get(b, "content"), &err))
			r = fail(c, strstr(err.buf, "waiting") ? 409 : 400,
				 strstr(err.buf, "waiting") ? "conflict" : "invalid_request", "%s", err.buf);
		else
			r = reply(c, 200, json_pack("{s:I, s:s}", "elicitation_id", (json_int_t)id,
						    "action", jstr(b, "action")));
	} else {
		r = fail(c, 404, "not_found", "no route %s /v1/sessions/ID%s", method, rest);
	}
	json_decref(b);
	strbuf_release(&err);
	hosted_unhold(h);
	return r;
}

static enum MHD_Result route(struct server *sv, struct MHD_Connection *c, const char *url,
			     const char *method, struct req *rq)
{
	struct strbuf m = STRBUF_INIT;
	unsigned st = authorised(sv, c, &m);

	if (st) {
		enum MHD_Result r = fail(c, st, st == 401 ? "unauthorized" : "forbidden", "%s", m.buf);

		strbuf_release(&m);
		return r;
	}
	strbuf_release(&m);
	if (rq->too_big)
		return fail(c, 413, "too_large", "a request body is at most %zu bytes", BODY_MAX);
	if (!strcmp(url, "/v1/health") && !strcmp(method, "GET"))
		return reply(c, 200, json_pack("{s:s, s:s}", "status", "ok", "version", ARCHIE_VERSION_STRING));
	if (!strcmp(url, "/v1/sessions")) {
		if (!strcmp(method, "POST"))
			return create_session(sv, c, rq);
		if (!strcmp(method, "GET"))
			return list_sessions(sv, c);
		return fail(c, 405, "method_not_allowed", "/v1/sessions takes GET and POST");
	}
	if (!strcmp(url, "/v1/audit") && !strcmp(method, "GET"))
		return audit(sv, c);
	if (!strncmp(url, "/v1/sessions/", 13)) {
		const char *id = url + 13, *slash = strchr(id, '/');
		char ref[128];
		struct hosted *h;

		snprintf(ref, sizeof(ref), "%.*s", slash ? (int)(slash - id) : (int)strlen(id), id);
		h = find_held(sv, ref);
		if (!h)
			return fail(c, 404, "not_found", "no session %s is hosted here", ref);
		return session_route(sv, c, method, h, slash ? slash : "", rq);
	}
	return fail(c, 404, "not_found", "no route %s %s (docs/serve.md)", method, url);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *data,
				  size_t *size, void **con_cls)
{
	struct req *rq = *con_cls;
	char path[512];
	size_t n;

	(void)version;
	if (!rq) {
		rq = xcalloc(1, sizeof(*rq));
		strbuf_init(&rq->body, BODY_MAX);
		*con_cls = rq;
		return MHD_YES;
	}
	if (*size) {
		if (rq->body.len + *size > BODY_MAX)
			rq->too_big = 1;
		else
			strbuf_add(&rq->body, data, *size);
		*size = 0;
		return MHD_YES;
	}
	/* /v1/sessions/ is /v1/sessions */
	n = strlen(url);
	if (n >= sizeof(path))
		return fail(c, 414, "uri_too_long", "the path is longer than %zu bytes", sizeof(path) - 1);
	memcpy(path, url, n + 1);
	while (n > 1 && path[n - 1] == '/')
		path[--n] = '\0';
	return route(cls, c, path, method, rq);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct req *rq = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (rq) {
		strbuf_release(&rq->body);
		free(rq);
		*con_cls = NULL;
	}
}

/* ---- running ----------------------------------------------------------------------------- */

static int stop_pipe[2] = { -1, -1 };

static void on_signal(int sig)
{
	char b = (char)sig;

	if (write(stop_pipe[1], &b, 1) < 0) {
		/* nothing to do: the pipe is full, a stop is pending */
	}
}

/* Listens as o says and starts the daemon: NULL with err (or with err
 * empty: the daemon would not start); *fd the socket (the daemon's once
 * started), token_file where the token is (TCP). */
static struct MHD_Daemon *start_daemon(struct server *sv, int *fd, struct strbuf *token_file,
				       struct strbuf *err)
{
	const struct serve_opts *o = sv->o;
	struct MHD_Daemon *d = NULL;
	struct sockaddr_in sin;

	if (o->socket) {
		if ((*fd = serve_listen_unix(o->socket, err)) < 0)
			return NULL;
	} else {
		const char *colon = strrchr(o->listen, ':');
		char host[64];
		long long port = colon ? number(colon + 1) : -1;

		memset(&sin, 0, sizeof(sin));
		snprintf(host, sizeof(host), "%.*s", colon ? (int)(colon - o->listen) : 0, o->listen);
		if (port < 0 || port > 65535 ||
		    (strcmp(host, "localhost") && inet_pton(AF_INET, host, &sin.sin_addr) != 1)) {
			strbuf_seterr(err, "--listen takes 127.0.0.1:PORT, not '%s'", o->listen);
			return NULL;
		}
		if (!strcmp(host, "localhost"))
			inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
		if ((ntohl(sin.sin_addr.s_addr) >> 24) != 127) {
			strbuf_seterr(err, "archie serve listens on the loopback only (127.0.0.1), not %s: a session runs commands, and the network is no place to offer that; reach it from elsewhere through ssh -L",
				      host);
			return NULL;
		}
		sin.sin_family = AF_INET;
		sin.sin_port = htons((uint16_t)port);
		if (o->token_file) {
			strbuf_addstr(token_file, o->token_file);
		} else {
			store_default_dir(o->base->state_dir, token_file);
			strbuf_addstr(token_file, "/serve-token");
		}
		if (serve_token_load(token_file->buf, sv->token, sizeof(sv->token), err) ||
		    (*fd = serve_listen_tcp(&sin, err)) < 0)
			return NULL;
		/* the port is known before any request can read it */
		sv->port = ntohs(sin.sin_port);
	}
	/* a thread per connection: an event stream may block in its reader */
	d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD,
			     0, NULL, NULL, on_request, sv,
			     MHD_OPTION_LISTEN_SOCKET, *fd,
			     MHD_OPTION_NOTIFY_COMPLETED, on_completed, sv,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)300,
			     MHD_OPTION_END);
	return d;
}

int serve_run(const struct serve_opts *o, struct strbuf *err)
{
	struct server sv;
	struct MHD_Daemon *d = NULL;
	struct strbuf token_file = STRBUF_INIT, url = STRBUF_INIT;
	struct sigaction sa, old_int, old_term;
	int fd = -1, rc = -1, signals = 0;
	char b;

	memset(&sv, 0, sizeof(sv));
	sv.o = o;
	pthread_mutex_init(&sv.lock, NULL);
	if (mhd_dl_load(err))
		goto out;
	if (!realpath(o->workspaces, sv.workspaces)) {
		strbuf_seterr(err, "--workspaces %s: %s", o->workspaces, strerror(errno));
		goto out;
	}
	sv.store_ready = !store_open(&sv.store, o->base->state_dir, err);
	strbuf_reset(err);
	/* the team's record: one shipper for every hosted session (one
	 * PostgreSQL connection, not one each) */
	if (cli_team_url(&url)) {
		sv.ship = ship_start(o->base->state_dir, url.buf, NULL, NULL, err);
		if (!sv.ship)
			fprintf(stderr, "archie serve: warning: sessions are not shared with the team's record: %s\n",
				err->buf);
		strbuf_reset(err);
	}
	/* a stop asked for as soon as we listen is not lost */
	if (pipe2(stop_pipe, O_CLOEXEC)) {
		strbuf_seterr(err, "pipe: %s", strerror(errno));
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	signals = 1;
	signal(SIGPIPE, SIG_IGN);
	d = start_daemon(&sv, &fd, &token_file, err);
	if (!d && err->len)
		goto out;
	if (!d) {
		strbuf_seterr(err, "cannot start the HTTP server on %s (is the port taken?)",
			      o->socket ? o->socket : o->listen);
		goto out;
	}
	/* where, for people (stderr) and programs (a JSON line on stdout) */
	if (o->socket) {
		fprintf(stderr, "archie serve: listening on unix:%s (docs/serve.md)\n", o->socket);
		printf("{\"listening\":\"unix:%s\"}\n", o->socket);
	} else {
		fprintf(stderr, "archie serve: listening on http://127.0.0.1:%u; the token is in %s (docs/serve.md)\n",
			sv.port, token_file.buf);
		printf("{\"listening\":\"http://127.0.0.1:%u\",\"port\":%u,\"token_file\":\"%s\"}\n",
		       sv.port, sv.port, token_file.buf);
	}
	fflush(stdout);
	while (read(stop_pipe[0], &b, 1) < 0 && errno == EINTR)
		;
	pthread_mutex_lock(&sv.lock);
	fprintf(stderr, "archie serve: stopping; closing %zu session%s\n", sv.nr, sv.nr == 1 ? "" : "s");
	pthread_mutex_unlock(&sv.lock);
	rc = 0;
out:
	/* sessions first: their readers' streams end, so the connection
	 * threads the daemon waits for return */
	pthread_mutex_lock(&sv.lock);
	sv.stopping = 1;	/* no new session from here */
	pthread_mutex_unlock(&sv.lock);
	close_all(&sv);
	if (d)
		MHD_stop_daemon(d);	/* closes the listening socket too */
	else if (fd >= 0)
		close(fd);
	close_all(&sv);		/* one that was being opened as we stopped */
	if (o->socket && fd >= 0)
		unlink(o->socket);
	if (signals) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
	}
	ship_stop(sv.ship, 5000);	/* the sessions' last rows, if it answers */
	if (sv.store_ready)
		store_close(&sv.store);
	free(sv.v);
	strbuf_release(&url);
	pthread_mutex_destroy(&sv.lock);
	strbuf_release(&token_file);
	if (stop_pipe[0] >= 0) {
		close(stop_pipe[0]);
		close(stop_pipe[1]);
		stop_pipe[0] = stop_pipe[1] = -1;
	}
	return rc;
}
