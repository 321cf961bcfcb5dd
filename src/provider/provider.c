/*
 * provider: provider_send(), the retry loop around one model request, and
 * the classification of failures into messages that name the fix.
 * See provider.h.
 */
#include "provider/provider.h"

#include "core/cancel.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "provider/decode.h"
#include "provider/http.h"
#include "provider/retry.h"
#include "provider/sse.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_ATTEMPTS 4
#define DEFAULT_BACKOFF_BASE_MS 500
#define DEFAULT_BACKOFF_MAX_MS 30000
#define DEFAULT_CONNECT_MS 10000
#define DEFAULT_IDLE_MS 120000
#define DEFAULT_TOTAL_MS 600000
/* One SSE event larger than this is not a real model's. */
#define SSE_EVENT_MAX ((size_t)16 << 20)

void provider_cache_init(struct provider_cache *c)
{
	memset(c, 0, sizeof(*c));
	strbuf_init(&c->tools_json, (size_t)16 << 20);
	strbuf_init(&c->system_json, (size_t)16 << 20);
	strvec_init(&c->msgs);
}

void provider_cache_release(struct provider_cache *c)
{
	strbuf_release(&c->tools_json);
	strbuf_release(&c->system_json);
	strvec_release(&c->msgs);
	memset(c, 0, sizeof(*c));
}

/* Brings the cache up to date with the request: a new conversation (or
 * protocol) starts over; otherwise only new messages are encoded. */
static void cache_refresh(const struct wire *w, unsigned quirks,
			  const struct provider_request *req, struct provider_cache *c)
{
	size_t i;

	if (!c->valid || c->wire != w || c->quirks != quirks ||
	    c->generation != req->conv->generation || c->msgs.nr > req->conv->nr) {
		strbuf_reset(&c->system_json);
		strbuf_reset(&c->tools_json);
		strvec_release(&c->msgs);
		c->valid = 1;
		c->wire = w;
		c->quirks = quirks;
		c->generation = req->conv->generation;
		c->tools = NULL;
		c->tools_nr = (size_t)-1;
		w->encode_system(quirks, req->conv->system, &c->system_json);
	}
	if (c->tools != req->tools || c->tools_nr != req->tools_nr ||
	    c->tools_gen != req->tools_gen) {
		strbuf_reset(&c->tools_json);
		w->encode_tools(quirks, req->tools, req->tools_nr, &c->tools_json);
		c->tools = req->tools;
		c->tools_nr = req->tools_nr;
		c->tools_gen = req->tools_gen;
	}
	for (i = c->msgs.nr; i < req->conv->nr; i++) {
		struct strbuf m = STRBUF_INIT;

		w->encode_msg(quirks, &req->conv->msgs[i], &m);
		strvec_push_nodup(&c->msgs, strbuf_detach(&m, NULL));
	}
}

static void encode(const struct wire *w, const struct provider_config *cfg,
		   const struct provider_request *req, struct strbuf *out)
{
	struct provider_cache local, *c = req->cache;

	if (!c) {
		provider_cache_init(&local);
		c = &local;
	}
	cache_refresh(w, cfg->quirks, req, c);
	w->encode_body(cfg, req, c, out);
	if (c == &local)
		provider_cache_release(&local);
}

void provider_encode(const struct provider_config *cfg,
		     const struct provider_request *req, struct strbuf *out)
{
	encode(wire_for(cfg->api), cfg, req, out);
}

/* ---- one attempt -------------------------------------------------------- */

struct attempt {
	struct decoder dec;
	struct sse_parser sse;
	int stop;		/* the decoder saw the end or a failure */
};

static int on_sse(void *ud, const struct sse_event *ev)
{
	struct attempt *a = ud;

	if (decoder_event(&a->dec, ev)) {
		a->stop = 1;
		return 1;
	}
	return 0;
}

static int on_data(void *ud, const char *data, size_t len)
{
	struct attempt *a = ud;

	if (sse_parser_feed(&a->sse, data, len)) {
		if (a->sse.overflow)
			decoder_fail(&a->dec, PROVIDER_ERR_PROTOCOL, 0,
				     "the server sent an event larger than %zu bytes",
				     SSE_EVENT_MAX);
		/* Stopping after the end marker is normal: the connection
		 * is dropped instead of waiting for the server to close. */
		return -1;
	}
	return 0;
}

