/*
 * mcp_oauth: OAuth 2.1 for remote MCP servers that require it (MCP's
 * authorization spec, 2025-06-18), as Claude Code and Codex do it:
 *
 *   - discovery: the server's 401 names its protected-resource metadata
 *     (RFC 9728, `WWW-Authenticate: Bearer resource_metadata="..."`), else
 *     the well-known URL on its origin; that names the authorization
 *     server, whose metadata (RFC 8414, or OpenID's) gives the endpoints;
 *     servers of the 2025-03-26 spec without either get the defaults
 *     (/authorize, /token, /register on the server's origin);
 *   - dynamic client registration (RFC 7591) when there is no client yet,
 *     as a public client (no secret) with a loopback redirect URI;
 *   - the authorization code flow with PKCE (S256), a random state, the
 *     resource indicator (RFC 8707); the user's browser ($BROWSER, else
 *     xdg-open; the URL is printed either way) comes back to a listener
 *     on 127.0.0.1;
 *   - tokens kept in the state directory's mcp-oauth.json (0600, directory
 *     0700), one entry per server URL, refreshed when they expire or a
 *     server answers 401, sent only as that server's Authorization header
 *     and registered with the record's redaction.
 *
 * `archie mcp login NAME` runs the flow; a session never opens a browser
 * by itself: a server that needs authorization fails with the command to
 * run.  SHA-256 (for PKCE) is libcrypto's, loaded only when a login needs
 * it, as libcurl itself is, so start-up maps nothing more.
 */
#include "mcp/mcp_int.h"

#include "core/clock.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/proc.h"
#include "core/xalloc.h"
#include "policy/childenv.h"
#include "provider/http.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LOGIN_WAIT_MS 300000L	/* five minutes */

/* ---- the token store ------------------------------------------------------------------- */

static json_t *store_load(const char *file)
{
	struct strbuf data = STRBUF_INIT_CAP((size_t)1 << 20), err = STRBUF_INIT;
	json_t *j = NULL;

	if (file && !access(file, F_OK) && !file_read(file, (size_t)1 << 20, &data, &err))
		j = json_loadb(data.buf, data.len, 0, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		j = json_object();
	}
	if (!json_is_object(json_object_get(j, "servers")))
		json_object_set_new(j, "servers", json_object());
	strbuf_release(&data);
	strbuf_release(&err);
	return j;
}

static int store_save(const char *file, json_t *j, struct strbuf *err)
{
	char *text = json_dumps(j, JSON_INDENT(2));
	int rc;

	if (file_mkdirs_parent(file, 0700, err)) {
		free(text);
		return -1;
	}
	rc = file_write_atomic(file, text, strlen(text), 0600, err);
	free(text);
	return rc;
}

static void set_token(struct mcp *m, struct mcp_server *s, const char *token)
{
	pthread_mutex_lock(&m->lock);
	free(s->oauth_token);
	s->oauth_token = token && *token ? xstrdup(token) : NULL;
	pthread_mutex_unlock(&m->lock);
}

static int collect(void *ud, const char *data, size_t len)
{
	return strbuf_add(ud, data, len) ? -1 : 0;
}

/* A request for a small JSON document: POST (body not NULL: a form or
 * JSON, ctype says) or GET.  0 with *out, or -1 with err (the status and
 * what the server said). */
