/*
 * openai: the OpenAI Chat Completions wire protocol, as spoken by OpenAI,
 * Azure-style gateways, OpenRouter, Ollama's /v1, llama.cpp's llama-server,
 * vLLM and LM Studio.
 *
 * The servers differ in how they stream tool calls, and the decoder copes
 * with all of them: a whole call in one delta; no `index`; `index` always 0
 * with a new `id` for each call; empty-string ids on later deltas;
 * `arguments` as a JSON object instead of a string; `tool_calls: []` on
 * every delta; no id at all (one is made up in decode.c).
 */
#include "provider/decode.h"
#include "provider/sse.h"

#include "core/xalloc.h"

#include <string.h>

/* ---- request ------------------------------------------------------------ */

/* A call's id as the server takes it. */
static const char *call_id(unsigned quirks, const char *id, char buf[10])
{
	if (!(quirks & QUIRK_SHORT_TOOL_IDS))
		return id;
	wire_short_id(id, buf);
	return buf;
}

static json_t *tool_results_and_text(unsigned quirks, const struct conv_msg *m, json_t *msgs)
{
	struct strbuf text = STRBUF_INIT;
	json_t *images = json_array();
	size_t i;

	/* Tool results must directly follow the assistant message that
	 * called them, so they go first; any text becomes a user message
	 * after them. */
	for (i = 0; i < m->nr; i++) {
		const struct conv_block *b = &m->blocks[i];
		char idbuf[10];

		if (b->type == CONV_TOOL_RESULT)
			json_array_append_new(msgs, json_pack("{s:s, s:s, s:s}",
				"role", "tool", "tool_call_id", call_id(quirks, b->id, idbuf),
				"content", b->text));
		else if (b->type == CONV_TEXT)
			strbuf_addstr(&text, b->text);
		else if (b->type == CONV_IMAGE) {
			/* a tool message holds text only: images go in the user
			 * message after the results, as data URLs */
			struct strbuf url = STRBUF_INIT_CAP((size_t)64 << 20);

			strbuf_addf(&url, "data:%s;base64,%s", b->name, b->text);
			json_array_append_new(images, json_pack("{s:s, s:{s:s}}", "type", "image_url",
								"image_url", "url", url.buf));
			strbuf_release(&url);
		}
	}
	if (json_array_size(images)) {
		json_t *content = json_array();

		if (text.len)
			json_array_append_new(content, json_pack("{s:s, s:s}", "type", "text", "text", text.buf));
		json_array_extend(content, images);
		json_array_append_new(msgs, json_pack("{s:s, s:o}", "role", "user", "content", content));
	} else if (text.len) {
		json_array_append_new(msgs, json_pack("{s:s, s:s}", "role", "user",
						      "content", text.buf));
	}
	json_decref(images);
	strbuf_release(&text);
	return msgs;
}

static void assistant_msg(unsigned quirks, const struct conv_msg *m, json_t *msgs)
{
	struct strbuf text = STRBUF_INIT, reasoning = STRBUF_INIT;
	json_t *calls = json_array(), *o;
	size_t i;

	for (i = 0; i < m->nr; i++) {
		const struct conv_block *b = &m->blocks[i];
		char idbuf[10];

		if (b->type == CONV_TEXT)
			strbuf_addstr(&text, b->text);
		/* an OpenAI-compatible server's own reasoning goes back as it
		 * came (DeepSeek requires it in a tool loop); Anthropic's
		 * signed thinking is not for another server */
		else if (b->type == CONV_THINKING && !b->signature &&
			 !(quirks & QUIRK_NO_REASONING_ECHO))
			strbuf_addstr(&reasoning, b->text);
		else if (b->type == CONV_TOOL_USE)
			json_array_append_new(calls, json_pack("{s:s, s:s, s:{s:s, s:s}}",
				"id", call_id(quirks, b->id, idbuf), "type", "function", "function",
				"name", b->name, "arguments", b->input));
	}
	o = json_pack("{s:s}", "role", "assistant");
	json_object_set_new(o, "content", text.len || (quirks & QUIRK_CONTENT_STRING)
					  ? json_string(text.buf) : json_null());
	if (json_array_size(calls))
		json_object_set(o, "tool_calls", calls);
	if (reasoning.len)
		json_object_set_new(o, "reasoning_content", json_string(reasoning.buf));
	json_decref(calls);
	json_array_append_new(msgs, o);
	strbuf_release(&text);
	strbuf_release(&reasoning);
}

static void encode_system(unsigned quirks, const char *system, struct strbuf *out)
{
	(void)quirks;
	if (system && *system)
		encode_json(json_pack("{s:s, s:s}", "role", "system", "content", system), out);
}

