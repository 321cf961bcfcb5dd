/*
 * http: streamed POST over libcurl's multi interface.  See http.h.
 */
#include "provider/http.h"

#include "core/cancel.h"
#include "core/clock.h"
#include "provider/curl_dl.h"

#include "core/log.h"
#include "core/xalloc.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Poll step: how quickly a cancel or an idle timeout is noticed. */
#define POLL_MS 50
#define ERROR_BODY_MAX ((size_t)1 << 20)

static __thread CURL *thread_easy;
static __thread CURLM *thread_multi;

struct transfer {
	const struct http_request *req;
	struct http_response *resp;
	CURL *easy;
	long start_ms;
	long last_data_ms;
	int stopped;		/* on_data returned -1 */
};

void http_response_init(struct http_response *r)
{
	memset(r, 0, sizeof(*r));
	strbuf_init(&r->error, 1024);
	strbuf_init(&r->body, ERROR_BODY_MAX);
}

void http_response_release(struct http_response *r)
{
	strbuf_release(&r->error);
	strbuf_release(&r->body);
	free(r->content_type);
	free(r->retry_after);
	free(r->retry_after_ms);
	free(r->mcp_session_id);
	free(r->www_authenticate);
	free(r->x_should_retry);
	memset(r, 0, sizeof(*r));
}

static void set_header(char **slot, const char *v, size_t n)
{
	while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' '))
		n--;
	while (n && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	free(*slot);
	*slot = xmemdupz(v, n);
}

static int has_header(const struct strvec *h, const char *name)
{
	size_t i;

	for (i = 0; h && i < h->nr; i++)
		if (!strncasecmp(h->v[i], name, strlen(name)))
			return 1;
	return 0;
}

static size_t on_header(char *line, size_t size, size_t n, void *ud)
{
	struct transfer *t = ud;
	struct http_response *r = t->resp;
	size_t len = size * n;
	static const struct { const char *name; size_t off; } wanted[] = {
		{ "content-type:", offsetof(struct http_response, content_type) },
		{ "retry-after:", offsetof(struct http_response, retry_after) },
		{ "retry-after-ms:", offsetof(struct http_response, retry_after_ms) },
		{ "x-should-retry:", offsetof(struct http_response, x_should_retry) },
		{ "mcp-session-id:", offsetof(struct http_response, mcp_session_id) },
		{ "www-authenticate:", offsetof(struct http_response, www_authenticate) },
	};
	size_t i;

	if (len > 5 && !strncmp(line, "HTTP/", 5)) {
		/* A new status line (after a 100 Continue or a redirect):
		 * headers seen so far belonged to another response. */
		free(r->retry_after);
		free(r->retry_after_ms);
		free(r->x_should_retry);
		r->retry_after = r->retry_after_ms = r->x_should_retry = NULL;
		return len;
	}
	for (i = 0; i < sizeof(wanted) / sizeof(*wanted); i++) {
		size_t k = strlen(wanted[i].name);

		if (len >= k && !strncasecmp(line, wanted[i].name, k))
			set_header((char **)((char *)r + wanted[i].off), line + k,
				   len - k);
	}
	return len;
}

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
	struct transfer *t = ud;
	struct http_response *r = t->resp;
	size_t len = size * n;

	if (!r->bytes)
		r->first_byte_ms = clock_ms() - t->start_ms;
	r->bytes += len;
	t->last_data_ms = clock_ms();
	if (!r->status)
		curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &r->status);
	if (r->status >= 200 && r->status < 300 && t->req->on_data) {
		if (t->req->on_data(t->req->ud, data, len)) {
			t->stopped = 1;
			return 0;	/* makes libcurl stop with a write error */
		}
		return len;
	}
	strbuf_add(&r->body, data, len);
	return len;
}

/* A thread's handles go with the thread (a subagent's, a hosted
 * session's): the key's destructor runs at its exit. */
static pthread_key_t handles_key;
static pthread_once_t handles_once = PTHREAD_ONCE_INIT;

