/*
 * bench_provider: the provider layer's speed, against references measured
 * in the same run.
 *
 *   1. SSE + JSON decode throughput (MB/s) on a large stream made from the
 *      recorded openai/text_long.sse (its text deltas repeated to ~64 MB),
 *      fed in 16 KiB chunks through sse_parser + the OpenAI decoder.
 *      Reference: jansson parsing the same events' JSON alone, the floor
 *      any decoder that uses a JSON parser pays.
 *   2. Per-request overhead against the fake LLM server: provider_send of
 *      a one-delta answer, repeated; reference: a bare libcurl POST of the
 *      same body to the same server reading the same bytes.
 *
 *   bench_provider FIXTURES_DIR FAKELLM_PATH
 */
#include "core/fileio.h"
#include "core/strbuf.h"
#include "provider/decode.h"
#include "provider/provider.h"
#include "provider/sse.h"

#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- decode throughput ---------------------------------------------------- */

static int decode_cb(void *ud, const struct sse_event *ev)
{
	return decoder_event(ud, ev) ? 1 : 0;
}

static int json_only_cb(void *ud, const struct sse_event *ev)
{
	json_error_t jerr;
	json_t *j = json_loadb(ev->data, ev->data_len, 0, &jerr);

	(*(size_t *)ud)++;
	json_decref(j);
	return 0;
}

static void build_stream(const char *fixtures, struct strbuf *out)
{
	struct strbuf src = STRBUF_INIT, err = STRBUF_INIT, path = STRBUF_INIT;
	const char *first, *last;

	strbuf_addf(&path, "%s/openai/text_long.sse", fixtures);
	if (file_read(path.buf, 1 << 20, &src, &err)) {
		fprintf(stderr, "bench: %s\n", err.buf);
		exit(1);
	}
	/* the body of text deltas: from the second event to the one with a
	 * finish_reason */
	first = strstr(src.buf, "\n\n") + 2;
	last = strstr(src.buf, "\"finish_reason\":\"stop\"");
	while (last > first && strncmp(last, "\n\ndata:", 7))
		last--;
	last += 2;
	strbuf_add(out, src.buf, (size_t)(first - src.buf));
	while (out->len < ((size_t)64 << 20))
		strbuf_add(out, first, (size_t)(last - first));
	strbuf_addstr(out, last);
	strbuf_release(&src);
	strbuf_release(&err);
	strbuf_release(&path);
}

static double run_decode(const struct strbuf *s)
{
	struct provider_reply reply;
	struct decoder dec;
	struct sse_parser p;
	double t0 = now();
	size_t off;

	provider_reply_init(&reply);
	decoder_init(&dec, &wire_openai, &reply, NULL, NULL);
	sse_parser_init(&p, decode_cb, &dec, 1 << 20);
	for (off = 0; off < s->len; off += 16384)
		if (sse_parser_feed(&p, s->buf + off, s->len - off < 16384 ? s->len - off : 16384))
			break;
	sse_parser_finish(&p);
	decoder_finish(&dec);
	t0 = now() - t0;
	if (!reply.text.len || strcmp(reply.stop_reason, "end_turn")) {
		fprintf(stderr, "bench: the decode went wrong\n");
		exit(1);
	}
	sse_parser_release(&p);
	decoder_release(&dec);
	provider_reply_release(&reply);
	return t0;
}

static double run_json_only(const struct strbuf *s)
{
	struct sse_parser p;
	size_t events = 0;
	double t0;

	/* the events are split first, untimed, so only the JSON is measured */
	t0 = now();
	sse_parser_init(&p, json_only_cb, &events, 1 << 20);
	sse_parser_feed(&p, s->buf, s->len);
	sse_parser_finish(&p);
	sse_parser_release(&p);
	return now() - t0;
}

/* ---- per-request overhead ----------------------------------------------------- */

