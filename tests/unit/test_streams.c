/*
 * The 80 streams recorded from 21 real providers and servers
 * (../shared/corpora/streams/, MANIFEST.tsv), each decoded whole and byte
 * by byte, must give what the recording holds: the answer's text, the
 * reasoning (apart from the text), the tool calls, the stop reason, or an
 * error when the server sent one inside the stream.  The expected results
 * are tests/data/streams/expected.jsonl, from an independent reading of
 * the protocols (tests/data/streams/reference.py), reviewed by hand.
 *
 * The same, over HTTP: each stream served by the fake LLM server whole
 * and one byte per write, through provider_send (curl, the SSE parser,
 * the decoder), as a real server's would be.
 *
 * Anthropic's thinking, redacted thinking and server-side tool blocks go
 * back in the next request byte for byte as they came (signature and
 * all), and a server tool is never run as a client call.
 */
#include "testutil.h"
#include "fakellm.h"

#include "core/strbuf.h"
#include "core/xalloc.h"
#include "provider/decode.h"
#include "provider/provider.h"
#include "provider/sse.h"
#include "provider/wire.h"

static char corpora[4096];

static int setup(void **state)
{
	(void)state;
	snprintf(corpora, sizeof(corpora), "%s/../corpora/streams", tu_fixtures_dir());
	return 0;
}

static int on_sse(void *ud, const struct sse_event *ev)
{
	return decoder_event(ud, ev);
}

static int last_retryable;
static enum provider_error last_error;

/* Decodes raw through protocol w, step bytes at a time (0: whole). */
static int decode(const struct wire *w, const char *raw, size_t len, size_t step,
		  struct provider_reply *r)
{
	struct decoder d;
	struct sse_parser p;
	size_t off;
	int rc;

	provider_reply_init(r);
	decoder_init(&d, w, r, NULL, NULL);
	sse_parser_init(&p, on_sse, &d, (size_t)16 << 20);
	for (off = 0; off < len; off += step ? step : len)
		if (sse_parser_feed(&p, raw + off, step && len - off > step ? step : len - off))
			break;
	sse_parser_finish(&p);
	rc = decoder_finish(&d);
	last_retryable = d.retryable;
	last_error = d.error;
	sse_parser_release(&p);
	decoder_release(&d);
	return rc;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n)
		n = 0;
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void compare_usage(json_t *want, const struct provider_usage *u, struct strbuf *why)
{
	const struct { const char *key; long got; } f[] = {
		{ "input", u->input_tokens }, { "output", u->output_tokens },
		{ "cache_read", u->cache_read_tokens }, { "cache_write", u->cache_write_tokens },
		{ "reasoning", u->reasoning_tokens },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(f); i++)
		if (f[i].got != (long)json_integer_value(json_object_get(want, f[i].key)))
			strbuf_addf(why, "%s tokens %ld, want %ld; ", f[i].key, f[i].got,
				    (long)json_integer_value(json_object_get(want, f[i].key)));
}

