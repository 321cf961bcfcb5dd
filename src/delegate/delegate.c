/*
 * delegate: subagents in threads, routing before the first turn, and the
 * bounds a parent puts on its children.  See delegate.h.
 */
#include "delegate/delegate.h"

#include "agent/agent.h"
#include "agent/registry.h"
#include "agent/routing.h"
#include "core/cancel.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "loop/loop.h"
#include "provider/http.h"
#include "store/store.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Calls into the main loop's UI come from many threads: one at a time. */
static pthread_mutex_t ui_lock = PTHREAD_MUTEX_INITIALIZER;
/* Ancestors' policies are read by children while siblings may add
 * session approvals to them. */
static pthread_mutex_t policy_lock = PTHREAD_MUTEX_INITIALIZER;

/* How often a waiting parent passes cancellation and deadlines on. */
#define WATCH_MS 20

void delegate_task_init(struct delegate_task *t, const char *via, const char *id,
			const char *agent, const char *description, const char *prompt)
{
	memset(t, 0, sizeof(*t));
	t->via = via;
	t->id = xstrdup(id ? id : "");
	t->agent = xstrdup(agent ? agent : "");
	t->description = xstrdup_or_null(description);
	t->prompt = xstrdup(prompt ? prompt : "");
	strbuf_init(&t->result, (size_t)1 << 20);
	t->outcome = "error";
}

void delegate_task_release(struct delegate_task *t)
{
	free(t->id);
	free(t->agent);
	free(t->description);
	free(t->prompt);
	free(t->agent_name);
	free(t->session);
	strbuf_release(&t->result);
	memset(t, 0, sizeof(*t));
}

static int max_parallel(const struct loop *l)
{
	return l->o.delegation.max_parallel > 0 ? l->o.delegation.max_parallel
						: DELEGATE_MAX_PARALLEL;
}

static int max_depth(const struct loop *l)
{
	return l->o.delegation.max_depth > 0 ? l->o.delegation.max_depth : DELEGATE_MAX_DEPTH;
}

/* ---- finding agents ------------------------------------------------------------ */

/* a and b equal ignoring case and '-' vs '_'. */
static int loose_equal(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		int x = *a == '_' ? '-' : tolower((unsigned char)*a);
		int y = *b == '_' ? '-' : tolower((unsigned char)*b);

		if (x != y)
			return 0;
	}
	return !*a && !*b;
}

const struct agent *delegate_find_agent(const struct agent_registry *reg, const char *ref)
{
	struct strbuf name = STRBUF_INIT_CAP(256);
	const struct agent *a;
	size_t i;

	if (!reg || !ref)
		return NULL;
	a = agent_registry_find(reg, ref);
	if (a)
		return a;
	routing_ref_name(ref, strlen(ref), &name);
	a = name.len ? agent_registry_find(reg, name.buf) : NULL;
	for (i = 0; !a && name.len && i < reg->nr; i++)
		if (loose_equal(reg->entries[i].agent->name, name.buf))
			a = reg->entries[i].agent;
	strbuf_release(&name);
	return a;
}

void delegate_list_agents(const struct loop *l, struct strbuf *out)
{
	const struct agent_registry *reg = l->o.agents;
	size_t i;

	for (i = 0; reg && i < reg->nr; i++) {
		const struct agent *a = reg->entries[i].agent;

		/* primary agents are for users to pick, not to delegate to */
		if (a->mode == AGENT_MODE_PRIMARY || a == l->o.agent)
			continue;
		strbuf_addf(out, "\n- %s: ", a->name);
		agent_short_description(a, 200, out);
	}
}

/* ---- the child's UI: progress to the main loop's UI, one call at a time ---- */

struct run;

struct child {
	struct delegate_task *task;
	struct loop *parent;
	const struct agent *agent;
	const struct loop_ui *root;	/* the main loop's UI */
	struct run *run;
	struct loop *loop;		/* while it runs */
	volatile sig_atomic_t cancel;
	long deadline;			/* monotonic ms; 0: none */
	int timed_out;
	long t0;
	pthread_t tid;
	int started;
};

