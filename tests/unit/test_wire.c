/*
 * The wire-protocol table (provider/wire.h) and the shared decoder,
 * without a server: which protocol an api picks, what each encodes (the
 * pieces and the body), where it sends them and how it authenticates,
 * and each decoding SSE events into a reply through its own state, so
 * two streams decoded at once never share it.
 */
#include "testutil.h"

#include "core/strbuf.h"
#include "core/strvec.h"
#include "provider/decode.h"
#include "provider/provider.h"
#include "provider/sse.h"
#include "provider/wire.h"

static void test_table(void **state)
{
	(void)state;
	assert_ptr_equal(wire_for(PROVIDER_API_OPENAI), &wire_openai);
	assert_ptr_equal(wire_for(PROVIDER_API_ANTHROPIC), &wire_anthropic);
	assert_string_equal(wire_openai.name, "openai");
	assert_string_equal(wire_anthropic.name, "anthropic");
	/* OpenAI never closes a tool call; Anthropic closes each block, so
	 * one left open was cut off */
	assert_int_equal(wire_openai.calls_close, 0);
	assert_int_equal(wire_anthropic.calls_close, 1);
	assert_true(wire_openai.state_size > 0);	/* a refusal seen */
	assert_true(wire_anthropic.state_size > 0);
}

static void test_address(void **state)
{
	struct strbuf url = STRBUF_INIT;
	struct strvec h = STRVEC_INIT;
	struct provider_config cfg;
	const char *base = "https://api.anthropic.com";

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.api_key = "k-123";
	wire_anthropic.url(&cfg, "m", base, strlen(base), &url);
	assert_string_equal(url.buf, "/v1/messages");
	strbuf_reset(&url);
	base = "https://gw.example/v1";
	wire_anthropic.url(&cfg, "m", base, strlen(base), &url);
	assert_string_equal(url.buf, "/messages");	/* /v1 already there */
	strbuf_reset(&url);
	wire_openai.url(&cfg, "m", base, strlen(base), &url);
	assert_string_equal(url.buf, "/chat/completions");
	strbuf_reset(&url);
	wire_azure.url(&cfg, "gpt-4o prod", "https://r.openai.azure.com", 26, &url);
	assert_string_equal(url.buf, "/openai/deployments/gpt-4o%20prod/chat/completions?api-version=2024-10-21");
	strbuf_reset(&url);
	cfg.api_version = "2025-01-01-preview";
	wire_azure.url(&cfg, "d", "https://r.openai.azure.com", 26, &url);
	assert_string_equal(url.buf, "/openai/deployments/d/chat/completions?api-version=2025-01-01-preview");
	cfg.api_version = NULL;
	wire_anthropic.headers(&cfg, &h);
	assert_int_equal(h.nr, 2);
	assert_string_equal(h.v[0], "x-api-key: k-123");
	assert_string_equal(h.v[1], "anthropic-version: 2023-06-01");
	strvec_release(&h);
	wire_openai.headers(&cfg, &h);
	assert_int_equal(h.nr, 1);
	assert_string_equal(h.v[0], "Authorization: Bearer k-123");
	strvec_release(&h);
	wire_azure.headers(&cfg, &h);
	assert_string_equal(h.v[0], "api-key: k-123");
	strvec_release(&h);
	/* no key (a local server): nothing sent */
	cfg.api_key = NULL;
	wire_openai.headers(&cfg, &h);
	assert_int_equal(h.nr, 0);
	strvec_release(&h);
	strbuf_release(&url);
}

static void test_encode_pieces(void **state)
{
	struct strbuf o = STRBUF_INIT, a = STRBUF_INIT;
	struct conv_tool t;
	struct conv_msg m;

	(void)state;
	wire_openai.encode_system(0, "be brief", &o);
	wire_anthropic.encode_system(0, "be brief", &a);
	EXPECT(strstr(o.buf, "\"role\":\"system\"") && strstr(o.buf, "be brief"), o);
	EXPECT(strstr(a.buf, "be brief") && !strstr(a.buf, "\"role\""), a);
	strbuf_reset(&o);
	strbuf_reset(&a);
	memset(&t, 0, sizeof(t));
	t.name = "Read";
	t.description = "read a file";
	t.schema = json_pack("{s:s}", "type", "object");
	wire_openai.encode_tools(0, &t, 1, &o);
	wire_anthropic.encode_tools(0, &t, 1, &a);
	EXPECT(strstr(o.buf, "\"type\":\"function\"") && strstr(o.buf, "\"parameters\""), o);
	EXPECT(strstr(a.buf, "\"input_schema\"") && !strstr(a.buf, "\"function\""), a);
	json_decref(t.schema);
	strbuf_reset(&o);
	strbuf_reset(&a);
	memset(&m, 0, sizeof(m));
	m.role = CONV_ASSISTANT;
	conv_add_tool_use(&m, "c1", "Read", "{\"path\":\"a\"}");
	wire_openai.encode_msg(0, &m, &o);
	wire_anthropic.encode_msg(0, &m, &a);
	EXPECT(strstr(o.buf, "\"tool_calls\"") && strstr(o.buf, "\"arguments\":\"{"), o);
	EXPECT(strstr(a.buf, "\"tool_use\"") && strstr(a.buf, "\"input\":{\"path\":\"a\"}"), a);
	conv_msg_release(&m);
	strbuf_release(&o);
	strbuf_release(&a);
}