/* The server's own words from an error body, if it sent JSON. */
static void server_message(const struct strbuf *body, struct strbuf *out,
			   const char **type)
{
	json_error_t jerr;
	json_t *j = json_loadb(body->buf, body->len, 0, &jerr), *e;
	const char *msg = NULL;

	*type = NULL;
	if (j) {
		e = json_object_get(j, "error");
		if (json_is_object(e)) {
			msg = json_string_value(json_object_get(e, "message"));
			*type = json_string_value(json_object_get(e, "type"));
			if (!*type)
				*type = json_string_value(json_object_get(e, "code"));
		} else if (json_is_string(e)) {
			msg = json_string_value(e);
		} else {
			msg = json_string_value(json_object_get(j, "message"));
		}
	}
	if (msg)
		strbuf_addstr(out, msg);
	else if (body->len)
		strbuf_add_printable(out, body->buf, body->len > 300 ? 300 : body->len);
	/* type points into j: keep a static copy of the few we test */
	if (*type) {
		static const char *const known[] = {
			"overloaded_error", "rate_limit_error", "api_error",
			"context_length_exceeded", "invalid_request_error",
			"content_filter",
		};
		size_t i;
		const char *t = *type;

		*type = NULL;
		for (i = 0; i < sizeof(known) / sizeof(*known); i++)
			if (!strcmp(t, known[i]))
				*type = known[i];
	}
	json_decref(j);
}

/* Each server's way of saying the prompt does not fit: OpenAI and Groq
 * (context_length_exceeded), Anthropic (prompt is too long), vLLM and
 * OpenRouter (maximum context length), llama.cpp (exceeds the available
 * context size), Ollama (exceeds the context length). */
static int looks_like_context(const char *msg, const char *type)
{
	return (type && !strcmp(type, "context_length_exceeded")) ||
	       strstr(msg, "context length") || strstr(msg, "context_length") ||
	       strstr(msg, "prompt is too long") || strstr(msg, "maximum context") ||
	       strstr(msg, "too many tokens") || strstr(msg, "context size") ||
	       strstr(msg, "context window") || strstr(msg, "reduce the length of the messages");
}

static void list_models(const struct provider_config *cfg, struct strbuf *out)
{
	size_t i;

	if (!cfg->models || !cfg->models->nr) {
		strbuf_addstr(out, "no models are configured; see 'archie models'");
		return;
	}
	strbuf_addstr(out, "configured models: ");
	for (i = 0; i < cfg->models->nr; i++)
		strbuf_addf(out, "%s%s", i ? ", " : "", cfg->models->v[i]);
	strbuf_addstr(out, " (see 'archie models')");
}

/*
 * Classifies an HTTP error status.  Returns 1 if it should be retried.
 * Writes the final message into err.
 */
static int http_error(const struct provider_config *cfg,
		      const struct provider_request *req,
		      const struct http_response *resp, enum provider_error *e,
		      struct strbuf *err)
{
	struct strbuf msg = STRBUF_INIT;
	const char *type;
	long st = resp->status;
	int retry = 0;