/* One conversation message may be several OpenAI messages (each tool
 * result is its own): they are joined with commas. */
static void encode_msg(unsigned quirks, const struct conv_msg *m, struct strbuf *out)
{
	json_t *arr = json_array();

	if (m->role == CONV_ASSISTANT)
		assistant_msg(quirks, m, arr);
	else
		tool_results_and_text(quirks, m, arr);
	encode_json_items(arr, out);
}

static void encode_tools(unsigned quirks, const struct conv_tool *t, size_t n,
			 struct strbuf *out)
{
	json_t *tools = json_array();
	size_t i;

	(void)quirks;
	for (i = 0; i < n; i++)
		if (!t[i].server)	/* another provider's own tool */
			json_array_append_new(tools, json_pack("{s:s, s:{s:s, s:s, s:O}}",
			"type", "function", "function", "name", t[i].name,
			"description", t[i].description, "parameters", t[i].schema));
	encode_json(tools, out);
}

static void encode_body(const struct provider_config *cfg,
			const struct provider_request *req,
			const struct provider_cache *c, struct strbuf *out)
{
	size_t i;
	int first = 1;

	/* what never changes in a session first, so the byte prefix a server
	 * caches by (vLLM, llama.cpp, OpenAI's own) stays the same from one
	 * request to the next: the tools, then the system prompt, then the
	 * conversation as it grows */
	strbuf_addstr(out, "{\"model\":");
	encode_json(json_string(req->model), out);
	if (req->tools_nr) {
		strbuf_addstr(out, ",\"tools\":");
		strbuf_add(out, c->tools_json.buf, c->tools_json.len);
	}
	strbuf_addstr(out, ",\"messages\":[");
	if (c->system_json.len) {
		strbuf_add(out, c->system_json.buf, c->system_json.len);
		first = 0;
	}
	for (i = 0; i < c->msgs.nr; i++) {
		if (!*c->msgs.v[i])
			continue;
		if (!first)
			strbuf_addch(out, ',');
		strbuf_addstr(out, c->msgs.v[i]);
		first = 0;
	}
	strbuf_addstr(out, "],\"stream\":true");
	if (!(cfg->quirks & QUIRK_NO_STREAM_OPTIONS) && !wire_extra_has(req, "stream_options"))
		strbuf_addstr(out, ",\"stream_options\":{\"include_usage\":true}");
	if (req->max_tokens > 0) {
		const char *key = cfg->quirks & QUIRK_MAX_COMPLETION_TOKENS
				  ? "max_completion_tokens" : "max_tokens";

		if (!wire_extra_has(req, key))
			strbuf_addf(out, ",\"%s\":%ld", key, req->max_tokens);
	}
	if (req->has_temperature && !(cfg->quirks & QUIRK_NO_TEMPERATURE) &&
	    !wire_extra_has(req, "temperature")) {
		strbuf_addstr(out, ",\"temperature\":");
		encode_json(json_real(req->temperature), out);
	}
	if (req->reasoning_effort && !wire_extra_has(req, "reasoning_effort")) {
		strbuf_addstr(out, ",\"reasoning_effort\":");
		encode_json(json_string(req->reasoning_effort), out);
	}
	/* OpenAI caches by prefix on its own; the key keeps a session's
	 * requests on the same cache (other servers may refuse the field) */
	if (req->cache_key && cfg->base_url && strstr(cfg->base_url, "://api.openai.com") &&
	    !wire_extra_has(req, "prompt_cache_key")) {
		strbuf_addstr(out, ",\"prompt_cache_key\":");
		encode_json(json_string(req->cache_key), out);
	}
	wire_extra_append(req, out);
	strbuf_addch(out, '}');
}

/* ---- stream ------------------------------------------------------------- */

static struct decode_call *last_call(struct decoder *d)
{
	return d->calls_nr ? &d->calls[d->calls_nr - 1] : NULL;
}

/* Finds the call a tool_calls delta continues, or starts a new one. */
static struct decode_call *call_for_delta(struct decoder *d, json_t *tc)
{
	json_t *jindex = json_object_get(tc, "index");
	const char *id = json_string_value(json_object_get(tc, "id"));
	int has_id = id && *id;
	struct decode_call *c = NULL;
	size_t i;