static int fetch_json(const char *url, const char *ctype, const char *body, json_t **out,
		      long *status, struct strbuf *err)
{
	struct http_request req;
	struct http_response resp;
	struct strvec hdrs = STRVEC_INIT;
	struct strbuf got = STRBUF_INIT_CAP((size_t)1 << 20);
	int rc = -1;

	*out = NULL;
	if (ctype)
		strvec_pushf(&hdrs, "Content-Type: %s", ctype);
	strvec_push(&hdrs, "Accept: application/json");
	strvec_push(&hdrs, "MCP-Protocol-Version: " MCP_PROTOCOL_VERSION);
	memset(&req, 0, sizeof(req));
	req.method = body ? NULL : "GET";
	req.url = url;
	req.headers = &hdrs;
	req.body = body;
	req.body_len = body ? strlen(body) : 0;
	req.connect_timeout_ms = 10000;
	req.total_timeout_ms = 30000;
	req.on_data = collect;
	req.ud = &got;
	http_response_init(&resp);
	http_post(&req, &resp);
	if (status)
		*status = resp.status;
	if (resp.failure != HTTP_OK) {
		strbuf_seterr(err, "%s: %s", url, resp.error.len ? resp.error.buf : "the request failed");
	} else if (resp.status < 200 || resp.status >= 300) {
		strbuf_seterr(err, "%s answered HTTP %ld%s%.300s", url, resp.status,
			      resp.body.len ? ": " : "", resp.body.buf);
	} else if (!(*out = json_loadb(got.buf, got.len, 0, NULL)) || !json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		strbuf_seterr(err, "%s did not answer with a JSON object", url);
	} else {
		rc = 0;
	}
	http_response_release(&resp);
	strvec_release(&hdrs);
	strbuf_release(&got);
	return rc;
}

/* A token request (authorization_code or refresh_token): 0 with the
 * entry updated (access_token, refresh_token, expires_at). */
static int token_request(json_t *entry, const char *const *pairs, struct strbuf *err)
{
	const char *endpoint = json_string_value(json_object_get(entry, "token_endpoint"));
	struct strbuf form = STRBUF_INIT;
	json_t *res = NULL;
	const char *tok, *refresh;
	json_int_t expires;
	int rc = -1;

	if (!endpoint)
		return strbuf_seterr(err, "no token endpoint is known");
	if (http_form_encode(pairs, &form, err) ||
	    fetch_json(endpoint, "application/x-www-form-urlencoded", form.buf, &res, NULL, err))
		goto out;
	tok = json_string_value(json_object_get(res, "access_token"));
	if (!tok || !*tok) {
		strbuf_seterr(err, "the token endpoint gave no access_token");
		goto out;
	}
	json_object_set_new(entry, "access_token", json_string(tok));
	refresh = json_string_value(json_object_get(res, "refresh_token"));
	if (refresh)
		json_object_set_new(entry, "refresh_token", json_string(refresh));
	expires = json_integer_value(json_object_get(res, "expires_in"));
	json_object_set_new(entry, "expires_at",
			    json_integer(expires > 0 ? (json_int_t)time(NULL) + expires : 0));
	rc = 0;
out:
	json_decref(res);
	strbuf_release(&form);
	return rc;
}

int mcp_oauth_token(struct mcp *m, struct mcp_server *s, int refresh, struct strbuf *err)
{
	json_t *st, *entry;
	json_int_t exp;
	int rc = -1;

	if (!m->auth_file || !s->url)
		return -1;
	st = store_load(m->auth_file);
	entry = json_object_get(json_object_get(st, "servers"), s->url);
	if (!entry)
		goto out;
	exp = json_integer_value(json_object_get(entry, "expires_at"));
	if (refresh == 2 || (refresh && exp > 0 && exp < (json_int_t)time(NULL) + 30)) {
		const char *rt = json_string_value(json_object_get(entry, "refresh_token"));
		const char *cid = json_string_value(json_object_get(entry, "client_id"));
		/* a client_secret last: with none, the list ends before it */
		const char *pairs[] = { "grant_type", "refresh_token", "refresh_token", rt,
					"client_id", cid, "resource", s->url, "client_secret",
					json_string_value(json_object_get(entry, "client_secret")), NULL };

		if (!rt || !cid) {
			strbuf_seterr(err, "its token expired and there is no refresh token");
			goto out;
		}
		if (token_request(entry, pairs, err) || store_save(m->auth_file, st, err))
			goto out;
		log_info("mcp", "server %s: the OAuth token was refreshed", s->name);
	}
	set_token(m, s, json_string_value(json_object_get(entry, "access_token")));
	rc = s->oauth_token ? 0 : -1;
out:
	json_decref(st);
	return rc;
}