struct run {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int running;
	size_t done;
};

static void emit(struct child *c, const char *kind, const char *tool, const char *args)
{
	struct loop_child_event ev;
	const struct loop *l = c->loop;

	if (!c->root->child)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.id = c->task->id;
	ev.agent = c->agent->name;
	ev.parent_agent = c->parent->o.agent->name;
	ev.depth = c->parent->o.depth + 1;
	ev.description = c->task->description;
	ev.tool = tool;
	ev.args = args;
	ev.ms = clock_ms() - c->t0;
	if (l) {
		ev.session = l->session_id;
		ev.turns = l->turns;
		ev.tool_calls = l->tool_calls;
		ev.input_tokens = l->usage.input_tokens;
		ev.output_tokens = l->usage.output_tokens;
		ev.cost = l->cost;
	} else {
		ev.session = c->task->session;
		ev.turns = c->task->turns;
		ev.tool_calls = c->task->tool_calls;
		ev.input_tokens = c->task->usage.input_tokens;
		ev.output_tokens = c->task->usage.output_tokens;
		ev.cost = c->task->cost;
	}
	if (!strcmp(kind, "end")) {
		ev.outcome = c->task->outcome;
		ev.error = c->task->is_error ? c->task->result.buf : NULL;
	}
	pthread_mutex_lock(&ui_lock);
	c->root->child(c->root->ud, &ev);
	pthread_mutex_unlock(&ui_lock);
}

static void child_tool_start(void *ud, const char *id, const char *name, const char *args)
{
	(void)id;
	emit(ud, "tool", name, args);
}

static void child_turn_end(void *ud, const struct provider_reply *r)
{
	(void)r;
	emit(ud, "turn", NULL, NULL);
}

static enum policy_verdict child_approve(void *ud, const char *agent, const char *name,
					 const char *args, const char *why, int *always,
					 struct strbuf *reason)
{
	struct child *c = ud;
	enum policy_verdict v;

	pthread_mutex_lock(&ui_lock);
	v = c->root->approve(c->root->ud, agent, name, args, why, always, reason);
	pthread_mutex_unlock(&ui_lock);
	return v;
}

static void child_notice(void *ud, const char *msg)
{
	struct child *c = ud;

	if (!c->root->notice)
		return;
	pthread_mutex_lock(&ui_lock);
	c->root->notice(c->root->ud, msg);
	pthread_mutex_unlock(&ui_lock);
}

/* ---- one child ------------------------------------------------------------------- */

static void usage_line(const struct child *c, const struct loop *l, const char *stop,
		       struct strbuf *out)
{
	struct delegate_task *t = c->task;
	size_t i;

	strbuf_addf(out, "\n\n[subagent %s: %s%s%d turn%s, %d tool call%s, %ld in / %ld out tokens",
		    c->agent->name, stop ? stop : "done", stop ? "; " : " in ", l->turns,
		    l->turns == 1 ? "" : "s", l->tool_calls, l->tool_calls == 1 ? "" : "s",
		    l->usage.input_tokens, l->usage.output_tokens);
	if (l->has_price)
		strbuf_addf(out, ", $%.4f", l->cost);
	strbuf_addf(out, ", %.1f s; session %.8s]", (double)t->ms / 1000, l->session_id);
	for (i = 0; i < l->denials_nr && i < 5; i++)
		strbuf_addf(out, "\n[denied to it: %s %.200s: %.300s]", l->denials[i].tool,
			    l->denials[i].arguments, l->denials[i].reason);
}