	if (json_is_integer(jindex)) {
		int index = (int)json_integer_value(jindex);

		/* the latest call with this index */
		for (i = d->calls_nr; i-- > 0;)
			if (d->calls[i].index == index) {
				c = &d->calls[i];
				break;
			}
		/* "index always 0, a new id for each call": a different id
		 * at the same index is a new call. */
		if (c && has_id && c->id.len && strcmp(c->id.buf, id))
			c = NULL;
		if (!c)
			c = decoder_new_call(d, index);
	} else {
		/* No index: a new id (or the first delta) starts a call;
		 * anything else continues the last one. */
		c = last_call(d);
		if (!c || (has_id && c->id.len && strcmp(c->id.buf, id)) ||
		    (has_id && !c->id.len && c->args.len))
			c = decoder_new_call(d, d->calls_nr ? last_call(d)->index + 1 : 0);
	}
	if (has_id && !c->id.len)
		strbuf_addstr(&c->id, id);
	return c;
}

static void tool_call_delta(struct decoder *d, json_t *tc)
{
	struct decode_call *c;
	json_t *fn, *args;
	const char *name;

	if (!json_is_object(tc))
		return;
	c = call_for_delta(d, tc);
	fn = json_object_get(tc, "function");
	name = json_string_value(json_object_get(fn, "name"));
	if (name && *name && !c->name.len)
		strbuf_addstr(&c->name, name);
	decoder_call_started(d, c);
	args = json_object_get(fn, "arguments");
	if (json_is_string(args)) {
		strbuf_add(&c->args, json_string_value(args),
			   json_string_length(args));
	} else if (json_is_object(args) || json_is_array(args)) {
		/* Some servers send the arguments already parsed. */
		char *s = json_dumps(args, JSON_COMPACT | JSON_ENCODE_ANY);

		strbuf_reset(&c->args);
		strbuf_addstr(&c->args, s ? s : "");
		free(s);
	}
}

static long num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) && json_integer_value(v) > 0 ? (long)json_integer_value(v) : 0;
}

/*
 * A usage object, wherever the server put it (`usage`, Groq's
 * `x_groq.usage`; several servers repeat it on every chunk: the last
 * wins).  OpenAI counts cached tokens inside prompt_tokens, and
 * OpenRouter cache writes too; archie's input_tokens means uncached
 * input in every protocol (as Anthropic's does), so each token is priced
 * once.  DeepSeek names its cached tokens prompt_cache_hit_tokens.
 * Reasoning is part of completion_tokens at OpenAI and most others; xAI
 * counts it apart (its total_tokens says so), and it is billed as output.
 */
static void usage(struct decoder *d, json_t *u)
{
	struct provider_usage *pu = &d->reply->usage;
	json_t *pd = json_object_get(u, "prompt_tokens_details");
	long prompt = num(u, "prompt_tokens"), completion = num(u, "completion_tokens");
	long reasoning = num(json_object_get(u, "completion_tokens_details"), "reasoning_tokens");

	if (!json_is_object(u))
		return;
	pu->cache_read_tokens = num(pd, "cached_tokens");
	if (!pu->cache_read_tokens)
		pu->cache_read_tokens = num(u, "prompt_cache_hit_tokens");
	pu->cache_write_tokens = num(pd, "cache_write_tokens");
	pu->input_tokens = prompt - pu->cache_read_tokens - pu->cache_write_tokens;
	if (pu->input_tokens < 0)
		pu->input_tokens = 0;
	pu->output_tokens = completion;
	if (reasoning && num(u, "total_tokens") == prompt + completion + reasoning)
		pu->output_tokens += reasoning;
	pu->reasoning_tokens = reasoning;
	decoder_usage(d);
}

static void stream_error(struct decoder *d, json_t *e)
{
	const char *msg = json_string_value(json_object_get(e, "message"));
	const char *type = json_string_value(json_object_get(e, "type"));
	json_t *code = json_object_get(e, "code");
	const char *codes = json_string_value(code);
	long status = json_is_integer(code) ? (long)json_integer_value(code)
		      : (long)json_integer_value(json_object_get(e, "status_code"));

	if (!msg)
		msg = json_string_value(e);
	if ((codes && strstr(codes, "context_length")) ||
	    (msg && strstr(msg, "context length")))
		decoder_fail(d, PROVIDER_ERR_CONTEXT, 0, "%s", msg ? msg : "context length exceeded");
	else if ((type && strstr(type, "rate_limit")) ||
		 (codes && strstr(codes, "rate_limit")) || json_integer_value(code) == 429)
		decoder_fail(d, PROVIDER_ERR_RATE_LIMIT, 1, "%s", msg ? msg : "rate limited");
	else if ((type && strstr(type, "overloaded")) || json_integer_value(code) == 529)
		decoder_fail(d, PROVIDER_ERR_OVERLOADED, 1, "%s", msg ? msg : "overloaded");
	/* a request the server refused (400 inside the stream: Groq's
	 * tool_use_failed, OpenRouter's token limit) fails the same way
	 * when sent again: not retried */
	else if ((status >= 400 && status < 500) || (type && !strcmp(type, "invalid_request_error")) ||
		 (codes && !strcmp(codes, "tool_use_failed")))
		decoder_fail(d, PROVIDER_ERR_BAD_REQUEST, 0, "the server refused the request: %s",
			     msg ? msg : "(no message)");
	else
		decoder_fail(d, PROVIDER_ERR_SERVER, 1, "error in the response stream: %s",
			     msg ? msg : "(no message)");
}