int mcp_oauth_logout(struct mcp *m, const char *url, struct strbuf *err)
{
	json_t *st = store_load(m->auth_file);
	int rc = 1;

	if (json_object_get(json_object_get(st, "servers"), url)) {
		json_object_del(json_object_get(st, "servers"), url);
		rc = store_save(m->auth_file, st, err);
	}
	json_decref(st);
	return rc;
}

/* ---- discovery --------------------------------------------------------------------------- */

/* "https://host:port" of url (appended). */
static void origin_of(const char *url, struct strbuf *out)
{
	const char *p = strstr(url, "://");
	size_t n = p ? (size_t)(p + 3 - url) + strcspn(p + 3, "/?#") : strlen(url);

	strbuf_add(out, url, n);
}

/* The value of a parameter in a WWW-Authenticate header (appended). */
static void auth_param(const char *h, const char *name, struct strbuf *out)
{
	const char *p = h ? strstr(h, name) : NULL;

	if (!p || p[strlen(name)] != '=')
		return;
	p += strlen(name) + 1;
	if (*p == '"')
		strbuf_add(out, p + 1, strcspn(p + 1, "\""));
	else
		strbuf_add(out, p, strcspn(p, ", "));
}

/* The server's answer to an unauthorised initialize: its WWW-Authenticate
 * (appended).  -1 with err when the server cannot be reached. */
static int probe(struct mcp_server *s, struct strbuf *www, struct strbuf *err)
{
	int rc = 0;

	struct http_request req;
	struct http_response resp;
	struct strvec hdrs = STRVEC_INIT;
	struct strbuf ignored = STRBUF_INIT_CAP(1 << 16);
	const char *body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":"
			   "{\"protocolVersion\":\"" MCP_PROTOCOL_VERSION "\",\"capabilities\":{},"
			   "\"clientInfo\":{\"name\":\"archie\",\"version\":\"0.1\"}}}";

	strvec_push(&hdrs, "Accept: application/json, text/event-stream");
	memset(&req, 0, sizeof(req));
	req.method = s->transport == MCP_SSE ? "GET" : NULL;
	req.url = s->url;
	req.headers = &hdrs;
	req.body = body;
	req.body_len = strlen(body);
	req.connect_timeout_ms = 10000;
	req.total_timeout_ms = 15000;
	req.on_data = collect;
	req.ud = &ignored;
	http_response_init(&resp);
	http_post(&req, &resp);
	if (resp.failure != HTTP_OK)
		rc = strbuf_seterr(err, "cannot reach %s: %s", s->url,
				   resp.error.len ? resp.error.buf : "the request failed");
	else if (resp.www_authenticate)
		strbuf_addstr(www, resp.www_authenticate);
	strbuf_release(&ignored);
	http_response_release(&resp);
	strvec_release(&hdrs);
	return rc;
}