/* "" when the reply is what want says, else what differs. */
static void compare(json_t *want, int rc, const struct provider_reply *r, struct strbuf *why)
{
	json_t *calls = json_object_get(want, "calls");
	size_t i;

	if (json_is_true(json_object_get(want, "error"))) {
		if (!rc)
			strbuf_addstr(why, "expected an error; ");
		return;
	}
	if (rc)
		strbuf_addstr(why, "failed; ");
	if (strcmp(r->text.buf, json_string_value(json_object_get(want, "text"))))
		strbuf_addf(why, "text %zu bytes, want %zu; ", r->text.len,
			    json_string_length(json_object_get(want, "text")));
	if (strcmp(r->reasoning.buf, json_string_value(json_object_get(want, "reasoning"))))
		strbuf_addf(why, "reasoning %zu bytes, want %zu; ", r->reasoning.len,
			    json_string_length(json_object_get(want, "reasoning")));
	if (r->calls_nr != json_array_size(calls)) {
		strbuf_addf(why, "%zu calls, want %zu; ", r->calls_nr, json_array_size(calls));
		return;
	}
	for (i = 0; i < r->calls_nr; i++) {
		json_t *c = json_array_get(calls, i);

		if (strcmp(r->calls[i].id, json_string_value(json_object_get(c, "id"))) ||
		    strcmp(r->calls[i].name, json_string_value(json_object_get(c, "name"))) ||
		    strcmp(r->calls[i].arguments, json_string_value(json_object_get(c, "arguments"))))
			strbuf_addf(why, "call %zu is %s %s %s; ", i, r->calls[i].id, r->calls[i].name,
				    r->calls[i].arguments);
	}
	if (!r->stop_reason || strcmp(r->stop_reason, json_string_value(json_object_get(want, "stop"))))
		strbuf_addf(why, "stop %s, want %s; ", r->stop_reason ? r->stop_reason : "(none)",
			    json_string_value(json_object_get(want, "stop")));
	compare_usage(json_object_get(want, "usage"), &r->usage, why);
}

static void test_corpus(void **state)
{
	static const size_t steps[] = { 0, 1, 7 };
	char path[8192];
	FILE *f;
	char *line = NULL;
	size_t cap = 0, files = 0, failed = 0;
	struct strbuf report = STRBUF_INIT;

	(void)state;
	snprintf(path, sizeof(path), "%s/streams/expected.jsonl", TEST_DATA_DIR);
	f = fopen(path, "r");
	assert_non_null(f);
	while (getline(&line, &cap, f) > 0) {
		json_error_t jerr;
		json_t *want = json_loads(line, 0, &jerr);
		const char *file = json_string_value(json_object_get(want, "file"));
		const char *proto = json_string_value(json_object_get(want, "protocol"));
		size_t len, k;
		char *raw;

		snprintf(path, sizeof(path), "%s/%s", corpora, file);
		raw = slurp(path, &len);
		if (!raw)
			fail_msg("cannot read %s (the corpus is ../shared/corpora)", path);
		files++;
		for (k = 0; k < ARRAY_SIZE(steps); k++) {
			struct provider_reply r;
			struct strbuf why = STRBUF_INIT;
			int rc = decode(!strcmp(proto, "anthropic") ? &wire_anthropic : &wire_openai,
					raw, len, steps[k], &r);

			compare(want, rc, &r, &why);
			if (why.len) {
				failed++;
				strbuf_addf(&report, "%s (%zu-byte steps): %s\n", file, steps[k], why.buf);
			}
			strbuf_release(&why);
			provider_reply_release(&r);
		}
		free(raw);
		json_decref(want);
	}
	free(line);
	fclose(f);
	assert_int_equal(files, 80);
	if (failed)
		fail_msg("%zu decodings differ from the recordings:\n%s", failed, report.buf);
	strbuf_release(&report);
}

static json_t *load_expected(void)
{
	char path[8192];
	json_t *all = json_array();
	FILE *f;
	char *line = NULL;
	size_t cap = 0;

	snprintf(path, sizeof(path), "%s/streams/expected.jsonl", TEST_DATA_DIR);
	f = fopen(path, "r");
	assert_non_null(f);
	while (getline(&line, &cap, f) > 0)
		json_array_append_new(all, json_loads(line, 0, NULL));
	free(line);
	fclose(f);
	return all;
}

/* Every recording served over HTTP, whole and a byte per write, and
 * decoded by provider_send as a session would. */
