/*
 * hosted: see hosted.h.
 */
#include "serve/hosted.h"

#include "cli/session.h"
#include "cli/streamjson.h"
#include "core/cancel.h"
#include "core/clock.h"
#include "core/xalloc.h"
#include "loop/loop.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct event {
	long long seq;
	char *line;			/* "id: N\ndata: JSON\n\n" */
	size_t len;
};

/* A question waiting for a client's answer: a call the policy asks about
 * (approval), or what an MCP server asks the user (elicitation). */
struct approval {
	long long id;
	int elicitation;
	int decided;
	enum policy_verdict verdict;
	int always;
	char *reason;
	const char *action;		/* elicitation: accept, decline, cancel */
	json_t *content;		/* ... and the answers with accept */
	struct approval *next;
};

struct hosted {
	struct streamjson sj;		/* its ud is the hosted session */
	struct session s;
	struct cli_ctx ctx;		/* the server's, with this session's strings */
	char *workspace, *agent, *model, *mode, *resume;
	volatile sig_atomic_t cancel;
	pthread_t thread;
	int thread_started;
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* events, prompts, answers, holds */
	/* under lock */
	struct event *evs;		/* a ring of HOSTED_EVENTS_MAX */
	size_t evs_first, evs_nr, evs_bytes;
	long long next_seq;
	char *prompt;			/* queued, not yet taken */
	int running, closing, holds;
	struct approval *approvals;
	long long next_approval;
	int prompts;
	int turns;			/* as the last result said */
	double cost;
	/* fixed once open (the loop's may change under it) */
	char *id, *agent_name, *provider_name, *model_id;
};

static void event_free(struct event *e)
{
	free(e->line);
	memset(e, 0, sizeof(*e));
}

/* Appends an event (under lock): the oldest go beyond the bounds. */
static void push_event(struct hosted *h, json_t *ev)
{
	char *data = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
	struct strbuf line = STRBUF_INIT;
	struct event *e;

	if (!data)
		return;
	strbuf_addf(&line, "id: %lld\ndata: %s\n\n", h->next_seq, data);
	free(data);
	while (h->evs_nr && (h->evs_nr == HOSTED_EVENTS_MAX ||
			     h->evs_bytes + line.len > HOSTED_EVENT_BYTES_MAX)) {
		e = &h->evs[h->evs_first];
		h->evs_bytes -= e->len;
		event_free(e);
		h->evs_first = (h->evs_first + 1) % HOSTED_EVENTS_MAX;
		h->evs_nr--;
	}
	e = &h->evs[(h->evs_first + h->evs_nr) % HOSTED_EVENTS_MAX];
	e->seq = h->next_seq++;
	e->len = line.len;
	e->line = strbuf_detach(&line, NULL);
	h->evs_nr++;
	h->evs_bytes += e->len;
	pthread_cond_broadcast(&h->cond);
}

/* streamjson's sink: every event of the loop (its thread, a subagent's). */
static void emit(void *ud, json_t *ev)
{
	struct hosted *h = ud;

	pthread_mutex_lock(&h->lock);
	/* the totals for hosted_info, which must not read the loop's while
	 * it runs */
	if (!strcmp(json_string_value(json_object_get(ev, "type")) ?: "", "result")) {
		/* the session's totals so far */
		h->turns = (int)json_integer_value(json_object_get(ev, "turns"));
		h->cost = json_number_value(json_object_get(ev, "cost")) +
			  json_number_value(json_object_get(json_object_get(ev, "subagents"), "cost"));
	}
	push_event(h, ev);
	pthread_mutex_unlock(&h->lock);
	json_decref(ev);
}

/* With the lock: ap (an event already pushed) waits for its answer, an
 * interruption or the session's end; 0 when answered, -1 when not. */
static int ask_wait(struct hosted *h, struct approval *ap)
{
	struct approval **pp;

	ap->next = h->approvals;
	h->approvals = ap;
	while (!ap->decided && !h->closing && !cancel_requested(&h->cancel))
		pthread_cond_wait(&h->cond, &h->lock);
	for (pp = &h->approvals; *pp; pp = &(*pp)->next)
		if (*pp == ap) {
			*pp = ap->next;
			break;
		}
	return ap->decided ? 0 : -1;
}

/* The policy asks: an "approval" event, then wait for the answer (or an
 * interruption, or the end: a denial). */