/* The authorization server's endpoints into entry: issuer, endpoints. */
static int discover(struct mcp_server *s, json_t *entry, struct strbuf *err)
{
	struct strbuf www = STRBUF_INIT, prm_url = STRBUF_INIT, origin = STRBUF_INIT;
	struct strbuf as_url = STRBUF_INIT, e2 = STRBUF_INIT;
	json_t *prm = NULL, *meta = NULL;
	const char *path;
	char *issuer = NULL;
	int rc = -1, guessed;

	if (probe(s, &www, err))
		goto out;
	auth_param(www.buf, "resource_metadata", &prm_url);
	origin_of(s->url, &origin);
	guessed = !prm_url.len;
	if (guessed) {
		path = s->url + origin.len;
		strbuf_addf(&prm_url, "%s/.well-known/oauth-protected-resource%s", origin.buf,
			    strcmp(path, "/") ? path : "");
	}
	if (fetch_json(prm_url.buf, NULL, NULL, &prm, NULL, &e2) && guessed) {
		/* many servers keep it at the origin's root, not per path */
		strbuf_reset(&prm_url);
		strbuf_addf(&prm_url, "%s/.well-known/oauth-protected-resource", origin.buf);
		fetch_json(prm_url.buf, NULL, NULL, &prm, NULL, &e2);
	}
	if (json_string_value(json_array_get(json_object_get(prm, "authorization_servers"), 0)))
		issuer = xstrdup(json_string_value(json_array_get(json_object_get(prm, "authorization_servers"), 0)));
	/* 2025-03-26 servers: the MCP server's origin is the authorization server */
	if (!issuer)
		issuer = xstrdup(origin.buf);
	json_object_set_new(entry, "issuer", json_string(issuer));
	strbuf_reset(&origin);
	origin_of(issuer, &origin);
	path = issuer + origin.len;
	strbuf_addf(&as_url, "%s/.well-known/oauth-authorization-server%s", origin.buf,
		    strcmp(path, "/") ? path : "");
	if (fetch_json(as_url.buf, NULL, NULL, &meta, NULL, &e2)) {
		/* OpenID Connect discovery: inserted, then appended (its
		 * original form: the issuer, then the well-known path) */
		strbuf_reset(&as_url);
		strbuf_addf(&as_url, "%s/.well-known/openid-configuration%s", origin.buf,
			    strcmp(path, "/") ? path : "");
		if (fetch_json(as_url.buf, NULL, NULL, &meta, NULL, &e2) && *path && strcmp(path, "/")) {
			strbuf_reset(&as_url);
			strbuf_addf(&as_url, "%.*s/.well-known/openid-configuration",
				    (int)(strlen(issuer) - (issuer[strlen(issuer) - 1] == '/')), issuer);
			fetch_json(as_url.buf, NULL, NULL, &meta, NULL, &e2);
		}
	}
#define ENDPOINT(key, dflt)                                                                     \
	do {                                                                                    \
		const char *v = json_string_value(json_object_get(meta, key));                  \
		struct strbuf d = STRBUF_INIT;                                                  \
		strbuf_addf(&d, "%s%s", origin.buf, dflt);                                      \
		json_object_set_new(entry, key, json_string(v ? v : d.buf));                    \
		strbuf_release(&d);                                                             \
	} while (0)
	ENDPOINT("authorization_endpoint", "/authorize");
	ENDPOINT("token_endpoint", "/token");
	ENDPOINT("registration_endpoint", "/register");
#undef ENDPOINT
	if (meta && json_is_array(json_object_get(meta, "code_challenge_methods_supported"))) {
		json_t *v;
		size_t i;
		int s256 = 0;

		json_array_foreach(json_object_get(meta, "code_challenge_methods_supported"), i, v)
			s256 |= json_is_string(v) && !strcmp(json_string_value(v), "S256");
		if (!s256) {
			strbuf_seterr(err, "its authorization server (%s) does not support PKCE with S256, which OAuth 2.1 requires",
				      issuer);
			goto out;
		}
	}
	rc = 0;
out:
	free(issuer);
	json_decref(prm);
	json_decref(meta);
	strbuf_release(&www);
	strbuf_release(&prm_url);
	strbuf_release(&origin);
	strbuf_release(&as_url);
	strbuf_release(&e2);
	return rc;
}

/* ---- PKCE ------------------------------------------------------------------------------- */

/* base64url without padding (RFC 4648, section 5), as PKCE wants it. */
static void b64url(const unsigned char *p, size_t n, struct strbuf *out)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];

		strbuf_addch(out, tab[v >> 18 & 63]);
		strbuf_addch(out, tab[v >> 12 & 63]);
		strbuf_addch(out, tab[v >> 6 & 63]);
		strbuf_addch(out, tab[v & 63]);
	}
	if (n - i == 1) {
		strbuf_addch(out, tab[p[i] >> 2]);
		strbuf_addch(out, tab[(p[i] & 3) << 4]);
	} else if (n - i == 2) {
		strbuf_addch(out, tab[p[i] >> 2]);
		strbuf_addch(out, tab[(p[i] & 3) << 4 | p[i + 1] >> 4]);
		strbuf_addch(out, tab[(p[i + 1] & 15) << 2]);
	}
}