static void handles_free(void *unused)
{
	(void)unused;
	if (thread_multi)
		curl_multi_cleanup(thread_multi);
	if (thread_easy)
		curl_easy_cleanup(thread_easy);
	thread_multi = NULL;
	thread_easy = NULL;
}

static void handles_key_make(void)
{
	pthread_key_create(&handles_key, handles_free);
}

/* This thread's handle, or NULL (err set) when libcurl cannot be loaded. */
static CURL *easy_handle(struct strbuf *err)
{
	if (curl_dl_load(err))
		return NULL;
	if (!thread_easy) {
		thread_easy = curl_easy_init();
		thread_multi = curl_multi_init();
		if (!thread_easy || !thread_multi) {
			fprintf(stderr, "archie: fatal: cannot initialise libcurl\n");
			abort();
		}
		pthread_once(&handles_once, handles_key_make);
		/* any non-NULL value: the destructor reads the thread's own */
		pthread_setspecific(handles_key, &thread_easy);
	} else {
		curl_easy_reset(thread_easy);
	}
	return thread_easy;
}

static pthread_t preload_tid;
static int preloading;

static void *preload_main(void *arg)
{
	struct strbuf err = STRBUF_INIT;

	(void)arg;
	curl_dl_load(&err);	/* a failure is said by the request that needs it */
	strbuf_release(&err);
	return NULL;
}

void http_preload(void)
{
	if (!preloading && !pthread_create(&preload_tid, NULL, preload_main, NULL))
		preloading = 1;
}

void http_preload_join(void)
{
	if (preloading)
		pthread_join(preload_tid, NULL);
	preloading = 0;
}

void http_thread_cleanup(void)
{
	if (thread_easy)
		curl_easy_cleanup(thread_easy);
	if (thread_multi)
		curl_multi_cleanup(thread_multi);
	thread_easy = NULL;
	thread_multi = NULL;
}

static enum http_failure classify(CURLcode rc)
{
	switch (rc) {
	case CURLE_OK:
		return HTTP_OK;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return HTTP_FAIL_CONNECT;
	case CURLE_OPERATION_TIMEDOUT:
		return HTTP_FAIL_TIMEOUT;
	default:
		return HTTP_FAIL_OTHER;
	}
}

int http_post(const struct http_request *req, struct http_response *resp)
{
	struct curl_slist *hdrs = NULL;
	struct transfer t;
	char errbuf[CURL_ERROR_SIZE] = "";
	CURLcode code = CURLE_OK;
	CURLMsg *msg;
	CURL *easy = easy_handle(&resp->error);
	int running = 1, left;
	size_t i;

	if (!easy) {
		resp->failure = HTTP_FAIL_OTHER;
		return -1;
	}
	memset(&t, 0, sizeof(t));
	t.req = req;
	t.resp = resp;
	t.easy = easy;
	t.start_ms = t.last_data_ms = clock_ms();

	/* defaults, unless the caller names its own (MCP accepts two kinds) */
	if (!has_header(req->headers, "content-type:"))
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	if (!has_header(req->headers, "accept:"))
		hdrs = curl_slist_append(hdrs, "Accept: text/event-stream");
	/* No "Expect: 100-continue" round trip before large bodies. */
	hdrs = curl_slist_append(hdrs, "Expect:");
	for (i = 0; req->headers && i < req->headers->nr; i++)
		hdrs = curl_slist_append(hdrs, req->headers->v[i]);

	curl_easy_setopt(easy, CURLOPT_URL, req->url);
	if (req->method && (!strcmp(req->method, "GET") || !strcmp(req->method, "DELETE"))) {
		/* a GET (an MCP server's event stream), or a DELETE that ends
		 * an MCP session: no body either way */
		curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
		if (req->method[0] == 'D')
			curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, "DELETE");
	} else {
		curl_easy_setopt(easy, CURLOPT_POST, 1L);
		curl_easy_setopt(easy, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
	}
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, &t);
	curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(easy, CURLOPT_HEADERDATA, &t);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(easy, CURLOPT_USERAGENT, "archie/0.1");
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, req->connect_timeout_ms);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, req->total_timeout_ms);
	curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);

	curl_multi_add_handle(thread_multi, easy);
	resp->failure = HTTP_OK;
	while (running) {
		if (curl_multi_perform(thread_multi, &running) != CURLM_OK)
			break;
		if (!running)
			break;
		if (cancel_requested(req->cancel)) {
			resp->failure = HTTP_FAIL_CANCELLED;
			strbuf_addstr(&resp->error, "cancelled");
			goto done;
		}
		if (req->idle_timeout_ms > 0 &&
		    clock_ms() - t.last_data_ms > req->idle_timeout_ms) {
			resp->failure = HTTP_FAIL_IDLE;
			strbuf_addf(&resp->error, "no data for %ld ms", req->idle_timeout_ms);
			goto done;
		}
		curl_multi_poll(thread_multi, NULL, 0, POLL_MS, NULL);
	}
	while ((msg = curl_multi_info_read(thread_multi, &left)) != NULL)
		if (msg->msg == CURLMSG_DONE)
			code = msg->data.result;
	if (t.stopped) {
		resp->failure = HTTP_FAIL_ABORTED;
	} else if (code != CURLE_OK) {
		resp->failure = classify(code);
		strbuf_addstr(&resp->error, errbuf[0] ? errbuf : curl_easy_strerror(code));
	}