static void test_corpus_http(void **state)
{
	json_t *all = load_expected(), *script = json_array(), *want;
	struct strbuf report = STRBUF_INIT;
	struct fakellm fake;
	size_t i, k, failed = 0;
	char *text;

	(void)state;
	json_array_foreach(all, i, want) {
		char path[8192];

		snprintf(path, sizeof(path), "%s/%s", corpora,
			 json_string_value(json_object_get(want, "file")));
		json_array_append_new(script, json_pack("{s:s}", "raw", path));
		json_array_append_new(script, json_pack("{s:s, s:i}", "raw", path, "chunk_size", 1));
	}
	{
		json_t *top = json_pack("{s:o}", "responses", script);

		text = json_dumps(top, 0);
		json_decref(top);
	}
	fakellm_start(&fake, text);
	free(text);
	json_array_foreach(all, i, want) {
		const char *proto = json_string_value(json_object_get(want, "protocol"));

		for (k = 0; k < 2; k++) {
			struct provider_config cfg;
			struct provider_request req;
			struct provider_reply r;
			struct conv conv;
			struct strbuf err = STRBUF_INIT, why = STRBUF_INIT;
			int rc;

			memset(&cfg, 0, sizeof(cfg));
			cfg.name = proto;
			cfg.api = !strcmp(proto, "anthropic") ? PROVIDER_API_ANTHROPIC
							      : PROVIDER_API_OPENAI;
			cfg.base_url = fake.url;
			cfg.max_attempts = 1;	/* one response per request */
			cfg.idle_timeout_ms = 5000;
			conv_init(&conv);
			conv_add_text(conv_add_msg(&conv, CONV_USER), "hi", 2);
			memset(&req, 0, sizeof(req));
			req.conv = &conv;
			req.model = "m";
			provider_reply_init(&r);
			rc = provider_send(&cfg, &req, NULL, NULL, NULL, NULL, &r, &err);
			compare(want, rc, &r, &why);
			if (why.len) {
				failed++;
				strbuf_addf(&report, "%s (%s): %s %s\n",
					    json_string_value(json_object_get(want, "file")),
					    k ? "a byte per write" : "whole", why.buf, err.buf);
			}
			strbuf_release(&why);
			strbuf_release(&err);
			provider_reply_release(&r);
			conv_release(&conv);
		}
	}
	fakellm_stop(&fake);
	assert_int_equal(json_array_size(all), 80);
	json_decref(all);
	if (failed)
		fail_msg("%zu streams served over HTTP decode wrong:\n%s", failed, report.buf);
	strbuf_release(&report);
}

/* The blocks of a reply, as the next request sends them back. */
static void round_trip(const char *file, const char *want_type, size_t want_blocks)
{
	char path[8192];
	struct provider_reply r;
	struct conv_msg m;
	struct strbuf body = STRBUF_INIT;
	size_t len, i, n = 0;
	char *raw;

	snprintf(path, sizeof(path), "%s/%s", corpora, file);
	raw = slurp(path, &len);
	assert_non_null(raw);
	assert_int_equal(decode(&wire_anthropic, raw, len, 3, &r), 0);
	memset(&m, 0, sizeof(m));
	m.role = CONV_ASSISTANT;
	provider_reply_to_msg(&r, &m);
	for (i = 0; i < m.nr; i++)
		n += m.blocks[i].type == CONV_THINKING || m.blocks[i].type == CONV_REDACTED_THINKING ||
		     m.blocks[i].type == CONV_OPAQUE;
	assert_int_equal(n, want_blocks);
	wire_anthropic.encode_msg(0, &m, &body);
	if (!strstr(body.buf, want_type))
		fail_msg("%s: the next request lacks %s: %.400s", file, want_type, body.buf);
	conv_msg_release(&m);
	provider_reply_release(&r);
	strbuf_release(&body);
	free(raw);
}