/* The child's report, or its failure, into its task. */
static void finish(struct child *c, struct loop *l, enum loop_exit ex, int rc,
		   const struct strbuf *err)
{
	struct delegate_task *t = c->task;
	char stop[160];

	t->ms = clock_ms() - c->t0;
	t->turns = l->turns;
	t->tool_calls = l->tool_calls;
	t->usage = l->usage;
	t->cost = l->cost;
	t->sub_runs = l->sub.runs;
	t->sub_usage = l->sub.usage;
	t->sub_cost = l->sub.cost;
	strbuf_reset(&t->result);
	if (c->timed_out) {
		t->outcome = "timeout";
		t->is_error = 1;
		strbuf_addf(&t->result, "error: subagent %s ran out of time (its timeout is %g min) and was stopped",
			    c->agent->name, c->agent->timeout_mins);
	} else if (ex == LOOP_INTERRUPTED) {
		t->outcome = "interrupted";
		t->is_error = 1;
		strbuf_addf(&t->result, "error: subagent %s was interrupted before it finished",
			    c->agent->name);
	} else if (rc || ex == LOOP_PROVIDER_ERROR) {
		t->outcome = "error";
		t->is_error = 1;
		strbuf_addf(&t->result, "error: subagent %s failed: %s", c->agent->name,
			    err->len ? err->buf : "unknown error");
	}
	if (t->is_error) {
		if (l->last_text.len) {
			strbuf_addstr(&t->result, "\nWhat it had written so far:\n");
			strbuf_add(&t->result, l->last_text.buf, l->last_text.len);
		}
		usage_line(c, l, "stopped", &t->result);
		return;
	}
	if (ex == LOOP_MAX_TURNS) {
		t->outcome = "max_turns";
		snprintf(stop, sizeof(stop), "stopped at its turn limit (%d), so the report may be incomplete",
			 l->o.max_turns);
	} else if (ex == LOOP_BUDGET) {
		t->outcome = "token_budget";
		snprintf(stop, sizeof(stop), "stopped at its token budget (%lld), so the report may be incomplete",
			 l->o.max_tokens_total);
	} else {
		t->outcome = "ok";
		stop[0] = 0;
	}
	if (l->last_text.len)
		strbuf_add(&t->result, l->last_text.buf, l->last_text.len);
	else
		strbuf_addstr(&t->result, "(the subagent gave no written answer)");
	usage_line(c, l, stop[0] ? stop : NULL, &t->result);
}

static void run_child(struct child *c)
{
	struct loop *parent = c->parent;
	struct delegate_task *t = c->task;
	struct strbuf err = STRBUF_INIT, inherit = STRBUF_INIT, model_note = STRBUF_INIT;
	struct loop_opts o = parent->o;
	struct store st;
	struct loop *l = xcalloc(1, sizeof(*l));
	enum loop_exit ex = LOOP_DONE;
	int rc, have_store = 0;

	strbuf_addf(&inherit, "%s/%s", parent->model.provider->name, parent->model.id);
	o.agent = c->agent;
	o.model = NULL;
	o.inherit_model = inherit.buf;
	o.max_turns = c->agent->max_turns > 0 ? (int)c->agent->max_turns
		    : parent->o.delegation.max_turns > 0 ? parent->o.delegation.max_turns
		    : DELEGATE_MAX_TURNS;
	o.max_tokens_total = parent->o.delegation.max_tokens > 0 ? parent->o.delegation.max_tokens
							       : DELEGATE_MAX_TOKENS;
	o.cancel = &c->cancel;
	o.depth = parent->o.depth + 1;
	o.parent = parent;
	o.root_ui = c->root;
	o.parent_session = parent->stored ? parent->session_id : NULL;
	o.parent_agent = parent->o.agent->name;
	memset(&o.ui, 0, sizeof(o.ui));
	o.ui.tool_start = child_tool_start;
	o.ui.turn_end = child_turn_end;
	o.ui.approve = c->root->approve ? child_approve : NULL;
	o.ui.notice = child_notice;
	o.ui.ud = c;
	o.store = NULL;
	if (parent->o.store) {
		struct strbuf serr = STRBUF_INIT;

		if (!store_open_sibling(&st, parent->o.store, &serr)) {
			have_store = 1;
			o.store = &st;
		} else {
			log_warn("delegate", "subagent %s will not be recorded: %s", c->agent->name,
				 serr.buf);
		}
		strbuf_release(&serr);
	}
	rc = loop_init(l, &o, &err);
	if (rc && c->agent->model) {
		/* a model this configuration does not have (an agent file
		 * written for another runtime): the parent's, with a note */
		strbuf_addf(&model_note, "[note: its model '%s' is not available here (%s); it used %s]\n\n",
			    c->agent->model, err.buf, inherit.buf);
		loop_release(l);
		strbuf_reset(&err);
		o.model = inherit.buf;
		rc = loop_init(l, &o, &err);
	}
	if (rc) {
		t->outcome = "error";
		t->is_error = 1;
		strbuf_addf(&t->result, "error: subagent %s could not start: %s", c->agent->name, err.buf);
		t->ms = clock_ms() - c->t0;
		emit(c, "end", NULL, NULL);
		goto out;
	}
	t->session = xstrdup(l->session_id);
	c->loop = l;
	emit(c, "start", NULL, NULL);
	strbuf_reset(&err);
	rc = loop_run(l, t->prompt, &ex, &err);
	finish(c, l, ex, rc, &err);
	if (model_note.len) {
		strbuf_add(&model_note, t->result.buf, t->result.len);
		strbuf_reset(&t->result);
		strbuf_add(&t->result, model_note.buf, model_note.len);
	}
	c->loop = NULL;
	emit(c, "end", NULL, NULL);
out:
	loop_release(l);
	free(l);
	if (have_store)
		store_close(&st);
	strbuf_release(&err);
	strbuf_release(&inherit);
	strbuf_release(&model_note);
}

