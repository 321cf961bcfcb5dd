/*
 * mcpserver: a Model Context Protocol server for archie's tests, over
 * stdio (newline-delimited JSON-RPC 2.0).
 *
 *   mcpserver [--mode MODE] [--log FILE]
 *
 * Tools: echo (returns its text), fail (isError), big (a 200 KB result),
 * slow (answers after `ms` milliseconds), change (adds a tool "added" and
 * sends notifications/tools/list_changed), image (an image block).
 * tools/list pages two tools at a time (nextCursor).
 *
 * Modes for the bad-server tests: ok (default), exit (exits at once),
 * garbage (prints non-JSON on stdout), silent (never answers initialize),
 * badversion (answers initialize with protocol version 1999-01-01).
 * --log appends every message received, one per line.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static FILE *msglog;
static int added;

static void send_msg(json_t *m)
{
	char *s = json_dumps(m, JSON_COMPACT);

	fputs(s, stdout);
	fputc('\n', stdout);
	fflush(stdout);
	free(s);
	json_decref(m);
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

	json_array_append_new(a, tool("echo", "Returns its text"));
	json_array_append_new(a, tool("fail", "Always fails"));
	json_array_append_new(a, tool("big", "Returns 200 KB"));
	json_array_append_new(a, tool("slow", "Answers after ms milliseconds"));
	json_array_append_new(a, tool("change", "Changes the tool list"));
	json_array_append_new(a, tool("image", "Returns an image"));
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
	} else if (!strcmp(name, "added") && added) {
		reply(id, text_result("added works", 0));
	} else {
		reply_error(id, -32602, "unknown tool");
	}
}

int main(int argc, char **argv)
{
	const char *mode = "ok";
	char *line = NULL;
	size_t cap = 0;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--mode") && i + 1 < argc)
			mode = argv[++i];
		else if (!strcmp(argv[i], "--log") && i + 1 < argc)
			msglog = fopen(argv[++i], "a");
	}
	fprintf(stderr, "mcpserver: starting in mode %s\n", mode);
	if (!strcmp(mode, "exit"))
		return 3;
	if (!strcmp(mode, "garbage")) {
		printf("this is not json\n{\"broken\": \n");
		fflush(stdout);
	}
	while (getline(&line, &cap, stdin) > 0) {
		json_error_t jerr;
		json_t *m = json_loads(line, 0, &jerr), *id;
		const char *method;

		if (msglog) {
			fputs(line, msglog);
			fflush(msglog);
		}
		if (!m)
			continue;
		id = json_object_get(m, "id");
		method = json_string_value(json_object_get(m, "method"));
		if (!method || !id) {		/* a notification or a response */
			json_decref(m);
			continue;
		}
		if (!strcmp(method, "initialize")) {
			if (!strcmp(mode, "silent")) {
				json_decref(m);
				continue;
			}
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
		json_decref(m);
	}
	free(line);
	return 0;
}
