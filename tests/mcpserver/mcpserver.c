/*
 * mcpserver: a Model Context Protocol server for archie's tests, over
 * stdio (newline-delimited JSON-RPC 2.0).
 *
 *   mcpserver [--mode MODE] [--log FILE]
 *
 * Tools: echo (returns its text), fail (isError), big (a 200 KB result),
 * slow (answers after `ms` milliseconds), reschema (changes echo's schema,
 * keeping the count, and says so), change (adds a tool "added" and
 * sends notifications/tools/list_changed), image (an image block), expire
 * (HTTP: forgets the session).
 * tools/list pages two tools at a time (nextCursor).
 *
 * With --http PORTFILE it serves Streamable HTTP on 127.0.0.1 instead
 * (the port written to PORTFILE): initialize answers with an
 * Mcp-Session-Id, later requests must carry it (400 otherwise; 404 after
 * the tool "expire" forgets it), notifications get 202, tools/call answers
 * as an event stream and the rest as JSON; --log then records each
 * request's method and session, protocol and accept headers.
 *
 * Mode full adds the rest of the protocol: instructions; resources (two,
 * a template test://dynamic/{id}, subscriptions: the tool "touch" says
 * test://static/one changed); prompts (greet NAME [STYLE], simple);
 * logging; and tools that need the client: roots (asks roots/list),
 * sample (asks sampling/createMessage), ask (asks elicitation/create),
 * progress (three progress notifications), log (a warning and an info
 * message), link (a resource link), tasky (taskSupport "required"), crash
 * (exits at once, for the restart), quit (answers, then exits while
 * idle), getenv (a variable of its
 * environment); with --roots-at-init it asks for the
 * roots right after notifications/initialized, as server-filesystem does.
 * HTTP: --oauth requires a bearer token and serves a local OAuth 2.1
 * authorization server on the same port (protected-resource and
 * authorization-server metadata, dynamic client registration, /authorize
 * that approves at once and redirects, /token checking PKCE S256; the tool
 * "revoke" invalidates the access token, so the client must refresh);
 * --oauth-root keeps the protected-resource metadata at the origin's root
 * only and names it nowhere (as many servers do).
 * --expire400 answers a forgotten session with 400 "No valid session
 * ID" (the TypeScript SDK's words) instead of 404; DELETE ends a session;
 * --sse PORTFILE serves the old HTTP+SSE transport (GET /sse, then POST
 * /messages?sessionId=...).
 *
 * Modes for the bad-server tests: ok (default), exit (exits at once),
 * garbage (prints non-JSON on stdout), silent (never answers initialize),
 * badversion (answers initialize with protocol version 1999-01-01).
 * --log appends every message received, one per line.
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <openssl/sha.h>
#include <poll.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static FILE *msglog;
static int added;
static int reschema;	/* echo's schema changed (reschema) */
static int expired;			/* http: the session was forgotten */
static json_t *outbox;			/* messages to send, in order */
static int full;			/* --mode full */
static int roots_at_init;		/* --roots-at-init */
static int expire400;			/* --expire400 */
static json_t *pending_id;		/* a call waiting for the client's answer */
static char pending_kind[32];
static json_t *subscribed;		/* resources/subscribe URIs */
static int server_req;			/* ids of the server's own requests */
static int serving_http;		/* --http or --sse */
static int exit_after;			/* the tool "quit": exit once idle */
static int oauth;			/* --oauth */
static int oauth_root;			/* --oauth-root: the metadata at the origin's root only, unnamed in the 401 */
static int http_port;
static char oa_challenge[128], oa_redirect[512], oa_code[32], oa_access[32], oa_refresh[32];
static int oa_n;

static void send_msg(json_t *m)
{
	json_array_append_new(outbox, m);
}

