/*
 * compact: the context window.  See loop_int.h and docs/context.md.
 *
 * Before each request the loop estimates how many tokens it will take:
 * what the server reported for the previous request (the whole prompt,
 * cached or not, and the answer) plus characters / 4 of what was added
 * since.  Past the threshold (80% of the window unless --compact-at
 * says), or when the server says the prompt is too long, the
 * conversation is compacted:
 *
 *   1. elision: old tool results (all but the latest turns) are replaced,
 *      oldest first, by a one-line stub that says what they were and how
 *      to get them again, until the context is under half the window;
 *   2. only when that is not enough, a summary: the model writes one with
 *      a dedicated prompt (in chunks when the history is larger than its
 *      window), and the new context is the summary (with the plan and the
 *      user's current request) followed by the latest turns.
 *
 * The compacted view replaces the conversation (a new generation: the
 * provider's cache encodes it afresh); the record keeps everything
 * (record_compaction).
 */
#include "loop/loop_int.h"

#include "core/clock.h"
#include "core/log.h"
#include "core/xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHARS_PER_TOKEN 4
#define IMAGE_TOKENS ((size_t)1600)
#define DEFAULT_COMPACT_AT 80
/* After a compaction the context should be under this share of the window. */
#define TARGET_PCT 15
/* Elision keeps the latest messages whole, up to this share of the
 * window (at least the last two). */
#define KEEP_RECENT_PCT 8
/* Tool results shorter than this are not worth a stub. */
#define STUB_MIN_CHARS 600
/* What a summary request may hold of one tool result. */
#define SUMMARY_RESULT_HEAD 3000
#define SUMMARY_RESULT_TAIL 1000

static const char summary_system[] =
	"You are summarising a coding agent's session so that it can continue with a much "
	"smaller context. Write a dense, factual summary in Markdown with these sections:\n"
	"## Goal: the user's task, constraints and preferences, in their words where it matters.\n"
	"## Decisions: what was decided and why.\n"
	"## Files: every file read, created or changed, with what matters about each.\n"
	"## Commands: commands run and their results (exit codes, failures, the numbers).\n"
	"## Facts: values, identifiers, names, paths, versions, error messages and anything "
	"else that must not be lost; copy them exactly.\n"
	"## Plan: what is done, what is in progress, what remains.\n"
	"Do not address the user, do not call tools, do not invent anything.";

static double thread_cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ---- the estimate ------------------------------------------------------------------- */

static size_t msg_chars(const struct conv_msg *m)
{
	size_t i, n = 16;

	for (i = 0; i < m->nr; i++) {
		const struct conv_block *b = &m->blocks[i];

		n += 24;
		if (b->type == CONV_IMAGE) {
			/* billed by its pixels, not its base64: about 1600
			 * tokens at the 1568-pixel edge archie sends at most */
			n += IMAGE_TOKENS * CHARS_PER_TOKEN;
			continue;
		}
		n += b->text ? strlen(b->text) : 0;
		n += b->id ? strlen(b->id) : 0;
		n += b->name ? strlen(b->name) : 0;
		n += b->input ? strlen(b->input) : 0;
	}
	return n;
}

static size_t tools_chars(struct loop *l)
{
	size_t i;

	if (l->tools_chars && l->tools_chars_gen == l->tools_gen)
		return l->tools_chars;
	l->tools_chars = 0;
	for (i = 0; i < l->tools_nr; i++) {
		char *s = json_dumps(l->schemas[i].schema, JSON_COMPACT);

		l->tools_chars += strlen(l->schemas[i].name) + 40 +
				  (l->schemas[i].description ? strlen(l->schemas[i].description) : 0) +
				  (s ? strlen(s) : 0);
		free(s);
	}
	l->tools_chars_gen = l->tools_gen;
	return l->tools_chars;
}

/* What every request carries whatever the conversation: the system
 * prompt and the tools. */
static long base_tokens(struct loop *l)
{
	return (long)(((l->conv.system ? strlen(l->conv.system) : 0) + tools_chars(l)) /
		      CHARS_PER_TOKEN);
}

/* The room the conversation has, past the system prompt and tools. */
static long room(struct loop *l)
{
	long r = l->limits.context - base_tokens(l);

	return r > 1000 ? r : 1000;
}

