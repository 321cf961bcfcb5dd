/*
 * mcp_http: the remote transports.
 *
 * Streamable HTTP (MCP 2025-03-26 and later): each message is a POST with
 * `Accept: application/json, text/event-stream`; the reply is a JSON body
 * or an event stream carrying the response and whatever the server says
 * or asks on the way.  The Mcp-Session-Id given at `initialize` goes with
 * every later request, with MCP-Protocol-Version; a server that forgot
 * the session (404, or 400 saying so — servers restarted behind a load
 * balancer do) is initialised again and the request repeated; the
 * session is ended with a DELETE at shutdown, so sessions do not pile up
 * on the server.
 *
 * A request the server makes inside a POST's event stream (sampling,
 * elicitation, roots) is answered by a POST of its own while the first is
 * still open; that POST runs on a helper thread, as libcurl's handle is
 * one per thread and busy.
 *
 * HTTP+SSE (MCP 2024-11-05, still served by many): a GET opens an event
 * stream whose first event, `endpoint`, says where to POST; every answer
 * comes back on that stream.  A reader thread holds the stream and queues
 * messages; the thread that asked takes them from the queue.
 */
#include "mcp/mcp_int.h"

#include "core/cancel.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "provider/http.h"
#include "provider/sse.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The HTTP+SSE transport's event stream. */
struct mcp_sse {
	char *endpoint;			/* where to POST (set once, before any request) */
	struct mcp *m;
	struct mcp_server *s;
	pthread_t tid;
	int started;
	volatile sig_atomic_t stop;
	pthread_mutex_t lock;
	pthread_cond_t cv;
	json_t *inbox;			/* messages not yet taken */
	int closed;
	char *error;
	struct sse_parser parser;
};

/* ---- requests ---------------------------------------------------------------------- */

static void add_headers(const struct mcp_server *s, struct strvec *h)
{
	size_t i;

	strvec_push(h, "Content-Type: application/json");
	strvec_push(h, "Accept: application/json, text/event-stream");
	if (s->session_id)
		strvec_pushf(h, "Mcp-Session-Id: %s", s->session_id);
	if (s->protocol && s->transport == MCP_HTTP)
		strvec_pushf(h, "MCP-Protocol-Version: %s", s->protocol);
	for (i = 0; i < s->headers.nr; i++)
		strvec_push(h, s->headers.v[i]);
	/* an OAuth token, unless the configuration sends its own */
	for (i = 0; i < s->headers.nr && s->oauth_token; i++)
		if (!strncasecmp(s->headers.v[i], "authorization:", 14))
			return;
	if (s->oauth_token)
		strvec_pushf(h, "Authorization: Bearer %s", s->oauth_token);
}

/* A server that answers a POST with a request of its own, inside the
 * POST's event stream, gets its answer from a helper thread. */
struct helper {
	struct mcp *m;
	struct mcp_server *s;
	json_t *req;
	const struct mcp_client *c;
	pthread_t tid;
};

static void *helper_main(void *arg)
{
	struct helper *h = arg;
	struct strbuf err = STRBUF_INIT;
	json_t *reply = mcp_answer(h->m, h->s, h->req, h->c);

	if (mcp_http_send(h->s, reply, &err))
		log_warn("mcp", "server %s: cannot send an answer: %s", h->s->name, err.buf);
	json_decref(reply);
	strbuf_release(&err);
	http_thread_cleanup();
	return NULL;
}

struct post_ctx {
	struct mcp *m;
	struct mcp_server *s;
	struct mcp_pending *p;
	struct http_response *resp;
	struct sse_parser sse;
	struct strbuf json;		/* a JSON reply, whole */
	struct helper **helpers;
	size_t helpers_nr, helpers_alloc;
};

static void take(struct post_ctx *x, json_t *msg)
{
	struct helper *h;

	if (!json_object_get(msg, "method") || !json_object_get(msg, "id")) {
		mcp_dispatch(x->m, x->s, msg, x->p);
		return;
	}
	h = xcalloc(1, sizeof(*h));
	h->m = x->m;
	h->s = x->s;
	h->req = json_incref(msg);
	h->c = x->p ? x->p->client : NULL;
	if (pthread_create(&h->tid, NULL, helper_main, h)) {
		json_decref(h->req);
		free(h);
		return;
	}
	ALLOC_GROW(x->helpers, x->helpers_nr + 1, x->helpers_alloc);
	x->helpers[x->helpers_nr++] = h;
}

static int on_event(void *ud, const struct sse_event *ev)
{
	struct post_ctx *x = ud;
	json_error_t jerr;
	json_t *msg;

	if (!ev->data_len)
		return 0;
	msg = json_loadb(ev->data, ev->data_len, 0, &jerr);
	if (msg)
		take(x, msg);
	json_decref(msg);
	/* the answer is in: the rest of the stream is not waited for */
	return x->p && x->p->done;
}