static void reply(json_t *id, json_t *result)
{
	send_msg(json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", id, "result", result));
}

static void reply_error(json_t *id, int code, const char *msg)
{
	send_msg(json_pack("{s:s, s:O, s:{s:i, s:s}}", "jsonrpc", "2.0", "id", id, "error",
			   "code", code, "message", msg));
}

static json_t *tool(const char *name, const char *desc)
{
	return json_pack("{s:s, s:s, s:{s:s, s:{s:{s:s}, s:{s:s}}}}", "name", name,
			 "description", desc, "inputSchema", "type", "object", "properties",
			 "text", "type", "string", "ms", "type", "integer");
}

static json_t *all_tools(void)
{
	json_t *a = json_array();

	if (reschema)	/* the same tools, echo's schema changed */
		json_array_append_new(a, json_pack("{s:s, s:s, s:{s:s, s:{s:{s:s}, s:{s:s}}}}",
			"name", "echo", "description", "Returns its text, louder", "inputSchema",
			"type", "object", "properties", "text", "type", "string", "loud", "type",
			"boolean"));
	else
		json_array_append_new(a, tool("echo", "Returns its text"));
	json_array_append_new(a, tool("fail", "Always fails.\nA second line, which a one-line listing must not show."));
	json_array_append_new(a, tool("big", "Returns 200 KB"));
	json_array_append_new(a, tool("slow", "Answers after ms milliseconds"));
	json_array_append_new(a, tool("change", "Changes the tool list"));
	json_array_append_new(a, tool("image", "Returns an image"));
	json_array_append_new(a, tool("expire", "Forgets the HTTP session"));
	json_array_append_new(a, tool("reschema", "Changes echo's schema, not the count"));
	if (added)
		json_array_append_new(a, tool("added", "Appeared after change"));
	if (full) {
		json_t *t;

		json_array_append_new(a, tool("roots", "Lists the client's roots"));
		json_array_append_new(a, tool("sample", "Asks the client's model"));
		json_array_append_new(a, tool("ask", "Asks the user"));
		json_array_append_new(a, tool("progress", "Reports progress"));
		json_array_append_new(a, tool("log", "Logs"));
		json_array_append_new(a, tool("link", "Returns a resource link"));
		json_array_append_new(a, tool("touch", "Changes a subscribed resource"));
		json_array_append_new(a, tool("crash", "Exits at once"));
		json_array_append_new(a, tool("quit", "Answers, then exits a moment later"));
		json_array_append_new(a, tool("getenv", "Returns the variable named by text"));
		if (oauth)
			json_array_append_new(a, tool("revoke", "Revokes the OAuth access token"));
		t = tool("tasky", "Runs only as a task");
		json_object_set_new(t, "execution", json_pack("{s:s}", "taskSupport", "required"));
		json_object_set_new(t, "annotations", json_pack("{s:b}", "readOnlyHint", 1));
		json_array_append_new(a, t);
		json_array_append_new(a, tool("weird.name/with spaces", "A name the model APIs refuse"));
	}
	return a;
}

static json_t *text_result(const char *text, int is_error)
{
	return json_pack("{s:[{s:s, s:s}], s:b}", "content", "type", "text", "text", text,
			 "isError", is_error);
}

/* A request of the server's own; the call (id) waits for its answer. */
static void ask_client(json_t *id, const char *kind, const char *method, json_t *params)
{
	char rid[32];

	snprintf(rid, sizeof(rid), "srv-%d", ++server_req);
	json_decref(pending_id);
	pending_id = json_incref(id);
	snprintf(pending_kind, sizeof(pending_kind), "%s", kind);
	send_msg(json_pack("{s:s, s:s, s:s, s:o}", "jsonrpc", "2.0", "id", rid, "method", method,
			   "params", params ? params : json_object()));
}

/* The client answered: the waiting call gets its result. */
static void answered(json_t *m)
{
	json_t *res = json_object_get(m, "result"), *err = json_object_get(m, "error");
	char *t = json_dumps(res ? res : err ? err : json_null(), JSON_COMPACT | JSON_ENCODE_ANY);
	char buf[8192];

	if (!pending_id) {
		free(t);
		return;
	}
	snprintf(buf, sizeof(buf), "%s %s: %s", pending_kind, err ? "error" : "answer", t);
	reply(pending_id, text_result(buf, err != NULL));
	json_decref(pending_id);
	pending_id = NULL;
	free(t);
}

static int call_full(json_t *id, const char *name, json_t *params)
{
	json_t *args = json_object_get(params, "arguments");
	json_t *token = json_object_get(json_object_get(params, "_meta"), "progressToken");
	const char *text = json_string_value(json_object_get(args, "text"));
	int k;

	if (!strcmp(name, "roots")) {
		ask_client(id, "roots", "roots/list", NULL);
	} else if (!strcmp(name, "sample")) {
		ask_client(id, "sample", "sampling/createMessage",
			   json_pack("{s:[{s:s, s:{s:s, s:s}}], s:s, s:i}", "messages", "role", "user",
				     "content", "type", "text", "text", text ? text : "say hi",
				     "systemPrompt", "You are the test server's helper.", "maxTokens", 100));
	} else if (!strcmp(name, "ask")) {
		ask_client(id, "ask", "elicitation/create",
			   json_pack("{s:s, s:{s:s, s:{s:{s:s, s:s}, s:{s:s}, s:{s:s, s:[s, s]}}, s:[s]}}",
				     "message", "Which name should I use?", "requestedSchema", "type", "object",
				     "properties", "name", "type", "string", "title", "Your name",
				     "age", "type", "integer", "color", "type", "string", "enum", "red", "blue",
				     "required", "name"));
	} else if (!strcmp(name, "progress")) {
		for (k = 1; k <= 3 && token; k++) {
			json_t *n = json_pack("{s:s, s:s, s:{s:O, s:i, s:i, s:s}}", "jsonrpc", "2.0",
					      "method", "notifications/progress", "params",
					      "progressToken", token, "progress", k, "total", 3,
					      "message", k == 3 ? "done" : "working");

			if (serving_http) {
				send_msg(n);
			} else {
				/* over stdio, each as it happens, a while apart, as a
				 * long operation's would be */
				char *t = json_dumps(n, JSON_COMPACT);
				struct timespec ts = { 0, 400 * 1000000L };

				printf("%s\n", t);
				fflush(stdout);
				free(t);
				json_decref(n);
				nanosleep(&ts, NULL);
			}
		}
		reply(id, text_result(token ? "progress reported" : "no progress token was given", 0));
	} else if (!strcmp(name, "log")) {
		send_msg(json_pack("{s:s, s:s, s:{s:s, s:s, s:s}}", "jsonrpc", "2.0", "method",
				   "notifications/message", "params", "level", "warning", "logger", "test",
				   "data", "disk almost full (test warning)"));
		send_msg(json_pack("{s:s, s:s, s:{s:s, s:s}}", "jsonrpc", "2.0", "method",
				   "notifications/message", "params", "level", "info", "data",
				   "an info line (test)"));
		reply(id, text_result("logged", 0));
	} else if (!strcmp(name, "link")) {
		reply(id, json_pack("{s:[{s:s, s:s, s:s, s:s}]}", "content", "type", "resource_link",
				    "uri", "test://static/one", "name", "one", "mimeType", "text/plain"));
	} else if (!strcmp(name, "touch")) {
		size_t i;
		json_t *u;

		json_array_foreach(subscribed, i, u)
			send_msg(json_pack("{s:s, s:s, s:{s:O}}", "jsonrpc", "2.0", "method",
					   "notifications/resources/updated", "params", "uri", u));
		reply(id, text_result("touched", 0));
	} else if (!strcmp(name, "quit")) {
		exit_after = 1;		/* answers, then exits while idle */
		reply(id, text_result("quitting", 0));
	} else if (!strcmp(name, "crash")) {
		fflush(stdout);
		_exit(9);
	} else if (!strcmp(name, "revoke")) {
		oa_access[0] = 0;	/* the next request needs a refreshed token */
		reply(id, text_result("revoked", 0));
	} else if (!strcmp(name, "getenv")) {
		const char *v = text ? getenv(text) : NULL;

		reply(id, text_result(v ? v : "(unset)", 0));
	} else if (!strcmp(name, "weird.name/with spaces")) {
		reply(id, text_result("weird works", 0));
	} else {
		return 0;
	}
	return 1;
}

static void resources(json_t *id, const char *method, json_t *params)
{
	const char *uri = json_string_value(json_object_get(params, "uri"));

	if (!strcmp(method, "resources/list")) {
		reply(id, json_pack("{s:[{s:s, s:s, s:s, s:s}, {s:s, s:s, s:s}]}", "resources",
				    "uri", "test://static/one", "name", "one", "description",
				    "The first resource", "mimeType", "text/plain",
				    "uri", "test://static/two", "name", "two", "mimeType", "application/octet-stream"));
	} else if (!strcmp(method, "resources/templates/list")) {
		reply(id, json_pack("{s:[{s:s, s:s}]}", "resourceTemplates", "uriTemplate",
				    "test://dynamic/{id}", "name", "dynamic"));
	} else if (!strcmp(method, "resources/subscribe")) {
		if (uri)
			json_array_append_new(subscribed, json_string(uri));
		reply(id, json_object());
	} else if (!strcmp(method, "resources/read") && uri && !strcmp(uri, "test://static/one")) {
		reply(id, json_pack("{s:[{s:s, s:s, s:s}]}", "contents", "uri", uri, "mimeType",
				    "text/plain", "text", "resource one text"));
	} else if (!strcmp(method, "resources/read") && uri && !strcmp(uri, "test://static/two")) {
		reply(id, json_pack("{s:[{s:s, s:s, s:s}]}", "contents", "uri", uri, "mimeType",
				    "application/octet-stream", "blob", "AAECAw=="));
	} else if (!strcmp(method, "resources/read") && uri && !strncmp(uri, "test://dynamic/", 15)) {
		char buf[256];

		snprintf(buf, sizeof(buf), "dynamic resource %s", uri + 15);
		reply(id, json_pack("{s:[{s:s, s:s}]}", "contents", "uri", uri, "text", buf));
	} else {
		reply_error(id, -32002, "resource not found");
	}
}

static void prompts(json_t *id, const char *method, json_t *params)
{
	const char *name = json_string_value(json_object_get(params, "name"));
	json_t *args = json_object_get(params, "arguments");

	if (!strcmp(method, "prompts/list")) {
		reply(id, json_pack("{s:[{s:s, s:s, s:[{s:s, s:b}, {s:s, s:b}]}, {s:s, s:s}]}", "prompts",
				    "name", "greet", "description", "Greets someone",
				    "arguments", "name", "name", "required", 1, "name", "style", "required", 0,
				    "name", "simple", "description", "A prompt without arguments"));
	} else if (name && !strcmp(name, "greet")) {
		const char *who = json_string_value(json_object_get(args, "name"));
		const char *style = json_string_value(json_object_get(args, "style"));
		char buf[512];

		if (!who) {
			reply_error(id, -32602, "the argument name is required");
			return;
		}
		snprintf(buf, sizeof(buf), "Say hello to %s in a %s style.", who, style ? style : "plain");
		reply(id, json_pack("{s:s, s:[{s:s, s:{s:s, s:s}}]}", "description", "A greeting",
				    "messages", "role", "user", "content", "type", "text", "text", buf));
	} else if (name && !strcmp(name, "simple")) {
		reply(id, json_pack("{s:[{s:s, s:{s:s, s:s}}]}", "messages", "role", "user", "content",
				    "type", "text", "text", "The simple prompt's text."));
	} else {
		reply_error(id, -32602, "no such prompt");
	}
}

/* Sleeps ms; over stdio, what arrives meanwhile is logged, and a
 * notifications/cancelled for this request ends the wait with no answer
 * (returns 0), as the spec asks of a server. */
static int slow_wait(json_t *id, long ms)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		long waited, left;
		struct pollfd p = { 0, POLLIN, 0 };
		char *line = NULL;
		size_t cap = 0;
		json_t *m;

		clock_gettime(CLOCK_MONOTONIC, &t);
		waited = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		left = ms - waited;
		if (left <= 0)
			return 1;
		if (serving_http || poll(&p, 1, (int)left) <= 0 || getline(&line, &cap, stdin) <= 0) {
			struct timespec ts = { left / 1000, (left % 1000) * 1000000L };

			free(line);
			if (serving_http || !(p.revents & POLLIN))
				nanosleep(&ts, NULL);
			return 1;
		}
		if (msglog) {
			fputs(line, msglog);
			fflush(msglog);
		}
		m = json_loads(line, 0, NULL);
		free(line);
		if (m && !strcmp(json_string_value(json_object_get(m, "method")) ? json_string_value(json_object_get(m, "method")) : "",
				 "notifications/cancelled") &&
		    json_equal(json_object_get(json_object_get(m, "params"), "requestId"), id)) {
			json_decref(m);
			return 0;
		}
		json_decref(m);
	}
}