static long conv_tokens(struct loop *l, const struct conv *c)
{
	size_t i, chars = (c->system ? strlen(c->system) : 0) + tools_chars(l);

	for (i = 0; i < c->nr; i++)
		chars += msg_chars(&c->msgs[i]);
	return (long)(chars / CHARS_PER_TOKEN);
}

long context_estimate(struct loop *l)
{
	size_t i, chars = 0;

	if (!l->ctx_reported || l->ctx_reported_nr > l->conv.nr)
		return conv_tokens(l, &l->conv);
	for (i = l->ctx_reported_nr; i < l->conv.nr; i++)
		chars += msg_chars(&l->conv.msgs[i]);
	return l->ctx_reported + (long)(chars / CHARS_PER_TOKEN);
}

void context_reported(struct loop *l, const struct provider_usage *u)
{
	long n = u->input_tokens + u->cache_read_tokens + u->cache_write_tokens +
		 u->output_tokens;

	/* a server that reports nothing leaves the estimate to characters,
	 * and so does one that reports more than the window: a request that
	 * succeeded fit, so that is a sum over the server's own tool
	 * iterations (Anthropic's web search), not the prompt */
	l->ctx_reported = n > 0 && n <= l->limits.context ? n : 0;
	l->ctx_reported_nr = l->conv.nr;
}

void loop_context(struct loop *l, long *used, long *window)
{
	*used = context_estimate(l);
	*window = l->limits.context;
}

/* ---- elision -------------------------------------------------------------------------- */

/* The call a result answers: its tool's name and arguments, or NULL. */
static const struct conv_block *call_of(const struct conv *c, size_t upto, const char *id)
{
	size_t i, k;

	for (i = upto; i-- > 0;)
		for (k = 0; k < c->msgs[i].nr; k++)
			if (c->msgs[i].blocks[k].type == CONV_TOOL_USE && c->msgs[i].blocks[k].id &&
			    !strcmp(c->msgs[i].blocks[k].id, id))
				return &c->msgs[i].blocks[k];
	return NULL;
}

/* What a call was, briefly: "Read src/app.py", "Bash `make test`". */
static void describe(const struct conv_block *use, struct strbuf *out)
{
	static const char *const keys[] = { "path", "file_path", "command", "pattern", "url",
					    "query", "prompt" };
	json_error_t jerr;
	json_t *args;
	size_t i;

	if (!use) {
		strbuf_addstr(out, "a tool result");
		return;
	}
	strbuf_addstr(out, use->name);
	args = json_loads(use->input ? use->input : "{}", 0, &jerr);
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		const char *v = json_string_value(json_object_get(args, keys[i]));

		if (v) {
			strbuf_addf(out, " %.120s%s", v, strlen(v) > 120 ? "..." : "");
			break;
		}
	}
	json_decref(args);
}

static size_t count_lines(const char *s)
{
	size_t n = *s ? 1 : 0;

	for (; *s; s++)
		n += *s == '\n' && s[1];
	return n;
}