static int on_data(void *ud, const char *data, size_t len)
{
	struct post_ctx *x = ud;

	/* an event stream is read as it comes (the callback stops it once
	 * the answer is in); a JSON body whole */
	if (x->resp->content_type && strstr(x->resp->content_type, "text/event-stream"))
		return sse_parser_feed(&x->sse, data, len) ? -1 : 0;
	return strbuf_add(&x->json, data, len) ? -1 : 0;
}

static void join_helpers(struct post_ctx *x)
{
	size_t i;

	for (i = 0; i < x->helpers_nr; i++) {
		pthread_join(x->helpers[i]->tid, NULL);
		json_decref(x->helpers[i]->req);
		free(x->helpers[i]);
	}
	x->helpers_nr = 0;
}

/* POSTs msg to url; a request's answer (p) is found in a JSON or an
 * event-stream reply.  *status gets the HTTP status, *body an error
 * response's text. */
static int post(struct mcp *m, struct mcp_server *s, const char *url, json_t *msg,
		struct mcp_pending *p, long timeout_ms, long *status, struct strbuf *errbody,
		struct strbuf *err)
{
	struct http_request req;
	struct http_response resp;
	struct post_ctx x;
	struct strvec hdrs = STRVEC_INIT;
	char *body = json_dumps(msg, JSON_COMPACT);
	size_t i;
	int rc = -1;

	memset(&x, 0, sizeof(x));
	x.m = m;
	x.s = s;
	x.p = p;
	x.resp = &resp;
	strbuf_init(&x.json, LINE_MAX_BYTES);
	sse_parser_init(&x.sse, on_event, &x, LINE_MAX_BYTES);
	add_headers(s, &hdrs);
	memset(&req, 0, sizeof(req));
	req.url = url;
	req.headers = &hdrs;
	req.body = body;
	req.body_len = strlen(body);
	req.connect_timeout_ms = timeout_ms < 10000 ? timeout_ms : 10000;
	req.total_timeout_ms = timeout_ms;
	req.idle_timeout_ms = timeout_ms;
	req.cancel = p && p->client ? p->client->cancel : NULL;
	req.on_data = on_data;
	req.ud = &x;
	http_response_init(&resp);
	http_post(&req, &resp);
	join_helpers(&x);	/* their answers are sent before s changes */
	*status = resp.status;
	if (resp.failure == HTTP_FAIL_ABORTED && p && p->done) {
		resp.failure = HTTP_OK;		/* stopped reading once the answer came */
	} else if (resp.failure != HTTP_OK) {
		if (p && (resp.failure == HTTP_FAIL_CANCELLED || resp.failure == HTTP_FAIL_TIMEOUT ||
			  resp.failure == HTTP_FAIL_IDLE))
			p->abandoned = 1;
		strbuf_seterr(err, "%s: %s", url,
			      resp.failure == HTTP_FAIL_CANCELLED ? "interrupted"
			      : resp.error.len ? resp.error.buf : "the request failed");
		goto out;
	}
	if (resp.mcp_session_id && !s->session_id)
		s->session_id = xstrdup(resp.mcp_session_id);
	if (resp.status < 200 || resp.status >= 300) {
		if (errbody)
			strbuf_add(errbody, resp.body.buf, resp.body.len);
		strbuf_seterr(err, "%s answered HTTP %ld%s%.200s", url, resp.status,
			      resp.body.len ? ": " : "", resp.body.buf);
		goto out;
	}
	if (!p || s->transport == MCP_SSE) {
		rc = 0;		/* a notification or an answer (202); HTTP+SSE answers on its stream */
		goto out;
	}
	if (resp.content_type && strstr(resp.content_type, "text/event-stream")) {
		sse_parser_finish(&x.sse);
		rc = p->done && p->result ? 0 : -1;
		if (rc && !err->len)
			strbuf_seterr(err, "the server's event stream ended without the answer to %s",
				      p->method);
	} else {
		json_error_t jerr;
		json_t *j = json_loadb(x.json.buf, x.json.len, 0, &jerr), *one;

		if (!j) {
			strbuf_seterr(err, "the server's answer to %s is not JSON: %s", p->method, jerr.text);
			goto out;
		}
		if (json_is_array(j)) {
			json_array_foreach(j, i, one)
				take(&x, one);
		} else {
			take(&x, j);
		}
		json_decref(j);
		rc = p->done && p->result ? 0 : -1;
		if (rc && !err->len)
			strbuf_seterr(err, "the server's reply has no answer to %s", p->method);
	}
out:
	join_helpers(&x);
	free(x.helpers);
	sse_parser_release(&x.sse);
	http_response_release(&resp);
	strbuf_release(&x.json);
	strvec_release(&hdrs);
	free(body);
	return rc;
}

