/*
 * Provider tests against the fake LLM server (tests/fakellm): both
 * protocols, every recorded fixture, the OpenAI-compatible servers' quirks,
 * each injected fault with its attempts and waits, cancellation, error
 * messages, and the exact bytes archie sends.
 */
#include "fakellm.h"

#include "core/strbuf.h"
#include "provider/provider.h"
#include "provider/retry.h"

#include <pthread.h>


/* ---- harness ------------------------------------------------------------ */

struct rec {
	struct strbuf events;	/* one line per event */
	long waits[16];
	int nwaits;
	int discards;
	int retries;
};

static void on_event(void *ud, const struct provider_event *ev)
{
	struct rec *r = ud;

	switch (ev->type) {
	case PROVIDER_EV_TEXT:
		strbuf_addstr(&r->events, "text:");
		strbuf_add(&r->events, ev->text, ev->len);
		strbuf_addch(&r->events, '\n');
		break;
	case PROVIDER_EV_TOOL_START:
		strbuf_addf(&r->events, "start:%zu:%s:%s\n", ev->index, ev->id, ev->name);
		break;
	case PROVIDER_EV_TOOL_DONE:
		strbuf_addf(&r->events, "done:%zu:%s:%s%s\n", ev->index, ev->name,
			    ev->arguments, ev->malformed ? ":MALFORMED" : "");
		break;
	case PROVIDER_EV_STOP:
		strbuf_addf(&r->events, "stop:%s\n", ev->stop_reason);
		break;
	case PROVIDER_EV_RETRY:
		r->retries++;
		strbuf_addf(&r->events, "retry:%d:%ld\n", ev->attempt, ev->wait_ms);
		break;
	case PROVIDER_EV_DISCARD:
		r->discards++;
		strbuf_addf(&r->events, "discard:%zu\n", ev->len);
		break;
	case PROVIDER_EV_ERROR:
		strbuf_addf(&r->events, "error\n");
		break;
	case PROVIDER_EV_REASONING:
		strbuf_addstr(&r->events, "reasoning:");
		strbuf_add(&r->events, ev->text, ev->len);
		strbuf_addch(&r->events, '\n');
		break;
	case PROVIDER_EV_USAGE:
		break;
	}
}

static void fake_sleep(void *ud, long ms)
{
	struct rec *r = ud;

	if (r->nwaits < 16)
		r->waits[r->nwaits++] = ms;
}

static double half(void *ud)
{
	(void)ud;
	return 0.5;
}

struct call {
	struct provider_config cfg;
	struct provider_request req;
	struct conv conv;
	struct provider_hooks hooks;
	struct provider_reply reply;
	struct strbuf err;
	struct rec rec;
	int rc;
};

static void call_init(struct call *c, const struct fakellm *f,
		      enum provider_api api)
{
	struct conv_msg *m;

	memset(c, 0, sizeof(*c));
	c->cfg.name = api == PROVIDER_API_ANTHROPIC ? "anthropic" : "openai";
	c->cfg.api = api;
	c->cfg.base_url = f->url;
	c->cfg.api_key = "sk-test-key";
	c->cfg.api_key_env = api == PROVIDER_API_ANTHROPIC ? "ANTHROPIC_API_KEY"
							     : "OPENAI_API_KEY";
	c->cfg.max_attempts = 4;
	c->cfg.idle_timeout_ms = 2000;
	conv_init(&c->conv);
	conv_set_system(&c->conv, "You are a test.");
	m = conv_add_msg(&c->conv, CONV_USER);
	conv_add_text(m, "Hi", 2);
	c->req.conv = &c->conv;
	c->req.model = "test-model";
	c->hooks.sleep_ms = fake_sleep;
	c->hooks.random = half;
	c->hooks.ud = &c->rec;
	provider_reply_init(&c->reply);
	strbuf_init(&c->err, 4096);
	strbuf_init(&c->rec.events, 1 << 20);
}

static void call_run(struct call *c)
{
	c->rc = provider_send(&c->cfg, &c->req, NULL, &c->hooks, on_event,
			      &c->rec, &c->reply, &c->err);
}

static void call_release(struct call *c)
{
	provider_reply_release(&c->reply);
	conv_release(&c->conv);
	strbuf_release(&c->err);
	strbuf_release(&c->rec.events);
}

static void run_raw(enum provider_api api, const char *fixture, int chunk,
		    struct call *c, struct fakellm *f)
{
	char script[8192];

	snprintf(script, sizeof(script),
		 "{\"responses\":[{\"raw\":\"%s/%s\",\"chunk_size\":%d}]}",
		 tu_fixtures_dir(), fixture, chunk);
	fakellm_start(f, script);
	call_init(c, f, api);
	call_run(c);
}

/* ---- recorded streams --------------------------------------------------- */