void loop_context_report(struct loop *l, struct strbuf *out)
{
	struct { size_t chars; size_t msg; const char *id; } top[5];
	size_t i, k, n = 0, conv_chars = 0, results = 0;
	long used = context_estimate(l), window = l->limits.context;

	memset(top, 0, sizeof(top));
	for (i = 0; i < l->conv.nr; i++) {
		conv_chars += msg_chars(&l->conv.msgs[i]);
		for (k = 0; k < l->conv.msgs[i].nr; k++) {
			const struct conv_block *b = &l->conv.msgs[i].blocks[k];
			size_t len = b->type == CONV_TOOL_RESULT ? strlen(b->text) : 0, j;

			if (!len)
				continue;
			results++;
			for (j = 0; j < ARRAY_SIZE(top); j++)
				if (len > top[j].chars) {
					memmove(&top[j + 1], &top[j], (ARRAY_SIZE(top) - j - 1) * sizeof(*top));
					top[j].chars = len;
					top[j].msg = i;
					top[j].id = b->id;
					n += n < ARRAY_SIZE(top);
					break;
				}
		}
	}
	strbuf_addf(out, "context: about %ld tokens of %ld (%ld%%; the window is %s); compaction at %d%%\n",
		    used, window, window > 0 ? used * 100 / window : 0,
		    !strcmp(l->limits.how, "config") ? "configured"
		    : !strcmp(l->limits.how, "built-in") ? "the model family's" : "a guess: set context: in config.yaml",
		    l->o.compact_at > 0 ? l->o.compact_at : DEFAULT_COMPACT_AT);
	strbuf_addf(out, "  system prompt and memory files  %7zu tokens\n",
		    (l->conv.system ? strlen(l->conv.system) : 0) / CHARS_PER_TOKEN);
	strbuf_addf(out, "  tools (%zu)                      %7zu tokens\n", l->tools_nr,
		    tools_chars(l) / CHARS_PER_TOKEN);
	strbuf_addf(out, "  conversation (%zu messages)      %7zu tokens, %zu tool results\n",
		    l->conv.nr, conv_chars / CHARS_PER_TOKEN, results);
	for (i = 0; i < n; i++) {
		const struct conv_block *use = call_of(&l->conv, top[i].msg, top[i].id);
		struct strbuf d = STRBUF_INIT;

		describe(use, &d);
		strbuf_addf(out, "    %7zu tokens  %s\n", top[i].chars / CHARS_PER_TOKEN, d.buf);
		strbuf_release(&d);
	}
	if (l->compactions)
		strbuf_addf(out, "  compacted %d time%s this session\n", l->compactions,
			    l->compactions == 1 ? "" : "s");
}

/* Copies m into c, its long tool results replaced by stubs when elide. */
static size_t copy_msg(const struct conv *from, size_t at, int elide, long *saved,
		       long want, struct conv *c)
{
	const struct conv_msg *m = &from->msgs[at];
	struct conv_msg *to = conv_add_msg(c, m->role);
	size_t i, stubbed = 0;

	for (i = 0; i < m->nr; i++) {
		const struct conv_block *b = &m->blocks[i];
		size_t len = b->text ? strlen(b->text) : 0;

		switch (b->type) {
		case CONV_TEXT:
			conv_add_text(to, b->text, len);
			break;
		case CONV_TOOL_USE:
			conv_add_tool_use(to, b->id, b->name, b->input);
			break;
		case CONV_THINKING:
			conv_add_thinking(to, b->text, len, b->signature);
			break;
		case CONV_REDACTED_THINKING:
			conv_add_redacted_thinking(to, b->text);
			break;
		case CONV_OPAQUE:
			conv_add_opaque(to, b->input);
			break;
		case CONV_IMAGE:
			/* an old image is the first thing elision lets go */
			if (elide && *saved < want) {
				static const char note[] =
					"[an image, elided to make room in the context; read it again if you need it]";

				conv_add_text(to, note, sizeof(note) - 1);
				*saved += (long)(len / CHARS_PER_TOKEN);
			} else {
				conv_add_image(to, b->name, b->text);
			}
			break;
		case CONV_TOOL_RESULT:
			if (elide && len >= STUB_MIN_CHARS && *saved < want) {
				struct strbuf stub = STRBUF_INIT_CAP(1024);
				const struct conv_block *use = call_of(from, at, b->id);

				strbuf_addch(&stub, '[');
				describe(use, &stub);
				strbuf_addf(&stub, ": %zu lines, %zu characters, elided to make room in the context; %s it again if you need it]",
					    count_lines(b->text), len,
					    use && !strcmp(use->name, "Read") ? "read" : "run");
				conv_add_tool_result(to, b->id, stub.buf, b->is_error);
				*saved += (long)((len - stub.len) / CHARS_PER_TOKEN);
				strbuf_release(&stub);
				stubbed++;
			} else {
				conv_add_tool_result(to, b->id, b->text, b->is_error);
			}
			break;
		}
	}
	return stubbed;
}

/* c: the conversation with old tool results elided, oldest first, until
 * about want tokens were saved.  Returns how many were. */