static void *child_main(void *arg)
{
	struct child *c = arg;
	struct run *r = c->run;

	run_child(c);
	http_thread_cleanup();
	pthread_mutex_lock(&r->mu);
	r->running--;
	r->done++;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

/* Checks a task before it gets a thread: its agent exists, the depth
 * allows it.  0, or -1 with the task's error result set. */
static int vet_task(struct loop *parent, struct child *c)
{
	struct delegate_task *t = c->task;
	const struct agent_registry *reg = parent->o.agents;

	if (parent->o.depth + 1 > max_depth(parent)) {
		t->outcome = "denied";
		strbuf_addf(&t->result, "error: the delegation depth limit (%d) is reached: %s is itself a subagent at depth %d, so it cannot start another; do this work yourself (the limit is delegation.max_depth in config.yaml)",
			    max_depth(parent), parent->o.agent->name, parent->o.depth);
		t->is_error = 1;
		return -1;
	}
	c->agent = delegate_find_agent(reg, t->agent);
	if (!c->agent) {
		t->outcome = "denied";
		t->is_error = 1;
		strbuf_addf(&t->result, "error: there is no agent named '%s'; the agents you can delegate to are:",
			    t->agent);
		delegate_list_agents(parent, &t->result);
		return -1;
	}
	t->agent_name = xstrdup(c->agent->name);
	return 0;
}

static void record_delegation(struct loop *parent, const struct delegate_task *t)
{
	struct store_event ev;
	struct strbuf rule = STRBUF_INIT;
	json_t *detail;

	loop_event_init(parent, &ev, STORE_EV_DELEGATE, t->started);
	ev.duration_ms = t->ms;
	ev.tool = t->via;
	ev.call_id = t->id;
	ev.outcome = t->outcome;
	ev.bytes = (long long)t->result.len;
	strbuf_addf(&rule, "%s -> %s (%s)", parent->o.agent->name,
		    t->agent_name ? t->agent_name : t->agent, t->via);
	ev.rule = rule.buf;
	if (t->is_error)
		ev.error = t->result.buf;
	/* (the token columns are the model events'; the child's own are in
	 * its session, its totals here) */
	detail = json_pack("{s:s, s:s, s:i, s:i, s:i, s:I, s:I, s:f, s:s}", "asked", t->agent,
			   "agent", t->agent_name ? t->agent_name : "", "depth",
			   parent->o.depth + 1, "turns", t->turns, "tool_calls", t->tool_calls,
			   "input_tokens", (json_int_t)t->usage.input_tokens,
			   "output_tokens", (json_int_t)t->usage.output_tokens, "cost", t->cost,
			   "prompt", t->prompt);
	if (t->session)
		json_object_set_new(detail, "session", json_string(t->session));
	if (t->description)
		json_object_set_new(detail, "description", json_string(t->description));
	ev.detail = detail;
	loop_record_event(parent, &ev);
	json_decref(detail);
	strbuf_release(&rule);
}

void delegate_run(struct loop *parent, struct delegate_task *tasks, size_t n)
{
	struct child *kids = xcalloc(n ? n : 1, sizeof(*kids));
	const struct loop_ui *root = parent->o.root_ui ? parent->o.root_ui : &parent->o.ui;
	struct run r;
	size_t next = 0, i;
	int limit = max_parallel(parent);

	memset(&r, 0, sizeof(r));
	pthread_mutex_init(&r.mu, NULL);
	pthread_cond_init(&r.cv, NULL);
	pthread_mutex_lock(&r.mu);
	while (r.done < n) {
		while (r.running < limit && next < n) {
			struct child *c = &kids[next];

			c->task = &tasks[next];
			c->parent = parent;
			c->root = root;
			c->run = &r;
			c->t0 = clock_ms();
			c->task->started = clock_wall_ms();
			next++;
			if (vet_task(parent, c)) {
				r.done++;
				continue;
			}
			if (c->agent->timeout_mins > 0)
				c->deadline = c->t0 + (long)(c->agent->timeout_mins * 60000);
			if (cancel_requested(parent->o.cancel))
				cancel_set(&c->cancel);
			if (pthread_create(&c->tid, NULL, child_main, c)) {
				c->task->is_error = 1;
				strbuf_addf(&c->task->result, "error: subagent %s could not start: %s",
					    c->agent->name, strerror(errno));
				r.done++;
				continue;
			}
			c->started = 1;
			r.running++;
		}
		if (r.done >= n)
			break;
		{
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += WATCH_MS * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&r.cv, &r.mu, &ts);
		}
		/* cancellation reaches every child; deadlines stop one */
		for (i = 0; i < next; i++) {
			struct child *c = &kids[i];

			if (!c->started)
				continue;
			if (cancel_requested(parent->o.cancel))
				cancel_set(&c->cancel);
			if (c->deadline && clock_ms() > c->deadline && !cancel_requested(&c->cancel)) {
				c->timed_out = 1;
				cancel_set(&c->cancel);
			}
		}
	}
	pthread_mutex_unlock(&r.mu);
	for (i = 0; i < n; i++)
		if (kids[i].started)
			pthread_join(kids[i].tid, NULL);
	pthread_cond_destroy(&r.cv);
	pthread_mutex_destroy(&r.mu);
	for (i = 0; i < n; i++) {
		const struct delegate_task *t = &tasks[i];

		record_delegation(parent, t);
		/* the session's totals include its subagents', apart */
		parent->sub.runs += (t->session ? 1 : 0) + t->sub_runs;
		parent->sub.usage.input_tokens += t->usage.input_tokens + t->sub_usage.input_tokens;
		parent->sub.usage.output_tokens += t->usage.output_tokens + t->sub_usage.output_tokens;
		parent->sub.usage.cache_read_tokens += t->usage.cache_read_tokens +
						       t->sub_usage.cache_read_tokens;
		parent->sub.usage.cache_write_tokens += t->usage.cache_write_tokens +
							t->sub_usage.cache_write_tokens;
		parent->sub.cost += t->cost + t->sub_cost;
	}
	free(kids);
}