static void test_openai_fixtures(void **state)
{
	static const int chunks[] = { 0, 1, 7 };
	size_t k;

	(void)state;
	for (k = 0; k < 3; k++) {
		struct fakellm f;
		struct call c;

		run_raw(PROVIDER_API_OPENAI, "openai/text_short.sse", chunks[k], &c, &f);
		assert_int_equal(c.rc, 0);
		assert_true(c.reply.text.len > 0);
		assert_string_equal(c.reply.stop_reason, "end_turn");
		assert_int_equal(c.reply.calls_nr, 0);
		call_release(&c);
		fakellm_stop(&f);

		run_raw(PROVIDER_API_OPENAI, "openai/text_long.sse", chunks[k], &c, &f);
		assert_int_equal(c.rc, 0);
		assert_true(c.reply.text.len > 180);
		assert_string_equal(c.reply.stop_reason, "end_turn");
		call_release(&c);
		fakellm_stop(&f);

		run_raw(PROVIDER_API_OPENAI, "openai/tool_call_single.sse", chunks[k], &c, &f);
		assert_int_equal(c.rc, 0);
		assert_int_equal(c.reply.calls_nr, 1);
		assert_string_equal(c.reply.calls[0].id, "call_CTf1nWJLqSeRgDqaCG27xZ74");
		assert_string_equal(c.reply.calls[0].name, "get_weather");
		assert_string_equal(c.reply.calls[0].arguments, "{\"city\":\"San Francisco\",\"state\":\"CA\"}");
		assert_false(c.reply.calls[0].malformed);
		assert_string_equal(c.reply.stop_reason, "tool_use");
		assert_true(c.reply.usage.output_tokens > 0);
		call_release(&c);
		fakellm_stop(&f);

		run_raw(PROVIDER_API_OPENAI, "openai/tool_call_strict.sse", chunks[k], &c, &f);
		assert_int_equal(c.rc, 0);
		assert_int_equal(c.reply.calls_nr, 1);
		assert_string_equal(c.reply.calls[0].name, "GetWeatherArgs");
		assert_string_equal(c.reply.calls[0].arguments, "{\"city\":\"Edinburgh\",\"country\":\"UK\",\"units\":\"c\"}");
		call_release(&c);
		fakellm_stop(&f);

		run_raw(PROVIDER_API_OPENAI, "openai/tool_calls_parallel.sse", chunks[k], &c, &f);
		assert_int_equal(c.rc, 0);
		assert_int_equal(c.reply.calls_nr, 2);
		assert_string_equal(c.reply.calls[0].id, "call_JMW1whyEaYG438VE1OIflxA2");
		assert_string_equal(c.reply.calls[0].name, "GetWeatherArgs");
		assert_string_equal(c.reply.calls[0].arguments, "{\"city\": \"Edinburgh\", \"country\": \"GB\", \"units\": \"c\"}");
		assert_string_equal(c.reply.calls[1].id, "call_DNYTawLBoN8fj3KN6qU9N1Ou");
		assert_string_equal(c.reply.calls[1].name, "get_stock_price");
		assert_string_equal(c.reply.calls[1].arguments, "{\"ticker\": \"AAPL\", \"exchange\": \"NASDAQ\"}");
		call_release(&c);
		fakellm_stop(&f);

		run_raw(PROVIDER_API_OPENAI, "openai/compat_empty_tool_calls.sse", chunks[k], &c, &f);
		assert_int_equal(c.rc, 0);
		assert_int_equal(c.reply.calls_nr, 0);
		assert_string_equal(c.reply.text.buf, "Hello");
		call_release(&c);
		fakellm_stop(&f);
	}
}

static void test_anthropic_fixtures(void **state)
{
	static const int chunks[] = { 0, 1, 5 };
	size_t k;

	(void)state;
	for (k = 0; k < 3; k++) {
		struct fakellm f;
		struct call c;

		run_raw(PROVIDER_API_ANTHROPIC, "anthropic/basic_response.sse", chunks[k], &c, &f);
		assert_int_equal(c.rc, 0);
		assert_string_equal(c.reply.text.buf, "Hello there!");
		assert_string_equal(c.reply.stop_reason, "end_turn");
		call_release(&c);
		fakellm_stop(&f);

		run_raw(PROVIDER_API_ANTHROPIC, "anthropic/tool_use_response.sse", chunks[k], &c, &f);
		assert_int_equal(c.rc, 0);
		assert_true(c.reply.text.len > 0);
		assert_int_equal(c.reply.calls_nr, 1);
		assert_string_equal(c.reply.calls[0].name, "get_weather");
		assert_string_equal(c.reply.calls[0].arguments, "{\"location\": \"Paris\"}");
		assert_false(c.reply.calls[0].malformed);
		assert_string_equal(c.reply.stop_reason, "tool_use");
		call_release(&c);
		fakellm_stop(&f);

		run_raw(PROVIDER_API_ANTHROPIC, "anthropic/tool_use_no_args.sse", chunks[k], &c, &f);
		assert_int_equal(c.rc, 0);
		assert_int_equal(c.reply.calls_nr, 1);
		assert_string_equal(c.reply.calls[0].name, "updateIssueList");
		assert_string_equal(c.reply.calls[0].arguments, "{}");
		assert_false(c.reply.calls[0].malformed);
		call_release(&c);
		fakellm_stop(&f);

		run_raw(PROVIDER_API_ANTHROPIC, "anthropic/refusal_response.sse", chunks[k], &c, &f);
		assert_int_equal(c.rc, 0);
		assert_string_equal(c.reply.stop_reason, "refusal");
		assert_int_equal(c.reply.calls_nr, 0);
		call_release(&c);
		fakellm_stop(&f);

		/* cut off by max_tokens: reported malformed, never "{}" */
		run_raw(PROVIDER_API_ANTHROPIC, "anthropic/incomplete_partial_json_response.sse", chunks[k], &c, &f);
		assert_int_equal(c.rc, 0);
		assert_string_equal(c.reply.stop_reason, "max_tokens");
		assert_int_equal(c.reply.calls_nr, 1);
		assert_string_equal(c.reply.calls[0].name, "make_file");
		assert_true(c.reply.calls[0].malformed);
		assert_non_null(strstr(c.reply.calls[0].problem, "cut off"));
		assert_non_null(strstr(c.reply.calls[0].problem, "max_tokens"));
		assert_true(!strncmp(c.reply.calls[0].arguments, "{\"filename\": \"taxes.txt\"", 24));
		assert_non_null(strstr(c.rec.events.buf, ":MALFORMED"));
		call_release(&c);
		fakellm_stop(&f);
	}
}

/* ---- scripted turns and exact request bytes ----------------------------- */