static void call(json_t *id, json_t *params)
{
	const char *name = json_string_value(json_object_get(params, "name"));
	json_t *args = json_object_get(params, "arguments");
	const char *text = json_string_value(json_object_get(args, "text"));

	if (!name) {
		reply_error(id, -32602, "no tool name");
	} else if (!strcmp(name, "echo")) {
		char buf[4096];

		snprintf(buf, sizeof(buf), "echo: %s", text ? text : "");
		reply(id, text_result(buf, 0));
	} else if (!strcmp(name, "fail")) {
		reply(id, text_result("the tool failed on purpose", 1));
	} else if (!strcmp(name, "big")) {
		char *big = malloc(200001);

		memset(big, 'x', 200000);
		big[200000] = 0;
		memcpy(big, "BIG-START", 9);
		memcpy(big + 200000 - 7, "BIG-END", 7);
		reply(id, text_result(big, 0));
		free(big);
	} else if (!strcmp(name, "slow")) {
		long ms = (long)json_integer_value(json_object_get(args, "ms"));

		if (slow_wait(id, ms))
			reply(id, text_result("slow done", 0));
	} else if (!strcmp(name, "reschema")) {
		reschema = 1;
		send_msg(json_pack("{s:s, s:s}", "jsonrpc", "2.0", "method",
				   "notifications/tools/list_changed"));
		reply(id, text_result("echo's schema changed", 0));
	} else if (!strcmp(name, "change")) {
		added = 1;
		send_msg(json_pack("{s:s, s:s}", "jsonrpc", "2.0", "method",
				   "notifications/tools/list_changed"));
		reply(id, text_result("the tool list changed", 0));
	} else if (!strcmp(name, "image")) {
		reply(id, json_pack("{s:[{s:s, s:s, s:s}, {s:s, s:{s:s, s:s}}]}", "content",
				    "type", "image", "data", "iVBORw0KGgo=", "mimeType", "image/png",
				    "type", "resource", "resource", "uri", "file:///tmp/x.txt",
				    "text", "resource text"));
	} else if (!strcmp(name, "expire")) {
		expired = 1;
		reply(id, text_result("the session is forgotten", 0));
	} else if (!strcmp(name, "added") && added) {
		reply(id, text_result("added works", 0));
	} else if (full && call_full(id, name, params)) {
		;
	} else {
		reply_error(id, -32602, "unknown tool");
	}
}