/* 1 if an error answer says the server does not know the session. */
static int session_lost(long status, const struct strbuf *body)
{
	return status == 404 || (status == 400 && body->len && strcasestr(body->buf, "session"));
}

static const char *post_url(struct mcp_server *s)
{
	return s->transport == MCP_SSE && s->sse && s->sse->endpoint ? s->sse->endpoint : s->url;
}

int mcp_http_send(struct mcp_server *s, json_t *msg, struct strbuf *err)
{
	long status = 0;

	return post(NULL, s, post_url(s), msg, NULL, START_TIMEOUT_MS, &status, NULL, err);
}

/* ---- HTTP+SSE ------------------------------------------------------------------------- */


static int sse_event(void *ud, const struct sse_event *ev)
{
	struct mcp_sse *x = ud;
	json_error_t jerr;
	json_t *msg;

	if (!strcmp(ev->event, "endpoint")) {
		struct strbuf url = STRBUF_INIT, err = STRBUF_INIT;
		char *ref = xstrndup(ev->data, ev->data_len);

		if (http_url_resolve(x->s->url, ref, &url, &err))
			log_warn("mcp", "server %s: %s", x->s->name, err.buf);
		pthread_mutex_lock(&x->lock);
		if (url.len && !x->endpoint)
			x->endpoint = strbuf_detach(&url, NULL);
		pthread_cond_broadcast(&x->cv);
		pthread_mutex_unlock(&x->lock);
		free(ref);
		strbuf_release(&url);
		strbuf_release(&err);
		return 0;
	}
	msg = json_loadb(ev->data, ev->data_len, 0, &jerr);
	if (!msg)
		return 0;
	pthread_mutex_lock(&x->lock);
	json_array_append_new(x->inbox, msg);
	pthread_cond_broadcast(&x->cv);
	pthread_mutex_unlock(&x->lock);
	return 0;
}

static int sse_data(void *ud, const char *data, size_t len)
{
	struct mcp_sse *x = ud;

	return sse_parser_feed(&x->parser, data, len) ? -1 : 0;
}

static void *sse_main(void *arg)
{
	struct mcp_sse *x = arg;
	struct http_request req;
	struct http_response resp;
	struct strvec hdrs = STRVEC_INIT;
	size_t i;

	strvec_push(&hdrs, "Accept: text/event-stream");
	for (i = 0; i < x->s->headers.nr; i++)
		strvec_push(&hdrs, x->s->headers.v[i]);
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = x->s->url;
	req.headers = &hdrs;
	req.connect_timeout_ms = 10000;
	req.cancel = &x->stop;
	req.on_data = sse_data;
	req.ud = x;
	http_response_init(&resp);
	http_post(&req, &resp);
	pthread_mutex_lock(&x->lock);
	x->closed = 1;
	if (resp.status && (resp.status < 200 || resp.status >= 300))
		x->error = xstrfmt("%s answered HTTP %ld to the event stream's GET", x->s->url,
				   resp.status);
	else
		x->error = xstrfmt("%s closed the event stream%s%s", x->s->url,
				   resp.error.len ? ": " : "", resp.error.buf);
	pthread_cond_broadcast(&x->cv);
	pthread_mutex_unlock(&x->lock);
	http_response_release(&resp);
	strvec_release(&hdrs);
	http_thread_cleanup();
	return NULL;
}

int mcp_sse_open(struct mcp *m, struct mcp_server *s, long timeout_ms, struct strbuf *err)
{
	struct mcp_sse *x = xcalloc(1, sizeof(*x));
	long t0 = clock_ms();
	int rc = -1;

	x->m = m;
	x->s = s;
	x->inbox = json_array();
	pthread_mutex_init(&x->lock, NULL);
	pthread_cond_init(&x->cv, NULL);
	sse_parser_init(&x->parser, sse_event, x, LINE_MAX_BYTES);
	s->sse = x;
	if (pthread_create(&x->tid, NULL, sse_main, x)) {
		x->closed = 1;
		return strbuf_seterr(err, "cannot start a thread for its event stream");
	}
	x->started = 1;
	pthread_mutex_lock(&x->lock);
	while (!x->endpoint && !x->closed && !mcp_stopping && clock_ms() - t0 < timeout_ms) {
		struct timespec ts;

		clock_deadline(&ts, 50);
		pthread_cond_timedwait(&x->cv, &x->lock, &ts);
	}
	if (x->endpoint)
		rc = 0;
	else if (x->closed)
		strbuf_seterr(err, "%s", x->error);
	else
		strbuf_seterr(err, "its event stream gave no endpoint within %ld ms", timeout_ms);
	pthread_mutex_unlock(&x->lock);
	return rc;
}

/* The next queued message (a new reference), waiting at most wait_ms;
 * NULL when none came (*closed set when the stream ended). */