static void test_openai_request_bytes(void **state)
{
	struct fakellm f;
	struct call c;
	struct conv_msg *m;
	json_t *reqs, *body, *hdrs, *schema;
	struct conv_tool tool;

	(void)state;
	fakellm_start(&f, "{\"responses\":[{\"turn\":{\"text\":\"Reading.\",\"tool_calls\":["
			  "{\"id\":\"c1\",\"name\":\"Read\",\"arguments\":\"{\\\"path\\\":\\\"a.c\\\"}\"},"
			  "{\"id\":\"c2\",\"name\":\"Grep\",\"arguments\":{\"pattern\":\"x\"}}],"
			  "\"usage\":{\"input\":100,\"output\":20}},\"text_chunk\":3,\"chunk_size\":5}]}");
	call_init(&c, &f, PROVIDER_API_OPENAI);
	/* a history with a tool round trip */
	m = conv_add_msg(&c.conv, CONV_ASSISTANT);
	conv_add_text(m, "Let me look.", 12);
	conv_add_tool_use(m, "c0", "LS", "{\"path\":\".\"}");
	m = conv_add_msg(&c.conv, CONV_USER);
	conv_add_tool_result(m, "c0", "a.c\nb.c", 0);
	schema = json_pack("{s:s, s:{s:{s:s}}, s:[s]}", "type", "object", "properties",
			   "path", "type", "string", "required", "path");
	memset(&tool, 0, sizeof(tool));
	tool.name = "Read";
	tool.description = "Read a file";
	tool.schema = schema;
	c.req.tools = &tool;
	c.req.tools_nr = 1;
	c.req.max_tokens = 1000;
	c.req.has_temperature = 1;
	c.req.temperature = 0.25;
	call_run(&c);
	assert_int_equal(c.rc, 0);
	assert_string_equal(c.reply.text.buf, "Reading.");
	assert_string_equal(c.rec.events.buf,
		"text:Rea\ntext:din\ntext:g.\n"
		"start:0:c1:Read\nstart:1:c2:Grep\n"
		"done:0:Read:{\"path\":\"a.c\"}\ndone:1:Grep:{\"pattern\":\"x\"}\n"
		"stop:tool_use\n");
	assert_int_equal(c.reply.usage.input_tokens, 100);
	assert_int_equal(c.reply.usage.output_tokens, 20);
	assert_int_equal(c.reply.attempts, 1);

	reqs = fakellm_requests(&f);
	assert_int_equal(json_array_size(reqs), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(reqs, 0), "path")),
			    "/v1/chat/completions");
	hdrs = json_object_get(json_array_get(reqs, 0), "headers");
	assert_string_equal(json_string_value(json_object_get(hdrs, "authorization")),
			    "Bearer sk-test-key");
	assert_string_equal(json_string_value(json_object_get(hdrs, "content-type")),
			    "application/json");
	assert_null(json_object_get(hdrs, "expect"));
	/* the exact bytes */
	assert_string_equal(json_string_value(json_object_get(json_array_get(reqs, 0), "body")),
		"{\"model\":\"test-model\","
		"\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"Read\",\"description\":\"Read a file\",\"parameters\":{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}},\"required\":[\"path\"]}}}],"
		"\"messages\":["
		"{\"role\":\"system\",\"content\":\"You are a test.\"},"
		"{\"role\":\"user\",\"content\":\"Hi\"},"
		"{\"role\":\"assistant\",\"content\":\"Let me look.\",\"tool_calls\":[{\"id\":\"c0\",\"type\":\"function\",\"function\":{\"name\":\"LS\",\"arguments\":\"{\\\"path\\\":\\\".\\\"}\"}}]},"
		"{\"role\":\"tool\",\"tool_call_id\":\"c0\",\"content\":\"a.c\\nb.c\"}],"
		"\"stream\":true,\"stream_options\":{\"include_usage\":true},"
		"\"max_tokens\":1000,\"temperature\":0.25}");
	json_decref(reqs);
	json_decref(schema);
	call_release(&c);
	fakellm_stop(&f);

	/* reasoning models: max_completion_tokens; usage option off */
	fakellm_start(&f, "{\"responses\":[{\"turn\":{\"text\":\"ok\"}}]}");
	call_init(&c, &f, PROVIDER_API_OPENAI);
	c.cfg.quirks = QUIRK_MAX_COMPLETION_TOKENS | QUIRK_NO_STREAM_OPTIONS;
	c.cfg.api_key = NULL;
	c.req.max_tokens = 50;
	call_run(&c);
	assert_int_equal(c.rc, 0);
	reqs = fakellm_requests(&f);
	body = fakellm_body(reqs, 0);
	assert_int_equal(json_integer_value(json_object_get(body, "max_completion_tokens")), 50);
	assert_null(json_object_get(body, "max_tokens"));
	assert_null(json_object_get(body, "stream_options"));
	assert_null(json_object_get(json_object_get(json_array_get(reqs, 0), "headers"),
				    "authorization"));
	json_decref(body);
	json_decref(reqs);
	call_release(&c);
	fakellm_stop(&f);
}