/* Handles one message; what to send goes to the outbox. */
static void handle(json_t *m, const char *mode)
{
	json_t *id = json_object_get(m, "id");
	const char *method = json_string_value(json_object_get(m, "method"));

	if (!method && id) {		/* the client's answer to our request */
		answered(m);
		return;
	}
	if (method && !id && roots_at_init && !strcmp(method, "notifications/initialized")) {
		char rid[32];

		/* as server-filesystem does: the roots, right away */
		snprintf(rid, sizeof(rid), "srv-%d", ++server_req);
		send_msg(json_pack("{s:s, s:s, s:s}", "jsonrpc", "2.0", "id", rid, "method", "roots/list"));
		return;
	}
	if (!method || !id)		/* a notification */
		return;
	if (!strcmp(method, "initialize")) {
		json_t *res;

		if (!strcmp(mode, "silent"))
			return;
		res = json_pack("{s:s, s:{s:{s:b}}, s:{s:s, s:s}}", "protocolVersion",
				!strcmp(mode, "badversion") ? "1999-01-01" : "2025-06-18",
				"capabilities", "tools", "listChanged", 1,
				"serverInfo", "name", "mcpserver", "version", "1.0");
		if (full) {
			json_t *caps = json_object_get(res, "capabilities");

			json_object_set_new(caps, "resources", json_pack("{s:b, s:b}", "subscribe", 1, "listChanged", 1));
			json_object_set_new(caps, "prompts", json_pack("{s:b}", "listChanged", 1));
			json_object_set_new(caps, "logging", json_object());
			json_object_set_new(res, "instructions",
					    json_string("Call echo before anything else. (mcpserver's instructions)"));
		}
		reply(id, res);
	} else if (full && !strncmp(method, "resources/", 10)) {
		resources(id, method, json_object_get(m, "params"));
	} else if (full && !strncmp(method, "prompts/", 8)) {
		prompts(id, method, json_object_get(m, "params"));
	} else if (full && !strcmp(method, "logging/setLevel")) {
		reply(id, json_object());
	} else if (!strcmp(method, "tools/list")) {
		json_t *tools = all_tools(), *page = json_array();
		const char *cursor = json_string_value(json_object_get(json_object_get(m, "params"), "cursor"));
		size_t from = cursor ? (size_t)strtoul(cursor, NULL, 10) : 0, k;
		json_t *res;

		for (k = from; k < json_array_size(tools) && k < from + 2; k++)
			json_array_append(page, json_array_get(tools, k));
		res = json_pack("{s:o}", "tools", page);
		if (from + 2 < json_array_size(tools)) {
			char next[32];

			snprintf(next, sizeof(next), "%zu", from + 2);
			json_object_set_new(res, "nextCursor", json_string(next));
		}
		reply(id, res);
		json_decref(tools);
	} else if (!strcmp(method, "tools/call")) {
		call(id, json_object_get(m, "params"));
	} else if (!strcmp(method, "ping")) {
		reply(id, json_object());
	} else {
		reply_error(id, -32601, "method not found");
	}
}

