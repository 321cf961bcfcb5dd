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
#include "provider/http.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

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

static int max_parallel(const struct delegate_parent *p)
{
	return p->max_parallel > 0 ? p->max_parallel : DELEGATE_MAX_PARALLEL;
}

int delegate_max_depth(const struct delegate_parent *p)
{
	return p->max_depth > 0 ? p->max_depth : DELEGATE_MAX_DEPTH;
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

void delegate_list_agents(const struct agent_registry *reg, const struct agent *self,
			  struct strbuf *out)
{
	size_t i;

	for (i = 0; reg && i < reg->nr; i++) {
		const struct agent *a = reg->entries[i].agent;

		/* primary agents are for users to pick, not to delegate to */
		if (a->mode == AGENT_MODE_PRIMARY || a == self)
			continue;
		strbuf_addf(out, "\n- %s: ", a->name);
		agent_short_description(a, 200, out);
	}
}

/* ---- running children ------------------------------------------------------------ */

struct run {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int running;
	size_t done;
};

struct worker {
	struct delegate_child c;
	const struct delegate_parent *parent;
	struct run *run;
	long deadline;			/* monotonic ms; 0: none */
	pthread_t tid;
	int started;
};

static void *child_main(void *arg)
{
	struct worker *w = arg;
	struct run *r = w->run;

	w->parent->run(w->parent->ud, &w->c);
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
static int vet_task(const struct delegate_parent *parent, struct delegate_child *c)
{
	struct delegate_task *t = c->task;
	const struct agent_registry *reg = parent->agents;

	if (parent->depth + 1 > delegate_max_depth(parent)) {
		t->outcome = "denied";
		strbuf_addf(&t->result, "error: the delegation depth limit (%d) is reached: %s is itself a subagent at depth %d, so it cannot start another; do this work yourself (the limit is delegation.max_depth in config.yaml)",
			    delegate_max_depth(parent), parent->agent->name, parent->depth);
		t->is_error = 1;
		return -1;
	}
	c->agent = delegate_find_agent(reg, t->agent);
	if (!c->agent) {
		t->outcome = "denied";
		t->is_error = 1;
		strbuf_addf(&t->result, "error: there is no agent named '%s'; the agents you can delegate to are:",
			    t->agent);
		delegate_list_agents(reg, parent->agent, &t->result);
		return -1;
	}
	t->agent_name = xstrdup(c->agent->name);
	return 0;
}

static void record_delegation(const struct delegate_parent *parent,
			      const struct delegate_task *t)
{
	struct store_event ev;
	struct strbuf rule = STRBUF_INIT;
	json_t *detail;

	parent->event_init(parent->ud, &ev, STORE_EV_DELEGATE, t->started);
	ev.duration_ms = t->ms;
	ev.tool = t->via;
	ev.call_id = t->id;
	ev.outcome = t->outcome;
	ev.bytes = (long long)t->result.len;
	strbuf_addf(&rule, "%s -> %s (%s)", parent->agent->name,
		    t->agent_name ? t->agent_name : t->agent, t->via);
	ev.rule = rule.buf;
	if (t->is_error)
		ev.error = t->result.buf;
	/* (the token columns are the model events'; the child's own are in
	 * its session, its totals here) */
	detail = json_pack("{s:s, s:s, s:i, s:i, s:i, s:I, s:I, s:f, s:s}", "asked", t->agent,
			   "agent", t->agent_name ? t->agent_name : "", "depth",
			   parent->depth + 1, "turns", t->turns, "tool_calls", t->tool_calls,
			   "input_tokens", (json_int_t)t->usage.input_tokens,
			   "output_tokens", (json_int_t)t->usage.output_tokens, "cost", t->cost,
			   "prompt", t->prompt);
	if (t->session)
		json_object_set_new(detail, "session", json_string(t->session));
	if (t->description)
		json_object_set_new(detail, "description", json_string(t->description));
	ev.detail = detail;
	parent->record(parent->ud, &ev);
	json_decref(detail);
	strbuf_release(&rule);
}

/* Waits for a child to end, WATCH_MS at most (r->mu held). */
static void wait_a_while(struct run *r)
{
	struct timespec ts;

	clock_deadline(&ts, WATCH_MS);
	pthread_cond_timedwait(&r->cv, &r->mu, &ts);
}

/* Starts worker w's child on a thread of its own, unless its task is
 * refused.  1 if it runs. */
static int start_worker(const struct delegate_parent *parent, struct worker *w)
{
	if (vet_task(parent, &w->c))
		return 0;
	if (w->c.agent->timeout_mins > 0)
		w->deadline = w->c.t0 + (long)(w->c.agent->timeout_mins * 60000);
	if (cancel_requested(parent->cancel))
		cancel_set(&w->c.cancel);
	if (pthread_create(&w->tid, NULL, child_main, w)) {
		w->c.task->is_error = 1;
		strbuf_addf(&w->c.task->result, "error: subagent %s could not start: %s",
			    w->c.agent->name, strerror(errno));
		return 0;
	}
	w->started = 1;
	return 1;
}

void delegate_run(const struct delegate_parent *parent, struct delegate_task *tasks, size_t n)
{
	struct worker *kids = xcalloc(n ? n : 1, sizeof(*kids));
	struct run r;
	size_t next = 0, i;
	int limit = max_parallel(parent);

	memset(&r, 0, sizeof(r));
	pthread_mutex_init(&r.mu, NULL);
	pthread_cond_init(&r.cv, NULL);
	pthread_mutex_lock(&r.mu);
	while (r.done < n) {
		while (r.running < limit && next < n) {
			struct worker *w = &kids[next];

			w->c.task = &tasks[next];
			w->parent = parent;
			w->run = &r;
			w->c.t0 = clock_ms();
			w->c.task->started = clock_wall_ms();
			next++;
			if (start_worker(parent, w))
				r.running++;
			else
				r.done++;
		}
		if (r.done >= n)
			break;
		wait_a_while(&r);
		/* cancellation reaches every child; deadlines stop one */
		for (i = 0; i < next; i++) {
			struct worker *w = &kids[i];

			if (!w->started)
				continue;
			if (cancel_requested(parent->cancel))
				cancel_set(&w->c.cancel);
			if (w->deadline && clock_ms() > w->deadline && !cancel_requested(&w->c.cancel)) {
				cancel_set(&w->c.timed_out);
				cancel_set(&w->c.cancel);
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
		record_delegation(parent, &tasks[i]);
		parent->done(parent->ud, &tasks[i]);
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

static void record_route(const struct delegate_parent *p, const struct routing_result *hits,
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
	json_object_set_new(detail, "mode", json_string(agent_routing_name(mode)));
	json_object_set_new(detail, "matches", m);
	m = json_array();
	for (i = 0; i < missing->nr; i++)
		json_array_append_new(m, json_string(missing->v[i]));
	json_object_set_new(detail, "missing_agents", m);
	p->event_init(p->ud, &ev, STORE_EV_ROUTE, clock_wall_ms());
	ev.tool = "routing";
	ev.rule = rule.buf;
	ev.outcome = outcome;
	ev.detail = detail;
	p->record(p->ud, &ev);
	json_decref(detail);
	strbuf_release(&rule);
}

/* Routes to agents that do not exist, reported once per session. */
static void report_missing(const struct delegate_parent *p, const struct strvec *missing)
{
	const struct agent *a = p->agent;
	struct strbuf msg = STRBUF_INIT;
	size_t i, k;

	if (*p->routing_warned || !missing->nr)
		return;
	*p->routing_warned = 1;
	strbuf_addf(&msg, "the routing table of %s (%s) names ", a->name, a->path);
	for (i = 0; i < missing->nr; i++) {
		const struct agent_route *r = NULL;

		for (k = 0; k < a->routes_nr && !r; k++)
			if (!strcmp(a->routes[k].agent, missing->v[i]))
				r = &a->routes[k];
		strbuf_addf(&msg, "%s'%s'", i ? (i + 1 == missing->nr ? " and " : ", ") : "",
			    missing->v[i]);
		if (r && r->line)
			strbuf_addf(&msg, " (line %d)", r->line);
	}
	strbuf_addf(&msg, ", but there is no such agent, so prompts matching %s are not routed; add the agent file (e.g. .claude/agents/%s.md) or fix the table ('archie agents list' shows the agents)",
		    missing->nr == 1 ? "it" : "them", missing->v[0]);
	if (p->notice)
		p->notice(p->ud, msg.buf);
	else
		log_warn("routing", "%s", msg.buf);
	strbuf_release(&msg);
}

/* `auto` routing: runs the matched specialists on the prompt, in
 * parallel, and appends their reports to context. */
static void run_routes(const struct delegate_parent *p, const struct routing_result *hits,
		       const char *prompt, struct strbuf *context)
{
	struct delegate_task *tasks = xcalloc(hits->nr, sizeof(*tasks));
	struct strbuf job = STRBUF_INIT, id = STRBUF_INIT, kw = STRBUF_INIT;
	size_t i;

	for (i = 0; i < hits->nr; i++) {
		strbuf_reset(&job);
		strbuf_reset(&id);
		strbuf_reset(&kw);
		join_keywords(&hits->v[i].keywords, &kw);
		strbuf_addf(&job, "You are consulted because this request mentions %s. The %s agent will build its answer on your report: investigate the repository as far as your area needs, cite paths, and report findings and concrete recommendations for your area only.\n\nThe request:\n\n%s",
			    kw.buf, p->agent->name, prompt);
		strbuf_addf(&id, "route-%zu", i + 1);
		delegate_task_init(&tasks[i], "route", id.buf, hits->v[i].agent, kw.buf, job.buf);
	}
	delegate_run(p, tasks, hits->nr);
	strbuf_addstr(context, "[archie routing] Before your first turn, archie's routing table consulted these specialists on the request. Their reports are below: verify what matters, synthesise them into your answer rather than repeating them, and use Task again only for new questions.\n");
	for (i = 0; i < hits->nr; i++) {
		strbuf_reset(&kw);
		join_keywords(&hits->v[i].keywords, &kw);
		strbuf_addf(context, "\n<specialist-report agent=\"%s\" keywords=\"%s\" status=\"%s\">\n",
			    hits->v[i].agent, kw.buf, tasks[i].is_error ? "error" : "ok");
		strbuf_add(context, tasks[i].result.buf, tasks[i].result.len);
		strbuf_addstr(context, "\n</specialist-report>\n");
		delegate_task_release(&tasks[i]);
	}
	free(tasks);
	strbuf_release(&job);
	strbuf_release(&id);
	strbuf_release(&kw);
}

/* Asks p->confirm which of hits run: the skipped ones are recorded
 * ("skipped") and taken out of hits.  -1 when none is left. */
static int confirm_routes(const struct delegate_parent *p, struct routing_result *hits,
			  const struct strvec *missing)
{
	struct delegate_route_choice *c = xcalloc(hits->nr, sizeof(*c));
	struct strvec kws = STRVEC_INIT;
	struct routing_result skipped;
	struct strbuf kw = STRBUF_INIT;
	size_t i, kept = 0;

	for (i = 0; i < hits->nr; i++) {
		strbuf_reset(&kw);
		join_keywords(&hits->v[i].keywords, &kw);
		strvec_push(&kws, kw.buf);
	}
	for (i = 0; i < hits->nr; i++) {
		c[i].agent = hits->v[i].agent;
		c[i].keywords = kws.v[i];
		c[i].run = 1;
	}
	p->confirm(p->ud, c, hits->nr);
	memset(&skipped, 0, sizeof(skipped));
	for (i = 0; i < hits->nr; i++) {
		if (c[i].run) {
			hits->v[kept++] = hits->v[i];
			continue;
		}
		ALLOC_GROW(skipped.v, skipped.nr + 1, skipped.alloc);
		skipped.v[skipped.nr++] = hits->v[i];
	}
	hits->nr = kept;
	if (skipped.nr)
		record_route(p, &skipped, missing, AGENT_ROUTING_AUTO, "skipped");
	free(skipped.v);	/* the entries' lists belong to the match */
	free(c);
	strvec_release(&kws);
	strbuf_release(&kw);
	return kept ? 0 : -1;
}

void delegate_route(const struct delegate_parent *p, const char *prompt, struct strbuf *context)
{
	const struct agent *a = p->agent;
	enum agent_routing mode = p->routing != AGENT_ROUTING_DEFAULT ? p->routing
								    : agent_routing_effective(a);
	struct routing_result res, hits;
	struct strvec missing = STRVEC_INIT;
	size_t i;

	if (mode == AGENT_ROUTING_OFF || mode == AGENT_ROUTING_DEFAULT || !a->routes_nr ||
	    !p->agents)
		return;
	{
		long long t0 = clock_ms();

		routing_match(a, prompt, &res);
		log_debug("route", "routing took %lld ms over %zu bytes", clock_ms() - t0,
			  strlen(prompt));
	}
	memset(&hits, 0, sizeof(hits));
	for (i = 0; i < res.nr; i++) {
		const struct agent *to = delegate_find_agent(p->agents, res.v[i].agent);

		if (!to) {
			strvec_push(&missing, res.v[i].agent);
		} else if (to != a) {	/* an agent routing to itself: already here */
			ALLOC_GROW(hits.v, hits.nr + 1, hits.alloc);
			hits.v[hits.nr] = res.v[i];
			hits.v[hits.nr].agent = to->name;
			hits.nr++;
		}
	}
	report_missing(p, &missing);
	if (!hits.nr)
		goto out;
	if (mode == AGENT_ROUTING_AUTO && p->depth + 1 > delegate_max_depth(p))
		mode = AGENT_ROUTING_SUGGEST;	/* too deep to run them */
	if (mode == AGENT_ROUTING_SUGGEST) {
		record_route(p, &hits, &missing, mode, "suggested");
		strbuf_addstr(context, "[archie routing] This request matches specialists in your routing table: ");
		for (i = 0; i < hits.nr; i++) {
			strbuf_addf(context, "%s%s (", i ? "; " : "", hits.v[i].agent);
			join_keywords(&hits.v[i].keywords, context);
			strbuf_addch(context, ')');
		}
		strbuf_addstr(context, ". Consider delegating to them with the Task tool.");
		goto out;
	}
	if (p->confirm && confirm_routes(p, &hits, &missing) < 0)
		goto out;
	record_route(p, &hits, &missing, mode, "auto");
	run_routes(p, &hits, prompt, context);
out:
	free(hits.v);	/* its keyword lists belong to res */
	routing_result_release(&res);
	strvec_release(&missing);
}