static void test_anthropic_request_bytes(void **state)
{
	struct fakellm f;
	struct call c;
	struct conv_msg *m;
	json_t *reqs, *hdrs;

	(void)state;
	fakellm_start(&f, "{\"responses\":[{\"turn\":{\"text\":\"Done.\",\"tool_calls\":["
			  "{\"id\":\"toolu_1\",\"name\":\"Bash\",\"arguments\":\"{\\\"command\\\":\\\"make\\\"}\"}],"
			  "\"usage\":{\"input\":50,\"output\":9}},\"text_chunk\":2,\"chunk_size\":3}]}");
	call_init(&c, &f, PROVIDER_API_ANTHROPIC);
	m = conv_add_msg(&c.conv, CONV_ASSISTANT);
	conv_add_tool_use(m, "toolu_0", "Read", "{\"path\":\"x\"}");
	conv_add_tool_use(m, "toolu_9", "Read", "{\"path\":");
	m = conv_add_msg(&c.conv, CONV_USER);
	conv_add_tool_result(m, "toolu_0", "contents", 0);
	conv_add_tool_result(m, "toolu_9", "malformed arguments", 1);
	call_run(&c);
	assert_int_equal(c.rc, 0);
	assert_string_equal(c.reply.text.buf, "Done.");
	assert_int_equal(c.reply.calls_nr, 1);
	assert_string_equal(c.reply.calls[0].arguments, "{\"command\":\"make\"}");
	assert_string_equal(c.reply.stop_reason, "tool_use");
	assert_int_equal(c.reply.usage.input_tokens, 50);
	assert_int_equal(c.reply.usage.output_tokens, 9);

	reqs = fakellm_requests(&f);
	assert_string_equal(json_string_value(json_object_get(json_array_get(reqs, 0), "path")),
			    "/v1/messages");
	hdrs = json_object_get(json_array_get(reqs, 0), "headers");
	assert_string_equal(json_string_value(json_object_get(hdrs, "x-api-key")), "sk-test-key");
	assert_string_equal(json_string_value(json_object_get(hdrs, "anthropic-version")), "2023-06-01");
	assert_null(json_object_get(hdrs, "authorization"));
	/* tool results go back as tool_result blocks in one user message; a
	 * cache breakpoint on the system prompt and on the conversation's end */
	assert_string_equal(json_string_value(json_object_get(json_array_get(reqs, 0), "body")),
		"{\"model\":\"test-model\",\"max_tokens\":8192,\"system\":[{\"type\":\"text\",\"text\":\"You are a test.\","
		"\"cache_control\":{\"type\":\"ephemeral\"}}],\"messages\":["
		"{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Hi\"}]},"
		"{\"role\":\"assistant\",\"content\":["
		"{\"type\":\"tool_use\",\"id\":\"toolu_0\",\"name\":\"Read\",\"input\":{\"path\":\"x\"}},"
		"{\"type\":\"tool_use\",\"id\":\"toolu_9\",\"name\":\"Read\",\"input\":{\"_malformed_arguments\":\"{\\\"path\\\":\"}}]},"
		"{\"role\":\"user\",\"content\":["
		"{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_0\",\"content\":\"contents\"},"
		"{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_9\",\"content\":\"malformed arguments\",\"is_error\":true,"
		"\"cache_control\":{\"type\":\"ephemeral\"}}]}],"
		"\"stream\":true}");
	json_decref(reqs);
	call_release(&c);
	fakellm_stop(&f);
}

/* ---- OpenAI-compatible servers' quirks ------------------------------------ */

struct quirk {
	const char *what;
	const char *sse;
	const char *want;	/* "id|name|args;..." */
};

#define D(x) "data: " x "\n\n"
#define CH(delta, fin) D("{\"choices\":[{\"index\":0,\"delta\":" delta ",\"finish_reason\":" fin "}]}")

static const struct quirk quirks[] = {
	{ "a whole call in one delta",
	  CH("{\"tool_calls\":[{\"index\":0,\"id\":\"a\",\"type\":\"function\",\"function\":{\"name\":\"Read\",\"arguments\":\"{\\\"path\\\":\\\"x\\\"}\"}}]}", "null")
	  CH("{}", "\"tool_calls\"") D("[DONE]"),
	  "a|Read|{\"path\":\"x\"};" },
	{ "no index",
	  CH("{\"tool_calls\":[{\"id\":\"a\",\"function\":{\"name\":\"Read\",\"arguments\":\"\"}}]}", "null")
	  CH("{\"tool_calls\":[{\"function\":{\"arguments\":\"{\\\"p\\\":1}\"}}]}", "null")
	  CH("{\"tool_calls\":[{\"id\":\"b\",\"function\":{\"name\":\"LS\",\"arguments\":\"{}\"}}]}", "null")
	  CH("{}", "\"tool_calls\"") D("[DONE]"),
	  "a|Read|{\"p\":1};b|LS|{};" },
	{ "index always 0 with a new id for each call",
	  CH("{\"tool_calls\":[{\"index\":0,\"id\":\"a\",\"function\":{\"name\":\"Read\",\"arguments\":\"{}\"}}]}", "null")
	  CH("{\"tool_calls\":[{\"index\":0,\"id\":\"b\",\"function\":{\"name\":\"Grep\",\"arguments\":\"{\\\"q\\\":\"}}]}", "null")
	  CH("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"2}\"}}]}", "null")
	  CH("{}", "\"tool_calls\"") D("[DONE]"),
	  "a|Read|{};b|Grep|{\"q\":2};" },
	{ "empty-string ids on later deltas",
	  CH("{\"tool_calls\":[{\"index\":0,\"id\":\"a\",\"function\":{\"name\":\"Read\",\"arguments\":\"{\\\"x\\\"\"}}]}", "null")
	  CH("{\"tool_calls\":[{\"index\":0,\"id\":\"\",\"function\":{\"name\":\"\",\"arguments\":\":1}\"}}]}", "null")
	  CH("{}", "\"tool_calls\"") D("[DONE]"),
	  "a|Read|{\"x\":1};" },
	{ "arguments as a JSON object",
	  CH("{\"tool_calls\":[{\"index\":0,\"id\":\"a\",\"function\":{\"name\":\"Read\",\"arguments\":{\"path\":\"y\"}}}]}", "\"tool_calls\"")
	  D("[DONE]"),
	  "a|Read|{\"path\":\"y\"};" },
	{ "missing ids are made up",
	  CH("{\"tool_calls\":[{\"index\":0,\"function\":{\"name\":\"Read\",\"arguments\":\"{}\"}}]}", "null")
	  CH("{\"tool_calls\":[{\"index\":1,\"function\":{\"name\":\"LS\",\"arguments\":\"{}\"}}]}", "\"tool_calls\"")
	  D("[DONE]"),
	  "*|Read|{};*|LS|{};" },
	{ "no [DONE] after finish_reason",
	  CH("{\"content\":\"hi\"}", "\"stop\""),
	  "" },
	{ "a whole message instead of a delta",
	  D("{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"whole\"},\"finish_reason\":\"stop\"}]}"),
	  "" },
};