/* ---- Streamable HTTP ------------------------------------------------------- */

static void respond(int fd, int status, const char *ctype, const char *extra, const char *body)
{
	char head[2048];
	size_t n = body ? strlen(body) : 0;
	int hn = snprintf(head, sizeof(head),
			  "HTTP/1.1 %d %s\r\nContent-Length: %zu\r\n%s%s%s%sConnection: close\r\n\r\n",
			  status, status == 200 ? "OK" : status == 201 ? "Created" : status == 202 ? "Accepted" :
			  status == 302 ? "Found" : status == 401 ? "Unauthorized" : status == 404 ? "Not Found" : "Bad Request",
			  n, ctype ? "Content-Type: " : "", ctype ? ctype : "", ctype ? "\r\n" : "",
			  extra ? extra : "");

	if (write(fd, head, (size_t)hn) < 0 || (n && write(fd, body, n) < 0))
		return;
}

/* The value of header name in the request head, or "". */
static void header(const char *head, const char *name, char *out, size_t cap)
{
	const char *p = strcasestr(head, name);
	size_t n;

	out[0] = 0;
	if (!p)
		return;
	p += strlen(name);
	while (*p == ' ')
		p++;
	n = strcspn(p, "\r\n");
	if (n >= cap)
		n = cap - 1;
	memcpy(out, p, n);
	out[n] = 0;
}

/* Listens on 127.0.0.1, the port written to port_file. */
static int listen_local(const char *port_file)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	FILE *pf;

	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(ls, (struct sockaddr *)&a, sizeof(a)) || listen(ls, 16) ||
	    getsockname(ls, (struct sockaddr *)&a, &al))
		return -1;
	http_port = ntohs(a.sin_port);
	pf = fopen(port_file, "w");
	fprintf(pf, "%d\n", ntohs(a.sin_port));
	fclose(pf);
	return ls;
}

struct req {
	char buf[1 << 16];
	char line[256];			/* "POST /mcp HTTP/1.1" */
	char sid[64], accept_h[256], proto[64], auth[256];
	char *body;
	json_t *m;
	const char *method;		/* the JSON-RPC method, or the HTTP one (GET, DELETE) */
};