	server_message(&resp->body, &msg, &type);
	strbuf_reset(err);
	if (st == 401 || st == 403) {
		*e = PROVIDER_ERR_AUTH;
		strbuf_addf(err, "provider '%s' refused the request (HTTP %ld): %s; ",
			    cfg->name, st, msg.buf);
		if (cfg->api_key_env)
			strbuf_addf(err, "set %s to a valid API key", cfg->api_key_env);
		else
			strbuf_addstr(err, "set api_key_env for this provider in the config");
		if (!cfg->api_key || !*cfg->api_key)
			strbuf_addstr(err, " (no key was sent)");
	} else if (st == 404) {
		*e = PROVIDER_ERR_NOT_FOUND;
		strbuf_addf(err, "model '%s' was not found at provider '%s' (HTTP 404): %s; ",
			    req->model, cfg->name, msg.buf);
		list_models(cfg, err);
	} else if ((st == 400 || st == 413) && looks_like_context(msg.buf, type)) {
		*e = PROVIDER_ERR_CONTEXT;
		strbuf_addf(err, "the conversation is longer than the context window of model '%s' (HTTP %ld): %s; set the model's context: in config.yaml if archie's estimate is wrong, /compact it, or start a new session",
			    req->model, st, msg.buf);
	} else if (type && !strcmp(type, "content_filter")) {
		struct strbuf flags = STRBUF_INIT;
		json_t *j = json_loadb(resp->body.buf, resp->body.len, 0, NULL);

		*e = PROVIDER_ERR_BAD_REQUEST;
		decode_filter_flags(json_object_get(json_object_get(json_object_get(j, "error"),
			"innererror"), "content_filter_result"), &flags);
		strbuf_addf(err, "provider '%s' refused the prompt: its content filter flagged it (HTTP %ld%s%s): %s; rephrase the request (an Azure resource's filter is configured in the Azure portal)",
			    cfg->name, st, flags.len ? ", " : "", flags.buf, msg.buf);
		strbuf_release(&flags);
		json_decref(j);
	} else if (st == 429) {
		*e = PROVIDER_ERR_RATE_LIMIT;
		retry = 1;
		strbuf_addf(err, "rate limited by provider '%s' (HTTP 429): %s", cfg->name, msg.buf);
	} else if (st == 529 || (type && !strcmp(type, "overloaded_error"))) {
		*e = PROVIDER_ERR_OVERLOADED;
		retry = 1;
		strbuf_addf(err, "provider '%s' is overloaded (HTTP %ld): %s", cfg->name, st, msg.buf);
	} else if (retry_status_is_transient(st)) {
		*e = PROVIDER_ERR_SERVER;
		retry = 1;
		strbuf_addf(err, "provider '%s' failed (HTTP %ld): %s", cfg->name, st, msg.buf);
	} else {
		*e = PROVIDER_ERR_BAD_REQUEST;
		strbuf_addf(err, "provider '%s' rejected the request (HTTP %ld): %s", cfg->name, st, msg.buf);
	}
	strbuf_release(&msg);
	switch (retry_should(resp->x_should_retry)) {
	case 1:
		return 1;
	case 0:
		return 0;
	default:
		return retry;
	}
}

static long ms_or(long v, long def)
{
	return v > 0 ? v : def;
}

static void default_sleep(volatile sig_atomic_t *cancel, long ms)
{
	while (ms > 0 && !cancel_requested(cancel)) {
		long step = ms > 50 ? 50 : ms;
		struct timespec ts = { 0, step * 1000000L };

		nanosleep(&ts, NULL);
		ms -= step;
	}
}

static void emit(provider_event_fn cb, void *ud, const struct provider_event *ev)
{
	if (cb)
		cb(ud, ev);
}

/* One provider_send: what its attempts share. */
struct send {
	const struct provider_config *cfg;
	const struct provider_request *req;
	const struct wire *wire;
	const struct provider_hooks *hooks;
	provider_event_fn cb;
	void *ud;
	struct provider_reply *reply;
	struct http_request hreq;
	const char *url;
	volatile sig_atomic_t *cancel;
	long retry_wait;		/* the server's Retry-After (ms), or -1 */
};

/* What a 2xx stream decided: 0, or -1 with the failure in why. */
static int stream_outcome(struct send *s, struct attempt *a, const struct http_response *resp,
			  int *retry, struct strbuf *why)
{
	/* a connection that broke mid-stream shows as an unfinished stream */
	if (!a->stop)
		sse_parser_finish(&a->sse);
	if (resp->content_type && strstr(resp->content_type, "application/json") &&
	    !a->dec.done && !a->dec.error)
		a->dec.done = a->dec.saw_content;
	if (!decoder_finish(&a->dec))
		return 0;
	s->reply->error = a->dec.error;
	*retry = a->dec.retryable;
	strbuf_addf(why, "provider '%s': %s", s->cfg->name, a->dec.errmsg.buf);
	return -1;
}

/* The transport's failure, classified into reply->error and why. */
static void transport_failure(struct send *s, const struct http_response *resp, int *retry,
			      struct strbuf *why)
{
	const struct provider_config *cfg = s->cfg;
	struct provider_reply *reply = s->reply;