done:
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &resp->status);
	resp->total_ms = clock_ms() - t.start_ms;
	curl_multi_remove_handle(thread_multi, easy);
	curl_slist_free_all(hdrs);
	log_debug("http", "%s %s: status %ld, %zu bytes, %ld ms, failure %d",
		  req->method ? req->method : "POST", req->url, resp->status, resp->bytes, resp->total_ms, resp->failure);
	return resp->failure == HTTP_OK ? 0 : -1;
}

static size_t on_get_body(char *data, size_t size, size_t n, void *ud)
{
	strbuf_add(ud, data, size * n);
	return size * n;
}

int http_get(const char *url, const char *bearer, long connect_timeout_ms,
	     long total_timeout_ms, struct strbuf *body)
{
	struct strbuf err = STRBUF_INIT;
	CURL *easy = easy_handle(&err);
	struct curl_slist *h = NULL;
	CURLcode rc;
	long status = 0;

	strbuf_release(&err);
	if (!easy)
		return -1;
	if (bearer && *bearer) {
		struct strbuf line = STRBUF_INIT;

		strbuf_addf(&line, "Authorization: Bearer %s", bearer);
		h = curl_slist_append(NULL, line.buf);
		strbuf_release(&line);
		curl_easy_setopt(easy, CURLOPT_HTTPHEADER, h);
	}
	curl_easy_setopt(easy, CURLOPT_URL, url);
	curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_get_body);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, body);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout_ms);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, total_timeout_ms);
	curl_easy_setopt(easy, CURLOPT_USERAGENT, "archie/0.1");
	rc = curl_easy_perform(easy);
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	log_debug("http", "GET %s: %s, status %ld", url, curl_easy_strerror(rc), status);
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(h);
	return rc == CURLE_OK && status >= 200 && status < 300 ? 0 : -1;
}

static size_t on_fetch_body(char *data, size_t size, size_t n, void *ud)
{
	struct strbuf *body = ud;

	/* a short count makes libcurl stop: the cap is an error, reported */
	return strbuf_add(body, data, size * n) ? 0 : size * n;
}

int http_fetch(const char *url, size_t max_bytes, long timeout_ms,
	       struct strbuf *body, struct strbuf *content_type,
	       struct strbuf *final_url, struct strbuf *err)
{
	return http_fetch_with(url, NULL, max_bytes, timeout_ms, body, content_type, final_url, err);
}

int http_fetch_with(const char *url, const struct strvec *headers, size_t max_bytes,
		    long timeout_ms, struct strbuf *body, struct strbuf *content_type,
		    struct strbuf *final_url, struct strbuf *err)
{
	CURL *easy = easy_handle(err);
	char errbuf[CURL_ERROR_SIZE] = "";
	char *ct = NULL, *eff = NULL;
	struct curl_slist *h = NULL;
	long status = 0;
	CURLcode rc;
	size_t i;
	int ret;

