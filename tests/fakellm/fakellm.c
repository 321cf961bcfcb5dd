/*
 * fakellm: a fake LLM server for archie's tests.
 *
 *   fakellm --script SCRIPT.json --log REQUESTS.jsonl --port-file PORT
 *
 * Listens on 127.0.0.1 (an ephemeral port, written to PORT), and answers
 * each POST with the next response of the script:
 *
 *   {"responses": [
 *     {"turn": {"text": "Hello", "tool_calls": [{"id": "c1", "name": "Read",
 *               "arguments": "{\"path\":\"a\"}"}],
 *               "thinking": "...", "signature": "...",   reasoning first: an
 *                    Anthropic thinking block, OpenAI's reasoning_content
 *               "usage": {"input": 10, "output": 3}, "stop": "tool_use"},
 *      "protocol": "openai" | "anthropic" (default: from the path),
 *      "text_chunk": 5,          split text into deltas of 5 bytes
 *      "chunk_size": 7,          write the body 7 bytes at a time
 *      "delay_ms": 2,            between writes
 *      "latency_ms": 100},       before the first byte
 *     {"raw": "file.sse"},       replay a recorded stream byte for byte
 *     {"status": 429, "headers": {"retry-after": "0"}, "body": {...}},
 *     {"turn": {...}, "reset_after": 120},   close (RST) after 120 bytes
 *     {"turn": {...}, "stall_ms": 3000, "stall_after": 50},
 *     {"turn": {...}, "malformed_after": 2}, a non-JSON data line after 2 events
 *     {"when": {"system_contains": "database"}, "turn": {...}},
 *     {"when": {"path": "/api/show"}, "body": {...}},   only that path
 *     {"repeat": true, "turn": {...}}   never used up
 *   ]}
 *
 * A response with "when" is used only by a request that matches it; the
 * first unused matching response answers.  Every request is appended to
 * the log as one JSON line: n, t_ms (since start), method, path, headers
 * (lower-case names), body (the exact bytes, as a string).
 *
 * GET /v1/models and /api/tags answer with a model list, for the local
 * server probe.  Other GETs are served from "pages" (by path, else by
 * path without its query), for WebFetch and WebSearch tests:
 *   "pages": {"/a.html": {"type": "text/html", "body": "..."},
 *             "/moved": {"status": 302, "location": "/a.html"},
 *             "/big": {"type": "text/plain", "size": 6000000}}
 * The server runs until killed.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static json_t *script;
static char *script_dir;
static FILE *log_file;
static FILE *pages_log;		/* the GETs of pages: LOG.pages */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char *used;
static long request_count;
static struct timespec started;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "fakellm: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