/* Reads one request from fd, logs it.  0, or -1 (closed). */
static int read_req(int fd, struct req *r)
{
	size_t got = 0;
	long clen = 0;
	json_error_t jerr;

	memset(r, 0, sizeof(*r));
	r->buf[0] = 0;
	while (got < sizeof(r->buf) - 1) {
		ssize_t n = read(fd, r->buf + got, sizeof(r->buf) - 1 - got);

		if (n <= 0)
			break;
		got += (size_t)n;
		r->buf[got] = 0;
		if ((r->body = strstr(r->buf, "\r\n\r\n")) != NULL) {
			char cl[32];

			header(r->buf, "content-length:", cl, sizeof(cl));
			clen = strtol(cl, NULL, 10);
			if ((long)(got - (size_t)(r->body + 4 - r->buf)) >= clen)
				break;
		}
	}
	r->buf[got] = 0;
	r->body = strstr(r->buf, "\r\n\r\n");
	if (!r->body)
		return -1;
	*r->body = 0;
	r->body += 4;
	snprintf(r->line, sizeof(r->line), "%.*s", (int)strcspn(r->buf, "\r\n"), r->buf);
	header(r->buf, "mcp-session-id:", r->sid, sizeof(r->sid));
	header(r->buf, "accept:", r->accept_h, sizeof(r->accept_h));
	header(r->buf, "mcp-protocol-version:", r->proto, sizeof(r->proto));
	header(r->buf, "authorization:", r->auth, sizeof(r->auth));
	r->m = *r->body ? json_loads(r->body, 0, &jerr) : NULL;
	r->method = json_string_value(json_object_get(r->m, "method"));
	if (!r->method && !strncmp(r->line, "GET ", 4))
		r->method = "GET";
	if (!r->method && !strncmp(r->line, "DELETE ", 7))
		r->method = "DELETE";
	if (msglog) {
		json_t *l = json_pack("{s:s, s:s, s:s, s:s, s:s}", "method", r->method ? r->method : "",
				      "session", r->sid, "protocol", r->proto, "accept", r->accept_h,
				      "authorization", r->auth);
		char *t;

		if (r->m && !r->method)
			json_object_set_new(l, "response_to", json_incref(json_object_get(r->m, "id")));
		if (r->m && json_object_get(r->m, "params"))
			json_object_set(l, "params", json_object_get(r->m, "params"));
		if (r->m && json_object_get(r->m, "result"))
			json_object_set(l, "result", json_object_get(r->m, "result"));
		t = json_dumps(l, JSON_COMPACT);
		fprintf(msglog, "%s\n", t);
		fflush(msglog);
		free(t);
		json_decref(l);
	}
	return 0;
}

static void write_events(int fd, size_t from)
{
	size_t k;
	json_t *o;

	json_array_foreach(outbox, k, o) {
		char *t;

		if (k < from)
			continue;
		t = json_dumps(o, JSON_COMPACT);
		dprintf(fd, "event: message\ndata: %s\n\n", t);
		free(t);
	}
}

/* ---- a local OAuth 2.1 authorization server (--oauth) ----------------------- */

static void b64url(const unsigned char *p, size_t n, char *out)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];

		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
		out[o++] = tab[v >> 6 & 63];
		out[o++] = tab[v & 63];
	}
	if (n - i == 1) {
		out[o++] = tab[p[i] >> 2];
		out[o++] = tab[(p[i] & 3) << 4];
	} else if (n - i == 2) {
		out[o++] = tab[p[i] >> 2];
		out[o++] = tab[(p[i] & 3) << 4 | p[i + 1] >> 4];
		out[o++] = tab[(p[i + 1] & 15) << 2];
	}
	out[o] = 0;
}

/* A query or form parameter, %-decoded. */
static void param(const char *q, const char *name, char *out, size_t cap)
{
	size_t n = strlen(name), o = 0;
	const char *p = q;

	out[0] = 0;
	while (p && *p) {
		if (!strncmp(p, name, n) && p[n] == '=' && (p == q || p[-1] == '&' || p[-1] == '?')) {
			for (p += n + 1; *p && *p != '&' && *p != ' ' && o + 1 < cap; p++) {
				unsigned hv;

				if (*p == '%' && sscanf(p + 1, "%2x", &hv) == 1) {
					out[o++] = (char)hv;
					p += 2;
				} else {
					out[o++] = *p == '+' ? ' ' : *p;
				}
			}
			out[o] = 0;
			return;
		}
		p++;
	}
}

static void respond_json(int fd, int status, json_t *j)
{
	char *t = json_dumps(j, JSON_COMPACT);

	respond(fd, status, "application/json", NULL, t);
	free(t);
	json_decref(j);
}