/* SHA-256 from libcrypto, loaded on first use (libcurl maps it already).
 * Only `archie mcp login` calls it, from one thread. */
static int sha256(const char *data, size_t n, unsigned char md[32], struct strbuf *err)
{
	static void *h;
	typedef const void *(*md_fn)(void);
	typedef int (*digest_fn)(const void *, size_t, unsigned char *, unsigned int *,
				 const void *, void *);
	md_fn evp_sha256;
	digest_fn evp_digest;
	unsigned int len = 0;

	if (!h)
		h = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		h = dlopen("libcrypto.so", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return strbuf_seterr(err, "cannot load libcrypto for PKCE: %s (install libssl3)", dlerror());
	*(void **)&evp_sha256 = dlsym(h, "EVP_sha256");
	*(void **)&evp_digest = dlsym(h, "EVP_Digest");
	if (!evp_sha256 || !evp_digest || !evp_digest(data, n, md, &len, evp_sha256(), NULL) ||
	    len != 32)
		return strbuf_seterr(err, "libcrypto's SHA-256 failed");
	return 0;
}

static void random_token(size_t bytes, struct strbuf *out)
{
	unsigned char buf[64];

	if (getrandom(buf, bytes, 0) != (ssize_t)bytes)
		abort();	/* no randomness: nothing safe to do */
	b64url(buf, bytes, out);
}

/* ---- the browser's way back ---------------------------------------------------------------- */

/* A listener on 127.0.0.1 (any port): the fd, its port in *port. */
static int listen_loopback(int *port, struct strbuf *err)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 4) ||
	    getsockname(fd, (struct sockaddr *)&a, &al)) {
		if (fd >= 0)
			close(fd);
		return strbuf_seterr(err, "cannot listen on 127.0.0.1 for the browser: %s", strerror(errno));
	}
	*port = ntohs(a.sin_port);
	return fd;
}

/* %XX and '+' decoded: a query's value as the browser sent it.  (Written
 * here: libcurl's decoder needs a handle, and this is eight lines.) */
static void query_value(const char *q, const char *name, struct strbuf *out)
{
	size_t n = strlen(name);

	while (q && *q) {
		size_t len = strcspn(q, "& ");

		if (!strncmp(q, name, n) && q[n] == '=') {
			const char *p;

			for (p = q + n + 1; p < q + len; p++) {
				if (*p == '%' && p + 2 < q + len && isxdigit((unsigned char)p[1]) &&
				    isxdigit((unsigned char)p[2])) {
					char hex[3] = { p[1], p[2], 0 };

					strbuf_addch(out, (char)strtoul(hex, NULL, 16));
					p += 2;
				} else {
					strbuf_addch(out, *p == '+' ? ' ' : *p);
				}
			}
			return;
		}
		q += len;
		if (*q != '&')
			return;
		q++;
	}
}

/* Waits for the browser's GET /callback?code=...&state=...: 0 with the
 * code, or -1 (the server's error, a wrong state, a timeout). */
static int await_callback(int lfd, const char *state, const struct mcp_client *c,
			  struct strbuf *code, struct strbuf *err)
{
	long t0 = clock_ms();

