/*
 * wire: what a wire protocol works on, and the table of protocols.
 *
 * A request (the conversation, the tools' schemas, a model and limits) is
 * encoded by a protocol into a body; the protocol decodes the server's
 * stream of events into a reply (text, tool calls, usage, the stop
 * reason).  Each protocol is a struct wire, as curl has a Curl_handler
 * per scheme: openai.c (Chat Completions), anthropic.c (Messages) and
 * responses.c (OpenAI's Responses API).
 * provider.c picks one with wire_for() and calls through it; the loop
 * never sees a wire format.
 *
 * Ownership: encoders append to the caller's buffers; a reply is the
 * caller's (provider_reply_init/release).  Event fields borrow the
 * decoder's buffers and are valid only during the callback.
 */
#ifndef ARCHIE_WIRE_H
#define ARCHIE_WIRE_H

#include "core/strbuf.h"
#include "core/strvec.h"
#include "provider/conv.h"

#include <jansson.h>
#include <stddef.h>

enum provider_api {
	PROVIDER_API_OPENAI, PROVIDER_API_ANTHROPIC, PROVIDER_API_RESPONSES, PROVIDER_API_AZURE,
};

/*
 * Where a server departs from its protocol, a quirk (a provider's
 * `quirks:` in config.yaml; some are on by themselves for the servers
 * known to need them, see config_provider_setup).  Each is a bit.
 */
enum wire_quirk {
	QUIRK_MAX_COMPLETION_TOKENS = 1u << 0,	/* the limit as max_completion_tokens */
	QUIRK_NO_STREAM_OPTIONS = 1u << 1,	/* no stream_options (servers that refuse it) */
	QUIRK_SHORT_TOOL_IDS = 1u << 2,		/* tool call ids of 9 letters and digits */
	QUIRK_NO_TEMPERATURE = 1u << 3,		/* never a temperature (reasoning models) */
	QUIRK_NO_REASONING_ECHO = 1u << 4,	/* reasoning_content not sent back */
	QUIRK_CONTENT_STRING = 1u << 5,		/* "" for an assistant's empty content, not null */
	QUIRK_NO_CACHE_CONTROL = 1u << 6,	/* Anthropic: no cache_control marks */
};

/* The quirk named name (0 if none is), and a quirk's name. */
unsigned wire_quirk_parse(const char *name);
const char *wire_quirk_name(unsigned quirk);
/* "max_completion_tokens, no_stream_options, ...": for messages. */
const char *wire_quirk_names(void);

struct provider_config {
	const char *name;		/* "anthropic", "ollama", ... */
	enum provider_api api;
	const char *base_url;		/* e.g. https://api.openai.com/v1 */
	const char *api_key;		/* NULL: no key sent (local servers) */
	const char *api_key_env;	/* named in messages: "set OPENAI_API_KEY" */
	const char *api_version;	/* Azure's api-version; NULL: its default */
	const struct strvec *headers;	/* extra "Name: value" lines, may be NULL */
	unsigned quirks;		/* enum wire_quirk bits */
	int max_attempts;		/* 0: default 4 */
	long backoff_base_ms;		/* 0: default 500 */
	long backoff_max_ms;		/* 0: default 30000 */
	long connect_timeout_ms;	/* 0: default 10000 */
	long idle_timeout_ms;		/* 0: default 120000 (no byte received) */
	long total_timeout_ms;		/* 0: default 600000 */
	const struct strvec *models;	/* configured model ids, for 404 hints */
};

/* Prices in currency units per million tokens. */
struct provider_price {
	double input, output, cache_read, cache_write;
};

/*
 * Encoded pieces of earlier requests of one conversation (the tools, the
 * system prompt, each message), reused while the conversation only grows,
 * so a turn encodes only its new messages.  Optional: one per loop.
 */
struct wire;

struct provider_cache {
	const struct wire *wire;	/* the protocol the pieces are in */
	unsigned quirks;		/* and the quirks they were encoded with */
	unsigned long generation;	/* of the conversation encoded */
	const struct conv_tool *tools;
	size_t tools_nr;
	unsigned long tools_gen;	/* the request's, when encoded */
	struct strbuf tools_json;
	struct strbuf system_json;
	struct strvec msgs;		/* one fragment per message */
	int valid;
};