/* ---- routing ------------------------------------------------------------------------ */

static void join_keywords(const struct strvec *kw, struct strbuf *out)
{
	size_t k;

	for (k = 0; k < kw->nr; k++)
		strbuf_addf(out, "%s%s", k ? ", " : "", kw->v[k]);
}

static void record_route(struct loop *l, const struct routing_result *hits,
			 const struct strvec *missing, enum agent_routing mode,
			 const char *outcome)
{
	struct store_event ev;
	struct strbuf rule = STRBUF_INIT;
	json_t *detail = json_object(), *m = json_array();
	size_t i;

	for (i = 0; i < hits->nr; i++) {
		strbuf_addf(&rule, "%s%s <- ", i ? "; " : "", hits->v[i].agent);
		join_keywords(&hits->v[i].keywords, &rule);
		json_array_append_new(m, json_pack("{s:s, s:o}", "agent", hits->v[i].agent,
						   "keywords", json_array()));
		{
			json_t *kw = json_object_get(json_array_get(m, i), "keywords");
			size_t k;

			for (k = 0; k < hits->v[i].keywords.nr; k++)
				json_array_append_new(kw, json_string(hits->v[i].keywords.v[k]));
		}
	}
	json_object_set_new(detail, "mode", json_string(routing_mode_name(mode)));
	json_object_set_new(detail, "matches", m);
	m = json_array();
	for (i = 0; i < missing->nr; i++)
		json_array_append_new(m, json_string(missing->v[i]));
	json_object_set_new(detail, "missing_agents", m);
	loop_event_init(l, &ev, STORE_EV_ROUTE, clock_wall_ms());
	ev.tool = "routing";
	ev.rule = rule.buf;
	ev.outcome = outcome;
	ev.detail = detail;
	loop_record_event(l, &ev);
	json_decref(detail);
	strbuf_release(&rule);
}