static long elapsed_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - started.tv_sec) * 1000 +
	       (now.tv_nsec - started.tv_nsec) / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (ms > 0 && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- growable buffer ---------------------------------------------------- */

struct buf {
	char *p;
	size_t len, cap;
};

static void buf_add(struct buf *b, const void *d, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			die("out of memory");
	}
	memcpy(b->p + b->len, d, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void buf_addf(struct buf *b, const char *fmt, ...)
{
	char tmp[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		die("format overflow");
	buf_add(b, tmp, (size_t)n);
}

static void sse_json(struct buf *b, const char *event, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (event)
		buf_addf(b, "event: %s\n", event);
	buf_add(b, "data: ", 6);
	buf_add(b, s, strlen(s));
	buf_add(b, "\n\n", 2);
	free(s);
	json_decref(j);
}

/* ---- scripted turns ------------------------------------------------------- */

static const char *args_text(json_t *a, char **to_free)
{
	*to_free = NULL;
	if (json_is_string(a))
		return json_string_value(a);
	if (!a)
		return "{}";
	*to_free = json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER);
	return *to_free;
}

static void openai_turn(struct buf *b, json_t *turn, size_t text_chunk)
{
	const char *text = json_string_value(json_object_get(turn, "text"));
	json_t *calls = json_object_get(turn, "tool_calls");
	json_t *usage = json_object_get(turn, "usage");
	const char *stop = json_string_value(json_object_get(turn, "stop"));
	size_t i, n = text ? strlen(text) : 0, off;

	sse_json(b, NULL, json_pack("{s:s, s:s, s:[{s:i, s:{s:s, s:s}, s:n}]}",
		"id", "chatcmpl-fake", "object", "chat.completion.chunk",
		"choices", "index", 0, "delta", "role", "assistant", "content", "",
		"finish_reason"));
	if (json_string_value(json_object_get(turn, "thinking")))
		sse_json(b, NULL, json_pack("{s:s, s:[{s:i, s:{s:s}, s:n}]}",
			"object", "chat.completion.chunk", "choices", "index", 0,
			"delta", "reasoning_content",
			json_string_value(json_object_get(turn, "thinking")), "finish_reason"));
	for (off = 0; off < n; off += text_chunk) {
		size_t k = n - off < text_chunk ? n - off : text_chunk;

		sse_json(b, NULL, json_pack("{s:s, s:[{s:i, s:{s:s%}, s:n}]}",
			"object", "chat.completion.chunk", "choices", "index", 0,
			"delta", "content", text + off, k, "finish_reason"));
	}
	for (i = 0; i < json_array_size(calls); i++) {
		json_t *c = json_array_get(calls, i);
		char *tofree;
		const char *args = args_text(json_object_get(c, "arguments"), &tofree);
		size_t alen = strlen(args), half = alen / 2;

		/* name first, then the arguments in two fragments */
		sse_json(b, NULL, json_pack("{s:s, s:[{s:i, s:{s:[{s:I, s:s, s:s, s:{s:s, s:s}}]}, s:n}]}",
			"object", "chat.completion.chunk", "choices", "index", 0,
			"delta", "tool_calls", "index", (json_int_t)i,
			"id", json_string_value(json_object_get(c, "id")),
			"type", "function", "function",
			"name", json_string_value(json_object_get(c, "name")),
			"arguments", "", "finish_reason"));
		sse_json(b, NULL, json_pack("{s:s, s:[{s:i, s:{s:[{s:I, s:{s:s%}}]}, s:n}]}",
			"object", "chat.completion.chunk", "choices", "index", 0,
			"delta", "tool_calls", "index", (json_int_t)i, "function",
			"arguments", args, half, "finish_reason"));
		sse_json(b, NULL, json_pack("{s:s, s:[{s:i, s:{s:[{s:I, s:{s:s}}]}, s:n}]}",
			"object", "chat.completion.chunk", "choices", "index", 0,
			"delta", "tool_calls", "index", (json_int_t)i, "function",
			"arguments", args + half, "finish_reason"));
		free(tofree);
	}
	if (!stop)
		stop = json_array_size(calls) ? "tool_calls" : "stop";
	else if (!strcmp(stop, "tool_use"))
		stop = "tool_calls";
	else if (!strcmp(stop, "end_turn"))
		stop = "stop";
	else if (!strcmp(stop, "max_tokens"))
		stop = "length";
	sse_json(b, NULL, json_pack("{s:s, s:[{s:i, s:{}, s:s}]}",
		"object", "chat.completion.chunk", "choices", "index", 0,
		"delta", "finish_reason", stop));
	if (usage) {
		/* OpenAI counts cached tokens inside prompt_tokens */
		json_int_t in = json_integer_value(json_object_get(usage, "input")) +
				json_integer_value(json_object_get(usage, "cache_read"));
		json_t *u = json_pack("{s:I, s:I, s:I}", "prompt_tokens", in,
			"completion_tokens", json_integer_value(json_object_get(usage, "output")),
			"total_tokens", in + json_integer_value(json_object_get(usage, "output")));

		if (json_object_get(usage, "cache_read"))
			json_object_set_new(u, "prompt_tokens_details", json_pack("{s:I}",
				"cached_tokens", json_integer_value(json_object_get(usage, "cache_read"))));
		sse_json(b, NULL, json_pack("{s:s, s:[], s:o}",
			"object", "chat.completion.chunk", "choices", "usage", u));
	}
	buf_add(b, "data: [DONE]\n\n", 14);
}

static void anthropic_turn(struct buf *b, json_t *turn, size_t text_chunk)
{
	const char *text = json_string_value(json_object_get(turn, "text"));
	json_t *calls = json_object_get(turn, "tool_calls");
	json_t *usage = json_object_get(turn, "usage");
	const char *stop = json_string_value(json_object_get(turn, "stop"));
	size_t i, n = text ? strlen(text) : 0, off, block = 0;

	sse_json(b, "message_start", json_pack("{s:s, s:{s:s, s:s, s:s, s:[], s:{s:I, s:I, s:I, s:I}}}",
		"type", "message_start", "message", "id", "msg_fake", "type", "message",
		"role", "assistant", "content", "usage",
		"input_tokens", json_integer_value(json_object_get(usage, "input")),
		"cache_creation_input_tokens", json_integer_value(json_object_get(usage, "cache_write")),
		"cache_read_input_tokens", json_integer_value(json_object_get(usage, "cache_read")),
		"output_tokens", (json_int_t)1));
	if (json_string_value(json_object_get(turn, "thinking"))) {
		/* a thinking block, with the signature the API checks */
		sse_json(b, "content_block_start", json_pack("{s:s, s:I, s:{s:s, s:s, s:s}}",
			"type", "content_block_start", "index", (json_int_t)block,
			"content_block", "type", "thinking", "thinking", "", "signature", ""));
		sse_json(b, "content_block_delta", json_pack("{s:s, s:I, s:{s:s, s:s}}",
			"type", "content_block_delta", "index", (json_int_t)block,
			"delta", "type", "thinking_delta",
			"thinking", json_string_value(json_object_get(turn, "thinking"))));
		sse_json(b, "content_block_delta", json_pack("{s:s, s:I, s:{s:s, s:s}}",
			"type", "content_block_delta", "index", (json_int_t)block,
			"delta", "type", "signature_delta", "signature",
			json_string_value(json_object_get(turn, "signature")) ?
			json_string_value(json_object_get(turn, "signature")) : "sig-fake"));
		sse_json(b, "content_block_stop", json_pack("{s:s, s:I}",
			"type", "content_block_stop", "index", (json_int_t)block));
		block++;
	}
	if (n) {
		sse_json(b, "content_block_start", json_pack("{s:s, s:I, s:{s:s, s:s}}",
			"type", "content_block_start", "index", (json_int_t)block,
			"content_block", "type", "text", "text", ""));
		sse_json(b, "ping", json_pack("{s:s}", "type", "ping"));
		for (off = 0; off < n; off += text_chunk) {
			size_t k = n - off < text_chunk ? n - off : text_chunk;

			sse_json(b, "content_block_delta", json_pack("{s:s, s:I, s:{s:s, s:s%}}",
				"type", "content_block_delta", "index", (json_int_t)block,
				"delta", "type", "text_delta", "text", text + off, k));
		}
		sse_json(b, "content_block_stop", json_pack("{s:s, s:I}",
			"type", "content_block_stop", "index", (json_int_t)block));
		block++;
	}
	for (i = 0; i < json_array_size(calls); i++, block++) {
		json_t *c = json_array_get(calls, i);
		char *tofree;
		const char *args = args_text(json_object_get(c, "arguments"), &tofree);
		size_t alen = strlen(args), half = alen / 2;

		sse_json(b, "content_block_start", json_pack("{s:s, s:I, s:{s:s, s:s, s:s, s:{}}}",
			"type", "content_block_start", "index", (json_int_t)block,
			"content_block", "type", "tool_use",
			"id", json_string_value(json_object_get(c, "id")),
			"name", json_string_value(json_object_get(c, "name")), "input"));
		sse_json(b, "content_block_delta", json_pack("{s:s, s:I, s:{s:s, s:s%}}",
			"type", "content_block_delta", "index", (json_int_t)block,
			"delta", "type", "input_json_delta", "partial_json", args, half));
		sse_json(b, "content_block_delta", json_pack("{s:s, s:I, s:{s:s, s:s}}",
			"type", "content_block_delta", "index", (json_int_t)block,
			"delta", "type", "input_json_delta", "partial_json", args + half));
		sse_json(b, "content_block_stop", json_pack("{s:s, s:I}",
			"type", "content_block_stop", "index", (json_int_t)block));
		free(tofree);
	}
	if (!stop)
		stop = json_array_size(calls) ? "tool_use" : "end_turn";
	sse_json(b, "message_delta", json_pack("{s:s, s:{s:s, s:n}, s:{s:I}}",
		"type", "message_delta", "delta", "stop_reason", stop, "stop_sequence",
		"usage", "output_tokens", json_integer_value(json_object_get(usage, "output"))));
	sse_json(b, "message_stop", json_pack("{s:s}", "type", "message_stop"));
}

/* The Responses API's events: a reasoning item (with its summary and
 * encrypted content), the message, function calls by output index, and
 * response.completed with the usage. */
static void ev(struct buf *b, json_t *j)
{
	sse_json(b, json_string_value(json_object_get(j, "type")), j);
}

static void responses_turn(struct buf *b, json_t *turn, size_t text_chunk)
{
	const char *text = json_string_value(json_object_get(turn, "text"));
	const char *thinking = json_string_value(json_object_get(turn, "thinking"));
	json_t *calls = json_object_get(turn, "tool_calls");
	json_t *usage = json_object_get(turn, "usage");
	const char *stop = json_string_value(json_object_get(turn, "stop"));
	size_t i, n = text ? strlen(text) : 0, off;
	json_int_t out = 0;

	ev(b, json_pack("{s:s, s:{s:s, s:s}}", "type", "response.created", "response",
			"id", "resp_fake", "status", "in_progress"));
	if (thinking) {
		const char *sig = json_string_value(json_object_get(turn, "signature"));

		ev(b, json_pack("{s:s, s:I, s:{s:s, s:s}}", "type", "response.output_item.added",
				"output_index", out, "item", "type", "reasoning", "id", "rs_fake"));
		ev(b, json_pack("{s:s, s:I, s:s}", "type", "response.reasoning_summary_text.delta",
				"output_index", out, "delta", thinking));
		ev(b, json_pack("{s:s, s:I, s:{s:s, s:s, s:[{s:s, s:s}], s:s}}", "type",
				"response.output_item.done", "output_index", out, "item", "type", "reasoning",
				"id", "rs_fake", "summary", "type", "summary_text", "text", thinking,
				"encrypted_content", sig ? sig : "enc-fake"));
		out++;
	}
	if (n) {
		ev(b, json_pack("{s:s, s:I, s:{s:s, s:s, s:s}}", "type", "response.output_item.added",
				"output_index", out, "item", "type", "message", "id", "msg_fake",
				"role", "assistant"));
		for (off = 0; off < n; off += text_chunk) {
			size_t k = n - off < text_chunk ? n - off : text_chunk;

			ev(b, json_pack("{s:s, s:I, s:s%}", "type", "response.output_text.delta",
					"output_index", out, "delta", text + off, k));
		}
		ev(b, json_pack("{s:s, s:I, s:{s:s, s:s}}", "type", "response.output_item.done",
				"output_index", out, "item", "type", "message", "id", "msg_fake"));
		out++;
	}
	for (i = 0; i < json_array_size(calls); i++, out++) {
		json_t *c = json_array_get(calls, i);
		char *tofree;
		const char *args = args_text(json_object_get(c, "arguments"), &tofree);
		size_t half = strlen(args) / 2;
		const char *id = json_string_value(json_object_get(c, "id"));
		const char *name = json_string_value(json_object_get(c, "name"));

		ev(b, json_pack("{s:s, s:I, s:{s:s, s:s, s:s, s:s}}", "type",
				"response.output_item.added", "output_index", out, "item",
				"type", "function_call", "call_id", id, "name", name, "arguments", ""));
		ev(b, json_pack("{s:s, s:I, s:s%}", "type", "response.function_call_arguments.delta",
				"output_index", out, "delta", args, half));
		ev(b, json_pack("{s:s, s:I, s:s}", "type", "response.function_call_arguments.delta",
				"output_index", out, "delta", args + half));
		ev(b, json_pack("{s:s, s:I, s:{s:s, s:s, s:s, s:s}}", "type",
				"response.output_item.done", "output_index", out, "item",
				"type", "function_call", "call_id", id, "name", name, "arguments", args));
		free(tofree);
	}
	{
		json_int_t in = json_integer_value(json_object_get(usage, "input")) +
				json_integer_value(json_object_get(usage, "cache_read"));
		int incomplete = stop && !strcmp(stop, "max_tokens");

		ev(b, json_pack("{s:s, s:{s:s, s:s, s:{s:I, s:{s:I}, s:I}}}", "type",
				incomplete ? "response.incomplete" : "response.completed", "response",
				"id", "resp_fake", "status", incomplete ? "incomplete" : "completed",
				"usage", "input_tokens", in, "input_tokens_details", "cached_tokens",
				json_integer_value(json_object_get(usage, "cache_read")),
				"output_tokens", json_integer_value(json_object_get(usage, "output"))));
	}
}

/* ---- HTTP --------------------------------------------------------------- */

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void reset_connection(int fd)
{
	struct linger l = { 1, 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
}

static int read_file(const char *rel, struct buf *out)
{
	char path[4096];
	FILE *f;
	char tmp[8192];
	size_t n;

	if (rel[0] == '/')
		snprintf(path, sizeof(path), "%s", rel);
	else
		snprintf(path, sizeof(path), "%s/%s", script_dir, rel);
	f = fopen(path, "rb");
	if (!f)
		return -1;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_add(out, tmp, n);
	fclose(f);
	return 0;
}

/* Inserts a non-JSON data line after the n-th event of an SSE body. */
static void inject_malformed(struct buf *b, long after)
{
	struct buf out = { 0 };
	size_t i = 0;
	long events = 0;

	while (i < b->len) {
		char *sep = strstr(b->p + i, "\n\n");
		size_t end = sep ? (size_t)(sep - b->p) + 2 : b->len;

		buf_add(&out, b->p + i, end - i);
		if (++events == after)
			buf_add(&out, "data: {\"choices\": [ this is not json\n\n", 38);
		i = end;
	}
	free(b->p);
	*b = out;
}

static void respond(int fd, json_t *r, const char *path)
{
	struct buf head = { 0 }, body = { 0 };
	long status = json_integer_value(json_object_get(r, "status"));
	json_t *hdrs = json_object_get(r, "headers"), *v;
	const char *key, *proto = json_string_value(json_object_get(r, "protocol"));
	long chunk = json_integer_value(json_object_get(r, "chunk_size"));
	long delay = json_integer_value(json_object_get(r, "delay_ms"));
	long reset_after = json_integer_value(json_object_get(r, "reset_after"));
	long stall = json_integer_value(json_object_get(r, "stall_ms"));
	long stall_after = json_integer_value(json_object_get(r, "stall_after"));
	long text_chunk = json_integer_value(json_object_get(r, "text_chunk"));
	long malformed = json_integer_value(json_object_get(r, "malformed_after"));
	const char *ctype = "text/event-stream";
	size_t off;

	if (!status)
		status = 200;
	if (!proto)
		proto = strstr(path, "/messages") ? "anthropic"
			: strstr(path, "/responses") ? "responses" : "openai";
	if (json_object_get(r, "turn")) {
		if (!strcmp(proto, "responses"))
			responses_turn(&body, json_object_get(r, "turn"),
				       text_chunk > 0 ? (size_t)text_chunk : 1000000);
		else if (!strcmp(proto, "anthropic"))
			anthropic_turn(&body, json_object_get(r, "turn"),
				       text_chunk > 0 ? (size_t)text_chunk : 1000000);
		else
			openai_turn(&body, json_object_get(r, "turn"),
				    text_chunk > 0 ? (size_t)text_chunk : 1000000);
	} else if (json_is_string(json_object_get(r, "raw"))) {
		if (read_file(json_string_value(json_object_get(r, "raw")), &body))
			die("cannot read %s", json_string_value(json_object_get(r, "raw")));
	} else if ((v = json_object_get(r, "body")) != NULL) {
		char *s = json_is_string(v) ? strdup(json_string_value(v))
					    : json_dumps(v, JSON_COMPACT);

		buf_add(&body, s, strlen(s));
		free(s);
		ctype = "application/json";
	}
	if (malformed > 0)
		inject_malformed(&body, malformed);

	buf_addf(&head, "HTTP/1.1 %ld %s\r\nContent-Type: %s\r\nConnection: close\r\n",
		 status, status == 200 ? "OK" : "Status", ctype);
	json_object_foreach(hdrs, key, v)
		buf_addf(&head, "%s: %s\r\n", key, json_string_value(v));
	buf_add(&head, "\r\n", 2);

	if (json_integer_value(json_object_get(r, "latency_ms")) > 0)
		sleep_ms(json_integer_value(json_object_get(r, "latency_ms")));
	if (write_all(fd, head.p, head.len))
		goto out;
	if (chunk <= 0)
		chunk = (long)body.len ? (long)body.len : 1;
	for (off = 0; off < body.len; off += (size_t)chunk) {
		size_t n = body.len - off < (size_t)chunk ? body.len - off : (size_t)chunk;

		if (stall > 0 && (long)off >= stall_after) {
			sleep_ms(stall);
			stall = 0;
		}
		if (reset_after > 0 && (long)(off + n) > reset_after) {
			n = (size_t)reset_after > off ? (size_t)reset_after - off : 0;
			write_all(fd, body.p + off, n);
			reset_connection(fd);
			goto out;
		}
		if (write_all(fd, body.p + off, n))
			goto out;
		if (delay > 0 && off + n < body.len)
			sleep_ms(delay);
	}
	if (stall > 0)
		sleep_ms(stall);
out:
	free(head.p);
	free(body.p);
}

/* ---- a model's context window, its cache, a summariser ----------------- */

/*
 * Top-level script settings that make the server behave like a real one
 * over a long session (tokens are characters / 4, the measure):
 *
 *   "context": {"window": 100000, "server": "openai"}
 *       a request whose body is over the window gets that server's error
 *       (openai, anthropic, vllm, llamacpp, openrouter, groq, ollama) and
 *       uses no response;
 *   "auto_usage": true
 *       each turn reports usage computed from the request: output is the
 *       turn's text and arguments / 4; Anthropic's cache read is the
 *       longest prefix ending at a cache_control breakpoint that an
 *       earlier request wrote, its cache write the rest up to the last
 *       breakpoint; OpenAI's cached tokens are the longest prefix shared
 *       with an earlier request, in 128-token steps from 1024;
 *   "summarize": {"marker": "TEXT", "keep": "REGEX"}
 *       a request containing TEXT (archie's compaction request) is
 *       answered with a summary listing every match of REGEX in it
 *       (the facts a good summary keeps), using no response.
 */
#include <regex.h>

static char **prefixes;		/* Anthropic: cached prefixes (exact bytes) */
static size_t prefixes_nr;
static char **bodies;		/* OpenAI: earlier request bodies */
static size_t bodies_nr;

static long tokens(size_t chars)
{
	return (long)(chars / 4);
}

/* 400 and the server's own words for a prompt over the window. */
static int context_error(int fd, const char *body, const char *path)
{
	json_t *ctx = json_object_get(script, "context");
	long window = json_integer_value(json_object_get(ctx, "window"));
	const char *server = json_string_value(json_object_get(ctx, "server"));
	long n = tokens(strlen(body));
	struct buf b = { 0 }, h = { 0 };

	if (!window || n <= window)
		return 0;
	if (!server)
		server = strstr(path, "/messages") ? "anthropic" : "openai";
	if (!strcmp(server, "anthropic"))
		buf_addf(&b, "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"prompt is too long: %ld tokens > %ld maximum\"}}", n, window);
	else if (!strcmp(server, "vllm"))
		buf_addf(&b, "{\"object\":\"error\",\"message\":\"This model's maximum context length is %ld tokens. However, you requested %ld tokens (%ld in the messages, 0 in the completion). Please reduce the length of the messages or completion.\",\"type\":\"BadRequestError\",\"param\":null,\"code\":400}", window, n, n);
	else if (!strcmp(server, "llamacpp"))
		buf_addf(&b, "{\"error\":{\"code\":400,\"message\":\"the request exceeds the available context size, try increasing it\",\"type\":\"exceed_context_size_error\",\"n_prompt_tokens\":%ld,\"n_ctx\":%ld}}", n, window);
	else if (!strcmp(server, "openrouter"))
		buf_addf(&b, "{\"error\":{\"message\":\"This endpoint's maximum context length is %ld tokens. However, you requested about %ld tokens (%ld of text input). Please reduce the length of either one, or use the \\\"middle-out\\\" transform to compress your prompt automatically.\",\"code\":400,\"metadata\":{\"provider_name\":null}}}", window, n, n);
	else if (!strcmp(server, "groq"))
		buf_addf(&b, "{\"error\":{\"message\":\"Please reduce the length of the messages or completion.\",\"type\":\"invalid_request_error\",\"param\":\"messages\",\"code\":\"context_length_exceeded\"}}");
	else if (!strcmp(server, "ollama"))
		buf_addf(&b, "{\"error\":{\"message\":\"input length exceeds the context length\",\"type\":\"api_error\",\"param\":null,\"code\":null}}");
	else
		buf_addf(&b, "{\"error\":{\"message\":\"This model's maximum context length is %ld tokens. However, your messages resulted in %ld tokens. Please reduce the length of the messages.\",\"type\":\"invalid_request_error\",\"param\":\"messages\",\"code\":\"context_length_exceeded\"}}", window, n);
	buf_addf(&h, "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", b.len);
	write_all(fd, h.p, h.len);
	write_all(fd, b.p, b.len);
	free(h.p);
	free(b.p);
	return 1;
}

static int has_prefix(char **v, size_t nr, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (strlen(v[i]) == n && !memcmp(v[i], p, n))
			return 1;
	return 0;
}

/* Usage for a request (lock held): input, cache read and write, output. */
static json_t *auto_usage(const char *body, const char *path, json_t *turn)
{
	size_t len = strlen(body), read = 0, write_to = 0, i;
	long out = 0;
	json_t *calls = json_object_get(turn, "tool_calls");

	if (json_string_value(json_object_get(turn, "text")))
		out += tokens(strlen(json_string_value(json_object_get(turn, "text"))));
	for (i = 0; i < json_array_size(calls); i++) {
		char *a = json_dumps(json_object_get(json_array_get(calls, i), "arguments"),
				     JSON_COMPACT | JSON_ENCODE_ANY);

		out += tokens(strlen(a ? a : "")) + 5;
		free(a);
	}
	if (strstr(path, "/messages")) {
		const char *p = body;

		/* each breakpoint ends a prefix (the bytes before its
		 * ,"cache_control"); a cached prefix is read wherever the body
		 * starts with it, as the API looks back from a breakpoint */
		while ((p = strstr(p, ",\"cache_control\"")) != NULL) {
			write_to = (size_t)(p - body);
			p++;
		}
		for (i = 0; i < prefixes_nr; i++) {
			size_t n = strlen(prefixes[i]);

			if (n > read && n <= write_to && !memcmp(prefixes[i], body, n))
				read = n;
		}
		p = body;
		while ((p = strstr(p, ",\"cache_control\"")) != NULL) {
			size_t n = (size_t)(p - body);

			if (!has_prefix(prefixes, prefixes_nr, body, n)) {
				prefixes = realloc(prefixes, (prefixes_nr + 1) * sizeof(*prefixes));
				prefixes[prefixes_nr++] = strndup(body, n);
			}
			p++;
		}
		if (write_to < read)
			write_to = read;
		return json_pack("{s:I, s:I, s:I, s:I}", "input",
				 (json_int_t)(tokens(len) - tokens(write_to)),
				 "cache_read", (json_int_t)tokens(read),
				 "cache_write", (json_int_t)(tokens(write_to) - tokens(read)),
				 "output", (json_int_t)out);
	}
	for (i = 0; i < bodies_nr; i++) {
		size_t k = 0;

		while (k < len && bodies[i][k] && bodies[i][k] == body[k])
			k++;
		if (k > read)
			read = k;
	}
	bodies = realloc(bodies, (bodies_nr + 1) * sizeof(*bodies));
	bodies[bodies_nr++] = strdup(body);
	read = tokens(read) >= 1024 ? (size_t)(tokens(read) / 128 * 128) : 0;
	return json_pack("{s:I, s:I, s:I}", "input", (json_int_t)(tokens(len) - (long)read),
			 "cache_read", (json_int_t)read, "output", (json_int_t)out);
}

/* archie's compaction request: a summary keeping every match of keep. */
static json_t *summary_turn(const char *body)
{
	json_t *sum = json_object_get(script, "summarize");
	const char *marker = json_string_value(json_object_get(sum, "marker"));
	const char *keep = json_string_value(json_object_get(sum, "keep"));
	struct buf text = { 0 };
	regex_t re;
	regmatch_t m;
	const char *p = body;
	json_t *turn;

	if (!marker || !strstr(body, marker))
		return NULL;
	buf_addf(&text, "## Goal\nThe user's task continues.\n## Facts\n");
	if (keep && !regcomp(&re, keep, REG_EXTENDED)) {
		while (!regexec(&re, p, 1, &m, 0) && m.rm_eo > m.rm_so) {
			char fact[512];
			size_t n = (size_t)(m.rm_eo - m.rm_so) < sizeof(fact) - 1
				   ? (size_t)(m.rm_eo - m.rm_so) : sizeof(fact) - 1;

			memcpy(fact, p + m.rm_so, n);
			fact[n] = '\0';
			if (!strstr(text.p, fact))
				buf_addf(&text, "- %s\n", fact);
			p += m.rm_eo;
		}
		regfree(&re);
	}
	turn = json_pack("{s:s}", "text", text.p ? text.p : "");
	free(text.p);
	return turn;
}

static int matches(json_t *r, const char *body, const char *path)
{
	json_t *when = json_object_get(r, "when");
	const char *sys;

	if (!when)
		return 1;
	sys = json_string_value(json_object_get(when, "path"));
	if (sys && strcmp(path, sys))
		return 0;
	sys = json_string_value(json_object_get(when, "system_contains"));
	if (sys && !strstr(body, sys))
		return 0;
	sys = json_string_value(json_object_get(when, "body_contains"));
	if (sys && !strstr(body, sys))
		return 0;
	return 1;
}

static json_t *pick(const char *body, const char *path)
{
	json_t *rs = json_object_get(script, "responses");
	size_t i;

	for (i = 0; i < json_array_size(rs); i++) {
		json_t *r = json_array_get(rs, i);

		if (used[i] || !matches(r, body, path))
			continue;
		if (!json_is_true(json_object_get(r, "repeat")))
			used[i] = 1;
		return r;
	}
	return NULL;
}

static void log_request(long n, const char *method, const char *path,
			json_t *headers, const char *body, size_t body_len)
{
	json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:O, s:s%}",
			      "n", (json_int_t)n, "t_ms", (json_int_t)elapsed_ms(),
			      "method", method, "path", path, "headers", headers,
			      "body", body, body_len);
	char *s;

	if (!o)		/* the body is not UTF-8: log it escaped */
		o = json_pack("{s:I, s:s, s:s, s:s}", "n", (json_int_t)n,
			      "method", method, "path", path, "body", "(not UTF-8)");
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	fprintf(log_file, "%s\n", s);
	fflush(log_file);
	free(s);
	json_decref(o);
}

static void *serve(void *arg)
{
	int fd = (int)(long)arg;
	struct buf in = { 0 };
	char tmp[65536], *hend, *line, method[16] = "", path[2048] = "";
	size_t clen = 0, hlen;
	json_t *headers = json_object(), *r;
	long n;

	for (;;) {
		ssize_t k = recv(fd, tmp, sizeof(tmp), 0);

		if (k <= 0)
			goto done;
		buf_add(&in, tmp, (size_t)k);
		if ((hend = strstr(in.p, "\r\n\r\n")) != NULL)
			break;
	}
	hlen = (size_t)(hend - in.p) + 4;
	*hend = '\0';
	if (sscanf(in.p, "%15s %2047s", method, path) != 2)
		goto done;
	for (line = strstr(in.p, "\r\n"); line && line[2]; line = strstr(line + 2, "\r\n")) {
		char *l = line + 2, *colon = strchr(l, ':'), *end = strstr(l, "\r\n");
		char name[256], value[8192];
		size_t nl, vl;

		if (!colon || (end && colon > end))
			continue;
		nl = (size_t)(colon - l) < sizeof(name) - 1 ? (size_t)(colon - l) : sizeof(name) - 1;
		memcpy(name, l, nl);
		name[nl] = '\0';
		for (size_t i = 0; i < nl; i++)
			name[i] = (char)tolower((unsigned char)name[i]);
		colon++;
		while (*colon == ' ')
			colon++;
		vl = end ? (size_t)(end - colon) : strlen(colon);
		if (vl > sizeof(value) - 1)
			vl = sizeof(value) - 1;
		memcpy(value, colon, vl);
		value[vl] = '\0';
		json_object_set_new(headers, name, json_string(value));
		if (!strcmp(name, "content-length"))
			clen = (size_t)strtoul(value, NULL, 10);
		if (!strcmp(name, "expect"))
			write_all(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25);
	}
	while (in.len - hlen < clen) {
		ssize_t k = recv(fd, tmp, sizeof(tmp), 0);

		if (k <= 0)
			goto done;
		buf_add(&in, tmp, (size_t)k);
	}

	/* a page by its path, or by its path without the query (a search
	 * API's /search?q=...); each GET of a page is logged whole in
	 * LOG.pages (apart: the model requests keep their numbers) */
	if (!strcmp(method, "GET") && json_object_get(script, "pages")) {
		json_t *o = json_pack("{s:s, s:s, s:O}", "method", method, "path", path, "headers", headers);
		char *logged = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

		pthread_mutex_lock(&lock);
		fprintf(pages_log, "%s\n", logged);
		fflush(pages_log);
		pthread_mutex_unlock(&lock);
		free(logged);
		json_decref(o);
	}
	if (!strcmp(method, "GET") && !json_object_get(json_object_get(script, "pages"), path) &&
	    strchr(path, '?'))
		*strchr(path, '?') = '\0';
	if (!strcmp(method, "GET") && json_object_get(json_object_get(script, "pages"), path)) {
		json_t *pg = json_object_get(json_object_get(script, "pages"), path);
		const char *type = json_string_value(json_object_get(pg, "type"));
		const char *body = json_string_value(json_object_get(pg, "body"));
		const char *loc = json_string_value(json_object_get(pg, "location"));
		long st = json_integer_value(json_object_get(pg, "status"));
		size_t size = (size_t)json_integer_value(json_object_get(pg, "size"));
		struct buf h = { 0 };

		if (!st)
			st = 200;
		if (!body)
			body = "";
		buf_addf(&h, "HTTP/1.1 %ld X\r\nConnection: close\r\n", st);
		if (type)
			buf_addf(&h, "Content-Type: %s\r\n", type);
		if (loc)
			buf_addf(&h, "Location: %s\r\n", loc);
		buf_addf(&h, "Content-Length: %zu\r\n\r\n", size ? size : strlen(body));
		write_all(fd, h.p, h.len);
		if (size) {
			char chunk[65536];

			memset(chunk, 'a', sizeof(chunk));
			while (size) {
				size_t k = size < sizeof(chunk) ? size : sizeof(chunk);

				if (write_all(fd, chunk, k))
					break;
				size -= k;
			}
		} else {
			write_all(fd, body, strlen(body));
		}
		free(h.p);
		goto done;
	}
	if (!strcmp(method, "GET") && json_string_value(json_object_get(script, "models_key"))) {
		/* "models_key": the list is only for that bearer key, as a
		 * vLLM started with --api-key */
		const char *want = json_string_value(json_object_get(script, "models_key"));
		const char *got = json_string_value(json_object_get(headers, "authorization"));

		if (!got || strncmp(got, "Bearer ", 7) || strcmp(got + 7, want)) {
			static const char deny[] = "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

			write_all(fd, deny, sizeof(deny) - 1);
			goto done;
		}
	}
	if (!strcmp(method, "GET")) {
		/* the model list, with what the script's "model_info" adds to
		 * the model (vLLM's max_model_len, OpenRouter's context_length) */
		json_t *ml = json_pack("{s:s, s:[{s:s, s:s}], s:[{s:s}]}", "object", "list", "data",
				       "id", "fake-model", "object", "model", "models", "name", "fake-model");
		json_t *ids = json_object_get(script, "models"), *id;
		char *models, h[256];
		size_t k;

		/* "models": ["a", "b"]: the server lists these instead */
		if (json_array_size(ids)) {
			json_array_clear(json_object_get(ml, "data"));
			json_array_clear(json_object_get(ml, "models"));
			json_array_foreach(ids, k, id) {
				json_array_append_new(json_object_get(ml, "data"),
						      json_pack("{s:O, s:s}", "id", id, "object", "model"));
				json_array_append_new(json_object_get(ml, "models"),
						      json_pack("{s:O}", "name", id));
			}
		}

		if (json_object_get(script, "model_info"))
			json_object_update(json_array_get(json_object_get(ml, "data"), 0),
					   json_object_get(script, "model_info"));
		models = json_dumps(ml, JSON_COMPACT);
		json_decref(ml);

		snprintf(h, sizeof(h), "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
			 strlen(models));
		write_all(fd, h, strlen(h));
		write_all(fd, models, strlen(models));
		free(models);
		goto done;
	}

	pthread_mutex_lock(&lock);
	n = ++request_count;
	log_request(n, method, path, headers, in.p + hlen, clen);
	in.p[hlen + clen] = '\0';
	if (context_error(fd, in.p + hlen, path)) {
		pthread_mutex_unlock(&lock);
		goto done;
	}
	{
		json_t *st = summary_turn(in.p + hlen);

		r = st ? json_pack("{s:o}", "turn", st) : json_incref(pick(in.p + hlen, path));
	}
	if (r && json_is_true(json_object_get(script, "auto_usage")) &&
	    json_object_get(r, "turn")) {
		json_t *copy = json_deep_copy(r);

		json_object_set_new(json_object_get(copy, "turn"), "usage",
				    auto_usage(in.p + hlen, path, json_object_get(r, "turn")));
		json_decref(r);
		r = copy;
	}
	if (r) {
		/* this thread's own copy: the script's objects are shared by
		 * every connection, and jansson's reference counts are not
		 * safe to change from several threads */
		json_t *own = json_deep_copy(r);

		json_decref(r);
		r = own;
	}
	pthread_mutex_unlock(&lock);
	if (!r) {
		const char *msg = "HTTP/1.1 500 Script Exhausted\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{\"error\":{\"type\":\"fakellm\",\"message\":\"the script has no response left for this request\"}}";

		write_all(fd, msg, strlen(msg));
		goto done;
	}
	respond(fd, r, path);
	json_decref(r);
done:
	json_decref(headers);
	free(in.p);
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	const char *script_path = NULL, *log_path = NULL, *port_file = NULL;
	struct sockaddr_in addr;
	socklen_t alen = sizeof(addr);
	json_error_t jerr;
	int i, s, one = 1;
	FILE *pf;

	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--script"))
			script_path = argv[i + 1];
		else if (!strcmp(argv[i], "--log"))
			log_path = argv[i + 1];
		else if (!strcmp(argv[i], "--port-file"))
			port_file = argv[i + 1];
		else
			die("unknown option %s", argv[i]);
	}
	if (!script_path || !log_path || !port_file)
		die("usage: fakellm --script FILE --log FILE --port-file FILE");
	script = json_load_file(script_path, 0, &jerr);
	if (!script)
		die("%s:%d: %s", script_path, jerr.line, jerr.text);
	{
		char *slash;

		script_dir = strdup(script_path);
		slash = strrchr(script_dir, '/');
		if (slash)
			*slash = '\0';
		else
			script_dir[0] = '.', script_dir[1] = '\0';
	}
	used = calloc(json_array_size(json_object_get(script, "responses")) + 1, 1);
	log_file = fopen(log_path, "a");
	if (!log_file)
		die("cannot open %s", log_path);
	{
		char pl[4200];

		snprintf(pl, sizeof(pl), "%s.pages", log_path);
		if (!(pages_log = fopen(pl, "a")))
			die("cannot open %s", pl);
	}
	clock_gettime(CLOCK_MONOTONIC, &started);
	signal(SIGPIPE, SIG_IGN);

	s = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(s, 64) < 0)
		die("cannot listen: %s", strerror(errno));
	getsockname(s, (struct sockaddr *)&addr, &alen);
	{
		char tmp[4096];

		snprintf(tmp, sizeof(tmp), "%s.tmp", port_file);
		pf = fopen(tmp, "w");
		if (!pf)
			die("cannot write %s", tmp);
		fprintf(pf, "%d\n", ntohs(addr.sin_port));
		fclose(pf);
		rename(tmp, port_file);
	}
	for (;;) {
		int c = accept(s, NULL, NULL);
		pthread_t t;

		if (c < 0) {
			if (errno == EINTR)
				continue;
			die("accept: %s", strerror(errno));
		}
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (pthread_create(&t, NULL, serve, (void *)(long)c))
			die("pthread_create failed");
		pthread_detach(t);
	}
}