void provider_cache_init(struct provider_cache *c);
void provider_cache_release(struct provider_cache *c);

struct provider_request {
	const struct conv *conv;
	struct provider_cache *cache;	/* may be NULL */
	const struct conv_tool *tools;
	size_t tools_nr;
	/* changes whenever the tools change, even in place with the same
	 * count (an MCP server's new schema): the cache re-encodes them */
	unsigned long tools_gen;
	const char *model;
	int has_temperature;
	double temperature;
	long max_tokens;		/* 0: default (Anthropic requires one) */
	const char *cache_key;		/* the session: OpenAI's prompt_cache_key; may be NULL */
	long thinking;			/* Anthropic extended thinking's budget; 0: off */
	const char *reasoning_effort;	/* OpenAI-compatible; NULL: the server's default */
	/* a model's `extra_body:`: keys added to the body's top level,
	 * replacing archie's own optional ones of the same name; may be NULL */
	const json_t *extra_body;
};

/* Tokens of one response.  input_tokens is uncached input in both
 * protocols (OpenAI's prompt_tokens less its cached_tokens), so that
 * input + cache_read + cache_write is the whole prompt and each is priced
 * once.  output_tokens is every billed output token, reasoning included
 * (xAI counts reasoning apart from completion_tokens: it is added);
 * reasoning_tokens is the part of them that was reasoning. */
struct provider_usage {
	long input_tokens;
	long output_tokens;
	long cache_read_tokens;
	long cache_write_tokens;
	long reasoning_tokens;
};

/* to += u, field by field. */
void provider_usage_add(struct provider_usage *to, const struct provider_usage *u);

enum provider_error {
	PROVIDER_OK,
	PROVIDER_ERR_CONNECT,		/* could not reach the server */
	PROVIDER_ERR_TIMEOUT,		/* connect, idle or total timeout */
	PROVIDER_ERR_AUTH,		/* 401/403 */
	PROVIDER_ERR_NOT_FOUND,		/* 404: usually the model */
	PROVIDER_ERR_CONTEXT,		/* the conversation is too long */
	PROVIDER_ERR_BAD_REQUEST,	/* other 4xx */
	PROVIDER_ERR_RATE_LIMIT,	/* 429 */
	PROVIDER_ERR_OVERLOADED,	/* 529, overloaded_error */
	PROVIDER_ERR_SERVER,		/* 5xx, an error event in the stream */
	PROVIDER_ERR_STREAM,		/* the stream ended before it finished */
	PROVIDER_ERR_PROTOCOL,		/* bytes that are not the protocol */
	PROVIDER_ERR_CANCELLED,		/* the user interrupted */
};

/* One tool call of the answer.  `arguments` is the raw text the model
 * sent; when it is not a JSON object (or was cut off), `malformed` is set
 * and `problem` says why: the loop must answer with an error result and
 * never run the call. */
struct provider_call {
	char *id;
	char *name;
	char *arguments;
	int malformed;
	char *problem;
};

struct provider_reply {
	struct strbuf text;		/* the answer's text */
	struct strbuf reasoning;	/* the model's reasoning, as shown (never part of text) */
	/* blocks that go back with the answer, in the order they came:
	 * thinking (signed or not), redacted thinking, a server's own tool
	 * blocks (conv.h) */
	struct conv_msg blocks;
	struct provider_call *calls;
	size_t calls_nr, calls_alloc;
	struct provider_usage usage;	/* summed over attempts that billed */
	char *stop_reason;		/* end_turn, tool_use, max_tokens, refusal, stop_sequence, ... */
	/* what the user should be told of how the answer ended (a content
	 * filter that stopped it), or NULL */
	char *notice;
	int attempts;
	long status;			/* last HTTP status */
	double cost;			/* from the price, when one was given */
	long first_byte_ms;		/* latency to the first text or call */
	long total_ms;
	enum provider_error error;
};