static void test_openai_quirks(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(quirks) / sizeof(*quirks); i++) {
		struct fakellm f;
		struct call c;
		struct strbuf got = STRBUF_INIT;
		char *dir = tu_mkdtemp(), script[8192];
		size_t k;

		tu_write_str(dir, "q.sse", quirks[i].sse);
		snprintf(script, sizeof(script),
			 "{\"responses\":[{\"raw\":\"%s/q.sse\",\"chunk_size\":4}]}", dir);
		fakellm_start(&f, script);
		call_init(&c, &f, PROVIDER_API_OPENAI);
		call_run(&c);
		if (c.rc)
			fail_msg("%s: %s", quirks[i].what, c.err.buf);
		for (k = 0; k < c.reply.calls_nr; k++) {
			const struct provider_call *pc = &c.reply.calls[k];

			if (pc->malformed)
				fail_msg("%s: call %zu malformed: %s", quirks[i].what, k, pc->problem);
			strbuf_addf(&got, "%s|%s|%s;",
				    quirks[i].want[0] == '*' ? "*" : pc->id, pc->name, pc->arguments);
			assert_true(pc->id[0] != '\0');
		}
		if (strcmp(got.buf, quirks[i].want))
			fail_msg("%s: got %s, want %s", quirks[i].what, got.buf, quirks[i].want);
		strbuf_release(&got);
		call_release(&c);
		fakellm_stop(&f);
		tu_rmrf(dir);
		free(dir);
	}
}

/* Cached tokens: counted once, priced at the cache rate. */
static void test_openai_cached_usage(void **state)
{
	struct fakellm f;
	struct call c;
	char *dir = tu_mkdtemp(), script[8192];
	struct provider_price price = { 2.0, 8.0, 0.5, 0 };

	(void)state;
	tu_write_str(dir, "u.sse",
		"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"finish_reason\":\"stop\"}]}\n\n"
		"data: {\"choices\":[],\"usage\":{\"prompt_tokens\":1000,\"completion_tokens\":100,"
		"\"prompt_tokens_details\":{\"cached_tokens\":600}}}\n\ndata: [DONE]\n\n");
	snprintf(script, sizeof(script), "{\"responses\":[{\"raw\":\"%s/u.sse\"}]}", dir);
	fakellm_start(&f, script);
	call_init(&c, &f, PROVIDER_API_OPENAI);
	c.rc = provider_send(&c.cfg, &c.req, &price, &c.hooks, on_event, &c.rec, &c.reply, &c.err);
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.reply.usage.input_tokens, 400);
	assert_int_equal(c.reply.usage.cache_read_tokens, 600);
	assert_int_equal(c.reply.usage.output_tokens, 100);
	/* (400*2 + 600*0.5 + 100*8) / 1e6 */
	assert_true(c.reply.cost > 0.0018999 && c.reply.cost < 0.0019001);
	call_release(&c);
	fakellm_stop(&f);
	tu_rmrf(dir);
	free(dir);
}

/* Several tool_use blocks in one Anthropic response. */
static void test_anthropic_parallel_calls(void **state)
{
	struct fakellm f;
	struct call c;

	(void)state;
	fakellm_start(&f, "{\"responses\":[{\"turn\":{\"text\":\"Both.\",\"tool_calls\":["
			  "{\"id\":\"toolu_a\",\"name\":\"Read\",\"arguments\":{\"path\":\"a\"}},"
			  "{\"id\":\"toolu_b\",\"name\":\"Grep\",\"arguments\":{\"pattern\":\"x\"}},"
			  "{\"id\":\"toolu_c\",\"name\":\"LS\",\"arguments\":\"\"}]},\"chunk_size\":9}]}");
	call_init(&c, &f, PROVIDER_API_ANTHROPIC);
	call_run(&c);
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.reply.calls_nr, 3);
	assert_string_equal(c.reply.calls[0].id, "toolu_a");
	assert_string_equal(c.reply.calls[0].arguments, "{\"path\":\"a\"}");
	assert_string_equal(c.reply.calls[1].name, "Grep");
	assert_string_equal(c.reply.calls[1].arguments, "{\"pattern\":\"x\"}");
	assert_string_equal(c.reply.calls[2].arguments, "{}");
	assert_false(c.reply.calls[2].malformed);
	assert_string_equal(c.rec.events.buf,
		"text:Both.\nstart:0:toolu_a:Read\nstart:1:toolu_b:Grep\nstart:2:toolu_c:LS\n"
		"done:0:Read:{\"path\":\"a\"}\ndone:1:Grep:{\"pattern\":\"x\"}\ndone:2:LS:{}\n"
		"stop:tool_use\n");
	call_release(&c);
	fakellm_stop(&f);
}

static void test_malformed_arguments(void **state)
{
	struct fakellm f;
	struct call c;

	(void)state;
	fakellm_start(&f, "{\"responses\":[{\"turn\":{\"tool_calls\":["
			  "{\"id\":\"c1\",\"name\":\"Read\",\"arguments\":\"{\\\"path\\\": oops}\"},"
			  "{\"id\":\"c2\",\"name\":\"Read\",\"arguments\":\"[1,2]\"}]}}]}");
	call_init(&c, &f, PROVIDER_API_OPENAI);
	call_run(&c);
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.reply.calls_nr, 2);
	assert_true(c.reply.calls[0].malformed);
	assert_string_equal(c.reply.calls[0].arguments, "{\"path\": oops}");
	assert_non_null(strstr(c.reply.calls[0].problem, "not valid JSON"));
	assert_true(c.reply.calls[1].malformed);
	assert_non_null(strstr(c.reply.calls[1].problem, "must be a JSON object"));
	call_release(&c);
	fakellm_stop(&f);
}

/* ---- faults and retries ------------------------------------------------- */