	if (resp->failure == HTTP_FAIL_CANCELLED) {
		reply->error = PROVIDER_ERR_CANCELLED;
		strbuf_addstr(why, "the request was cancelled");
	} else if (resp->failure == HTTP_FAIL_IDLE) {
		reply->error = PROVIDER_ERR_TIMEOUT;
		*retry = 1;
		strbuf_addf(why, "provider '%s' sent nothing for %ld s (idle timeout)",
			    cfg->name, s->hreq.idle_timeout_ms / 1000);
	} else if (resp->failure == HTTP_FAIL_TIMEOUT) {
		reply->error = PROVIDER_ERR_TIMEOUT;
		*retry = 1;
		strbuf_addf(why, "provider '%s' at %s timed out: %s", cfg->name, s->url,
			    resp->error.buf);
	} else if (resp->failure == HTTP_FAIL_CONNECT && !resp->bytes) {
		reply->error = PROVIDER_ERR_CONNECT;
		*retry = 1;
		strbuf_addf(why, "cannot reach provider '%s' at %s: %s; is the server running and base_url right?",
			    cfg->name, s->url, resp->error.buf);
	} else {
		reply->error = PROVIDER_ERR_CONNECT;
		strbuf_addf(why, "request to provider '%s' at %s failed: %s", cfg->name, s->url,
			    resp->error.buf);
	}
}

/* One attempt: the request, the stream decoded into the reply.  Returns 1
 * if it failed in a way worth retrying (why says how). */
static int attempt_once(struct send *s, int attempt, struct strbuf *why)
{
	struct provider_reply *reply = s->reply;
	struct http_response resp;
	struct attempt a;
	int retry = 0;

	provider_reply_reset(reply);
	reply->error = PROVIDER_OK;
	reply->attempts = attempt;
	memset(&a, 0, sizeof(a));
	decoder_init(&a.dec, s->wire, reply, s->cb, s->ud);
	sse_parser_init(&a.sse, on_sse, &a, SSE_EVENT_MAX);
	http_response_init(&resp);
	s->hreq.ud = &a;

	http_post(&s->hreq, &resp);
	reply->status = resp.status;
	reply->first_byte_ms = resp.first_byte_ms;
	reply->total_ms = resp.total_ms;
	strbuf_reset(why);
	if (resp.failure == HTTP_FAIL_CANCELLED || resp.failure == HTTP_FAIL_IDLE ||
	    resp.failure == HTTP_FAIL_TIMEOUT || resp.failure == HTTP_FAIL_OTHER ||
	    (resp.failure == HTTP_FAIL_CONNECT && !resp.bytes))
		transport_failure(s, &resp, &retry, why);
	else if (resp.status >= 300)
		retry = http_error(s->cfg, s->req, &resp, &reply->error, why);
	else
		stream_outcome(s, &a, &resp, &retry, why);
	s->retry_wait = -1;
	sse_parser_release(&a.sse);
	decoder_release(&a.dec);
	if (retry)
		s->retry_wait = retry_after_ms(resp.retry_after_ms, resp.retry_after, time(NULL));
	http_response_release(&resp);
	return retry;
}

/* Before the next attempt: the text shown is void, the user is told
 * why and when, and the wait.  Returns -1 if the user cancelled. */
static int before_retry(struct send *s, int attempt, const char *why)
{
	const struct provider_hooks *hooks = s->hooks;
	struct provider_event ev;
	long wait = s->retry_wait;

	if (wait < 0)
		wait = retry_backoff_ms(attempt,
					ms_or(s->cfg->backoff_base_ms, DEFAULT_BACKOFF_BASE_MS),
					ms_or(s->cfg->backoff_max_ms, DEFAULT_BACKOFF_MAX_MS),
					hooks && hooks->random ? hooks->random(hooks->ud) : drand48());
	if (s->reply->text.len) {
		/* The user saw text from an answer that will be asked for
		 * again: say it is void rather than repeat it. */
		memset(&ev, 0, sizeof(ev));
		ev.type = PROVIDER_EV_DISCARD;
		ev.len = s->reply->text.len;
		emit(s->cb, s->ud, &ev);
	}
	memset(&ev, 0, sizeof(ev));
	ev.type = PROVIDER_EV_RETRY;
	ev.attempt = attempt;
	ev.wait_ms = wait;
	ev.reason = why;
	emit(s->cb, s->ud, &ev);
	log_info("provider", "attempt %d failed (%s); retrying in %ld ms", attempt, why, wait);
	if (hooks && hooks->sleep_ms)
		hooks->sleep_ms(hooks->ud, wait);
	else
		default_sleep(s->cancel, wait);
	return cancel_requested(s->cancel) ? -1 : 0;
}