static size_t elide(struct loop *l, long want, struct conv *c)
{
	size_t i, stubbed = 0, keep_from = l->conv.nr;
	long saved = 0, kept = 0;

	while (keep_from > 0) {
		kept += (long)(msg_chars(&l->conv.msgs[keep_from - 1]) / CHARS_PER_TOKEN);
		if (l->conv.nr - keep_from >= 2 && kept > room(l) * KEEP_RECENT_PCT / 100)
			break;
		keep_from--;
	}
	conv_init(c);
	conv_set_system(c, l->conv.system);
	for (i = 0; i < l->conv.nr; i++)
		stubbed += copy_msg(&l->conv, i, i < keep_from, &saved, want, c);
	return stubbed;
}

/* ---- the summary -------------------------------------------------------------------------- */

/* The messages from..to as a transcript for the summary request. */
static void transcript(const struct conv *c, size_t from, size_t to, struct strbuf *out)
{
	size_t i, k;

	for (i = from; i < to; i++) {
		const struct conv_msg *m = &c->msgs[i];

		for (k = 0; k < m->nr; k++) {
			const struct conv_block *b = &m->blocks[k];
			size_t len = b->text ? strlen(b->text) : 0;

			if (b->type == CONV_THINKING || b->type == CONV_REDACTED_THINKING ||
			    b->type == CONV_OPAQUE || b->type == CONV_IMAGE) {
				continue;	/* reasoning and server blocks: the text says what came of them */
			} else if (b->type == CONV_TEXT) {
				strbuf_addf(out, "%s: ", m->role == CONV_USER ? "USER" : "ASSISTANT");
				strbuf_add(out, b->text, len);
			} else if (b->type == CONV_TOOL_USE) {
				strbuf_addf(out, "ASSISTANT called %s %.2000s", b->name, b->input);
			} else if (len > SUMMARY_RESULT_HEAD + SUMMARY_RESULT_TAIL) {
				strbuf_addf(out, "RESULT%s (%zu characters, the middle left out):\n",
					    b->is_error ? " (error)" : "", len);
				strbuf_add(out, b->text, SUMMARY_RESULT_HEAD);
				strbuf_addstr(out, "\n[...]\n");
				strbuf_add(out, b->text + len - SUMMARY_RESULT_TAIL, SUMMARY_RESULT_TAIL);
			} else {
				strbuf_addf(out, "RESULT%s: ", b->is_error ? " (error)" : "");
				strbuf_add(out, b->text, len);
			}
			strbuf_addch(out, '\n');
		}
	}
	strbuf_utf8_trim_partial(out);
}

int loop_side_request(struct loop *l, struct conv *c, long max_tokens, long long sent_at,
		      struct provider_reply *reply, struct strbuf *err)
{
	struct provider_request req;
	struct provider_hooks hooks;
	int rc;

	memset(&req, 0, sizeof(req));
	req.conv = c;
	req.model = l->model.id;
	req.max_tokens = max_tokens;
	if (l->model.model)
		req.extra_body = l->model.model->extra_body;
	memset(&hooks, 0, sizeof(hooks));
	hooks.cancel = l->o.cancel;
	rc = provider_send(&l->pcfg, &req, l->has_price ? &l->price : NULL, &hooks, NULL, NULL,
			   reply, err);
	provider_usage_add(&l->usage, &reply->usage);
	l->cost += reply->cost;
	record_model(l, reply, sent_at, rc ? "error" : "ok", rc ? err->buf : NULL);
	return rc;
}

/* One summary request: the previous summary (if any) and part of the
 * transcript.  0 with the summary in out, or -1 with err. */
static int summary_request(struct loop *l, const char *previous, const char *part,
			   const char *focus, struct strbuf *out, struct strbuf *err)
{
	struct provider_reply reply;
	struct strbuf prompt = STRBUF_INIT_CAP((size_t)64 << 20);
	struct conv c;
	long long sent_at = clock_wall_ms();
	int rc;

	conv_init(&c);
	conv_set_system(&c, summary_system);
	strbuf_addstr(&prompt, "<archie-compaction-request>\n");
	if (focus && *focus)
		strbuf_addf(&prompt, "The user asks that the summary keep: %s\n\n", focus);
	if (previous && *previous)
		strbuf_addf(&prompt, "The summary of the session before this part:\n<summary>\n%s\n</summary>\n\n",
			    previous);
	strbuf_addf(&prompt, "The session%s:\n<transcript>\n%s</transcript>\n\nWrite the summary%s.",
		    previous && *previous ? " since then" : "", part,
		    previous && *previous ? ", covering the earlier summary and this part" : "");
	conv_add_text(conv_add_msg(&c, CONV_USER), prompt.buf, prompt.len);
	provider_reply_init(&reply);
	rc = loop_side_request(l, &c, l->limits.max_output < 8192 ? l->limits.max_output : 8192,
			       sent_at, &reply, err);
	if (!rc && !reply.text.len)
		rc = strbuf_seterr(err, "the model wrote an empty summary");
	if (!rc)
		strbuf_add(out, reply.text.buf, reply.text.len);
	provider_reply_release(&reply);
	conv_release(&c);
	strbuf_release(&prompt);
	return rc;
}