static void test_retry_after_and_backoff(void **state)
{
	struct fakellm f;
	struct call c;
	json_t *reqs;

	(void)state;
	/* 429 with retry-after seconds, 529, 500 with retry-after-ms, 503
	 * with nothing (backoff), then success */
	fakellm_start(&f, "{\"responses\":["
		"{\"status\":429,\"headers\":{\"retry-after\":\"2\"},\"body\":{\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow down\"}}},"
		"{\"status\":529,\"body\":{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}},"
		"{\"status\":500,\"headers\":{\"retry-after-ms\":\"125\"},\"body\":\"oops\"},"
		"{\"status\":503,\"body\":\"down\"},"
		"{\"turn\":{\"text\":\"finally\"}}]}");
	call_init(&c, &f, PROVIDER_API_ANTHROPIC);
	c.cfg.max_attempts = 5;
	call_run(&c);
	assert_int_equal(c.rc, 0);
	assert_string_equal(c.reply.text.buf, "finally");
	assert_int_equal(c.reply.attempts, 5);
	assert_int_equal(c.rec.nwaits, 4);
	assert_int_equal(c.rec.waits[0], 2000);		/* retry-after: 2 */
	assert_int_equal(c.rec.waits[1], 750);		/* backoff 2: 1000/2 + 0.5*500 */
	assert_int_equal(c.rec.waits[2], 125);		/* retry-after-ms */
	assert_int_equal(c.rec.waits[3], 3000);		/* backoff 4: 4000/2 + 0.5*2000 */
	assert_int_equal(c.rec.retries, 4);
	reqs = fakellm_requests(&f);
	assert_int_equal(json_array_size(reqs), 5);
	/* every attempt sends the same bytes */
	assert_string_equal(json_string_value(json_object_get(json_array_get(reqs, 0), "body")),
			    json_string_value(json_object_get(json_array_get(reqs, 4), "body")));
	json_decref(reqs);
	call_release(&c);
	fakellm_stop(&f);
}

static void test_gives_up(void **state)
{
	struct fakellm f;
	struct call c;

	(void)state;
	fakellm_start(&f, "{\"responses\":[{\"repeat\":true,\"status\":500,\"body\":{\"error\":{\"message\":\"boom\"}}}]}");
	call_init(&c, &f, PROVIDER_API_OPENAI);
	c.cfg.max_attempts = 3;
	call_run(&c);
	assert_int_equal(c.rc, -1);
	assert_int_equal(c.reply.error, PROVIDER_ERR_SERVER);
	assert_int_equal(c.reply.attempts, 3);
	assert_int_equal(c.rec.nwaits, 2);
	assert_int_equal(c.rec.waits[0], 375);
	assert_int_equal(c.rec.waits[1], 750);
	assert_non_null(strstr(c.err.buf, "HTTP 500"));
	assert_non_null(strstr(c.err.buf, "boom"));
	assert_non_null(strstr(c.err.buf, "gave up after 3 attempts"));
	call_release(&c);
	fakellm_stop(&f);
}

static void test_x_should_retry(void **state)
{
	struct fakellm f;
	struct call c;

	(void)state;
	/* false stops a 500 from being retried; true retries a 400 */
	fakellm_start(&f, "{\"responses\":[{\"status\":500,\"headers\":{\"x-should-retry\":\"false\"},\"body\":\"no\"}]}");
	call_init(&c, &f, PROVIDER_API_OPENAI);
	call_run(&c);
	assert_int_equal(c.rc, -1);
	assert_int_equal(c.reply.attempts, 1);
	call_release(&c);
	fakellm_stop(&f);

	fakellm_start(&f, "{\"responses\":[{\"status\":400,\"headers\":{\"x-should-retry\":\"true\",\"retry-after-ms\":\"1\"},\"body\":\"flaky\"},{\"turn\":{\"text\":\"ok\"}}]}");
	call_init(&c, &f, PROVIDER_API_OPENAI);
	call_run(&c);
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.reply.attempts, 2);
	call_release(&c);
	fakellm_stop(&f);
}