/* Routes to agents that do not exist, reported once per session. */
static void report_missing(struct loop *l, const struct strvec *missing)
{
	struct strbuf msg = STRBUF_INIT;
	size_t i, k;

	if (l->routing_warned || !missing->nr)
		return;
	l->routing_warned = 1;
	strbuf_addf(&msg, "the routing table of %s (%s) names ", l->o.agent->name, l->o.agent->path);
	for (i = 0; i < missing->nr; i++) {
		const struct agent_route *r = NULL;

		for (k = 0; k < l->o.agent->routes_nr && !r; k++)
			if (!strcmp(l->o.agent->routes[k].agent, missing->v[i]))
				r = &l->o.agent->routes[k];
		strbuf_addf(&msg, "%s'%s'", i ? (i + 1 == missing->nr ? " and " : ", ") : "",
			    missing->v[i]);
		if (r && r->line)
			strbuf_addf(&msg, " (line %d)", r->line);
	}
	strbuf_addf(&msg, ", but there is no such agent, so prompts matching %s are not routed; add the agent file (e.g. .claude/agents/%s.md) or fix the table ('archie agents list' shows the agents)",
		    missing->nr == 1 ? "it" : "them", missing->v[0]);
	if (l->o.ui.notice)
		l->o.ui.notice(l->o.ui.ud, msg.buf);
	else
		log_warn("routing", "%s", msg.buf);
	strbuf_release(&msg);
}

