/*
 * provider: one interface to the model, over two wire protocols.
 *
 * The loop hands provider_send() a conversation, the tools' schemas, a model
 * and limits, and receives a stream of events (text as it arrives, tool
 * calls, usage, the stop reason, retries) and a final reply.  Whether the
 * bytes were OpenAI Chat Completions (OpenAI, Ollama, llama.cpp, vLLM,
 * OpenRouter, LM Studio...) or the Anthropic Messages API is the provider's
 * business: the loop never sees a wire format.
 *
 * Failures are classified (enum provider_error) and explained in words that
 * name the fix: which variable holds the key, which models are configured.
 * Transient ones (connection failures, 408, 409, 429, 5xx, 529, an
 * overloaded_error inside the stream, a stream cut short) are retried with
 * the server's retry-after or exponential backoff with jitter.
 *
 * Ownership: provider_send borrows everything it is given; the reply is the
 * caller's (provider_reply_init/release).  Event fields borrow the
 * provider's buffers and are valid only during the callback.
 */
#ifndef ARCHIE_PROVIDER_H
#define ARCHIE_PROVIDER_H

#include "core/strbuf.h"
#include "core/strvec.h"
#include "provider/conv.h"

#include <signal.h>
#include <stddef.h>

enum provider_api { PROVIDER_API_OPENAI, PROVIDER_API_ANTHROPIC };

struct provider_config {
	const char *name;		/* "anthropic", "ollama", ... */
	enum provider_api api;
	const char *base_url;		/* e.g. https://api.openai.com/v1 */
	const char *api_key;		/* NULL: no key sent (local servers) */
	const char *api_key_env;	/* named in messages: "set OPENAI_API_KEY" */
	const struct strvec *headers;	/* extra "Name: value" lines, may be NULL */
	int max_completion_tokens;	/* OpenAI reasoning models: send that key */
	int no_stream_usage;		/* omit stream_options.include_usage */
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
struct provider_cache {
	enum provider_api api;
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
};

/* Tokens of one response.  input_tokens is uncached input in both
 * protocols (OpenAI's prompt_tokens less its cached_tokens), so that
 * input + cache_read + cache_write is the whole prompt and each is priced
 * once. */
struct provider_usage {
	long input_tokens;
	long output_tokens;
	long cache_read_tokens;
	long cache_write_tokens;
};

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
	struct provider_call *calls;
	size_t calls_nr, calls_alloc;
	struct provider_usage usage;	/* summed over attempts that billed */
	char *stop_reason;		/* end_turn, tool_use, max_tokens, refusal, stop_sequence, ... */
	int attempts;
	long status;			/* last HTTP status */
	double cost;			/* from the price, when one was given */
	long first_byte_ms;		/* latency to the first text or call */
	long total_ms;
	enum provider_error error;
};

enum provider_event_type {
	PROVIDER_EV_TEXT,	/* text, len */
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

/* Hooks for tests and for the loop: a fake clock, a cancel flag. */
struct provider_hooks {
	/* Sleeps ms (NULL: nanosleep in small steps, watching *cancel). */
	void (*sleep_ms)(void *ud, long ms);
	/* Jitter source in [0, 1) (NULL: random). */
	double (*random)(void *ud);
	void *ud;
	/* Set by a SIGINT handler: the request stops promptly. */
	volatile sig_atomic_t *cancel;
};

void provider_reply_init(struct provider_reply *r);
void provider_reply_release(struct provider_reply *r);

/*
 * Sends the request, streaming events to cb (may be NULL).  Returns 0 with
 * the reply filled in, or -1 with reply->error set and err holding a
 * message that says what failed and what to do.
 */
int provider_send(const struct provider_config *cfg,
		  const struct provider_request *req,
		  const struct provider_price *price,
		  const struct provider_hooks *hooks,
		  provider_event_fn cb, void *ud,
		  struct provider_reply *reply, struct strbuf *err);

/* Appends the request body provider_send would POST. */
void provider_encode(const struct provider_config *cfg,
		     const struct provider_request *req, struct strbuf *out);

/* Appends the reply as an assistant message (text, then tool_use blocks;
 * a malformed call's raw arguments are kept for the history). */
void provider_reply_to_msg(const struct provider_reply *r, struct conv_msg *m);

const char *provider_error_name(enum provider_error e);
double provider_cost(const struct provider_price *p,
		     const struct provider_usage *u);

#endif
