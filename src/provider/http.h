/*
 * http: one streamed HTTPS POST with libcurl.
 *
 * Response bytes of a successful (2xx) response are handed to on_data as
 * they arrive; an error response's body is collected (capped) for the
 * message.  The transfer runs on libcurl's multi interface, polled in short
 * steps, so a cancel flag and the idle timeout (no byte for N ms) take
 * effect promptly.  Proxies come from the environment (http_proxy,
 * https_proxy, no_proxy), as libcurl reads them; HTTP/2 is used where the
 * server offers it over TLS.
 *
 * Each thread keeps one libcurl handle, so connections are reused across
 * requests of a session, and parallel subagents never share one.
 */
#ifndef ARCHIE_HTTP_H
#define ARCHIE_HTTP_H

#include "core/strbuf.h"
#include "core/strvec.h"

#include <signal.h>
#include <stddef.h>

/* Returns 0 to go on, -1 to stop the transfer. */
typedef int (*http_data_fn)(void *ud, const char *data, size_t len);

struct http_request {
	const char *method;		/* NULL: POST; "GET" and "DELETE" send no body */
	const char *url;
	const struct strvec *headers;	/* "Name: value" */
	const char *body;
	size_t body_len;
	long connect_timeout_ms;
	long idle_timeout_ms;
	long total_timeout_ms;
	volatile sig_atomic_t *cancel;
	http_data_fn on_data;
	void *ud;
};

enum http_failure {
	HTTP_OK,		/* a response was received (any status) */
	HTTP_FAIL_CONNECT,	/* could not connect, or the connection broke */
	HTTP_FAIL_TIMEOUT,	/* connect or total timeout */
	HTTP_FAIL_IDLE,		/* no byte for idle_timeout_ms */
	HTTP_FAIL_CANCELLED,
	HTTP_FAIL_ABORTED,	/* on_data asked to stop */
	HTTP_FAIL_OTHER,
};

struct http_response {
	long status;
	enum http_failure failure;
	struct strbuf error;		/* libcurl's words for a failure */
	struct strbuf body;		/* non-2xx body, capped */
	char *content_type;
	char *retry_after;
	char *retry_after_ms;
	char *x_should_retry;
	char *mcp_session_id;		/* Mcp-Session-Id (MCP's Streamable HTTP) */
	char *www_authenticate;		/* WWW-Authenticate (an MCP server that wants OAuth) */
	size_t bytes;			/* body bytes received */
	long first_byte_ms;
	long total_ms;
};

void http_response_init(struct http_response *r);
void http_response_release(struct http_response *r);

int http_post(const struct http_request *req, struct http_response *resp);

/* A short GET into body (for probing local servers): 0 on a 2xx.
 * bearer: a key sent as "Authorization: Bearer", or NULL. */
int http_get(const char *url, const char *bearer, long connect_timeout_ms,
	     long total_timeout_ms, struct strbuf *body);

/*
 * A GET for WebFetch: http and https only (redirects too, at most 5), the
 * body capped at max_bytes (more is an error), content type and final URL
 * returned.  Returns 0 on a 2xx, else -1 with err.
 */
int http_fetch(const char *url, size_t max_bytes, long timeout_ms,
	       struct strbuf *body, struct strbuf *content_type,
	       struct strbuf *final_url, struct strbuf *err);

/* http_fetch with more request headers ("Name: value"; an API key). */
int http_fetch_with(const char *url, const struct strvec *headers, size_t max_bytes,
		    long timeout_ms, struct strbuf *body, struct strbuf *content_type,
		    struct strbuf *final_url, struct strbuf *err);

/* base with the query parameters pairs (name, value, ..., NULL) added,
 * the values percent-encoded (libcurl's URL API).  0, or -1 with err. */
int http_url_query(const char *base, const char *const *pairs, struct strbuf *out,
		   struct strbuf *err);

/* ref resolved against base (a relative URL an MCP server gives), into
 * out: 0, or -1 with err. */
int http_url_resolve(const char *base, const char *ref, struct strbuf *out, struct strbuf *err);

/* pairs (name, value, ..., NULL) as an application/x-www-form-urlencoded
 * body, the values encoded (libcurl's URL API), into out: 0, or -1 with err. */
int http_form_encode(const char *const *pairs, struct strbuf *out, struct strbuf *err);

/* Frees this thread's cached handle (call before the thread ends). */
void http_thread_cleanup(void);

/* Starts loading libcurl on a thread of its own, so its libraries are
 * mapped while the session is set up rather than before the first
 * request (about 12 ms of the dynamic loader's work on a small VM).
 * http_preload_join waits for it; both may be called more than once. */
void http_preload(void);
void http_preload_join(void);

#endif