void delegate_route(struct loop *l, const char *prompt, struct strbuf *context)
{
	const struct agent *a = l->o.agent;
	enum agent_routing mode = l->o.delegation.routing != AGENT_ROUTING_DEFAULT
				  ? l->o.delegation.routing : routing_effective(a);
	struct routing_result res, hits;
	struct strvec missing = STRVEC_INIT;
	size_t i;

	if (mode == AGENT_ROUTING_OFF || mode == AGENT_ROUTING_DEFAULT || !a->routes_nr ||
	    !l->o.agents)
		return;
	routing_match(a, prompt, &res);
	memset(&hits, 0, sizeof(hits));
	for (i = 0; i < res.nr; i++) {
		const struct agent *to = delegate_find_agent(l->o.agents, res.v[i].agent);

		if (!to) {
			strvec_push(&missing, res.v[i].agent);
		} else if (to != a) {	/* an agent routing to itself: already here */
			ALLOC_GROW(hits.v, hits.nr + 1, hits.alloc);
			hits.v[hits.nr] = res.v[i];
			hits.v[hits.nr].agent = to->name;
			hits.nr++;
		}
	}
	report_missing(l, &missing);
	if (!hits.nr)
		goto out;
	if (mode == AGENT_ROUTING_AUTO && l->o.depth + 1 > max_depth(l))
		mode = AGENT_ROUTING_SUGGEST;	/* too deep to run them */
	if (mode == AGENT_ROUTING_SUGGEST) {
		record_route(l, &hits, &missing, mode, "suggested");
		strbuf_addstr(context, "[archie routing] This request matches specialists in your routing table: ");
		for (i = 0; i < hits.nr; i++) {
			strbuf_addf(context, "%s%s (", i ? "; " : "", hits.v[i].agent);
			join_keywords(&hits.v[i].keywords, context);
			strbuf_addch(context, ')');
		}
		strbuf_addstr(context, ". Consider delegating to them with the Task tool.");
		goto out;
	}
	record_route(l, &hits, &missing, mode, "auto");
	{
		struct delegate_task *tasks = xcalloc(hits.nr, sizeof(*tasks));
		struct strbuf p = STRBUF_INIT, id = STRBUF_INIT, kw = STRBUF_INIT;

		for (i = 0; i < hits.nr; i++) {
			strbuf_reset(&p);
			strbuf_reset(&id);
			strbuf_reset(&kw);
			join_keywords(&hits.v[i].keywords, &kw);
			strbuf_addf(&p, "You are consulted because this request mentions %s. The %s agent will build its answer on your report: investigate the repository as far as your area needs, cite paths, and report findings and concrete recommendations for your area only.\n\nThe request:\n\n%s",
				    kw.buf, a->name, prompt);
			strbuf_addf(&id, "route-%zu", i + 1);
			delegate_task_init(&tasks[i], "route", id.buf, hits.v[i].agent, kw.buf, p.buf);
		}
		delegate_run(l, tasks, hits.nr);
		strbuf_addstr(context, "[archie routing] Before your first turn, archie's routing table consulted these specialists on the request. Their reports are below: verify what matters, synthesise them into your answer rather than repeating them, and use Task again only for new questions.\n");
		for (i = 0; i < hits.nr; i++) {
			strbuf_reset(&kw);
			join_keywords(&hits.v[i].keywords, &kw);
			strbuf_addf(context, "\n<specialist-report agent=\"%s\" keywords=\"%s\" status=\"%s\">\n",
				    hits.v[i].agent, kw.buf, tasks[i].is_error ? "error" : "ok");
			strbuf_add(context, tasks[i].result.buf, tasks[i].result.len);
			strbuf_addstr(context, "\n</specialist-report>\n");
			delegate_task_release(&tasks[i]);
		}
		free(tasks);
		strbuf_release(&p);
		strbuf_release(&id);
		strbuf_release(&kw);
	}
out:
	free(hits.v);	/* its keyword lists belong to res */
	routing_result_release(&res);
	strvec_release(&missing);
}

/* ---- bounds ------------------------------------------------------------------------ */

enum policy_verdict delegate_bound(const struct loop *l, const char *tool, json_t *args,
				   struct policy_decision *d)
{
	const struct loop *up;

	pthread_mutex_lock(&policy_lock);
	for (up = l->o.parent; up; up = up->o.parent) {
		struct policy_decision pd;

		policy_decision_init(&pd);
		policy_decide(&up->policy, tool, args, l->o.cwd, &pd);
		if (pd.verdict > d->verdict || (pd.verdict == d->verdict && pd.raw > d->raw)) {
			struct strbuf why = STRBUF_INIT;

			strbuf_addf(&why, "its parent agent %s: %s", up->o.agent->name, pd.why);
			free(pd.why);
			pd.why = strbuf_detach(&why, NULL);
			policy_decision_release(d);
			*d = pd;
		} else {
			policy_decision_release(&pd);
		}
	}
	pthread_mutex_unlock(&policy_lock);
	return d->verdict;
}

void delegate_share_approvals(const struct loop *l, const struct strvec *approvals)
{
	struct strbuf err = STRBUF_INIT;
	struct loop *up;
	size_t i;

	pthread_mutex_lock(&policy_lock);
	for (up = l->o.parent; up; up = up->o.parent)
		for (i = 0; i < approvals->nr; i++)
			policy_add_rule(&up->policy, "session approvals", approvals->v[i],
					AGENT_ALLOW, &err);
	pthread_mutex_unlock(&policy_lock);
	strbuf_release(&err);
}
