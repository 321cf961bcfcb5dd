/*
 * anthropic: the Anthropic Messages API wire protocol.
 *
 * The stream is a sequence of named events: message_start,
 * content_block_start (text or tool_use), content_block_delta (text_delta,
 * input_json_delta), content_block_stop, message_delta (stop_reason,
 * usage), message_stop, ping, and error.  A tool block's input arrives as
 * partial_json fragments; an empty buffer means {}.
 */
#include "provider/decode.h"
#include "provider/sse.h"

#include "core/xalloc.h"

#include <string.h>

/* Anthropic requires max_tokens; this is used when none is configured. */
#define ANTHROPIC_DEFAULT_MAX_TOKENS 8192

/* ---- request ------------------------------------------------------------ */

static json_t *tool_use_input(const char *text)
{
	json_error_t jerr;
	json_t *j = json_loads(text, 0, &jerr);

	if (json_is_object(j))
		return j;
	json_decref(j);
	/* A malformed call stays in the history as what it was, in a form
	 * the API accepts; its tool_result explains the problem. */
	return json_pack("{s:s}", "_malformed_arguments", text);
}

static json_t *content_blocks(const struct conv_msg *m)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < m->nr; i++) {
		const struct conv_block *b = &m->blocks[i];
		json_t *o = NULL;

		switch (b->type) {
		case CONV_TEXT:
			if (*b->text)
				o = json_pack("{s:s, s:s}", "type", "text", "text", b->text);
			break;
		case CONV_TOOL_USE:
			o = json_pack("{s:s, s:s, s:s, s:o}", "type", "tool_use",
				      "id", b->id, "name", b->name,
				      "input", tool_use_input(b->input));
			break;
		case CONV_TOOL_RESULT:
			o = json_pack("{s:s, s:s, s:s}", "type", "tool_result",
				      "tool_use_id", b->id, "content", b->text);
			if (b->is_error)
				json_object_set_new(o, "is_error", json_true());
			break;
		case CONV_THINKING:
			/* sent back unchanged, signature and all (the API checks
			 * it in a tool loop); another server's reasoning has no
			 * signature and is not Anthropic's to see */
			if (b->signature)
				o = json_pack("{s:s, s:s, s:s}", "type", "thinking", "thinking", b->text,
					      "signature", b->signature);
			break;
		case CONV_REDACTED_THINKING:
			o = json_pack("{s:s, s:s}", "type", "redacted_thinking", "data", b->text);
			break;
		case CONV_IMAGE:
			/* after the tool results of the message, as the API wants */
			o = json_pack("{s:s, s:{s:s, s:s, s:s}}", "type", "image", "source",
				      "type", "base64", "media_type", b->name, "data", b->text);
			break;
		case CONV_OPAQUE: {
			json_error_t jerr;
			const char *t;

			o = json_loads(b->input, 0, &jerr);
			t = json_string_value(json_object_get(o, "type"));
			/* OpenAI's reasoning items are the Responses API's */
			if (!json_is_object(o) || (t && !strcmp(t, "reasoning"))) {
				json_decref(o);
				o = NULL;
			}
			break;
		}
		}
		if (o)
			json_array_append_new(arr, o);
	}
	return arr;
}

/* Prompt caching: a breakpoint on the tools, the system prompt and the
 * conversation's end (three of the four the API allows).  The end moves
 * with each request; the API looks for a cached prefix at every block
 * boundary up to 20 blocks before a breakpoint, so the prefix the
 * previous request wrote is found without a breakpoint of its own, and
 * everything before a request's last breakpoint is byte for byte the
 * start of the next request. */
#define CACHE_CONTROL "\"cache_control\":{\"type\":\"ephemeral\"}"

static void encode_system(unsigned quirks, const char *system, struct strbuf *out)
{
	if (!system || !*system)
		return;
	if (quirks & QUIRK_NO_CACHE_CONTROL)
		encode_json(json_pack("[{s:s, s:s}]", "type", "text", "text", system), out);
	else
		encode_json(json_pack("[{s:s, s:s, s:{s:s}}]", "type", "text", "text", system,
				      "cache_control", "type", "ephemeral"), out);
}