static int on_sse(void *ud, const struct sse_event *ev)
{
	return decoder_event(ud, ev);
}

/* Feeds SSE text through a decoder of protocol w. */
static int decode_text(const struct wire *w, const char *sse, struct provider_reply *r)
{
	struct decoder d;
	struct sse_parser p;
	int rc;

	provider_reply_init(r);
	decoder_init(&d, w, r, NULL, NULL);
	sse_parser_init(&p, on_sse, &d, (size_t)1 << 20);
	sse_parser_feed(&p, sse, strlen(sse));
	sse_parser_finish(&p);
	rc = decoder_finish(&d);
	sse_parser_release(&p);
	decoder_release(&d);
	return rc;
}

static void test_decode(void **state)
{
	struct provider_reply r;

	(void)state;
	assert_int_equal(decode_text(&wire_openai,
		"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}\n\n"
		"data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
		"data: [DONE]\n\n", &r), 0);
	assert_string_equal(r.text.buf, "hi");
	provider_reply_release(&r);
	assert_int_equal(decode_text(&wire_anthropic,
		"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}\n\n"
		"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"Read\",\"input\":{}}}\n\n"
		"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"path\\\":\\\"a\\\"}\"}}\n\n"
		"event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
		"event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},\"usage\":{\"output_tokens\":9}}\n\n"
		"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n", &r), 0);
	assert_int_equal(r.calls_nr, 1);
	assert_string_equal(r.calls[0].arguments, "{\"path\":\"a\"}");
	assert_int_equal(r.calls[0].malformed, 0);
	assert_int_equal(r.usage.input_tokens, 5);
	provider_reply_release(&r);
	/* a tool block never closed (Anthropic closes each): cut off */
	assert_int_equal(decode_text(&wire_anthropic,
		"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"Read\",\"input\":{}}}\n\n"
		"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"path\\\":\\\"a\\\"}\"}}\n\n"
		"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n", &r), 0);
	assert_int_equal(r.calls_nr, 1);
	assert_int_equal(r.calls[0].malformed, 1);
	provider_reply_release(&r);
}

/* The same body through provider_encode as through the table by hand:
 * the provider adds nothing of its own to a protocol's bytes. */
static void test_encode_body(void **state)
{
	struct provider_config cfg;
	struct provider_request req;
	struct provider_cache c;
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	struct conv conv;
	const struct wire *w[2] = { &wire_openai, &wire_anthropic };
	size_t i;

	(void)state;
	conv_init(&conv);
	conv_set_system(&conv, "sys");
	conv_add_text(conv_add_msg(&conv, CONV_USER), "hello", 5);
	for (i = 0; i < 2; i++) {
		memset(&cfg, 0, sizeof(cfg));
		cfg.api = i ? PROVIDER_API_ANTHROPIC : PROVIDER_API_OPENAI;
		memset(&req, 0, sizeof(req));
		req.conv = &conv;
		req.model = "m";
		strbuf_reset(&a);
		strbuf_reset(&b);
		provider_encode(&cfg, &req, &a);
		provider_cache_init(&c);
		w[i]->encode_system(0, conv.system, &c.system_json);
		w[i]->encode_tools(0, NULL, 0, &c.tools_json);
		{
			struct strbuf m = STRBUF_INIT;

			w[i]->encode_msg(0, &conv.msgs[0], &m);
			strvec_push(&c.msgs, m.buf);
			strbuf_release(&m);
		}
		c.wire = w[i];
		c.valid = 1;
		w[i]->encode_body(&cfg, &req, &c, &b);
		assert_string_equal(a.buf, b.buf);
		provider_cache_release(&c);
	}
	conv_release(&conv);
	strbuf_release(&a);
	strbuf_release(&b);
}

/* A body as JSON, encoded by cfg's protocol. */
static json_t *body_of(const struct provider_config *cfg, const struct provider_request *req)
{
	struct strbuf b = STRBUF_INIT;
	json_t *j;

	provider_encode(cfg, req, &b);
	j = json_loads(b.buf, 0, NULL);
	if (!j)
		fail_msg("not JSON: %s", b.buf);
	strbuf_release(&b);
	return j;
}

/* Each quirk changes what it says and nothing else; extra_body's keys are
 * added, and replace archie's own optional ones. */