static pid_t start_server(const char *fakellm, const char *dir, int *port)
{
	char script[4200], log[4200], portf[4200];
	FILE *f;
	pid_t pid;
	int i;

	snprintf(script, sizeof(script), "%s/script.json", dir);
	snprintf(log, sizeof(log), "%s/log", dir);
	snprintf(portf, sizeof(portf), "%s/port", dir);
	f = fopen(script, "w");
	fputs("{\"responses\":[{\"repeat\":true,\"turn\":{\"text\":\"ok\",\"usage\":{\"input\":5,\"output\":1}}}]}", f);
	fclose(f);
	pid = fork();
	if (!pid) {
		execl(fakellm, "fakellm", "--script", script, "--log", log,
		      "--port-file", portf, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 500 && !*port; i++) {
		struct timespec ts = { 0, 10000000L };

		if ((f = fopen(portf, "r"))) {
			if (fscanf(f, "%d", port) != 1)
				*port = 0;
			fclose(f);
		}
		nanosleep(&ts, NULL);
	}
	return pid;
}

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * The same request on each protocol: archie's own CPU a request (encoding
 * a 60-message conversation with tools from its cache, the transfer,
 * decoding the answer), the best of ten rounds of n/3, taken in turn.  The fake server
 * answers each protocol by its path.
 */
static int per_protocol(const char *url, int n)
{
	static const struct { const char *name; enum provider_api api; } protos[] = {
		{ "Chat Completions", PROVIDER_API_OPENAI },
		{ "Responses", PROVIDER_API_RESPONSES },
		{ "Anthropic Messages", PROVIDER_API_ANTHROPIC },
	};
	double cpu[3];
	struct conv conv;
	struct conv_tool tool;
	size_t k;
	int i, round;

	conv_init(&conv);
	conv_set_system(&conv, "You are a benchmark with a system prompt of some length.");
	for (i = 0; i < 20; i++) {
		char id[32];

		snprintf(id, sizeof(id), "call_%d", i);
		conv_add_text(conv_add_msg(&conv, CONV_USER), "Read the next file, please.", 27);
		conv_add_tool_use(conv_add_msg(&conv, CONV_ASSISTANT), id, "Read", "{\"path\":\"src/a.c\"}");
		conv_add_tool_result(conv_add_msg(&conv, CONV_USER), id,
				     "int main(void) { return 0; }\n/* a file of some size */\n", 0);
	}
	memset(&tool, 0, sizeof(tool));
	memset(&tool, 0, sizeof(tool));
	tool.name = "Read";
	tool.description = "Reads a file.";
	tool.schema = json_pack("{s:s, s:{s:{s:s}}}", "type", "object", "properties", "path",
				"type", "string");
	{
		struct provider_config cfg[3];
		struct provider_request req[3];
		struct provider_cache cache[3];
		struct strbuf err = STRBUF_INIT;

		for (k = 0; k < 3; k++) {
			memset(&cfg[k], 0, sizeof(cfg[k]));
			cfg[k].name = "bench";
			cfg[k].api = protos[k].api;
			cfg[k].base_url = url;
			memset(&req[k], 0, sizeof(req[k]));
			req[k].conv = &conv;
			req[k].model = "bench-model";
			req[k].tools = &tool;
			req[k].tools_nr = 1;
			req[k].cache = &cache[k];
			provider_cache_init(&cache[k]);
			cpu[k] = 1e9;
		}
		/* round-robin, so each protocol meets the same machine: the
		 * best round of each */
		for (round = 0; round < 10; round++)
			for (k = 0; k < 3; k++) {
				double t0 = cpu_now(), t;

				for (i = 0; i < n / 3; i++) {
					struct provider_reply r;

					provider_reply_init(&r);
					if (provider_send(&cfg[k], &req[k], NULL, NULL, NULL, NULL, &r,
							  &err)) {
						fprintf(stderr, "bench: %s: %s\n", protos[k].name, err.buf);
						return -1;
					}
					provider_reply_release(&r);
				}
				t = (cpu_now() - t0) / (n / 3);
				if (t < cpu[k])
					cpu[k] = t;
			}
		for (k = 0; k < 3; k++)
			provider_cache_release(&cache[k]);
		strbuf_release(&err);
	}
	printf("per protocol      archie's CPU a request: Chat Completions %.3f ms, Responses %.3f ms, Anthropic Messages %.3f ms; Responses/Chat Completions %.3fx (%s: target within 5%%)\n",
	       cpu[0] * 1e3, cpu[1] * 1e3, cpu[2] * 1e3, cpu[1] / cpu[0],
	       cpu[1] / cpu[0] <= 1.05 ? "met" : "MISSED");
	json_decref(tool.schema);
	conv_release(&conv);
	return 0;
}