static enum policy_verdict approve(void *ud, const struct loop_approval *a, int *always,
				   struct strbuf *reason)
{
	struct hosted *h = ((struct streamjson *)ud)->ud;
	struct approval ap;
	json_t *ev, *rules = json_array(), *in;
	json_error_t jerr;
	size_t i;

	memset(&ap, 0, sizeof(ap));
	for (i = 0; a->always && i < a->always->nr; i++)
		json_array_append_new(rules, json_string(a->always->v[i]));
	in = json_loads(a->args ? a->args : "{}", 0, &jerr);
	pthread_mutex_lock(&h->lock);
	ap.id = ++h->next_approval;
	ev = json_pack("{s:s, s:I, s:s, s:b, s:s, s:o, s:s, s:o}", "type", "approval",
		       "approval_id", (json_int_t)ap.id, "agent", a->agent ? a->agent : "",
		       "subagent", a->subagent, "name", a->tool,
		       "input", in ? in : json_string(a->args ? a->args : ""),
		       "why", a->why ? a->why : "", "always", rules);
	push_event(h, ev);
	json_decref(ev);
	if (ask_wait(h, &ap)) {
		ap.verdict = POLICY_DENY;
		ap.reason = xstrdup(h->closing ? "the session was closed" : "interrupted");
	}
	pthread_mutex_unlock(&h->lock);
	*always = ap.always;
	if (ap.reason)
		strbuf_addstr(reason, ap.reason);
	free(ap.reason);
	return ap.verdict;
}

/* An MCP server asks the user: an "elicitation" event with its schema,
 * then the client's answer ("cancel" when none comes). */
static const char *elicit(void *ud, const char *server, const char *message, json_t *schema,
			  json_t **content)
{
	struct hosted *h = ((struct streamjson *)ud)->ud;
	struct approval ap;
	json_t *ev;

	memset(&ap, 0, sizeof(ap));
	ap.elicitation = 1;
	pthread_mutex_lock(&h->lock);
	ap.id = ++h->next_approval;
	ev = json_pack("{s:s, s:I, s:s, s:s, s:O}", "type", "elicitation",
		       "elicitation_id", (json_int_t)ap.id, "server", server ? server : "",
		       "message", message ? message : "", "schema", schema ? schema : json_object());
	push_event(h, ev);
	json_decref(ev);
	if (ask_wait(h, &ap))
		ap.action = "cancel";
	pthread_mutex_unlock(&h->lock);
	*content = ap.content;	/* the reference passes to the caller */
	return ap.action;
}

/* The question id waits, of the kind asked; NULL. With the lock. */
static struct approval *waiting(struct hosted *h, long long id, int elicitation)
{
	struct approval *ap;

	for (ap = h->approvals; ap && (ap->id != id || ap->elicitation != elicitation); ap = ap->next)
		;
	return ap && !ap->decided ? ap : NULL;
}

int hosted_elicit_answer(struct hosted *h, long long id, const char *action, json_t *content,
			 struct strbuf *err)
{
	struct approval *ap;
	json_t *ev;

	if (!action || (strcmp(action, "accept") && strcmp(action, "decline") &&
			strcmp(action, "cancel")))
		return strbuf_seterr(err, "action must be accept, decline or cancel");
	if (!strcmp(action, "accept") && !json_is_object(content))
		return strbuf_seterr(err, "accept needs content: an object of the answers the schema asks for");
	pthread_mutex_lock(&h->lock);
	if (!(ap = waiting(h, id, 1))) {
		pthread_mutex_unlock(&h->lock);
		return strbuf_seterr(err, "no elicitation %lld is waiting in this session", id);
	}
	ap->decided = 1;
	ap->action = !strcmp(action, "accept") ? "accept" : !strcmp(action, "decline") ? "decline"
										   : "cancel";
	if (!strcmp(action, "accept"))
		ap->content = json_deep_copy(content);
	ev = json_pack("{s:s, s:I, s:s}", "type", "elicitation_answer", "elicitation_id",
		       (json_int_t)id, "action", ap->action);
	push_event(h, ev);
	json_decref(ev);
	pthread_mutex_unlock(&h->lock);
	return 0;
}

int hosted_answer(struct hosted *h, long long id, const char *decision, const char *reason,
		  struct strbuf *err)
{
	struct approval *ap;
	json_t *ev;