/* Text given as a string, or as a list of parts ({"type": "text",
 * "text": ...} or {"text": ...}), streamed as it comes (no copy: this runs
 * for every chunk). */
static void each_text(struct decoder *d, json_t *v,
		      void (*sink)(struct decoder *, const char *, size_t))
{
	json_t *p;
	size_t i;

	if (json_is_string(v)) {
		sink(d, json_string_value(v), json_string_length(v));
		return;
	}
	json_array_foreach(v, i, p) {
		json_t *t = json_is_string(p) ? p : json_object_get(p, "text");

		if (json_is_string(t))
			sink(d, json_string_value(t), json_string_length(t));
	}
}

/*
 * A delta's answer and reasoning, as each server sends them: content as a
 * string, or (Mistral) a list of parts where "thinking" parts hold
 * reasoning and "text" parts the answer; reasoning as reasoning_content
 * (DeepSeek, vLLM, Qwen, xAI, Z.ai), reasoning (OpenRouter, Groq,
 * Cerebras) or reasoning_details (OpenRouter, Snowflake: text, summary).
 */
static void delta_content(struct decoder *d, json_t *delta)
{
	json_t *v = json_object_get(delta, "reasoning_content"), *p;
	size_t i;

	/* reasoning first: it comes before the answer it leads to */
	if (!json_is_string(v))
		v = json_object_get(delta, "reasoning");
	if (json_is_string(v)) {
		decoder_reasoning(d, json_string_value(v), json_string_length(v));
	} else if (!json_object_get(delta, "reasoning_content")) {
		json_array_foreach(json_object_get(delta, "reasoning_details"), i, p) {
			json_t *x = json_object_get(p, "text");

			if (!json_is_string(x))
				x = json_object_get(p, "summary");
			if (json_is_string(x))
				decoder_reasoning(d, json_string_value(x), json_string_length(x));
		}
	}
	v = json_object_get(delta, "content");
	if (json_is_string(v)) {
		decoder_text(d, json_string_value(v), json_string_length(v));
		return;
	}
	json_array_foreach(v, i, p) {
		const char *type = json_string_value(json_object_get(p, "type"));

		if (type && !strcmp(type, "thinking"))
			each_text(d, json_object_get(p, "thinking"), decoder_reasoning);
		else if (!type || !strcmp(type, "text"))
			each_text(d, json_object_get(p, "text"), decoder_text);
	}
}

/* The protocol's state: the model refused (delta.refusal). */
struct state {
	int refused;
};

/*
 * Content filters (Azure's, and OpenAI's finish_reason content_filter):
 * results on the prompt (prompt_filter_results) and on each choice
 * (content_filter_results) are ignored unless a category was filtered;
 * then the user is told which, plainly.  A refusal (delta.refusal, the
 * model's own words) is the answer's text, and the stop reason says so.
 */
static void content_filter(struct decoder *d, json_t *j, json_t *choice)
{
	struct strbuf flags = STRBUF_INIT;
	json_t *p, *fr = json_object_get(choice, "finish_reason");
	size_t i;

	json_array_foreach(json_object_get(j, "prompt_filter_results"), i, p)
		decode_filter_flags(json_object_get(p, "content_filter_results"), &flags);
	if (flags.len)
		decoder_notice(d, "the provider's content filter blocked the prompt (%s); rephrase the request",
			       flags.buf);
	strbuf_reset(&flags);
	decode_filter_flags(json_object_get(choice, "content_filter_results"), &flags);
	if (flags.len)
		decoder_notice(d, "the provider's content filter stopped the answer (%s); the text before it is kept",
			       flags.buf);
	else if (json_is_string(fr) && !strcmp(json_string_value(fr), "content_filter"))
		decoder_notice(d, "the provider's content filter stopped the answer; the text before it is kept");
	strbuf_release(&flags);
}