static void encode_msg(unsigned quirks, const struct conv_msg *m, struct strbuf *out)
{
	(void)quirks;
	encode_json(json_pack("{s:s, s:o}",
			      "role", m->role == CONV_ASSISTANT ? "assistant" : "user",
			      "content", content_blocks(m)), out);
}

static void encode_tools(unsigned quirks, const struct conv_tool *t, size_t n,
			 struct strbuf *out)
{
	json_t *tools = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(tools, t[i].server ? json_deep_copy(t[i].server)
					     : json_pack("{s:s, s:s, s:O}",
			"name", t[i].name, "description", t[i].description,
			"input_schema", t[i].schema));
	if (n && !(quirks & QUIRK_NO_CACHE_CONTROL))
		json_object_set_new(json_array_get(tools, n - 1), "cache_control",
				    json_pack("{s:s}", "type", "ephemeral"));
	encode_json(tools, out);
}

/* A message's fragment, with a breakpoint on its last block when mark
 * (the fragment ends with that block's closing: "}]}"). */
static void add_msg(const char *frag, int mark, struct strbuf *out)
{
	size_t n = strlen(frag);

	if (!mark || n < 3 || strcmp(frag + n - 3, "}]}")) {
		strbuf_add(out, frag, n);
		return;
	}
	strbuf_add(out, frag, n - 3);
	strbuf_addstr(out, "," CACHE_CONTROL "}]}");
}

static void encode_body(const struct provider_config *cfg,
			   const struct provider_request *req,
			   const struct provider_cache *c, struct strbuf *out)
{
	size_t i;

	/* in the order the API caches: tools, system, messages */
	strbuf_addstr(out, "{\"model\":");
	encode_json(json_string(req->model), out);
	{
		long max = req->max_tokens > 0 ? req->max_tokens : (long)ANTHROPIC_DEFAULT_MAX_TOKENS;

		/* the answer's limit must leave room past the thinking budget */
		if (req->thinking > 0 && max <= req->thinking)
			max = req->thinking + ANTHROPIC_DEFAULT_MAX_TOKENS;
		if (!wire_extra_has(req, "max_tokens"))
			strbuf_addf(out, ",\"max_tokens\":%ld", max);
	}
	if (req->thinking > 0 && !wire_extra_has(req, "thinking"))
		strbuf_addf(out, ",\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":%ld}",
			    req->thinking);
	if (req->tools_nr) {
		strbuf_addstr(out, ",\"tools\":");
		strbuf_add(out, c->tools_json.buf, c->tools_json.len);
	}
	if (c->system_json.len) {
		strbuf_addstr(out, ",\"system\":");
		strbuf_add(out, c->system_json.buf, c->system_json.len);
	}
	strbuf_addstr(out, ",\"messages\":[");
	for (i = 0; i < c->msgs.nr; i++) {
		if (i)
			strbuf_addch(out, ',');
		add_msg(c->msgs.v[i], i + 1 == c->msgs.nr &&
			!(cfg->quirks & QUIRK_NO_CACHE_CONTROL), out);
	}
	strbuf_addch(out, ']');
	/* the API refuses a temperature with thinking on */
	if (req->has_temperature && req->thinking <= 0 && !(cfg->quirks & QUIRK_NO_TEMPERATURE) &&
	    !wire_extra_has(req, "temperature")) {
		strbuf_addstr(out, ",\"temperature\":");
		encode_json(json_real(req->temperature), out);
	}
	strbuf_addstr(out, ",\"stream\":true");
	wire_extra_append(req, out);
	strbuf_addch(out, '}');
}

/* ---- stream ------------------------------------------------------------- */

enum { BLOCK_NONE, BLOCK_TEXT, BLOCK_TOOL, BLOCK_THINKING, BLOCK_REDACTED, BLOCK_SERVER };

/* The decoder's state for this protocol (d->proto).  Blocks stream one
 * after another: the one being assembled that is not text or a call. */
struct state {
	unsigned char block_type[64];	/* per content block index */
	int inited;
	struct strbuf text;		/* thinking; redacted data */
	struct strbuf sig;		/* thinking's signature */
	struct strbuf input;		/* a server tool's input, streamed */
	json_t *block;			/* a server's block as it started */
};