	if (!decision || (strcmp(decision, "allow") && strcmp(decision, "deny") &&
			  strcmp(decision, "always")))
		return strbuf_seterr(err, "decision must be allow, always or deny");
	pthread_mutex_lock(&h->lock);
	if (!(ap = waiting(h, id, 0))) {
		pthread_mutex_unlock(&h->lock);
		return strbuf_seterr(err, "no approval %lld is waiting in this session", id);
	}
	ap->decided = 1;
	ap->verdict = strcmp(decision, "deny") ? POLICY_ALLOW : POLICY_DENY;
	ap->always = !strcmp(decision, "always");
	if (reason && *reason)
		ap->reason = xstrdup(reason);
	ev = json_pack("{s:s, s:I, s:s}", "type", "approval_answer", "approval_id",
		       (json_int_t)id, "decision", decision);
	push_event(h, ev);
	json_decref(ev);
	pthread_mutex_unlock(&h->lock);
	return 0;
}

/* The session's thread: each queued prompt, to its end. */
static void *run(void *arg)
{
	struct hosted *h = arg;

	pthread_mutex_lock(&h->lock);
	for (;;) {
		struct strbuf prompt = STRBUF_INIT, err = STRBUF_INIT;
		enum loop_exit ex = LOOP_DONE;
		long t0;
		char *p;

		while (!h->prompt && !h->closing)
			pthread_cond_wait(&h->cond, &h->lock);
		if (h->closing)
			break;
		p = h->prompt;
		h->prompt = NULL;
		h->running = 1;
		cancel_clear(&h->cancel);
		pthread_mutex_unlock(&h->lock);
		t0 = clock_ms();
		/* a custom command (/name args) or mentions (@server:uri) */
		if (session_prompt(&h->s, p, &prompt, &err) < 0) {
			ex = LOOP_PROVIDER_ERROR;
		} else {
			if (strchr(prompt.buf, '@')) {
				struct strbuf with = STRBUF_INIT;

				session_mentions(&h->s, prompt.buf, &with);
				strbuf_reset(&prompt);
				strbuf_add(&prompt, with.buf, with.len);
				strbuf_release(&with);
			}
			loop_run(h->s.loop, prompt.buf, &ex, &err);
			session_prompt_done(&h->s);
		}
		emit(h, streamjson_result(h->s.loop, ex, err.len ? err.buf : NULL, clock_ms() - t0));
		free(p);
		strbuf_release(&prompt);
		strbuf_release(&err);
		pthread_mutex_lock(&h->lock);
		h->running = 0;
		h->prompts++;
		pthread_cond_broadcast(&h->cond);
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

static char *dup_or_null(const char *s)
{
	return s && *s ? xstrdup(s) : NULL;
}

struct hosted *hosted_open(const struct cli_ctx *base, const struct hosted_spec *spec,
			   struct strbuf *err)
{
	struct hosted *h = xcalloc(1, sizeof(*h));
	struct loop_ui ui;

	h->workspace = xstrdup(spec->workspace);
	h->agent = dup_or_null(spec->agent);
	h->model = dup_or_null(spec->model);
	h->mode = dup_or_null(spec->permission_mode);
	h->resume = dup_or_null(spec->resume);
	h->ctx = *base;
	h->ctx.workspace = h->workspace;
	h->ctx.cancel = &h->cancel;
	h->ctx.hosted = 1;
	h->ctx.print = 1;
	h->ctx.prompt = NULL;
	if (h->agent)
		h->ctx.agent = h->agent;
	if (h->model)
		h->ctx.model = h->model;
	if (h->mode)
		h->ctx.permission_mode = h->mode;
	h->ctx.resume = h->resume;
	h->ctx.cont = 0;
	h->evs = xcalloc(HOSTED_EVENTS_MAX, sizeof(*h->evs));
	h->next_seq = 1;
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->cond, NULL);
	memset(&ui, 0, sizeof(ui));
	h->sj.emit = emit;
	h->sj.ud = h;
	streamjson_ui(&h->sj, &ui);
	/* questions wait for a client */
	ui.approve = approve;
	ui.elicit = elicit;
	if (session_open(&h->ctx, &h->s, &ui, err))
		goto fail;
	h->sj.s = &h->s;
	h->id = xstrdup(loop_session_id(h->s.loop));
	h->agent_name = xstrdup(loop_agent(h->s.loop)->name);
	h->provider_name = xstrdup(loop_provider_name(h->s.loop));
	h->model_id = xstrdup(loop_model_id(h->s.loop));
	if (pthread_create(&h->thread, NULL, run, h)) {
		strbuf_seterr(err, "cannot start the session's thread: %s", strerror(errno));
		goto fail;
	}
	h->thread_started = 1;
	return h;
fail:
	hosted_close(h);
	return NULL;
}

void hosted_close(struct hosted *h)
{
	size_t i;

	if (!h)
		return;
	pthread_mutex_lock(&h->lock);
	h->closing = 1;
	cancel_set(&h->cancel);
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
	if (h->thread_started)
		pthread_join(h->thread, NULL);
	/* readers see closing and leave; the last one out lets us free */
	pthread_mutex_lock(&h->lock);
	while (h->holds)
		pthread_cond_wait(&h->cond, &h->lock);
	pthread_mutex_unlock(&h->lock);
	session_close(&h->s);
	for (i = 0; i < h->evs_nr; i++)
		event_free(&h->evs[(h->evs_first + i) % HOSTED_EVENTS_MAX]);
	free(h->evs);
	free(h->prompt);
	pthread_mutex_destroy(&h->lock);
	pthread_cond_destroy(&h->cond);
	free(h->workspace);
	free(h->agent);
	free(h->model);
	free(h->mode);
	free(h->resume);
	free(h->id);
	free(h->agent_name);
	free(h->provider_name);
	free(h->model_id);
	free(h);
}

const char *hosted_id(const struct hosted *h)
{
	return h->id;
}

json_t *hosted_info(struct hosted *h)
{
	json_t *o;

	pthread_mutex_lock(&h->lock);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:f, s:I}",
		      "id", h->id, "agent", h->agent_name,
		      "provider", h->provider_name, "model", h->model_id,
		      "workspace", h->workspace,
		      "status", h->approvals ? "waiting" : h->running || h->prompt ? "running" : "idle",
		      "prompts", h->prompts, "turns", h->turns, "cost", h->cost,
		      "events", (json_int_t)(h->next_seq - 1));
	pthread_mutex_unlock(&h->lock);
	return o;
}

