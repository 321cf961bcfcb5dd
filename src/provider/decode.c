/*
 * decode: the part of stream decoding both protocols share.  See decode.h.
 */
#include "provider/decode.h"

#include "core/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Tool-call arguments larger than this are refused as malformed: no real
 * call needs them, and a runaway model must not grow memory unbounded. */
#define CALL_ARGS_MAX ((size_t)8 << 20)

void decoder_init(struct decoder *d, const struct wire *w,
		  struct provider_reply *reply, provider_event_fn cb, void *ud)
{
	memset(d, 0, sizeof(*d));
	d->wire = w;
	d->proto = w->state_size ? xcalloc(1, w->state_size) : NULL;
	d->reply = reply;
	d->cb = cb;
	d->ud = ud;
	strbuf_init(&d->errmsg, 4096);
}

static void call_release(struct decode_call *c)
{
	strbuf_release(&c->id);
	strbuf_release(&c->name);
	strbuf_release(&c->args);
}

void decoder_release(struct decoder *d)
{
	size_t i;

	for (i = 0; i < d->calls_nr; i++)
		call_release(&d->calls[i]);
	free(d->calls);
	if (d->proto && d->wire->state_release)
		d->wire->state_release(d->proto);
	free(d->proto);
	d->proto = NULL;
	strbuf_release(&d->errmsg);
	d->calls = NULL;
	d->calls_nr = d->calls_alloc = 0;
}

static void emit(struct decoder *d, const struct provider_event *ev)
{
	if (d->cb)
		d->cb(d->ud, ev);
}

/* Streamed text of one kind: kept in the reply, told to the caller. */
static void streamed(struct decoder *d, enum provider_event_type type, struct strbuf *into,
		     const char *text, size_t len)
{
	struct provider_event ev;

	if (!len)
		return;
	d->saw_content = 1;
	strbuf_add(into, text, len);
	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.text = text;
	ev.len = len;
	emit(d, &ev);
}

void decoder_reasoning(struct decoder *d, const char *text, size_t len)
{
	streamed(d, PROVIDER_EV_REASONING, &d->reply->reasoning, text, len);
}

void decoder_thinking(struct decoder *d, const char *text, size_t len, const char *signature)
{
	d->thinking_blocks = 1;
	d->saw_content = 1;
	conv_add_thinking(&d->reply->blocks, text, len, signature);
}

void decoder_opaque_block(struct decoder *d, int redacted, const char *text)
{
	d->saw_content = 1;
	if (redacted) {
		d->thinking_blocks = 1;
		conv_add_redacted_thinking(&d->reply->blocks, text);
	} else {
		conv_add_opaque(&d->reply->blocks, text);
	}
}

void decoder_text(struct decoder *d, const char *text, size_t len)
{
	streamed(d, PROVIDER_EV_TEXT, &d->reply->text, text, len);
}

struct decode_call *decoder_new_call(struct decoder *d, int index)
{
	struct decode_call *c;

	ALLOC_GROW(d->calls, d->calls_nr + 1, d->calls_alloc);
	c = &d->calls[d->calls_nr++];
	memset(c, 0, sizeof(*c));
	c->index = index;
	strbuf_init(&c->id, 1024);
	strbuf_init(&c->name, 1024);
	strbuf_init(&c->args, CALL_ARGS_MAX);
	d->saw_content = 1;
	return c;
}

struct decode_call *decoder_call_at(struct decoder *d, int index)
{
	size_t i;

	for (i = d->calls_nr; i-- > 0;)
		if (d->calls[i].index == index)
			return &d->calls[i];
	return NULL;
}

void decoder_call_started(struct decoder *d, struct decode_call *c)
{
	struct provider_event ev;

	if (c->started || !c->name.len)
		return;
	c->started = 1;
	memset(&ev, 0, sizeof(ev));
	ev.type = PROVIDER_EV_TOOL_START;
	ev.index = (size_t)(c - d->calls);
	ev.id = c->id.buf;
	ev.name = c->name.buf;
	emit(d, &ev);
}

/* Normalises each protocol's stop reason to archie's (Anthropic's words). */
void decoder_set_stop(struct decoder *d, const char *raw)
{
	static const struct { const char *from, *to; } map[] = {
		{ "stop", "end_turn" },
		{ "tool_calls", "tool_use" },
		{ "function_call", "tool_use" },
		{ "length", "max_tokens" },
		{ "content_filter", "refusal" },
		{ "eos", "end_turn" },
	};
	const char *to = raw;
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(*map); i++)
		if (!strcmp(raw, map[i].from))
			to = map[i].to;
	free(d->reply->stop_reason);
	d->reply->stop_reason = xstrdup(to);
}

void decoder_fail(struct decoder *d, enum provider_error e, int retryable,
		  const char *fmt, ...)
{
	va_list ap;

	if (d->error)
		return;		/* the first failure is the cause */
	d->error = e;
	d->retryable = retryable;
	strbuf_reset(&d->errmsg);
	va_start(ap, fmt);
	strbuf_vaddf(&d->errmsg, fmt, ap);
	va_end(ap);
}

void decoder_usage(struct decoder *d)
{
	struct provider_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = PROVIDER_EV_USAGE;
	ev.usage = &d->reply->usage;
	emit(d, &ev);
}

int decoder_event(struct decoder *d, const struct sse_event *ev)
{
	return d->wire->decode(d, ev);
}