static void test_stream_faults(void **state)
{
	struct fakellm f;
	struct call c;

	(void)state;
	/* a connection reset after some text: retried, the text discarded */
	fakellm_start(&f, "{\"responses\":["
		"{\"turn\":{\"text\":\"partial answer that will be cut\"},\"text_chunk\":4,\"chunk_size\":16,\"reset_after\":400},"
		"{\"turn\":{\"text\":\"complete answer\"}}]}");
	call_init(&c, &f, PROVIDER_API_OPENAI);
	call_run(&c);
	assert_int_equal(c.rc, 0);
	assert_string_equal(c.reply.text.buf, "complete answer");
	assert_int_equal(c.reply.attempts, 2);
	assert_int_equal(c.rec.discards, 1);
	assert_non_null(strstr(c.rec.events.buf, "discard:"));
	/* the discard comes before the retry, and the new text after */
	assert_true(strstr(c.rec.events.buf, "discard:") < strstr(c.rec.events.buf, "retry:1:"));
	assert_true(strstr(c.rec.events.buf, "retry:1:") < strstr(c.rec.events.buf, "text:complete answer"));
	call_release(&c);
	fakellm_stop(&f);

	/* overloaded_error inside a 200 stream (Anthropic) */
	{
		char *dir = tu_mkdtemp(), script[8192];

		tu_write_str(dir, "err.sse",
			"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":1}}}\n\n"
			"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n");
		snprintf(script, sizeof(script),
			 "{\"responses\":[{\"raw\":\"%s/err.sse\"},{\"turn\":{\"text\":\"ok\"}}]}", dir);
		fakellm_start(&f, script);
		call_init(&c, &f, PROVIDER_API_ANTHROPIC);
		call_run(&c);
		assert_int_equal(c.rc, 0);
		assert_int_equal(c.reply.attempts, 2);
		assert_string_equal(c.reply.text.buf, "ok");
		call_release(&c);
		fakellm_stop(&f);

		/* an error object inside an OpenAI 200 stream, not retried
		 * when it is a context-length error */
		tu_write_str(dir, "err2.sse",
			"data: {\"error\":{\"message\":\"This model's maximum context length is 8192 tokens\",\"code\":\"context_length_exceeded\"}}\n\n");
		snprintf(script, sizeof(script), "{\"responses\":[{\"raw\":\"%s/err2.sse\"}]}", dir);
		fakellm_start(&f, script);
		call_init(&c, &f, PROVIDER_API_OPENAI);
		call_run(&c);
		assert_int_equal(c.rc, -1);
		assert_int_equal(c.reply.error, PROVIDER_ERR_CONTEXT);
		assert_int_equal(c.reply.attempts, 1);
		call_release(&c);
		fakellm_stop(&f);
		tu_rmrf(dir);
		free(dir);
	}

	/* a malformed chunk: retried */
	fakellm_start(&f, "{\"responses\":[{\"turn\":{\"text\":\"abc\"},\"malformed_after\":1},{\"turn\":{\"text\":\"good\"}}]}");
	call_init(&c, &f, PROVIDER_API_OPENAI);
	call_run(&c);
	assert_int_equal(c.rc, 0);
	assert_string_equal(c.reply.text.buf, "good");
	assert_int_equal(c.reply.attempts, 2);
	call_release(&c);
	fakellm_stop(&f);

	/* a stall longer than the idle timeout: retried */
	fakellm_start(&f, "{\"responses\":[{\"turn\":{\"text\":\"slow\"},\"chunk_size\":8,\"stall_ms\":3000,\"stall_after\":10},{\"turn\":{\"text\":\"fast\"}}]}");
	call_init(&c, &f, PROVIDER_API_OPENAI);
	c.cfg.idle_timeout_ms = 300;
	call_run(&c);
	assert_int_equal(c.rc, 0);
	assert_string_equal(c.reply.text.buf, "fast");
	assert_int_equal(c.reply.attempts, 2);
	assert_non_null(strstr(c.rec.events.buf, "retry:1:"));
	call_release(&c);
	fakellm_stop(&f);
}

static void test_connection_refused(void **state)
{
	struct call c;
	struct fakellm f;

	(void)state;
	memset(&f, 0, sizeof(f));
	snprintf(f.url, sizeof(f.url), "http://127.0.0.1:1/v1");
	call_init(&c, &f, PROVIDER_API_OPENAI);
	c.cfg.max_attempts = 2;
	call_run(&c);
	assert_int_equal(c.rc, -1);
	assert_int_equal(c.reply.error, PROVIDER_ERR_CONNECT);
	assert_int_equal(c.reply.attempts, 2);
	assert_non_null(strstr(c.err.buf, "cannot reach provider 'openai' at http://127.0.0.1:1/v1/chat/completions"));
	call_release(&c);
}

static void test_error_messages(void **state)
{
	struct fakellm f;
	struct call c;
	struct strvec models = STRVEC_INIT;

	(void)state;
	fakellm_start(&f, "{\"responses\":[{\"status\":401,\"body\":{\"error\":{\"message\":\"invalid x-api-key\"}}}]}");
	call_init(&c, &f, PROVIDER_API_ANTHROPIC);
	call_run(&c);
	assert_int_equal(c.reply.error, PROVIDER_ERR_AUTH);
	assert_int_equal(c.reply.attempts, 1);
	assert_non_null(strstr(c.err.buf, "set ANTHROPIC_API_KEY to a valid API key"));
	assert_non_null(strstr(c.err.buf, "invalid x-api-key"));
	call_release(&c);
	fakellm_stop(&f);

	fakellm_start(&f, "{\"responses\":[{\"status\":404,\"body\":{\"error\":{\"message\":\"model not found\"}}}]}");
	call_init(&c, &f, PROVIDER_API_OPENAI);
	strvec_push(&models, "gpt-4o");
	strvec_push(&models, "llama3");
	c.cfg.models = &models;
	call_run(&c);
	assert_int_equal(c.reply.error, PROVIDER_ERR_NOT_FOUND);
	assert_non_null(strstr(c.err.buf, "model 'test-model' was not found at provider 'openai'"));
	assert_non_null(strstr(c.err.buf, "configured models: gpt-4o, llama3"));
	call_release(&c);
	fakellm_stop(&f);
	strvec_release(&models);

	fakellm_start(&f, "{\"responses\":[{\"status\":400,\"body\":{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"prompt is too long: 250000 tokens > 200000 maximum\"}}}]}");
	call_init(&c, &f, PROVIDER_API_ANTHROPIC);
	call_run(&c);
	assert_int_equal(c.reply.error, PROVIDER_ERR_CONTEXT);
	assert_non_null(strstr(c.err.buf, "longer than the context window"));
	call_release(&c);
	fakellm_stop(&f);
}

/* ---- cancellation --------------------------------------------------------- */

static volatile sig_atomic_t cancel_flag;

static void *cancel_later(void *arg)
{
	struct timespec ts = { 0, 200 * 1000000L };

	(void)arg;
	nanosleep(&ts, NULL);
	cancel_flag = 1;
	return NULL;
}