static void refusal(struct decoder *d, json_t *delta)
{
	json_t *v = json_object_get(delta, "refusal");
	struct state *st = d->proto;

	if (json_is_string(v) && json_string_length(v)) {
		decoder_text(d, json_string_value(v), json_string_length(v));
		st->refused = 1;
	}
}

static int decode(struct decoder *d, const struct sse_event *ev)
{
	json_error_t jerr;
	json_t *j, *choices, *choice, *delta, *tcs, *v;
	size_t i;

	if (ev->data_len == 6 && !memcmp(ev->data, "[DONE]", 6)) {
		d->done = 1;
		return -1;
	}
	if (!strcmp(ev->event, "error")) {
		j = json_loadb(ev->data, ev->data_len, 0, &jerr);
		stream_error(d, j && json_object_get(j, "error") ? json_object_get(j, "error") : j);
		json_decref(j);
		return -1;
	}
	j = decoder_json(d, ev);
	if (!j)
		return -1;
	if ((v = json_object_get(j, "error")) != NULL) {
		stream_error(d, v);
		json_decref(j);
		return -1;
	}
	choices = json_object_get(j, "choices");
	choice = json_array_get(choices, 0);
	delta = json_object_get(choice, "delta");
	/* Some servers put a whole message in one chunk, as "message". */
	if (!delta)
		delta = json_object_get(choice, "message");
	delta_content(d, delta);
	refusal(d, delta);
	content_filter(d, j, choice);
	tcs = json_object_get(delta, "tool_calls");
	for (i = 0; i < json_array_size(tcs); i++)
		tool_call_delta(d, json_array_get(tcs, i));
	v = json_object_get(choice, "finish_reason");
	if (json_is_string(v)) {
		decoder_set_stop(d, ((struct state *)d->proto)->refused ? "refusal"
									: json_string_value(v));
		/* Servers without usage or [DONE] end here; with
		 * include_usage the usage chunk follows. */
		d->done = 1;
	}
	v = json_object_get(json_object_get(j, "x_groq"), "usage");
	if (json_is_object(v))
		usage(d, v);
	v = json_object_get(j, "usage");
	if (json_is_object(v))
		usage(d, v);
	json_decref(j);
	return 0;
}

/* ---- the protocol ------------------------------------------------------------ */

static void url(const struct provider_config *cfg, const char *model, const char *base,
		size_t n, struct strbuf *out)
{
	(void)cfg;
	(void)model;
	(void)base;
	(void)n;
	strbuf_addstr(out, "/chat/completions");
}

const struct wire wire_openai = {
	.name = "openai",
	.encode_system = encode_system,
	.encode_msg = encode_msg,
	.encode_tools = encode_tools,
	.encode_body = encode_body,
	.url = url,
	.headers = wire_bearer_headers,
	.decode = decode,
	.state_size = sizeof(struct state),
	.calls_close = 0,
};

/* ---- Azure OpenAI: Chat Completions at a deployment ------------------------------ */

#define AZURE_API_VERSION "2024-10-21"

/* {base}/openai/deployments/{deployment}/chat/completions?api-version=V,
 * the deployment being the model's id (base: https://RESOURCE.openai.azure.com) */
static void azure_url(const struct provider_config *cfg, const char *model, const char *base,
		      size_t n, struct strbuf *out)
{

	(void)base;
	(void)n;
	strbuf_addstr(out, "/openai/deployments/");
	/* a deployment name is a path segment: only what is safe there */
	for (; model && *model; model++)
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.", *model))
			strbuf_addch(out, *model);
		else
			strbuf_addf(out, "%%%02X", (unsigned char)*model);
	strbuf_addf(out, "/chat/completions?api-version=%s",
		    cfg->api_version ? cfg->api_version : AZURE_API_VERSION);
}

/* An API key goes as api-key; without one, an Entra ID token from
 * AZURE_OPENAI_AD_TOKEN as a bearer token. */
static void azure_headers(const struct provider_config *cfg, struct strvec *h)
{
	const char *token = getenv("AZURE_OPENAI_AD_TOKEN");

	if (cfg->api_key && *cfg->api_key)
		strvec_pushf(h, "api-key: %s", cfg->api_key);
	else if (token && *token)
		strvec_pushf(h, "Authorization: Bearer %s", token);
}

const struct wire wire_azure = {
	.name = "azure",
	.encode_system = encode_system,
	.encode_msg = encode_msg,
	.encode_tools = encode_tools,
	.encode_body = encode_body,
	.url = azure_url,
	.headers = azure_headers,
	.decode = decode,
	.state_size = sizeof(struct state),
	.calls_close = 0,
};
