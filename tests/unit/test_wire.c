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
	assert_int_equal(wire_openai.state_size, 0);
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
	wire_openai.encode_system("be brief", &o);
	wire_anthropic.encode_system("be brief", &a);
	EXPECT(strstr(o.buf, "\"role\":\"system\"") && strstr(o.buf, "be brief"), o);
	EXPECT(strstr(a.buf, "be brief") && !strstr(a.buf, "\"role\""), a);
	strbuf_reset(&o);
	strbuf_reset(&a);
	memset(&t, 0, sizeof(t));
	t.name = "Read";
	t.description = "read a file";
	t.schema = json_pack("{s:s}", "type", "object");
	wire_openai.encode_tools(&t, 1, &o);
	wire_anthropic.encode_tools(&t, 1, &a);
	EXPECT(strstr(o.buf, "\"type\":\"function\"") && strstr(o.buf, "\"parameters\""), o);
	EXPECT(strstr(a.buf, "\"input_schema\"") && !strstr(a.buf, "\"function\""), a);
	json_decref(t.schema);
	strbuf_reset(&o);
	strbuf_reset(&a);
	memset(&m, 0, sizeof(m));
	m.role = CONV_ASSISTANT;
	conv_add_tool_use(&m, "c1", "Read", "{\"path\":\"a\"}");
	wire_openai.encode_msg(&m, &o);
	wire_anthropic.encode_msg(&m, &a);
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
		w[i]->encode_system(conv.system, &c.system_json);
		w[i]->encode_tools(NULL, 0, &c.tools_json);
		{
			struct strbuf m = STRBUF_INIT;

			w[i]->encode_msg(&conv.msgs[0], &m);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_address),
		cmocka_unit_test(test_encode_pieces),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_encode_body),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
