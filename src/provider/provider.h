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
 * The request and reply types are in wire.h, with the table of wire
 * protocols: provider.c chooses the protocol once (wire_for) and never
 * looks at a wire format itself.
 *
 * Ownership: provider_send borrows everything it is given; the reply is the
 * caller's (provider_reply_init/release).  Event fields borrow the
 * provider's buffers and are valid only during the callback.
 */
#ifndef ARCHIE_PROVIDER_H
#define ARCHIE_PROVIDER_H

#include "core/strbuf.h"
#include "core/strvec.h"
#include "provider/wire.h"

#include <signal.h>
#include <stddef.h>

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


#endif