int hosted_prompt(struct hosted *h, const char *prompt, struct strbuf *err)
{
	int rc = 0;

	pthread_mutex_lock(&h->lock);
	if (h->closing)
		rc = strbuf_seterr(err, "the session is closing");
	else if (h->running || h->prompt)
		rc = strbuf_seterr(err, "a prompt is running in this session; wait for its result event, or interrupt it");
	else {
		h->prompt = xstrdup(prompt);
		pthread_cond_broadcast(&h->cond);
	}
	pthread_mutex_unlock(&h->lock);
	return rc;
}

int hosted_interrupt(struct hosted *h)
{
	int rc = 0;

	pthread_mutex_lock(&h->lock);
	if (!h->running && !h->prompt) {
		rc = -1;
	} else {
		cancel_set(&h->cancel);
		pthread_cond_broadcast(&h->cond);
	}
	pthread_mutex_unlock(&h->lock);
	return rc;
}

void hosted_hold(struct hosted *h)
{
	pthread_mutex_lock(&h->lock);
	h->holds++;
	pthread_mutex_unlock(&h->lock);
}

void hosted_unhold(struct hosted *h)
{
	pthread_mutex_lock(&h->lock);
	h->holds--;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
}

int hosted_read(struct hosted *h, long long *after, size_t max, long wait_ms,
		struct strbuf *out)
{
	long long first;
	size_t i;
	int open;

	pthread_mutex_lock(&h->lock);
	if (*after + 1 >= h->next_seq && !h->closing && wait_ms > 0) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += wait_ms / 1000;
		ts.tv_nsec += (wait_ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		while (*after + 1 >= h->next_seq && !h->closing)
			if (pthread_cond_timedwait(&h->cond, &h->lock, &ts) == ETIMEDOUT)
				break;
	}
	first = h->evs_nr ? h->evs[h->evs_first].seq : h->next_seq;
	if (*after + 1 < first) {
		strbuf_addf(out, "id: %lld\ndata: {\"type\":\"gap\",\"from\":%lld,\"to\":%lld}\n\n",
			    first - 1, *after + 1, first - 1);
		*after = first - 1;
	}
	for (i = 0; i < h->evs_nr; i++) {
		struct event *e = &h->evs[(h->evs_first + i) % HOSTED_EVENTS_MAX];

		if (e->seq <= *after)
			continue;
		if (out->len && out->len + e->len > max)
			break;
		strbuf_add(out, e->line, e->len);
		*after = e->seq;
	}
	open = !h->closing || *after + 1 < h->next_seq;
	pthread_mutex_unlock(&h->lock);
	return open;
}