static void test_quirks_and_extra_body(void **state)
{
	struct provider_config cfg;
	struct provider_request req;
	struct conv conv;
	struct conv_msg *m;
	json_t *body, *extra, *msgs;
	char id[10], id2[10];

	(void)state;
	conv_init(&conv);
	conv_set_system(&conv, "sys");
	conv_add_text(conv_add_msg(&conv, CONV_USER), "hello", 5);
	m = conv_add_msg(&conv, CONV_ASSISTANT);
	conv_add_thinking(m, "hmm", 3, NULL);
	conv_add_tool_use(m, "toolu_01ABCdef-xyz", "Read", "{}");
	conv_add_tool_result(conv_add_msg(&conv, CONV_USER), "toolu_01ABCdef-xyz", "text", 0);
	memset(&req, 0, sizeof(req));
	req.conv = &conv;
	req.model = "m";
	req.max_tokens = 100;
	req.has_temperature = 1;
	req.temperature = 0.5;
	memset(&cfg, 0, sizeof(cfg));
	cfg.api = PROVIDER_API_OPENAI;

	body = body_of(&cfg, &req);
	msgs = json_object_get(body, "messages");
	assert_int_equal(json_integer_value(json_object_get(body, "max_tokens")), 100);
	assert_non_null(json_object_get(body, "temperature"));
	assert_non_null(json_object_get(body, "stream_options"));
	assert_true(json_is_null(json_object_get(json_array_get(msgs, 2), "content")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(msgs, 2),
							       "reasoning_content")), "hmm");
	json_decref(body);

	cfg.quirks = QUIRK_MAX_COMPLETION_TOKENS | QUIRK_NO_STREAM_OPTIONS | QUIRK_SHORT_TOOL_IDS |
		     QUIRK_NO_TEMPERATURE | QUIRK_NO_REASONING_ECHO | QUIRK_CONTENT_STRING;
	body = body_of(&cfg, &req);
	msgs = json_object_get(body, "messages");
	assert_int_equal(json_integer_value(json_object_get(body, "max_completion_tokens")), 100);
	assert_null(json_object_get(body, "max_tokens"));
	assert_null(json_object_get(body, "temperature"));
	assert_null(json_object_get(body, "stream_options"));
	assert_string_equal(json_string_value(json_object_get(json_array_get(msgs, 2), "content")), "");
	assert_null(json_object_get(json_array_get(msgs, 2), "reasoning_content"));
	/* the call and its result keep one short id: 9 letters and digits */
	wire_short_id("toolu_01ABCdef-xyz", id);
	assert_int_equal(strlen(id), 9);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(
		json_array_get(msgs, 2), "tool_calls"), 0), "id")), id);
	assert_string_equal(json_string_value(json_object_get(json_array_get(msgs, 3),
							       "tool_call_id")), id);
	wire_short_id("toolu_01ABCdef-xyA", id2);
	assert_string_not_equal(id, id2);
	wire_short_id("aB3dE6gH9", id2);	/* one of Mistral's own stays */
	assert_string_equal(id2, "aB3dE6gH9");
	json_decref(body);

	/* extra_body: added at the top level; its temperature is the one sent */
	extra = json_pack("{s:{s:[s]}, s:f, s:{s:b}}", "provider", "order", "groq",
			  "temperature", 0.9, "chat_template_kwargs", "enable_thinking", 0);
	req.extra_body = extra;
	cfg.quirks = 0;
	body = body_of(&cfg, &req);
	assert_string_equal(json_string_value(json_array_get(json_object_get(json_object_get(body,
		"provider"), "order"), 0)), "groq");
	assert_true(json_real_value(json_object_get(body, "temperature")) > 0.89);
	assert_true(json_is_false(json_object_get(json_object_get(body, "chat_template_kwargs"),
						  "enable_thinking")));
	json_decref(body);
	{
		/* the same key never twice in the bytes */
		struct strbuf b = STRBUF_INIT;

		provider_encode(&cfg, &req, &b);
		assert_ptr_equal(strstr(strstr(b.buf, "\"temperature\"") + 1, "\"temperature\""), NULL);
		strbuf_release(&b);
	}
	cfg.api = PROVIDER_API_RESPONSES;
	body = body_of(&cfg, &req);
	assert_non_null(json_object_get(body, "provider"));
	json_decref(body);

	/* Anthropic: no cache_control anywhere with the quirk */
	req.extra_body = NULL;
	cfg.api = PROVIDER_API_ANTHROPIC;
	{
		struct strbuf b = STRBUF_INIT;

		provider_encode(&cfg, &req, &b);
		assert_non_null(strstr(b.buf, "cache_control"));
		strbuf_reset(&b);
		cfg.quirks = QUIRK_NO_CACHE_CONTROL;
		provider_encode(&cfg, &req, &b);
		assert_null(strstr(b.buf, "cache_control"));
		strbuf_release(&b);
	}
	json_decref(extra);
	conv_release(&conv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_address),
		cmocka_unit_test(test_encode_pieces),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_encode_body),
		cmocka_unit_test(test_quirks_and_extra_body),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