static void test_cancel(void **state)
{
	struct fakellm f;
	struct call c;
	pthread_t t;
	struct timespec a, b;
	long ms;

	(void)state;
	fakellm_start(&f, "{\"responses\":[{\"turn\":{\"text\":\"never\"},\"stall_ms\":10000}]}");
	call_init(&c, &f, PROVIDER_API_OPENAI);
	c.cfg.idle_timeout_ms = 60000;
	cancel_flag = 0;
	c.hooks.cancel = &cancel_flag;
	clock_gettime(CLOCK_MONOTONIC, &a);
	pthread_create(&t, NULL, cancel_later, NULL);
	call_run(&c);
	pthread_join(t, NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	assert_int_equal(c.rc, -1);
	assert_int_equal(c.reply.error, PROVIDER_ERR_CANCELLED);
	assert_int_equal(c.reply.attempts, 1);
	assert_true(ms < 1500);		/* promptly: not the 10 s stall */
	call_release(&c);
	fakellm_stop(&f);
}

/* ---- retry policy and cost ----------------------------------------------- */

static void test_retry_policy(void **state)
{
	(void)state;
	assert_true(retry_status_is_transient(408));
	assert_true(retry_status_is_transient(409));
	assert_true(retry_status_is_transient(429));
	assert_true(retry_status_is_transient(500));
	assert_true(retry_status_is_transient(529));
	assert_false(retry_status_is_transient(400));
	assert_false(retry_status_is_transient(401));
	assert_false(retry_status_is_transient(404));
	assert_int_equal(retry_after_ms("250", "9", 0), 250);
	assert_int_equal(retry_after_ms(NULL, "3", 0), 3000);
	assert_int_equal(retry_after_ms(NULL, "1.5", 0), 1500);
	assert_int_equal(retry_after_ms(NULL, "Wed, 21 Oct 2015 07:28:10 GMT", 1445412480), 10000);
	assert_int_equal(retry_after_ms(NULL, "Wed, 21 Oct 2015 07:28:10 GMT", 1445412499), 0);
	assert_int_equal(retry_after_ms(NULL, "soon", 0), -1);
	assert_int_equal(retry_after_ms(NULL, NULL, 0), -1);
	assert_int_equal(retry_after_ms(NULL, "99999", 0), 300000);
	assert_int_equal(retry_should("true"), 1);
	assert_int_equal(retry_should("false"), 0);
	assert_int_equal(retry_should(NULL), -1);
	assert_int_equal(retry_backoff_ms(1, 500, 30000, 0), 250);
	assert_int_equal(retry_backoff_ms(1, 500, 30000, 0.999999), 499);
	assert_int_equal(retry_backoff_ms(3, 500, 30000, 0.5), 1500);
	assert_int_equal(retry_backoff_ms(30, 500, 8000, 0.5), 6000);	/* capped */
}

/* The encoding cache gives the same bytes as encoding from scratch, as
 * the conversation grows, and starts over for a new conversation. */
static void test_encode_cache(void **state)
{
	struct provider_config cfg;
	struct provider_request req;
	struct provider_cache cache;
	struct conv conv;
	struct conv_msg *m;
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	int api, round;

	(void)state;
	for (api = 0; api < 2; api++) {
		memset(&cfg, 0, sizeof(cfg));
		cfg.api = api ? PROVIDER_API_ANTHROPIC : PROVIDER_API_OPENAI;
		provider_cache_init(&cache);
		conv_init(&conv);
		conv_set_system(&conv, "sys");
		memset(&req, 0, sizeof(req));
		req.conv = &conv;
		req.model = "m";
		for (round = 0; round < 5; round++) {
			m = conv_add_msg(&conv, round % 2 ? CONV_ASSISTANT : CONV_USER);
			if (round % 2)
				conv_add_tool_use(m, "id", "Read", "{\"path\":\"x\"}");
			else if (round)
				conv_add_tool_result(m, "id", "bytes \xff\xfe here", 0);
			else
				conv_add_text(m, "hello", 5);
			strbuf_reset(&a);
			strbuf_reset(&b);
			req.cache = &cache;
			provider_encode(&cfg, &req, &a);
			req.cache = NULL;
			provider_encode(&cfg, &req, &b);
			assert_string_equal(a.buf, b.buf);
			assert_int_equal(cache.msgs.nr, conv.nr);
		}
		/* invalid UTF-8 in a tool result became U+FFFD, not a failure */
		assert_non_null(strstr(a.buf, "bytes \xef\xbf\xbd\xef\xbf\xbd here"));
		/* a new conversation with as many messages: nothing stale */
		conv_release(&conv);
		conv_init(&conv);
		for (round = 0; round < 5; round++) {
			m = conv_add_msg(&conv, round % 2 ? CONV_ASSISTANT : CONV_USER);
			conv_add_text(m, "new", 3);
		}
		strbuf_reset(&a);
		strbuf_reset(&b);
		req.cache = &cache;
		provider_encode(&cfg, &req, &a);
		req.cache = NULL;
		provider_encode(&cfg, &req, &b);
		assert_string_equal(a.buf, b.buf);
		assert_null(strstr(a.buf, "Read"));
		conv_release(&conv);
		provider_cache_release(&cache);
	}
	strbuf_release(&a);
	strbuf_release(&b);
}

static void test_cost(void **state)
{
	struct provider_price p = { 3.0, 15.0, 0.3, 3.75 };
	struct provider_usage u = { 1000000, 100000, 2000000, 0, 0 };

	(void)state;
	assert_true(provider_cost(&p, &u) > 5.099 && provider_cost(&p, &u) < 5.101);
	assert_true(provider_cost(NULL, &u) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openai_fixtures),
		cmocka_unit_test(test_anthropic_fixtures),
		cmocka_unit_test(test_openai_request_bytes),
		cmocka_unit_test(test_anthropic_request_bytes),
		cmocka_unit_test(test_openai_quirks),
		cmocka_unit_test(test_malformed_arguments),
		cmocka_unit_test(test_openai_cached_usage),
		cmocka_unit_test(test_anthropic_parallel_calls),
		cmocka_unit_test(test_retry_after_and_backoff),
		cmocka_unit_test(test_gives_up),
		cmocka_unit_test(test_x_should_retry),
		cmocka_unit_test(test_stream_faults),
		cmocka_unit_test(test_connection_refused),
		cmocka_unit_test(test_error_messages),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_retry_policy),
		cmocka_unit_test(test_cost),
		cmocka_unit_test(test_encode_cache),
	};

	return cmocka_run_group_tests_name("provider", tests, NULL, NULL);
}
