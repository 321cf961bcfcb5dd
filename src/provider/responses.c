/*
 * responses: the OpenAI Responses API (`api: openai-responses`), one of the
 * wire protocols (wire.h).
 *
 * The request is stateless (`store: false`, no previous_response_id), so a
 * session resumes anywhere: the conversation goes as input items (messages,
 * function_call, function_call_output), and the model's reasoning items come
 * back with their encrypted content (`include: reasoning.encrypted_content`)
 * and are sent again, unchanged, in the tool loop, so the model keeps its
 * reasoning.  They are kept in the conversation as opaque blocks of type
 * "reasoning" (conv.h), which only this protocol sends.
 *
 * The stream's events: response.output_text.delta (the answer),
 * response.reasoning_summary_text.delta (reasoning, shown apart),
 * response.output_item.added/done and
 * response.function_call_arguments.delta (function calls, by output
 * index), response.completed / response.incomplete (usage with cached and
 * reasoning tokens, the stop), response.failed and error (failures).
 */
#include "provider/decode.h"
#include "provider/sse.h"

#include "core/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* ---- request ------------------------------------------------------------ */

static int is_reasoning_item(const char *json)
{
	return json && strstr(json, "\"type\":\"reasoning\"") != NULL;
}

static void encode_system(unsigned quirks, const char *system, struct strbuf *out)
{
	(void)quirks;
	if (system && *system)
		encode_json(json_string(system), out);
}

/* A conversation message as input items, comma-separated. */
static void encode_msg(unsigned quirks, const struct conv_msg *m, struct strbuf *out)
{
	json_t *items = json_array(), *content = json_array();
	size_t i;

	(void)quirks;
	for (i = 0; i < m->nr; i++) {
		const struct conv_block *b = &m->blocks[i];
		json_error_t jerr;
		json_t *o;

		switch (b->type) {
		case CONV_TEXT:
			if (*b->text)
				json_array_append_new(content, json_pack("{s:s, s:s}", "type",
					m->role == CONV_USER ? "input_text" : "output_text", "text", b->text));
			break;
		case CONV_IMAGE:
			if (m->role == CONV_USER) {
				struct strbuf url = STRBUF_INIT_CAP((size_t)64 << 20);

				strbuf_addf(&url, "data:%s;base64,%s", b->name, b->text);
				json_array_append_new(content, json_pack("{s:s, s:s}", "type", "input_image",
									 "image_url", url.buf));
				strbuf_release(&url);
			}
			break;
		case CONV_TOOL_USE:
			json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:s}", "type",
				"function_call", "call_id", b->id, "name", b->name, "arguments", b->input));
			break;
		case CONV_TOOL_RESULT:
			json_array_append_new(items, json_pack("{s:s, s:s, s:s}", "type",
				"function_call_output", "call_id", b->id, "output", b->text));
			break;
		case CONV_OPAQUE:
			/* this protocol's own reasoning items, as they came */
			if (is_reasoning_item(b->input) && (o = json_loads(b->input, 0, &jerr)))
				json_array_insert_new(items, 0, o);
			break;
		case CONV_THINKING:
		case CONV_REDACTED_THINKING:
			break;	/* another protocol's: not for this one */
		}
	}
	if (json_array_size(content))
		json_array_append_new(items, json_pack("{s:s, s:s, s:o}", "type", "message", "role",
						       m->role == CONV_USER ? "user" : "assistant",
						       "content", content));
	else
		json_decref(content);
	encode_json_items(items, out);
}

static void encode_tools(unsigned quirks, const struct conv_tool *t, size_t n,
			 struct strbuf *out)
{
	json_t *tools = json_array();
	size_t i;

	(void)quirks;
	for (i = 0; i < n; i++)
		if (!t[i].server)	/* another provider's own tool */
			json_array_append_new(tools, json_pack("{s:s, s:s, s:s, s:O}", "type", "function",
			"name", t[i].name, "description", t[i].description, "parameters", t[i].schema));
	encode_json(tools, out);
}