	if (!easy)
		return -1;
	body->cap = max_bytes;
	for (i = 0; headers && i < headers->nr; i++)
		h = curl_slist_append(h, headers->v[i]);
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(easy, CURLOPT_URL, url);
	curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(easy, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_fetch_body);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, body);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(easy, CURLOPT_USERAGENT, "archie/0.1 (WebFetch)");
	rc = curl_easy_perform(easy);
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(easy, CURLINFO_CONTENT_TYPE, &ct);
	curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &eff);
	if (ct)
		strbuf_addstr(content_type, ct);
	if (eff)
		strbuf_addstr(final_url, eff);
	/* the handle is reused: no header (a key) may stay on it */
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(h);
	if (rc == CURLE_WRITE_ERROR && body->truncated)
		ret = strbuf_seterr(err, "the page is larger than %zu bytes", max_bytes);
	else if (rc != CURLE_OK)
		ret = strbuf_seterr(err, "cannot fetch %s: %s", url,
				    errbuf[0] ? errbuf : curl_easy_strerror(rc));
	else if (status < 200 || status >= 300)
		ret = strbuf_seterr(err, "%s answered HTTP %ld", url, status);
	else
		ret = 0;
	return ret;
}

int http_url_query(const char *base, const char *const *pairs, struct strbuf *out,
		   struct strbuf *err)
{
	CURLU *u;
	char *full = NULL;
	size_t i;
	int rc = -1;

	if (curl_dl_load(err))
		return -1;
	if (!(u = curl_url()))
		return strbuf_seterr(err, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, base, 0)) {
		strbuf_seterr(err, "'%s' is not a URL", base);
		goto out;
	}
	for (i = 0; pairs[i] && pairs[i + 1]; i += 2) {
		struct strbuf kv = STRBUF_INIT;

		strbuf_addf(&kv, "%s=%s", pairs[i], pairs[i + 1]);
		/* URLENCODE encodes the value (the '=' after the name stays) */
		if (curl_url_set(u, CURLUPART_QUERY, kv.buf, CURLU_APPENDQUERY | CURLU_URLENCODE)) {
			strbuf_release(&kv);
			strbuf_seterr(err, "cannot add %s to the URL", pairs[i]);
			goto out;
		}
		strbuf_release(&kv);
	}
	if (curl_url_get(u, CURLUPART_URL, &full, 0)) {
		strbuf_seterr(err, "cannot build the URL");
		goto out;
	}
	strbuf_addstr(out, full);
	curl_free(full);
	rc = 0;
out:
	curl_url_cleanup(u);
	return rc;
}

int http_url_resolve(const char *base, const char *ref, struct strbuf *out, struct strbuf *err)
{
	CURLU *u;
	char *full = NULL;
	int rc = -1;

	if (curl_dl_load(err))
		return -1;
	if (!(u = curl_url()))
		return strbuf_seterr(err, "out of memory");
	/* setting a relative URL on a handle holding base resolves it
	 * (RFC 3986, section 5) */
	if (curl_url_set(u, CURLUPART_URL, base, 0) || curl_url_set(u, CURLUPART_URL, ref, 0) ||
	    curl_url_get(u, CURLUPART_URL, &full, 0)) {
		strbuf_seterr(err, "'%s' is not a URL relative to %s", ref, base);
		goto out;
	}
	strbuf_addstr(out, full);
	curl_free(full);
	rc = 0;
out:
	curl_url_cleanup(u);
	return rc;
}

int http_form_encode(const char *const *pairs, struct strbuf *out, struct strbuf *err)
{
	struct strbuf url = STRBUF_INIT;
	const char *q;

	/* a form body is a query: libcurl's URL API encodes each value */
	if (http_url_query("http://form.invalid/", pairs, &url, err)) {
		strbuf_release(&url);
		return -1;
	}
	q = strchr(url.buf, '?');
	strbuf_addstr(out, q ? q + 1 : "");
	strbuf_release(&url);
	return 0;
}