/* Serves the authorization server's paths: 1 if it was one of them. */
static int oauth_route(int fd, struct req *r)
{
	char base[64], path[512];

	snprintf(base, sizeof(base), "http://127.0.0.1:%d", http_port);
	sscanf(r->line, "%*s %511s", path);
	if (!strncmp(path, "/.well-known/oauth-protected-resource", 37) && (!oauth_root || !path[37])) {
		char res[128];

		snprintf(res, sizeof(res), "%s/mcp", base);
		respond_json(fd, 200, json_pack("{s:s, s:[s]}", "resource", res,
						"authorization_servers", base));
	} else if (!strcmp(path, "/.well-known/oauth-authorization-server")) {
		char a[128], t[128], g[128];

		snprintf(a, sizeof(a), "%s/authorize", base);
		snprintf(t, sizeof(t), "%s/token", base);
		snprintf(g, sizeof(g), "%s/register", base);
		respond_json(fd, 200, json_pack("{s:s, s:s, s:s, s:s, s:[s], s:[s]}", "issuer", base,
						"authorization_endpoint", a, "token_endpoint", t,
						"registration_endpoint", g,
						"code_challenge_methods_supported", "S256",
						"response_types_supported", "code"));
	} else if (!strcmp(path, "/register")) {
		respond_json(fd, 201, json_pack("{s:s, s:O}", "client_id", "client-1", "redirect_uris",
						json_object_get(r->m, "redirect_uris")));
	} else if (!strncmp(path, "/authorize?", 11)) {
		char state[128], method[16], client[64], loc[1024];

		param(path, "code_challenge", oa_challenge, sizeof(oa_challenge));
		param(path, "code_challenge_method", method, sizeof(method));
		param(path, "redirect_uri", oa_redirect, sizeof(oa_redirect));
		param(path, "state", state, sizeof(state));
		param(path, "client_id", client, sizeof(client));
		if (strcmp(method, "S256") || strcmp(client, "client-1")) {
			respond(fd, 400, "text/plain", NULL, "bad authorization request");
			return 1;
		}
		snprintf(oa_code, sizeof(oa_code), "code-%d", ++oa_n);
		snprintf(loc, sizeof(loc), "Location: %s?code=%s&state=%s\r\n", oa_redirect, oa_code, state);
		respond(fd, 302, NULL, loc, NULL);
	} else if (!strcmp(path, "/token")) {
		char grant[64], code[64], verifier[256], redirect[512], rt[64], want[64];
		unsigned char md[32];

		param(r->body, "grant_type", grant, sizeof(grant));
		if (!strcmp(grant, "authorization_code")) {
			param(r->body, "code", code, sizeof(code));
			param(r->body, "code_verifier", verifier, sizeof(verifier));
			param(r->body, "redirect_uri", redirect, sizeof(redirect));
			SHA256((const unsigned char *)verifier, strlen(verifier), md);
			b64url(md, 32, want);
			if (!oa_code[0] || strcmp(code, oa_code) || strcmp(want, oa_challenge) ||
			    strcmp(redirect, oa_redirect)) {
				respond_json(fd, 400, json_pack("{s:s}", "error", "invalid_grant"));
				return 1;
			}
			oa_code[0] = 0;		/* a code is good once */
		} else if (!strcmp(grant, "refresh_token")) {
			param(r->body, "refresh_token", rt, sizeof(rt));
			if (!oa_refresh[0] || strcmp(rt, oa_refresh)) {
				respond_json(fd, 400, json_pack("{s:s}", "error", "invalid_grant"));
				return 1;
			}
		} else {
			respond_json(fd, 400, json_pack("{s:s}", "error", "unsupported_grant_type"));
			return 1;
		}
		snprintf(oa_access, sizeof(oa_access), "at-%d", ++oa_n);
		snprintf(oa_refresh, sizeof(oa_refresh), "rt-%d", oa_n);
		respond_json(fd, 200, json_pack("{s:s, s:s, s:s, s:i}", "access_token", oa_access,
						"token_type", "Bearer", "refresh_token", oa_refresh,
						"expires_in", 3600));
	} else {
		return 0;
	}
	return 1;
}

/* The MCP endpoint wants a valid bearer token: 1 if the request lacks one
 * (answered 401, saying where the metadata is). */
static int unauthorised(int fd, struct req *r)
{
	char want[64], extra[256];

	snprintf(want, sizeof(want), "Bearer %s", oa_access);
	if (oa_access[0] && !strcmp(r->auth, want))
		return 0;
	if (oauth_root)
		snprintf(extra, sizeof(extra), "WWW-Authenticate: Bearer\r\n");
	else
		snprintf(extra, sizeof(extra),
			 "WWW-Authenticate: Bearer resource_metadata=\"http://127.0.0.1:%d/.well-known/oauth-protected-resource/mcp\"\r\n",
			 http_port);
	respond(fd, 401, "text/plain", extra, "unauthorized");
	return 1;
}

