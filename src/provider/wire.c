/*
 * wire: the table of wire protocols, and what every protocol shares: the
 * reply it decodes into.  See wire.h.
 */
#include "provider/wire.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define REPLY_TEXT_MAX ((size_t)64 << 20)

const struct wire *wire_for(enum provider_api api)
{
	switch (api) {
	case PROVIDER_API_ANTHROPIC:
		return &wire_anthropic;
	case PROVIDER_API_RESPONSES:
		return &wire_responses;
	case PROVIDER_API_AZURE:
		return &wire_azure;
	case PROVIDER_API_OPENAI:
	default:
		return &wire_openai;
	}
}

void provider_usage_add(struct provider_usage *to, const struct provider_usage *u)
{
	to->input_tokens += u->input_tokens;
	to->output_tokens += u->output_tokens;
	to->cache_read_tokens += u->cache_read_tokens;
	to->cache_write_tokens += u->cache_write_tokens;
	to->reasoning_tokens += u->reasoning_tokens;
}

void provider_reply_init(struct provider_reply *r)
{
	memset(r, 0, sizeof(*r));
	strbuf_init(&r->text, REPLY_TEXT_MAX);
	strbuf_init(&r->reasoning, REPLY_TEXT_MAX);
}

void provider_reply_reset(struct provider_reply *r)
{
	size_t i;

	for (i = 0; i < r->calls_nr; i++) {
		free(r->calls[i].id);
		free(r->calls[i].name);
		free(r->calls[i].arguments);
		free(r->calls[i].problem);
	}
	r->calls_nr = 0;
	strbuf_reset(&r->text);
	strbuf_reset(&r->reasoning);
	conv_msg_release(&r->blocks);
	free(r->stop_reason);
	r->stop_reason = NULL;
	free(r->notice);
	r->notice = NULL;
}

void provider_reply_release(struct provider_reply *r)
{
	provider_reply_reset(r);
	free(r->calls);
	strbuf_release(&r->text);
	strbuf_release(&r->reasoning);
	memset(r, 0, sizeof(*r));
}

double provider_cost(const struct provider_price *p,
		     const struct provider_usage *u)
{
	if (!p)
		return 0;
	return ((double)u->input_tokens * p->input +
		(double)u->output_tokens * p->output +
		(double)u->cache_read_tokens * p->cache_read +
		(double)u->cache_write_tokens * p->cache_write) / 1e6;
}

void encode_json(json_t *v, struct strbuf *out)
{
	char *s = v ? json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY)
		    : NULL;

	/* conv sanitises text to UTF-8, so this only fails on a bug */
	strbuf_addstr(out, s ? s : "null");
	free(s);
	json_decref(v);
}

void encode_json_items(json_t *arr, struct strbuf *out)
{
	size_t i;

	for (i = 0; i < json_array_size(arr); i++) {
		if (i)
			strbuf_addch(out, ',');
		encode_json(json_incref(json_array_get(arr, i)), out);
	}
	json_decref(arr);
}

void provider_reply_to_msg(const struct provider_reply *r, struct conv_msg *m)
{
	size_t i;

	/* reasoning and a server's blocks first, as the API sent them */
	for (i = 0; i < r->blocks.nr; i++) {
		const struct conv_block *b = &r->blocks.blocks[i];

		if (b->type == CONV_THINKING)
			conv_add_thinking(m, b->text, strlen(b->text), b->signature);
		else if (b->type == CONV_REDACTED_THINKING)
			conv_add_redacted_thinking(m, b->text);
		else if (b->type == CONV_OPAQUE)
			conv_add_opaque(m, b->input);
	}
	if (r->text.len)
		conv_add_text(m, r->text.buf, r->text.len);
	for (i = 0; i < r->calls_nr; i++)
		conv_add_tool_use(m, r->calls[i].id, r->calls[i].name,
				  r->calls[i].arguments);
}

static const struct { const char *name; unsigned bit; } quirks[] = {
	{ "max_completion_tokens", QUIRK_MAX_COMPLETION_TOKENS },
	{ "no_stream_options", QUIRK_NO_STREAM_OPTIONS },
	{ "short_tool_ids", QUIRK_SHORT_TOOL_IDS },
	{ "no_temperature", QUIRK_NO_TEMPERATURE },
	{ "no_reasoning_echo", QUIRK_NO_REASONING_ECHO },
	{ "content_string", QUIRK_CONTENT_STRING },
	{ "no_cache_control", QUIRK_NO_CACHE_CONTROL },
};

unsigned wire_quirk_parse(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(quirks) / sizeof(*quirks); i++)
		if (!strcmp(quirks[i].name, name))
			return quirks[i].bit;
	return 0;
}

const char *wire_quirk_name(unsigned quirk)
{
	size_t i;

	for (i = 0; i < sizeof(quirks) / sizeof(*quirks); i++)
		if (quirks[i].bit == quirk)
			return quirks[i].name;
	return "?";
}

const char *wire_quirk_names(void)
{
	return "max_completion_tokens, no_stream_options, short_tool_ids, no_temperature, "
	       "no_reasoning_echo, content_string, no_cache_control";
}

int wire_extra_has(const struct provider_request *req, const char *key)
{
	return req->extra_body && json_object_get(req->extra_body, key);
}

void wire_extra_append(const struct provider_request *req, struct strbuf *out)
{
	const char *key;
	json_t *v;

	if (!req->extra_body)
		return;
	/* jansson's iteration API takes a non-const object; nothing is changed */
	json_object_foreach((json_t *)req->extra_body, key, v) {
		strbuf_addch(out, ',');
		encode_json(json_string(key), out);
		strbuf_addch(out, ':');
		encode_json(json_incref(v), out);
	}
}

void wire_short_id(const char *id, char out[10])
{
	static const char digits[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	unsigned long long h = 1469598103934665603ULL;	/* FNV-1a, 64 bits */
	size_t i, n = strlen(id);

	for (i = 0; i < n && isalnum((unsigned char)id[i]); i++)
		;
	if (n == 9 && i == 9) {		/* already one of Mistral's own */
		memcpy(out, id, 10);
		return;
	}
	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)id[i]) * 1099511628211ULL;
	for (i = 0; i < 9; i++) {
		out[i] = digits[h % 62];
		h /= 62;
	}
	out[9] = '\0';
}

void wire_bearer_headers(const struct provider_config *cfg, struct strvec *h)
{
	if (cfg->api_key && *cfg->api_key)
		strvec_pushf(h, "Authorization: Bearer %s", cfg->api_key);
}