static int block_type(struct decoder *d, int index)
{
	const struct state *st = d->proto;

	if (index < 0 || index >= (int)sizeof(st->block_type))
		return decoder_call_at(d, index) ? BLOCK_TOOL : BLOCK_TEXT;
	return st->block_type[index];
}

static void set_block_type(struct decoder *d, int index, int type)
{
	struct state *st = d->proto;

	if (index >= 0 && index < (int)sizeof(st->block_type))
		st->block_type[index] = (unsigned char)type;
}

static struct state *state_of(struct decoder *d)
{
	struct state *st = d->proto;

	if (!st->inited) {
		strbuf_init(&st->text, (size_t)64 << 20);
		strbuf_init(&st->sig, (size_t)1 << 20);
		strbuf_init(&st->input, (size_t)16 << 20);
		st->inited = 1;
	}
	return st;
}

static void state_release(void *p)
{
	struct state *st = p;

	if (!st->inited)
		return;
	strbuf_release(&st->text);
	strbuf_release(&st->sig);
	strbuf_release(&st->input);
	json_decref(st->block);
}

/* A block that is not text or a client call starts: thinking, redacted
 * thinking, or a server's own (server_tool_use and its results, MCP
 * blocks, ...), which archie keeps and sends back but never runs. */
static void special_start(struct decoder *d, int index, const char *bt, json_t *cb)
{
	struct state *st = state_of(d);

	strbuf_reset(&st->text);
	strbuf_reset(&st->sig);
	strbuf_reset(&st->input);
	json_decref(st->block);
	st->block = NULL;
	if (!strcmp(bt, "thinking")) {
		const char *t = json_string_value(json_object_get(cb, "thinking"));

		set_block_type(d, index, BLOCK_THINKING);
		if (t && *t) {
			strbuf_addstr(&st->text, t);
			decoder_reasoning(d, t, strlen(t));
		}
		if (json_string_value(json_object_get(cb, "signature")))
			strbuf_addstr(&st->sig, json_string_value(json_object_get(cb, "signature")));
	} else if (!strcmp(bt, "redacted_thinking")) {
		set_block_type(d, index, BLOCK_REDACTED);
		if (json_string_value(json_object_get(cb, "data")))
			strbuf_addstr(&st->text, json_string_value(json_object_get(cb, "data")));
	} else {
		set_block_type(d, index, BLOCK_SERVER);
		st->block = json_deep_copy(cb);
	}
}

static void special_delta(struct decoder *d, int index, const char *dt, json_t *delta)
{
	struct state *st = state_of(d);
	int bt = block_type(d, index);
	json_t *v;

	if (bt == BLOCK_THINKING && !strcmp(dt, "thinking_delta")) {
		v = json_object_get(delta, "thinking");
		if (json_is_string(v)) {
			strbuf_add(&st->text, json_string_value(v), json_string_length(v));
			decoder_reasoning(d, json_string_value(v), json_string_length(v));
		}
	} else if (bt == BLOCK_THINKING && !strcmp(dt, "signature_delta")) {
		v = json_object_get(delta, "signature");
		if (json_is_string(v))
			strbuf_add(&st->sig, json_string_value(v), json_string_length(v));
	} else if (bt == BLOCK_SERVER && !strcmp(dt, "input_json_delta")) {
		v = json_object_get(delta, "partial_json");
		if (json_is_string(v))
			strbuf_add(&st->input, json_string_value(v), json_string_length(v));
	}
}