static int serve_http(const char *mode, const char *port_file)
{
	int ls = listen_local(port_file), sessions = 0;
	char current[64] = "";

	if (ls < 0)
		return 2;
	for (;;) {
		int fd = accept(ls, NULL, NULL);
		struct req r;
		json_t *o;


		if (fd < 0)
			continue;
		if (read_req(fd, &r)) {
			close(fd);
			continue;
		}
		if (oauth && (oauth_route(fd, &r) || unauthorised(fd, &r))) {
			json_decref(r.m);
			close(fd);
			continue;
		}
		if (r.method && !strcmp(r.method, "DELETE")) {
			/* the client ends its session */
			if (!strcmp(r.sid, current))
				current[0] = 0;
			respond(fd, 200, NULL, NULL, NULL);
		} else if (!r.m) {
			respond(fd, 400, NULL, NULL, NULL);
		} else if (r.method && !strcmp(r.method, "initialize")) {
			char extra[128];

			expired = 0;
			snprintf(current, sizeof(current), "sess-%d", ++sessions);
			snprintf(extra, sizeof(extra), "Mcp-Session-Id: %s\r\n", current);
			handle(r.m, mode);
			o = json_array_get(outbox, 0);
			if (o) {
				char *t = json_dumps(o, JSON_COMPACT);

				respond(fd, 200, "application/json", extra, t);
				free(t);
			} else {
				sleep(100);	/* silent */
			}
		} else if (expired || strcmp(r.sid, current)) {
			if (expired && !expire400)
				respond(fd, 404, NULL, NULL, "Session not found");
			else
				respond(fd, 400, "text/plain", NULL, "Bad Request: No valid session ID provided");
		} else if (!json_object_get(r.m, "id") || !r.method) {
			handle(r.m, mode);	/* a notification, or an answer to a request of ours */
			respond(fd, 202, NULL, NULL, NULL);
		} else {
			handle(r.m, mode);
			if (!strcmp(r.method, "tools/call")) {
				/* calls answer as an event stream, the rest as JSON;
				 * a call that asks the client streams its request,
				 * takes the answer on another connection, then ends */
				dprintf(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n");
				write_events(fd, 0);
				while (pending_id) {
					int fd2 = accept(ls, NULL, NULL);
					struct req r2;
					size_t before = json_array_size(outbox);

					if (fd2 < 0 || read_req(fd2, &r2))
						break;
					handle(r2.m, mode);
					respond(fd2, 202, NULL, NULL, NULL);
					close(fd2);
					json_decref(r2.m);
					write_events(fd, before);
				}
			} else {
				char *t = json_dumps(json_array_get(outbox, 0), JSON_COMPACT);

				respond(fd, 200, "application/json", NULL, t);
				free(t);
			}
		}
		json_array_clear(outbox);
		json_decref(r.m);
		close(fd);
	}
	return 0;
}

/* The old HTTP+SSE transport: GET /sse opens the stream (its first event
 * says where to POST), POST /messages?sessionId=... gets 202, and every
 * answer goes out on the stream. */
static int serve_sse(const char *mode, const char *port_file)
{
	int ls = listen_local(port_file), stream = -1;

	if (ls < 0)
		return 2;
	for (;;) {
		int fd = accept(ls, NULL, NULL);
		struct req r;

		if (fd < 0)
			continue;
		if (read_req(fd, &r)) {
			close(fd);
			continue;
		}
		if (r.method && !strcmp(r.method, "GET")) {
			if (stream >= 0)
				close(stream);
			stream = fd;
			dprintf(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n\r\n"
				    ": a comment first, as some servers send\n\n"
				    "event: endpoint\ndata: /messages?sessionId=abc123\n\n");
			continue;	/* kept open */
		}
		if (!strstr(r.line, "/messages?sessionId=abc123") || !r.m) {
			respond(fd, 400, "text/plain", NULL, "unknown session");
			close(fd);
			json_decref(r.m);
			continue;
		}
		respond(fd, 202, "text/plain", NULL, "Accepted");
		close(fd);
		handle(r.m, mode);
		if (stream >= 0)
			write_events(stream, 0);
		json_array_clear(outbox);
		json_decref(r.m);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = "ok", *http_port_file = NULL, *sse_port_file = NULL;
	char *line = NULL;
	size_t cap = 0;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--mode") && i + 1 < argc)
			mode = argv[++i];
		else if (!strcmp(argv[i], "--log") && i + 1 < argc)
			msglog = fopen(argv[++i], "a");
		else if (!strcmp(argv[i], "--http") && i + 1 < argc)
			http_port_file = argv[++i];
		else if (!strcmp(argv[i], "--sse") && i + 1 < argc)
			sse_port_file = argv[++i];
		else if (!strcmp(argv[i], "--roots-at-init"))
			roots_at_init = 1;
		else if (!strcmp(argv[i], "--expire400"))
			expire400 = 1;
		else if (!strcmp(argv[i], "--oauth"))
			oauth = 1;
		else if (!strcmp(argv[i], "--oauth-root"))
			oauth = oauth_root = 1;
	}
	outbox = json_array();
	subscribed = json_array();
	full = !strcmp(mode, "full");
	fprintf(stderr, "mcpserver: starting in mode %s\n", mode);
	if (!strcmp(mode, "exit"))
		return 3;
	if (!strcmp(mode, "garbage")) {
		printf("this is not json\n{\"broken\": \n");
		fflush(stdout);
	}
	serving_http = http_port_file || sse_port_file;
	if (http_port_file)
		return serve_http(mode, http_port_file);
	if (sse_port_file)
		return serve_sse(mode, sse_port_file);
	while (getline(&line, &cap, stdin) > 0) {
		json_error_t jerr;
		json_t *m = json_loads(line, 0, &jerr), *o;
		size_t k;

		if (msglog) {
			fputs(line, msglog);
			fflush(msglog);
		}
		if (!m)
			continue;
		handle(m, mode);
		json_decref(m);
		json_array_foreach(outbox, k, o) {
			char *t = json_dumps(o, JSON_COMPACT);

			fputs(t, stdout);
			fputc('\n', stdout);
			free(t);
		}
		fflush(stdout);
		json_array_clear(outbox);
		if (exit_after) {
			struct timespec ts = { 0, 200 * 1000000L };

			nanosleep(&ts, NULL);
			return 0;
		}
	}
	free(line);
	return 0;
}