/* The request's URL and headers, as the protocol wants them. */
static void address(const struct provider_config *cfg, const struct wire *w,
		    const char *model, struct strbuf *url, struct strvec *h)
{
	size_t i, n = strlen(cfg->base_url);

	while (n && cfg->base_url[n - 1] == '/')
		n--;
	strbuf_add(url, cfg->base_url, n);
	w->url(cfg, model, cfg->base_url, n, url);
	w->headers(cfg, h);
	for (i = 0; cfg->headers && i < cfg->headers->nr; i++)
		strvec_push(h, cfg->headers->v[i]);
}

int provider_send(const struct provider_config *cfg,
		  const struct provider_request *req,
		  const struct provider_price *price,
		  const struct provider_hooks *hooks,
		  provider_event_fn cb, void *ud,
		  struct provider_reply *reply, struct strbuf *err)
{
	struct strbuf url = STRBUF_INIT, why = STRBUF_INIT;
	struct strvec headers = STRVEC_INIT;
	struct strbuf body = STRBUF_INIT_CAP((size_t)256 << 20);
	struct provider_event ev;
	struct send s;
	int attempt, max = cfg->max_attempts > 0 ? cfg->max_attempts : DEFAULT_ATTEMPTS;
	int rc = -1;

	memset(&s, 0, sizeof(s));
	s.cfg = cfg;
	s.req = req;
	s.wire = wire_for(cfg->api);	/* the protocol is chosen once */
	s.hooks = hooks;
	s.cb = cb;
	s.ud = ud;
	s.reply = reply;
	s.cancel = hooks ? hooks->cancel : NULL;
	encode(s.wire, cfg, req, &body);
	if (body.truncated) {
		reply->error = PROVIDER_ERR_CONTEXT;
		strbuf_seterr(err, "the request is larger than %zu MB; start a new session",
			      body.cap >> 20);
		goto out;
	}
	address(cfg, s.wire, req->model, &url, &headers);
	s.url = url.buf;
	s.hreq.url = url.buf;
	s.hreq.headers = &headers;
	s.hreq.body = body.buf;
	s.hreq.body_len = body.len;
	s.hreq.connect_timeout_ms = ms_or(cfg->connect_timeout_ms, DEFAULT_CONNECT_MS);
	s.hreq.idle_timeout_ms = ms_or(cfg->idle_timeout_ms, DEFAULT_IDLE_MS);
	s.hreq.total_timeout_ms = ms_or(cfg->total_timeout_ms, DEFAULT_TOTAL_MS);
	s.hreq.cancel = s.cancel;
	s.hreq.on_data = on_data;
	if (log_enabled(LOG_DEBUG)) {
		struct timespec cpu;

		/* the process's CPU so far, dead threads' too (make bench reads it) */
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
		log_debug("provider", "request of %zu bytes to %s; process CPU %.3f ms", body.len,
			  url.buf, (double)cpu.tv_sec * 1e3 + (double)cpu.tv_nsec / 1e6);
	}

	for (attempt = 1; ; attempt++) {
		int retry = attempt_once(&s, attempt, &why);

		if (reply->error == PROVIDER_OK) {
			reply->cost = provider_cost(price, &reply->usage);
			rc = 0;
			break;
		}
		if (!retry || attempt >= max || cancel_requested(s.cancel)) {
			if (retry && attempt >= max)
				strbuf_addf(&why, " (gave up after %d attempts)", attempt);
			strbuf_seterr(err, "%s", why.buf);
			memset(&ev, 0, sizeof(ev));
			ev.type = PROVIDER_EV_ERROR;
			ev.reason = err->buf;
			ev.attempt = attempt;
			emit(cb, ud, &ev);
			break;
		}
		if (before_retry(&s, attempt, why.buf)) {
			reply->error = PROVIDER_ERR_CANCELLED;
			strbuf_seterr(err, "the request was cancelled");
			break;
		}
	}
out:
	strbuf_release(&body);
	strbuf_release(&url);
	strbuf_release(&why);
	strvec_release(&headers);
	return rc;
}