/* Where the kept tail starts: an assistant message (so every tool result
 * after it has its call), the latest messages up to about a quarter of the
 * window.  c->nr if none is kept. */
static size_t tail_start(struct loop *l, const struct conv *c)
{
	long budget = room(l) * KEEP_RECENT_PCT / 100, used = 0;
	size_t i, start = c->nr;

	for (i = c->nr; i-- > 1;) {
		used += (long)(msg_chars(&c->msgs[i]) / CHARS_PER_TOKEN);
		if (used > budget)
			break;
		if (c->msgs[i].role == CONV_ASSISTANT)
			start = i;
	}
	return start;
}

/* The user's current request: the latest user message with text. */
static const char *current_request(const struct conv *c)
{
	size_t i, k;

	for (i = c->nr; i-- > 0;)
		if (c->msgs[i].role == CONV_USER)
			for (k = 0; k < c->msgs[i].nr; k++)
				if (c->msgs[i].blocks[k].type == CONV_TEXT &&
				    *c->msgs[i].blocks[k].text)
					return c->msgs[i].blocks[k].text;
	return NULL;
}

/* Summarises src (all but its kept tail) into summary, in chunks that
 * each fit the window.  0, or -1 with err. */
static int summarise(struct loop *l, const struct conv *src, size_t tail, const char *focus,
		     struct strbuf *summary, struct strbuf *err)
{
	struct strbuf all = STRBUF_INIT_CAP((size_t)256 << 20), prev = STRBUF_INIT_CAP((size_t)16 << 20);
	size_t chunk = (size_t)(l->limits.context - l->limits.max_output) * CHARS_PER_TOKEN * 7 / 10;
	size_t off = 0;
	int rc = 0;

	transcript(src, 0, tail, &all);
	if (chunk < 4096)
		chunk = 4096;
	while (!rc && off < all.len) {
		size_t n = all.len - off < chunk ? all.len - off : chunk;
		char *part = xmemdupz(all.buf + off, n);

		strbuf_reset(summary);
		rc = summary_request(l, prev.buf, part, focus, summary, err);
		free(part);
		strbuf_reset(&prev);
		strbuf_add(&prev, summary->buf, summary->len);
		off += n;
	}
	strbuf_release(&all);
	strbuf_release(&prev);
	return rc;
}

/* The summarised view: the summary, the plan and the current request as
 * one user message, then the kept tail of src. */
static void summary_view(struct loop *l, const struct conv *src, size_t tail,
			 const char *summary, struct conv *out)
{
	struct strbuf t = STRBUF_INIT_CAP((size_t)16 << 20);
	const char *req = current_request(src);
	size_t i;
	long saved = 0;

	strbuf_addf(&t, "[archie: the conversation so far was compacted to fit the context window; this is its summary]\n<summary>\n%s\n</summary>\n",
		    summary);
	if (l->todos.nr) {
		strbuf_addstr(&t, "<plan>\n");
		todo_list_render(&l->todos, &t);
		strbuf_addstr(&t, "</plan>\n");
	}
	if (req)
		strbuf_addf(&t, "The user's current request:\n<request>\n%s\n</request>\n", req);
	strbuf_addstr(&t, tail < src->nr ? "The latest turns follow." : "Continue the work.");
	conv_init(out);
	conv_set_system(out, src->system);
	conv_add_text(conv_add_msg(out, CONV_USER), t.buf, t.len);
	for (i = tail; i < src->nr; i++)
		copy_msg(src, i, 0, &saved, 0, out);
	strbuf_release(&t);
}

