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
 * Modes for the bad-server tests: ok (default), exit (exits at once),
 * garbage (prints non-JSON on stdout), silent (never answers initialize),
 * badversion (answers initialize with protocol version 1999-01-01).
 * --log appends every message received, one per line.
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
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
	return a;
}

static json_t *text_result(const char *text, int is_error)
{
	return json_pack("{s:[{s:s, s:s}], s:b}", "content", "type", "text", "text", text,
			 "isError", is_error);
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
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

		nanosleep(&ts, NULL);
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
	} else {
		reply_error(id, -32602, "unknown tool");
	}
}

/* Handles one message; what to send goes to the outbox. */
static void handle(json_t *m, const char *mode)
{
	json_t *id = json_object_get(m, "id");
	const char *method = json_string_value(json_object_get(m, "method"));

	if (!method || !id)		/* a notification or a response */
		return;
	if (!strcmp(method, "initialize")) {
		if (!strcmp(mode, "silent"))
			return;
		reply(id, json_pack("{s:s, s:{s:{s:b}}, s:{s:s, s:s}}", "protocolVersion",
				    !strcmp(mode, "badversion") ? "1999-01-01" : "2025-06-18",
				    "capabilities", "tools", "listChanged", 1,
				    "serverInfo", "name", "mcpserver", "version", "1.0"));
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
	char head[512];
	size_t n = body ? strlen(body) : 0;
	int hn = snprintf(head, sizeof(head),
			  "HTTP/1.1 %d %s\r\nContent-Length: %zu\r\n%s%s%s%sConnection: close\r\n\r\n",
			  status, status == 200 ? "OK" : status == 202 ? "Accepted" : status == 404 ? "Not Found" : "Bad Request",
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

static int serve_http(const char *mode, const char *port_file)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1, sessions = 0;
	char current[64] = "";
	FILE *pf;

	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(ls, (struct sockaddr *)&a, sizeof(a)) || listen(ls, 16) ||
	    getsockname(ls, (struct sockaddr *)&a, &al))
		return 2;
	pf = fopen(port_file, "w");
	fprintf(pf, "%d\n", ntohs(a.sin_port));
	fclose(pf);
	for (;;) {
		int fd = accept(ls, NULL, NULL);
		char buf[1 << 16], sid[64], accept_h[256], proto[64], auth[256], *body;
		size_t got = 0;
		long clen;
		json_error_t jerr;
		json_t *m, *o;
		const char *method;
		size_t k;

		if (fd < 0)
			continue;
		while (got < sizeof(buf) - 1) {
			ssize_t r = read(fd, buf + got, sizeof(buf) - 1 - got);

			if (r <= 0)
				break;
			got += (size_t)r;
			buf[got] = 0;
			if ((body = strstr(buf, "\r\n\r\n")) != NULL) {
				char cl[32];

				header(buf, "content-length:", cl, sizeof(cl));
				clen = strtol(cl, NULL, 10);
				if ((long)(got - (size_t)(body + 4 - buf)) >= clen)
					break;
			}
		}
		buf[got] = 0;
		body = strstr(buf, "\r\n\r\n");
		if (!body) {
			close(fd);
			continue;
		}
		*body = 0;
		body += 4;
		header(buf, "mcp-session-id:", sid, sizeof(sid));
		header(buf, "accept:", accept_h, sizeof(accept_h));
		header(buf, "mcp-protocol-version:", proto, sizeof(proto));
		header(buf, "authorization:", auth, sizeof(auth));
		m = json_loads(body, 0, &jerr);
		method = json_string_value(json_object_get(m, "method"));
		if (msglog) {
			json_t *l = json_pack("{s:s, s:s, s:s, s:s, s:s}", "method", method ? method : "",
					      "session", sid, "protocol", proto, "accept", accept_h,
					      "authorization", auth);
			char *t = json_dumps(l, JSON_COMPACT);

			fprintf(msglog, "%s\n", t);
			fflush(msglog);
			free(t);
			json_decref(l);
		}
		if (!m) {
			respond(fd, 400, NULL, NULL, NULL);
		} else if (method && !strcmp(method, "initialize")) {
			char extra[128];

			expired = 0;
			snprintf(current, sizeof(current), "sess-%d", ++sessions);
			snprintf(extra, sizeof(extra), "Mcp-Session-Id: %s\r\n", current);
			handle(m, mode);
			o = json_array_get(outbox, 0);
			if (o) {
				char *t = json_dumps(o, JSON_COMPACT);

				respond(fd, 200, "application/json", extra, t);
				free(t);
			} else {
				sleep(100);	/* silent */
			}
		} else if (expired || strcmp(sid, current)) {
			respond(fd, expired ? 404 : 400, NULL, NULL, NULL);
		} else if (!json_object_get(m, "id")) {
			respond(fd, 202, NULL, NULL, NULL);
		} else {
			handle(m, mode);
			if (method && !strcmp(method, "tools/call")) {
				/* calls answer as an event stream, the rest as JSON */
				char *ev = strdup("");

				json_array_foreach(outbox, k, o) {
					char *t = json_dumps(o, JSON_COMPACT), *nev;

					if (asprintf(&nev, "%sevent: message\ndata: %s\n\n", ev, t) < 0)
						nev = NULL;
					free(ev);
					free(t);
					ev = nev;
				}
				respond(fd, 200, "text/event-stream", NULL, ev);
				free(ev);
			} else {
				char *t = json_dumps(json_array_get(outbox, 0), JSON_COMPACT);

				respond(fd, 200, "application/json", NULL, t);
				free(t);
			}
		}
		json_array_clear(outbox);
		json_decref(m);
		close(fd);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = "ok", *http_port_file = NULL;
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
	}
	outbox = json_array();
	fprintf(stderr, "mcpserver: starting in mode %s\n", mode);
	if (!strcmp(mode, "exit"))
		return 3;
	if (!strcmp(mode, "garbage")) {
		printf("this is not json\n{\"broken\": \n");
		fflush(stdout);
	}
	if (http_port_file)
		return serve_http(mode, http_port_file);
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
	}
	free(line);
	return 0;
}