static void test_thinking_round_trip(void **state)
{
	char path[8192], *raw;
	struct provider_reply r;
	struct conv_msg m;
	struct strbuf body = STRBUF_INIT;
	size_t len;
	json_t *msg, *b;
	json_error_t jerr;

	(void)state;
	/* the signature is sent back exactly */
	snprintf(path, sizeof(path), "%s/anthropic/thinking-signature.sse", corpora);
	raw = slurp(path, &len);
	assert_non_null(raw);
	assert_int_equal(decode(&wire_anthropic, raw, len, 0, &r), 0);
	memset(&m, 0, sizeof(m));
	m.role = CONV_ASSISTANT;
	provider_reply_to_msg(&r, &m);
	assert_int_equal(m.blocks[0].type, CONV_THINKING);
	assert_non_null(m.blocks[0].signature);
	assert_string_equal(m.blocks[0].text, r.reasoning.buf);
	wire_anthropic.encode_msg(0, &m, &body);
	msg = json_loads(body.buf, 0, &jerr);
	b = json_array_get(json_object_get(msg, "content"), 0);
	assert_string_equal(json_string_value(json_object_get(b, "type")), "thinking");
	assert_string_equal(json_string_value(json_object_get(b, "signature")), m.blocks[0].signature);
	assert_true(strstr(raw, m.blocks[0].signature) != NULL);	/* as recorded */
	/* the stored form keeps it too */
	{
		json_t *stored = conv_msg_to_json(&m);
		struct conv_msg back;

		memset(&back, 0, sizeof(back));
		conv_msg_from_json(json_object_get(stored, "content"), &back);
		assert_string_equal(back.blocks[0].signature, m.blocks[0].signature);
		assert_string_equal(back.blocks[0].text, m.blocks[0].text);
		conv_msg_release(&back);
		json_decref(stored);
	}
	json_decref(msg);
	conv_msg_release(&m);
	provider_reply_release(&r);
	strbuf_release(&body);
	free(raw);

	round_trip("anthropic/redacted-thinking.sse", "\"type\":\"redacted_thinking\"", 2);
	/* server tools: kept as blocks, never client calls */
	round_trip("anthropic/web-search-stream.sse", "\"type\":\"web_search_tool_result\"", 4);
	round_trip("anthropic/mcp-servers-stream.sse", "\"type\":\"mcp_tool_use\"", 3);
}

/* An OpenAI-compatible server's reasoning goes back as reasoning_content. */
static void test_reasoning_content_back(void **state)
{
	char path[8192], *raw;
	struct provider_reply r;
	struct conv_msg m;
	struct strbuf body = STRBUF_INIT;
	size_t len;

	(void)state;
	snprintf(path, sizeof(path), "%s/deepseek/reasoner-tool-call.sse", corpora);
	raw = slurp(path, &len);
	assert_non_null(raw);
	assert_int_equal(decode(&wire_openai, raw, len, 0, &r), 0);
	memset(&m, 0, sizeof(m));
	m.role = CONV_ASSISTANT;
	provider_reply_to_msg(&r, &m);
	wire_openai.encode_msg(0, &m, &body);
	EXPECT(strstr(body.buf, "\"reasoning_content\":") && strstr(body.buf, "\"tool_calls\""), body);
	/* and never into Anthropic's request, which cannot check it */
	strbuf_reset(&body);
	wire_anthropic.encode_msg(0, &m, &body);
	EXPECT(!strstr(body.buf, "thinking"), body);
	conv_msg_release(&m);
	provider_reply_release(&r);
	strbuf_release(&body);
	free(raw);
}

/* A request the server refused inside the stream (status 400) fails the
 * same way again: never retried. */
static void test_stream_400_not_retried(void **state)
{
	static const char *const files[] = {
		"groq/gpt-oss-120b-tool-use-failed.sse",
		"groq/gpt-oss-120b-tool-use-failed-text.sse",
		"openrouter/minimax-m2-error-mid-stream.sse",
	};
	char path[8192], *raw;
	struct provider_reply r;
	size_t len, i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", corpora, files[i]);
		raw = slurp(path, &len);
		assert_non_null(raw);
		assert_int_equal(decode(&wire_openai, raw, len, 0, &r), -1);
		if (last_retryable || last_error != PROVIDER_ERR_BAD_REQUEST)
			fail_msg("%s: retryable %d, error %d", files[i], last_retryable, last_error);
		provider_reply_release(&r);
		free(raw);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_corpus_http),
		cmocka_unit_test(test_thinking_round_trip),
		cmocka_unit_test(test_reasoning_content_back),
		cmocka_unit_test(test_stream_400_not_retried),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