enum provider_event_type {
	PROVIDER_EV_TEXT,	/* text, len */
	PROVIDER_EV_REASONING,	/* text, len: reasoning, shown apart from the answer */
	PROVIDER_EV_TOOL_START,	/* index, id, name */
	PROVIDER_EV_TOOL_DONE,	/* index, id, name, arguments, malformed, problem */
	PROVIDER_EV_USAGE,	/* usage */
	PROVIDER_EV_STOP,	/* stop_reason */
	PROVIDER_EV_RETRY,	/* attempt (the one that failed), wait_ms, reason */
	PROVIDER_EV_DISCARD,	/* the text shown since the last retry is void */
	PROVIDER_EV_ERROR,	/* reason: the final failure */
};

struct provider_event {
	enum provider_event_type type;
	const char *text;
	size_t len;
	size_t index;
	const char *id;
	const char *name;
	const char *arguments;
	int malformed;
	const char *problem;
	const struct provider_usage *usage;
	const char *stop_reason;
	int attempt;
	long wait_ms;
	const char *reason;
};

typedef void (*provider_event_fn)(void *ud, const struct provider_event *ev);

void provider_reply_init(struct provider_reply *r);
void provider_reply_release(struct provider_reply *r);
/* Forgets what an attempt produced (text, calls, stop reason): a retry
 * starts the answer again.  Usage and timings stay. */
void provider_reply_reset(struct provider_reply *r);

/* Appends the reply as an assistant message (text, then tool_use blocks;
 * a malformed call's raw arguments are kept for the history). */
void provider_reply_to_msg(const struct provider_reply *r, struct conv_msg *m);

double provider_cost(const struct provider_price *p,
		     const struct provider_usage *u);

struct decoder;
struct sse_event;

/* One wire protocol. */
struct wire {
	const char *name;		/* "openai", "anthropic" */
	/* The pieces a provider_cache keeps, each appended to out. */
	void (*encode_system)(unsigned quirks, const char *system, struct strbuf *out);
	void (*encode_msg)(unsigned quirks, const struct conv_msg *m, struct strbuf *out);
	void (*encode_tools)(unsigned quirks, const struct conv_tool *t, size_t n,
			     struct strbuf *out);
	/* The body around them. */
	void (*encode_body)(const struct provider_config *cfg,
			    const struct provider_request *req,
			    const struct provider_cache *c, struct strbuf *out);
	/* Where the body goes (appended to the base URL) and the headers
	 * that authenticate it. */
	void (*url)(const struct provider_config *cfg, const char *model, const char *base,
		    size_t n, struct strbuf *out);
	void (*headers)(const struct provider_config *cfg, struct strvec *h);
	/* One event of the stream: 0, or -1 to stop reading. */
	int (*decode)(struct decoder *d, const struct sse_event *ev);
	size_t state_size;		/* the decoder's per-stream state for this protocol */
	void (*state_release)(void *state);	/* what it holds; may be NULL */
	/* A tool call the stream never closed was cut off (Anthropic closes
	 * each block; OpenAI closes none). */
	int calls_close;
};

extern const struct wire wire_openai, wire_anthropic, wire_responses, wire_azure;

/* The protocol of api. */
const struct wire *wire_for(enum provider_api api);

/* "Authorization: Bearer KEY" when there is a key (OpenAI's protocols). */
void wire_bearer_headers(const struct provider_config *cfg, struct strvec *h);

/* Appends a JSON value, compact, consuming it (for the encoders). */
void encode_json(json_t *v, struct strbuf *out);
/* Appends an array's items joined with commas (one conversation message
 * as several protocol messages or items), consuming the array. */
void encode_json_items(json_t *arr, struct strbuf *out);

/* Whether the request's extra_body sets key (then the encoder leaves its
 * own out), and its keys appended as ,"key":value (before the body's
 * closing brace). */
int wire_extra_has(const struct provider_request *req, const char *key);
void wire_extra_append(const struct provider_request *req, struct strbuf *out);

/* A tool call id as 9 letters and digits, the same for the same id
 * (QUIRK_SHORT_TOOL_IDS: Mistral refuses any other); out holds 10 bytes. */
void wire_short_id(const char *id, char out[10]);

#endif