static void encode_body(const struct provider_config *cfg, const struct provider_request *req,
			const struct provider_cache *c, struct strbuf *out)
{
	size_t i;
	int first = 1;

	strbuf_addstr(out, "{\"model\":");
	encode_json(json_string(req->model), out);
	if (req->tools_nr) {
		strbuf_addstr(out, ",\"tools\":");
		strbuf_add(out, c->tools_json.buf, c->tools_json.len);
	}
	if (c->system_json.len) {
		strbuf_addstr(out, ",\"instructions\":");
		strbuf_add(out, c->system_json.buf, c->system_json.len);
	}
	strbuf_addstr(out, ",\"input\":[");
	for (i = 0; i < c->msgs.nr; i++) {
		if (!*c->msgs.v[i])
			continue;
		if (!first)
			strbuf_addch(out, ',');
		strbuf_addstr(out, c->msgs.v[i]);
		first = 0;
	}
	strbuf_addstr(out, "],\"stream\":true");
	if (!wire_extra_has(req, "store"))
		strbuf_addstr(out, ",\"store\":false");
	if (!wire_extra_has(req, "include"))
		strbuf_addstr(out, ",\"include\":[\"reasoning.encrypted_content\"]");
	if (req->max_tokens > 0 && !wire_extra_has(req, "max_output_tokens"))
		strbuf_addf(out, ",\"max_output_tokens\":%ld", req->max_tokens);
	if (req->reasoning_effort && !wire_extra_has(req, "reasoning")) {
		strbuf_addstr(out, ",\"reasoning\":{\"effort\":");
		encode_json(json_string(req->reasoning_effort), out);
		strbuf_addstr(out, ",\"summary\":\"auto\"}");
	}
	if (req->has_temperature && !(cfg->quirks & QUIRK_NO_TEMPERATURE) &&
	    !wire_extra_has(req, "temperature")) {
		strbuf_addstr(out, ",\"temperature\":");
		encode_json(json_real(req->temperature), out);
	}
	if (req->cache_key && cfg->base_url && strstr(cfg->base_url, "://api.openai.com") &&
	    !wire_extra_has(req, "prompt_cache_key")) {
		strbuf_addstr(out, ",\"prompt_cache_key\":");
		encode_json(json_string(req->cache_key), out);
	}
	wire_extra_append(req, out);
	strbuf_addch(out, '}');
}

/* ---- stream ------------------------------------------------------------- */

static void read_usage(struct decoder *d, json_t *u)
{
	struct provider_usage *pu = &d->reply->usage;
	long in = (long)json_integer_value(json_object_get(u, "input_tokens"));
	long cached = (long)json_integer_value(json_object_get(json_object_get(u,
			"input_tokens_details"), "cached_tokens"));

	if (!json_is_object(u))
		return;
	/* input_tokens counts the cached ones too: uncached apart */
	pu->input_tokens = in - cached;
	pu->cache_read_tokens = cached;
	pu->output_tokens = (long)json_integer_value(json_object_get(u, "output_tokens"));
	pu->reasoning_tokens = (long)json_integer_value(json_object_get(json_object_get(u,
			"output_tokens_details"), "reasoning_tokens"));
	decoder_usage(d);
}

static void item_added(struct decoder *d, int index, json_t *item)
{
	const char *type = json_string_value(json_object_get(item, "type"));

	if (type && !strcmp(type, "function_call")) {
		struct decode_call *c = decoder_new_call(d, index);
		const char *s;

		if ((s = json_string_value(json_object_get(item, "call_id"))))
			strbuf_addstr(&c->id, s);
		if ((s = json_string_value(json_object_get(item, "name"))))
			strbuf_addstr(&c->name, s);
		decoder_call_started(d, c);
	}
}

static void item_done(struct decoder *d, int index, json_t *item)
{
	const char *type = json_string_value(json_object_get(item, "type"));
	struct decode_call *c = decoder_call_at(d, index);

	if (type && !strcmp(type, "function_call") && c) {
		const char *args = json_string_value(json_object_get(item, "arguments"));

		/* the item's arguments are the whole: they win over the deltas */
		if (args) {
			strbuf_reset(&c->args);
			strbuf_addstr(&c->args, args);
		}
		c->closed = 1;
	} else if (type && !strcmp(type, "reasoning")) {
		/* sent back as it came, so the model keeps its reasoning */
		char *s = json_dumps(item, JSON_COMPACT | JSON_PRESERVE_ORDER);

		if (s)
			decoder_opaque_block(d, 0, s);
		free(s);
		d->thinking_blocks = 1;	/* its summary is in the item */
	}
}