	for (;;) {
		struct pollfd p = { lfd, POLLIN, 0 };
		char buf[8192];
		struct strbuf got_state = STRBUF_INIT, e = STRBUF_INIT, desc = STRBUF_INIT;
		const char *q, *page;
		ssize_t n;
		int fd, rc;

		if (c && c->cancel && *c->cancel)
			return strbuf_seterr(err, "interrupted");
		if (clock_ms() - t0 > LOGIN_WAIT_MS)
			return strbuf_seterr(err, "the browser did not come back within %ld minutes",
					     LOGIN_WAIT_MS / 60000);
		if (poll(&p, 1, 200) <= 0)
			continue;
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = 0;
		q = strncmp(buf, "GET /callback?", 14) ? NULL : buf + 14;
		if (!q) {
			dprintf(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
			close(fd);
			continue;	/* a favicon, a probe */
		}
		query_value(q, "state", &got_state);
		query_value(q, "code", code);
		query_value(q, "error", &e);
		query_value(q, "error_description", &desc);
		if (e.len)
			rc = strbuf_seterr(err, "the authorization server said %s%s%s", e.buf,
					   desc.len ? ": " : "", desc.buf);
		else if (strcmp(got_state.buf, state))
			rc = strbuf_seterr(err, "the browser came back with a state that is not ours (a forged redirect?); nothing was accepted");
		else if (!code->len)
			rc = strbuf_seterr(err, "the browser came back without a code");
		else
			rc = 0;
		page = rc ? "<p>archie: authorization failed; see the terminal.</p>"
			  : "<p>archie is authorised. You can close this tab.</p>";
		dprintf(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %zu\r\n"
			    "Connection: close\r\n\r\n%s", strlen(page), page);
		close(fd);
		strbuf_release(&got_state);
		strbuf_release(&e);
		strbuf_release(&desc);
		return rc;
	}
}

/* Opens url in the user's browser ($BROWSER, else xdg-open), if any. */
static void open_browser(const char *url)
{
	const char *b = getenv("BROWSER");
	struct strbuf path = STRBUF_INIT, err = STRBUF_INIT;
	struct strvec envv = STRVEC_INIT, none = STRVEC_INIT;
	struct proc p;
	int devnull;

	if ((!b || !*b) && !file_which("xdg-open", &path))
		b = "xdg-open";
	if (!b || !*b)
		return;
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	proc_init(&p);
	strvec_push(&p.argv, b);
	strvec_push(&p.argv, url);
	childenv_build(&envv, &none);
	p.envp = (const char *const *)envv.v;
	p.out_to = p.err_to = devnull;
	if (proc_start(&p, &err))
		log_warn("mcp", "cannot open a browser (%s): %s", b, err.buf);
	/* not waited for: the browser comes back through the listener, and
	 * may run for long after (xdg-open itself exits at once) */
	proc_close_pipes(&p);
	p.pid = 0;
	proc_release(&p);
	if (devnull >= 0)
		close(devnull);
	strvec_release(&envv);
	strvec_release(&none);
	strbuf_release(&path);
	strbuf_release(&err);
}

/* ---- login --------------------------------------------------------------------------------- */

/* Dynamic client registration, unless the entry has a client. */
static int register_client(json_t *entry, const char *redirect, struct strbuf *err)
{
	const char *endpoint = json_string_value(json_object_get(entry, "registration_endpoint"));
	json_t *req, *res = NULL;
	char *body;
	int rc;

	const char *had = json_string_value(json_object_get(entry, "redirect_uri"));

	/* a client registered for this redirect already (the port is new
	 * each time, so most logins register again, as Claude Code does) */
	if (json_string_value(json_object_get(entry, "client_id")) && had && !strcmp(had, redirect))
		return 0;
	req = json_pack("{s:s, s:[s], s:[s, s], s:[s], s:s}", "client_name", "archie",
			"redirect_uris", redirect, "grant_types", "authorization_code",
			"refresh_token", "response_types", "code", "token_endpoint_auth_method", "none");
	body = json_dumps(req, JSON_COMPACT);
	rc = fetch_json(endpoint, "application/json", body, &res, NULL, err);
	if (!rc && !json_string_value(json_object_get(res, "client_id")))
		rc = strbuf_seterr(err, "the registration endpoint gave no client_id");
	if (!rc) {
		json_object_set(entry, "client_id", json_object_get(res, "client_id"));
		/* a server may make us a confidential client anyway */
		if (json_string_value(json_object_get(res, "client_secret")))
			json_object_set(entry, "client_secret", json_object_get(res, "client_secret"));
		else
			json_object_del(entry, "client_secret");
		json_object_set_new(entry, "redirect_uri", json_string(redirect));
	} else {
		strbuf_addstr(err, " (dynamic client registration; the server may need a client registered by hand)");
	}
	json_decref(res);
	json_decref(req);
	free(body);
	return rc;
}

int mcp_oauth_login(struct mcp *m, struct mcp_server *s, const struct mcp_client *c,
		    struct strbuf *err)
{
	struct strbuf redirect = STRBUF_INIT, verifier = STRBUF_INIT, challenge = STRBUF_INIT;
	struct strbuf state = STRBUF_INIT, url = STRBUF_INIT, code = STRBUF_INIT;
	json_t *st = store_load(m->auth_file), *entry;
	unsigned char md[32];
	int lfd = -1, port = 0, rc = -1;