static size_t sink(char *d, size_t s, size_t n, void *ud)
{
	(void)d;
	(void)ud;
	return s * n;
}

int main(int argc, char **argv)
{
	struct strbuf stream = STRBUF_INIT_CAP((size_t)128 << 20);
	double t_dec = 1e9, t_json = 1e9, mb;
	int i, port = 0, n = 300;
	char dir[] = "/tmp/archie-bench-XXXXXX", url[128];
	pid_t pid;

	if (argc != 3) {
		fprintf(stderr, "usage: bench_provider FIXTURES_DIR FAKELLM\n");
		return 2;
	}
	build_stream(argv[1], &stream);
	mb = (double)stream.len / (1 << 20);
	for (i = 0; i < 3; i++) {
		double a = run_decode(&stream), b = run_json_only(&stream);

		if (a < t_dec)
			t_dec = a;
		if (b < t_json)
			t_json = b;
	}
	printf("sse+json decode   %.1f MB stream: %.0f MB/s; jansson alone %.0f MB/s; ratio %.2fx the JSON-only floor\n",
	       mb, mb / t_dec, mb / t_json, t_dec / t_json);

	if (!mkdtemp(dir))
		return 1;
	pid = start_server(argv[2], dir, &port);
	if (!port) {
		fprintf(stderr, "bench: fakellm did not start\n");
		return 1;
	}
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1", port);
	{
		struct provider_config cfg;
		struct provider_request req;
		struct conv conv;
		struct conv_msg *m;
		struct strbuf err = STRBUF_INIT;
		double t0, t_archie, t_curl;
		struct strbuf body = STRBUF_INIT;
		CURL *c;
		struct curl_slist *h = NULL;

		memset(&cfg, 0, sizeof(cfg));
		cfg.name = "bench";
		cfg.api = PROVIDER_API_OPENAI;
		cfg.base_url = url;
		memset(&req, 0, sizeof(req));
		conv_init(&conv);
		conv_set_system(&conv, "You are a benchmark.");
		m = conv_add_msg(&conv, CONV_USER);
		conv_add_text(m, "Hello", 5);
		req.conv = &conv;
		req.model = "bench-model";

		t0 = now();
		for (i = 0; i < n; i++) {
			struct provider_reply r;

			provider_reply_init(&r);
			if (provider_send(&cfg, &req, NULL, NULL, NULL, NULL, &r, &err)) {
				fprintf(stderr, "bench: %s\n", err.buf);
				return 1;
			}
			provider_reply_release(&r);
		}
		t_archie = (now() - t0) / n;

		provider_encode(&cfg, &req, &body);
		c = curl_easy_init();
		h = curl_slist_append(h, "Content-Type: application/json");
		h = curl_slist_append(h, "Expect:");
		snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1/chat/completions", port);
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.buf);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
		t0 = now();
		for (i = 0; i < n; i++)
			curl_easy_perform(c);
		t_curl = (now() - t0) / n;
		printf("per-request       archie %.3f ms; bare libcurl POST %.3f ms; overhead %.3f ms (%.2fx)\n",
		       t_archie * 1e3, t_curl * 1e3, (t_archie - t_curl) * 1e3, t_archie / t_curl);
		curl_easy_cleanup(c);
		curl_slist_free_all(h);
		strbuf_release(&body);
		conv_release(&conv);
		strbuf_release(&err);
	}
	if (per_protocol(url, n))
		return 1;
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd))
			return 1;
	}
	strbuf_release(&stream);
	return 0;
}