/* ---- compaction ------------------------------------------------------------------------ */

static void announce(struct loop *l, const struct loop_compaction *c)
{
	struct strbuf msg = STRBUF_INIT;

	if (l->o.ui.compaction) {
		l->o.ui.compaction(l->o.ui.ud, c);
		return;
	}
	strbuf_addf(&msg, "compacted the conversation: about %ld → %ld tokens of %ld (%s",
		    c->before, c->after, c->window,
		    !strcmp(c->how, "summary") ? "summarised" : "old tool results elided");
	if (c->stubbed && !strcmp(c->how, "summary"))
		strbuf_addf(&msg, ", %zu tool results elided first", c->stubbed);
	else if (c->stubbed)
		strbuf_addf(&msg, ": %zu", c->stubbed);
	strbuf_addch(&msg, ')');
	if (l->o.ui.notice)
		l->o.ui.notice(l->o.ui.ud, msg.buf);
	else
		log_info("loop", "%s", msg.buf);
	strbuf_release(&msg);
}

int compact_maybe(struct loop *l, int force, const char *focus, struct strbuf *err)
{
	int pct = l->o.compact_at ? l->o.compact_at : DEFAULT_COMPACT_AT;
	long window = l->limits.context, before, target;
	struct loop_compaction info;
	struct strbuf summary = STRBUF_INIT_CAP((size_t)16 << 20);
	struct conv next;
	size_t stubbed;
	double cpu0 = thread_cpu_ms();

	if (!force && (pct < 0 || window <= 0))
		return 0;
	before = context_estimate(l);
	if (!force && before * 100 <= window * pct)
		return 0;
	if (force == 1 && before < window) {
		/* the server's window is smaller than the one configured (or
		 * the estimate is low): believe the server from now on */
		struct strbuf msg = STRBUF_INIT;

		l->limits.context = window = before - before / 10;
		strbuf_addf(&msg, "the server refused a prompt of about %ld tokens: its context window is smaller than the %ld archie assumed; using %ld for this session (set the model's context: in config.yaml)",
			    before, l->limits.context * 10 / 9, window);
		if (l->o.ui.notice)
			l->o.ui.notice(l->o.ui.ud, msg.buf);
		strbuf_release(&msg);
	}
	target = base_tokens(l) + room(l) * TARGET_PCT / 100;
	memset(&info, 0, sizeof(info));
	info.before = before;
	info.window = window;
	info.why = force == 2 ? "user" : force ? "context_exceeded" : "threshold";
	stubbed = elide(l, before - target, &next);
	info.after = conv_tokens(l, &next);
	info.how = "elided";
	info.stubbed = stubbed;
	if (info.after > target || force == 2) {
		size_t tail = tail_start(l, &next);

		if (summarise(l, &next, tail, focus, &summary, err)) {
			/* the summary failed: elision alone, if it did anything */
			if (!stubbed || force == 2) {
				conv_release(&next);
				strbuf_release(&summary);
				return -1;
			}
		} else {
			struct conv view;

			summary_view(l, &next, tail, summary.buf, &view);
			conv_release(&next);
			next = view;
			info.how = "summary";
			info.after = conv_tokens(l, &next);
		}
	}
	strbuf_release(&summary);
	/* what was recorded of the old view stays; the new one follows it */
	record_messages(l, 0);
	conv_release(&l->conv);
	l->conv = next;
	l->ctx_reported = 0;
	l->compactions++;
	record_compaction(l, info.before, info.after, info.how, info.stubbed);
	announce(l, &info);
	/* archie's own time: this thread's CPU (waiting for the model's
	 * summary and for the disk is not) */
	log_debug("loop", "compaction: %ld -> %ld tokens (%s) in %.2f ms of archie's CPU",
		  info.before, info.after, info.how, thread_cpu_ms() - cpu0);
	return 1;
}

int loop_compact(struct loop *l, const char *focus, struct strbuf *err)
{
	if (!l->conv.nr)
		return strbuf_seterr(err, "there is nothing to compact yet");
	return compact_maybe(l, 2, focus, err) < 0 ? -1 : 0;
}