static void special_stop(struct decoder *d, int index)
{
	struct state *st = state_of(d);
	int bt = block_type(d, index);

	if (bt == BLOCK_THINKING) {
		decoder_thinking(d, st->text.buf, st->text.len, st->sig.len ? st->sig.buf : NULL);
	} else if (bt == BLOCK_REDACTED) {
		decoder_opaque_block(d, 1, st->text.buf);
	} else if (bt == BLOCK_SERVER && st->block) {
		char *s;

		if (st->input.len) {
			json_error_t jerr;
			json_t *in = json_loadb(st->input.buf, st->input.len, 0, &jerr);

			if (in)
				json_object_set_new(st->block, "input", in);
		}
		s = json_dumps(st->block, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (s)
			decoder_opaque_block(d, 0, s);
		free(s);
		json_decref(st->block);
		st->block = NULL;
	}
}

/* With server-side compaction the top level is the last iteration's;
 * what is billed is every iteration's, listed in `iterations`. */
static int read_iterations(struct provider_usage *pu, json_t *its)
{
	size_t i;

	if (!json_array_size(its))
		return 0;
	pu->input_tokens = pu->output_tokens = 0;
	pu->cache_read_tokens = pu->cache_write_tokens = 0;
	for (i = 0; i < json_array_size(its); i++) {
		json_t *it = json_array_get(its, i);

		pu->input_tokens += (long)json_integer_value(json_object_get(it, "input_tokens"));
		pu->output_tokens += (long)json_integer_value(json_object_get(it, "output_tokens"));
		pu->cache_read_tokens += (long)json_integer_value(json_object_get(it,
								"cache_read_input_tokens"));
		pu->cache_write_tokens += (long)json_integer_value(json_object_get(it,
								 "cache_creation_input_tokens"));
	}
	return 1;
}

static void read_usage(struct decoder *d, json_t *u, int cumulative_output)
{
	struct provider_usage *pu = &d->reply->usage;
	json_t *v;

	if (!json_is_object(u))
		return;
	v = json_object_get(json_object_get(u, "output_tokens_details"), "thinking_tokens");
	if (json_is_integer(v))
		pu->reasoning_tokens = (long)json_integer_value(v);
	if (read_iterations(pu, json_object_get(u, "iterations"))) {
		decoder_usage(d);
		return;
	}
	if ((v = json_object_get(u, "input_tokens")) && json_is_integer(v))
		pu->input_tokens = json_integer_value(v);
	if ((v = json_object_get(u, "cache_read_input_tokens")) && json_is_integer(v))
		pu->cache_read_tokens = json_integer_value(v);
	if ((v = json_object_get(u, "cache_creation_input_tokens")) && json_is_integer(v))
		pu->cache_write_tokens = json_integer_value(v);
	if ((v = json_object_get(u, "output_tokens")) && json_is_integer(v))
		pu->output_tokens = cumulative_output ? json_integer_value(v)
						      : pu->output_tokens + json_integer_value(v);
	decoder_usage(d);
}

static void stream_error(struct decoder *d, json_t *e)
{
	const char *type = json_string_value(json_object_get(e, "type"));
	const char *msg = json_string_value(json_object_get(e, "message"));

	if (!type)
		type = "error";
	if (!msg)
		msg = "(no message)";
	if (!strcmp(type, "overloaded_error"))
		decoder_fail(d, PROVIDER_ERR_OVERLOADED, 1, "the API is overloaded (overloaded_error): %s", msg);
	else if (!strcmp(type, "rate_limit_error"))
		decoder_fail(d, PROVIDER_ERR_RATE_LIMIT, 1, "rate limited (rate_limit_error): %s", msg);
	else if (!strcmp(type, "api_error"))
		decoder_fail(d, PROVIDER_ERR_SERVER, 1, "the API failed (api_error): %s", msg);
	else if (strstr(msg, "prompt is too long"))
		decoder_fail(d, PROVIDER_ERR_CONTEXT, 0, "%s", msg);
	else if (!strcmp(type, "authentication_error") || !strcmp(type, "permission_error"))
		decoder_fail(d, PROVIDER_ERR_AUTH, 0, "%s: %s", type, msg);
	else if (!strcmp(type, "not_found_error"))
		decoder_fail(d, PROVIDER_ERR_NOT_FOUND, 0, "%s: %s", type, msg);
	else
		decoder_fail(d, PROVIDER_ERR_BAD_REQUEST, 0, "%s: %s", type, msg);
}

static int decode(struct decoder *d, const struct sse_event *ev)
{
	json_t *j, *v;
	const char *type;
	int index, rc = 0;

	j = decoder_json(d, ev);
	if (!j)
		return -1;
	/* The data's "type" is authoritative; the SSE event name is the
	 * same on every real server but optional in converted streams. */
	type = json_string_value(json_object_get(j, "type"));
	if (!type)
		type = ev->event;
	index = (int)json_integer_value(json_object_get(j, "index"));

	if (!strcmp(type, "message_start")) {
		read_usage(d, json_object_get(json_object_get(j, "message"), "usage"), 1);
	} else if (!strcmp(type, "content_block_start")) {
		json_t *cb = json_object_get(j, "content_block");
		const char *bt = json_string_value(json_object_get(cb, "type"));

		if (bt && !strcmp(bt, "tool_use")) {
			struct decode_call *c = decoder_new_call(d, index);
			const char *s;

			set_block_type(d, index, BLOCK_TOOL);
			if ((s = json_string_value(json_object_get(cb, "id"))))
				strbuf_addstr(&c->id, s);
			if ((s = json_string_value(json_object_get(cb, "name"))))
				strbuf_addstr(&c->name, s);
			decoder_call_started(d, c);
		} else if (bt && !strcmp(bt, "text")) {
			set_block_type(d, index, BLOCK_TEXT);
			v = json_object_get(cb, "text");
			if (json_is_string(v))
				decoder_text(d, json_string_value(v), json_string_length(v));
		} else if (bt) {
			special_start(d, index, bt, cb);
		} else {
			set_block_type(d, index, BLOCK_NONE);
		}
	} else if (!strcmp(type, "content_block_delta")) {
		json_t *delta = json_object_get(j, "delta");
		const char *dt = json_string_value(json_object_get(delta, "type"));

		if (dt && !strcmp(dt, "text_delta")) {
			v = json_object_get(delta, "text");
			if (json_is_string(v))
				decoder_text(d, json_string_value(v), json_string_length(v));
		} else if (dt && !strcmp(dt, "input_json_delta") &&
			   block_type(d, index) == BLOCK_TOOL) {
			struct decode_call *c = decoder_call_at(d, index);

			v = json_object_get(delta, "partial_json");
			if (c && json_is_string(v))
				strbuf_add(&c->args, json_string_value(v),
					   json_string_length(v));
		} else if (dt) {
			special_delta(d, index, dt, delta);
		}
	} else if (!strcmp(type, "content_block_stop")) {
		struct decode_call *c = decoder_call_at(d, index);

		if (c && block_type(d, index) == BLOCK_TOOL)
			c->closed = 1;
		else if (block_type(d, index) >= BLOCK_THINKING)
			special_stop(d, index);
	} else if (!strcmp(type, "message_delta")) {
		v = json_object_get(json_object_get(j, "delta"), "stop_reason");
		if (json_is_string(v))
			decoder_set_stop(d, json_string_value(v));
		read_usage(d, json_object_get(j, "usage"), 1);
	} else if (!strcmp(type, "message_stop")) {
		d->done = 1;
		rc = -1;
	} else if (!strcmp(type, "error")) {
		stream_error(d, json_object_get(j, "error"));
		rc = -1;
	}
	/* ping and unknown events are ignored, as the API asks. */
	json_decref(j);
	return rc;
}

/* ---- the protocol ------------------------------------------------------------ */

static void url(const struct provider_config *cfg, const char *model, const char *base,
		size_t n, struct strbuf *out)
{
	(void)cfg;
	(void)model;
	/* ANTHROPIC_BASE_URL is the host, with or without /v1. */
	if (n < 3 || strncmp(base + n - 3, "/v1", 3))
		strbuf_addstr(out, "/v1");
	strbuf_addstr(out, "/messages");
}

static void headers(const struct provider_config *cfg, struct strvec *h)
{
	if (cfg->api_key && *cfg->api_key)
		strvec_pushf(h, "x-api-key: %s", cfg->api_key);
	strvec_push(h, "anthropic-version: 2023-06-01");
}

const struct wire wire_anthropic = {
	.name = "anthropic",
	.encode_system = encode_system,
	.encode_msg = encode_msg,
	.encode_tools = encode_tools,
	.encode_body = encode_body,
	.url = url,
	.headers = headers,
	.decode = decode,
	.state_size = sizeof(struct state),
	.state_release = state_release,
	.calls_close = 1,
};