static json_t *sse_next(struct mcp_sse *x, long wait_ms, int *closed)
{
	json_t *msg = NULL;

	pthread_mutex_lock(&x->lock);
	if (!json_array_size(x->inbox) && !x->closed && wait_ms > 0) {
		struct timespec ts;

		clock_deadline(&ts, wait_ms);
		pthread_cond_timedwait(&x->cv, &x->lock, &ts);
	}
	if (json_array_size(x->inbox)) {
		msg = json_incref(json_array_get(x->inbox, 0));
		json_array_remove(x->inbox, 0);
	}
	*closed = x->closed && !msg;
	pthread_mutex_unlock(&x->lock);
	return msg;
}

static int rpc_sse(struct mcp *m, struct mcp_server *s, json_t *req, struct mcp_pending *p,
		   long timeout_ms, struct strbuf *err)
{
	long t0 = clock_ms(), status = 0;

	if (post(m, s, post_url(s), req, p, timeout_ms, &status, NULL, err))
		return -1;
	while (!p->done) {
		int closed = 0;
		json_t *msg = sse_next(s->sse, 50, &closed);

		if (msg) {
			mcp_dispatch(m, s, msg, p);
			json_decref(msg);
			continue;
		}
		if (closed) {
			pthread_mutex_lock(&s->sse->lock);
			strbuf_seterr(err, "%s before answering %s", s->sse->error, p->method);
			pthread_mutex_unlock(&s->sse->lock);
			return -1;
		}
		if (mcp_gave_up(p, t0, timeout_ms, err))
			return -1;
	}
	return p->result ? 0 : -1;
}

void mcp_poll_sse(struct mcp *m, struct mcp_server *s)
{
	json_t *msg;
	int closed;

	while (s->sse && (msg = sse_next(s->sse, 0, &closed)) != NULL) {
		mcp_dispatch(m, s, msg, NULL);
		json_decref(msg);
	}
}

/* ---- Streamable HTTP ----------------------------------------------------------------- */

int mcp_http_rpc(struct mcp *m, struct mcp_server *s, json_t *req, struct mcp_pending *p,
		 long timeout_ms, struct strbuf *err)
{
	int attempt;

	if (s->transport == MCP_SSE)
		return rpc_sse(m, s, req, p, timeout_ms, err);
	for (attempt = 0; attempt < 2; attempt++) {
		struct strbuf body = STRBUF_INIT;
		long status = 0;
		int rc, lost;

		strbuf_reset(err);
		rc = post(m, s, s->url, req, p, timeout_ms, &status, &body, err);
		lost = session_lost(status, &body);
		strbuf_release(&body);
		if (rc && status == 401 && attempt == 0) {
			/* an expired or revoked token: refreshed once, if it can be */
			struct strbuf e2 = STRBUF_INIT;

			if (!mcp_oauth_token(m, s, 2, &e2)) {
				strbuf_release(&e2);
				continue;
			}
			strbuf_reset(err);
			strbuf_addf(err, "%s answered HTTP 401: it needs authorization (OAuth)%s%s; run `archie mcp login %s`",
				    s->url, e2.len ? ": " : "", e2.buf, s->name);
			strbuf_release(&e2);
			return -1;
		}
		if (!rc || !lost || !s->session_id || !strcmp(p->method, "initialize"))
			return rc;
		/* the server forgot our session (restarted, or expired it): a
		 * new one, then the request again */
		log_info("mcp", "server %s forgot session %s (HTTP %ld): initialising again",
			 s->name, s->session_id, status);
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

void mcp_http_close(struct mcp_server *s)
{
	if (s->transport == MCP_HTTP && s->session_id) {
		/* ends the session on the server (405 is a fine answer too) */
		struct http_request req;
		struct http_response resp;
		struct strvec hdrs = STRVEC_INIT;

		add_headers(s, &hdrs);
		memset(&req, 0, sizeof(req));
		req.method = "DELETE";
		req.url = s->url;
		req.headers = &hdrs;
		req.connect_timeout_ms = 1000;
		req.total_timeout_ms = 2000;
		http_response_init(&resp);
		http_post(&req, &resp);
		log_info("mcp", "server %s: DELETE of session %s: HTTP %ld", s->name, s->session_id,
			 resp.status);
		http_response_release(&resp);
		strvec_release(&hdrs);
	}
	if (s->sse) {
		struct mcp_sse *x = s->sse;

		cancel_set(&x->stop);
		if (x->started)
			pthread_join(x->tid, NULL);
		sse_parser_release(&x->parser);
		json_decref(x->inbox);
		free(x->endpoint);
		free(x->error);
		pthread_mutex_destroy(&x->lock);
		pthread_cond_destroy(&x->cv);
		free(x);
		s->sse = NULL;
	}
}