	if (!s->url) {
		json_decref(st);
		return strbuf_seterr(err, "'%s' is a stdio server: OAuth is for remote ones", s->name);
	}
	entry = json_object_get(json_object_get(st, "servers"), s->url);
	if (!entry) {
		entry = json_object();
		json_object_set_new(json_object_get(st, "servers"), s->url, entry);
	}
	if ((lfd = listen_loopback(&port, err)) < 0)
		goto out;
	strbuf_addf(&redirect, "http://127.0.0.1:%d/callback", port);
	if (discover(s, entry, err) || register_client(entry, redirect.buf, err))
		goto out;
	random_token(32, &verifier);
	random_token(16, &state);
	if (sha256(verifier.buf, verifier.len, md, err))
		goto out;
	b64url(md, sizeof(md), &challenge);
	{
		const char *pairs[] = { "response_type", "code",
			"client_id", json_string_value(json_object_get(entry, "client_id")),
			"redirect_uri", redirect.buf, "code_challenge", challenge.buf,
			"code_challenge_method", "S256", "state", state.buf, "resource", s->url, NULL };

		if (http_url_query(json_string_value(json_object_get(entry, "authorization_endpoint")),
				   pairs, &url, err))
			goto out;
	}
	if (c && c->notice) {
		struct strbuf msg = STRBUF_INIT;

		strbuf_addf(&msg, "to authorise archie for the MCP server '%s', open this URL (waiting up to 5 minutes):\n  %s",
			    s->name, url.buf);
		c->notice(c->ud, msg.buf);
		strbuf_release(&msg);
	}
	open_browser(url.buf);
	if (await_callback(lfd, state.buf, c, &code, err))
		goto out;
	{
		const char *pairs[] = { "grant_type", "authorization_code", "code", code.buf,
			"redirect_uri", redirect.buf, "client_id",
			json_string_value(json_object_get(entry, "client_id")),
			"code_verifier", verifier.buf, "resource", s->url, "client_secret",
			json_string_value(json_object_get(entry, "client_secret")), NULL };

		if (token_request(entry, pairs, err))
			goto out;
	}
	if (store_save(m->auth_file, st, err))
		goto out;
	set_token(m, s, json_string_value(json_object_get(entry, "access_token")));
	rc = 0;
out:
	if (lfd >= 0)
		close(lfd);
	json_decref(st);
	strbuf_release(&redirect);
	strbuf_release(&verifier);
	strbuf_release(&challenge);
	strbuf_release(&state);
	strbuf_release(&url);
	strbuf_release(&code);
	return rc;
}

void mcp_load_tokens(struct mcp *m)
{
	struct strbuf err = STRBUF_INIT;
	size_t i;

	for (i = 0; i < m->nr; i++)
		if (m->v[i].url)
			mcp_oauth_token(m, &m->v[i], 0, &err);
	strbuf_release(&err);
}