/* Checks one finished call's arguments and moves it into the reply. */
static void finish_call(struct decoder *d, struct decode_call *c, size_t n,
			int cut_off)
{
	struct provider_reply *r = d->reply;
	struct provider_call *pc;
	struct provider_event ev;
	struct strbuf problem = STRBUF_INIT;
	json_error_t jerr;
	json_t *j;

	ALLOC_GROW(r->calls, r->calls_nr + 1, r->calls_alloc);
	pc = &r->calls[r->calls_nr++];
	memset(pc, 0, sizeof(*pc));
	if (!c->id.len) {
		/* Some servers send no id at all; the conversation needs one
		 * to pair the result with the call. */
		strbuf_addf(&c->id, "call_archie_%zu_%lx", n, (unsigned long)time(NULL));
	}
	pc->id = xstrdup(c->id.buf);
	pc->name = xstrdup(c->name.buf);

	/* An empty argument string means a call without arguments: both
	 * Anthropic (input_json_delta "") and OpenAI-compatible servers
	 * send that for tools that take none. */
	if (!c->args.len && !cut_off) {
		pc->arguments = xstrdup("{}");
	} else {
		pc->arguments = xmemdupz(c->args.buf, c->args.len);
		if (c->args.truncated) {
			strbuf_addf(&problem, "the arguments are larger than %zu bytes",
				    CALL_ARGS_MAX);
		} else if (cut_off) {
			strbuf_addstr(&problem, "the arguments were cut off before they were complete (the response ended");
			if (r->stop_reason && !strcmp(r->stop_reason, "max_tokens"))
				strbuf_addstr(&problem, " at the max_tokens limit");
			strbuf_addch(&problem, ')');
		} else if (!(j = json_loadb(c->args.buf, c->args.len, 0, &jerr))) {
			strbuf_addf(&problem, "the arguments are not valid JSON: %s at position %d",
				    jerr.text, jerr.position);
		} else {
			if (!json_is_object(j))
				strbuf_addstr(&problem, "the arguments must be a JSON object");
			json_decref(j);
		}
	}
	if (!pc->name[0])
		strbuf_addstr(&problem, problem.len ? "; and the call has no tool name"
						    : "the call has no tool name");
	if (problem.len) {
		pc->malformed = 1;
		pc->problem = strbuf_detach(&problem, NULL);
	}
	strbuf_release(&problem);

	decoder_call_started(d, c);
	memset(&ev, 0, sizeof(ev));
	ev.type = PROVIDER_EV_TOOL_DONE;
	ev.index = n;
	ev.id = pc->id;
	ev.name = pc->name;
	ev.arguments = pc->arguments;
	ev.malformed = pc->malformed;
	ev.problem = pc->problem;
	emit(d, &ev);
}

int decoder_finish(struct decoder *d)
{
	struct provider_event ev;
	size_t i;
	int cut = !d->done;

	if (cut && !d->error)
		decoder_fail(d, PROVIDER_ERR_STREAM, 1,
			     "the response stream ended before the server finished it");
	/* A failed attempt's calls are not kept: it will be retried or
	 * reported, and a half call must never run. */
	if (d->error)
		return -1;
	for (i = 0; i < d->calls_nr; i++) {
		struct decode_call *c = &d->calls[i];

		/* A tool block the stream never closed (in a protocol that
		 * closes them) was cut off, e.g. by max_tokens, even though
		 * the end of the message came. */
		finish_call(d, c, i, d->wire->calls_close && !c->closed);
	}
	/* an OpenAI-compatible server's reasoning goes back with the answer
	 * as one unsigned thinking block (DeepSeek wants it in tool loops) */
	if (d->reply->reasoning.len && !d->thinking_blocks) {
		struct conv_msg first;

		memset(&first, 0, sizeof(first));
		conv_add_thinking(&first, d->reply->reasoning.buf, d->reply->reasoning.len, NULL);
		for (i = 0; i < d->reply->blocks.nr; i++) {
			ALLOC_GROW(first.blocks, first.nr + 1, first.alloc);
			first.blocks[first.nr++] = d->reply->blocks.blocks[i];
		}
		free(d->reply->blocks.blocks);
		d->reply->blocks = first;
	}
	if (!d->reply->stop_reason)
		decoder_set_stop(d, d->calls_nr ? "tool_use" : "end_turn");
	memset(&ev, 0, sizeof(ev));
	ev.type = PROVIDER_EV_STOP;
	ev.stop_reason = d->reply->stop_reason;
	emit(d, &ev);
	return 0;
}

void decoder_notice(struct decoder *d, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	if (d->reply->notice)
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	d->reply->notice = strbuf_detach(&sb, NULL);
}

void decode_filter_flags(json_t *results, struct strbuf *out)
{
	const char *cat;
	json_t *r;
	size_t start = out->len;

	json_object_foreach(results, cat, r) {
		const char *sev = json_string_value(json_object_get(r, "severity"));

		if (!json_is_true(json_object_get(r, "filtered")))
			continue;
		strbuf_addf(out, "%s%s", out->len > start ? ", " : "", cat);
		if (sev && strcmp(sev, "safe"))
			strbuf_addf(out, " (%s)", sev);
	}
}

json_t *decoder_json(struct decoder *d, const struct sse_event *ev)
{
	json_error_t jerr;
	json_t *j = json_loadb(ev->data, ev->data_len, 0, &jerr);

	if (!j)
		decoder_fail(d, PROVIDER_ERR_PROTOCOL, 1,
			     "the server sent an event that is not JSON (%s)", jerr.text);
	return j;
}