static void failed(struct decoder *d, json_t *response, json_t *error)
{
	json_t *e = error ? error : json_object_get(response, "error");
	const char *msg = json_string_value(json_object_get(e, "message"));
	const char *code = json_string_value(json_object_get(e, "code"));

	if (code && (strstr(code, "context_length") || strstr(code, "context_window")))
		decoder_fail(d, PROVIDER_ERR_CONTEXT, 0, "%s", msg ? msg : code);
	else if (code && strstr(code, "rate_limit"))
		decoder_fail(d, PROVIDER_ERR_RATE_LIMIT, 1, "%s", msg ? msg : code);
	else if (code && (!strcmp(code, "server_error") || strstr(code, "overloaded")))
		decoder_fail(d, PROVIDER_ERR_SERVER, 1, "%s", msg ? msg : code);
	else
		decoder_fail(d, PROVIDER_ERR_BAD_REQUEST, 0, "the server refused the request: %s",
			     msg ? msg : code ? code : "(no message)");
}

static int decode(struct decoder *d, const struct sse_event *ev)
{
	json_t *j, *v;
	const char *type;
	int index, rc = 0;

	j = decoder_json(d, ev);
	if (!j)
		return -1;
	type = json_string_value(json_object_get(j, "type"));
	if (!type)
		type = ev->event;
	index = (int)json_integer_value(json_object_get(j, "output_index"));
	if (!strcmp(type, "response.output_text.delta")) {
		v = json_object_get(j, "delta");
		if (json_is_string(v))
			decoder_text(d, json_string_value(v), json_string_length(v));
	} else if (!strcmp(type, "response.reasoning_summary_text.delta") ||
		   !strcmp(type, "response.reasoning_text.delta")) {
		v = json_object_get(j, "delta");
		if (json_is_string(v))
			decoder_reasoning(d, json_string_value(v), json_string_length(v));
	} else if (!strcmp(type, "response.output_item.added")) {
		item_added(d, index, json_object_get(j, "item"));
	} else if (!strcmp(type, "response.function_call_arguments.delta")) {
		struct decode_call *c = decoder_call_at(d, index);

		v = json_object_get(j, "delta");
		if (c && json_is_string(v))
			strbuf_add(&c->args, json_string_value(v), json_string_length(v));
	} else if (!strcmp(type, "response.output_item.done")) {
		item_done(d, index, json_object_get(j, "item"));
	} else if (!strcmp(type, "response.completed") || !strcmp(type, "response.incomplete")) {
		json_t *resp = json_object_get(j, "response");

		read_usage(d, json_object_get(resp, "usage"));
		if (!strcmp(type, "response.incomplete"))
			decoder_set_stop(d, "max_tokens");
		d->done = 1;
		rc = -1;
	} else if (!strcmp(type, "response.failed")) {
		failed(d, json_object_get(j, "response"), NULL);
		rc = -1;
	} else if (!strcmp(type, "error")) {
		failed(d, NULL, json_object_get(j, "error") ? json_object_get(j, "error") : j);
		rc = -1;
	}
	/* created, in_progress, content_part, *.done text events: nothing new */
	json_decref(j);
	return rc;
}

/* ---- the protocol ------------------------------------------------------------ */

static void url(const struct provider_config *cfg, const char *model, const char *base,
		size_t n, struct strbuf *out)
{
	(void)cfg;
	(void)model;
	(void)base;
	(void)n;
	strbuf_addstr(out, "/responses");
}

const struct wire wire_responses = {
	.name = "openai-responses",
	.encode_system = encode_system,
	.encode_msg = encode_msg,
	.encode_tools = encode_tools,
	.encode_body = encode_body,
	.url = url,
	.headers = wire_bearer_headers,
	.decode = decode,
	.state_size = 0,
	.calls_close = 0,
};
