/*
 * child: the loop's side of delegation.  delegate.c schedules children
 * and routes prompts without knowing what a loop is; here the parent
 * loop describes itself (child_parent) and each child's loop is built
 * from an explicit list of what it inherits (child_opts), run on its
 * worker thread, and summed up into its task.  See loop_int.h.
 */
#include "loop/loop_int.h"

#include "agent/agent.h"
#include "core/cancel.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "store/store.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Calls into the main loop's UI come from many threads: one at a time. */
static pthread_mutex_t ui_lock = PTHREAD_MUTEX_INITIALIZER;

/* A child while it runs: its worker's view and its loop. */
struct child {
	struct delegate_child *dc;
	struct loop *parent;
	const struct loop_ui *root;	/* the main loop's UI */
	struct loop *loop;		/* while it runs */
	struct strbuf title;		/* "agent: its task" */
};

/* ---- the child's UI: progress to the main loop's UI, one call at a time ---- */

static void emit(struct child *c, const char *kind, const char *tool, const char *args)
{
	const struct delegate_task *t = c->dc->task;
	const struct loop *l = c->loop;
	struct loop_child_event ev;

	if (!c->root->child)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.id = t->id;
	ev.agent = c->dc->agent->name;
	ev.parent_agent = c->parent->o.agent->name;
	ev.depth = c->parent->child.depth + 1;
	ev.description = t->description;
	ev.tool = tool;
	ev.args = args;
	ev.ms = clock_ms() - c->dc->t0;
	if (l) {
		ev.session = l->session_id;
		ev.turns = l->turns;
		ev.tool_calls = l->tool_calls;
		ev.input_tokens = l->usage.input_tokens;
		ev.output_tokens = l->usage.output_tokens;
		ev.cost = l->cost;
	} else {
		ev.session = t->session;
		ev.turns = t->turns;
		ev.tool_calls = t->tool_calls;
		ev.input_tokens = t->usage.input_tokens;
		ev.output_tokens = t->usage.output_tokens;
		ev.cost = t->cost;
	}
	if (!strcmp(kind, "end")) {
		ev.outcome = t->outcome;
		ev.error = t->is_error ? t->result.buf : NULL;
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

static enum policy_verdict child_approve(void *ud, const struct loop_approval *a, int *always,
					 struct strbuf *reason)
{
	struct child *c = ud;
	enum policy_verdict v;

	pthread_mutex_lock(&ui_lock);
	v = c->root->approve(c->root->ud, a, always, reason);
	pthread_mutex_unlock(&ui_lock);
	return v;
}

/* An MCP server a child called asks the user: the root's UI, one at a
 * time as approvals are. */
static const char *child_elicit(void *ud, const char *server, const char *message, json_t *schema,
				json_t **content)
{
	struct child *c = ud;
	const char *a;

	pthread_mutex_lock(&ui_lock);
	a = c->root->elicit(c->root->ud, server, message, schema, content);
	pthread_mutex_unlock(&ui_lock);
	return a;
}

/* A retry of the child's request: on its status line, so a child waiting
 * out a 503 or a 429 does not look stuck. */
static void child_retry(void *ud, int attempt, long wait_ms, const char *reason)
{
	struct child *c = ud;
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s; retrying in %.1f s (attempt %d)", reason, (double)wait_ms / 1000,
		    attempt + 1);
	emit(c, "retry", NULL, sb.buf);
	strbuf_release(&sb);
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
	size_t i;

	strbuf_addf(out, "\n\n[subagent %s: %s%s%d turn%s, %d tool call%s, %ld in / %ld out tokens",
		    c->dc->agent->name, stop ? stop : "done", stop ? "; " : " in ", l->turns,
		    l->turns == 1 ? "" : "s", l->tool_calls, l->tool_calls == 1 ? "" : "s",
		    l->usage.input_tokens, l->usage.output_tokens);
	if (l->has_price)
		strbuf_addf(out, ", $%.4f", l->cost);
	strbuf_addf(out, ", %.1f s; session %.8s]", (double)c->dc->task->ms / 1000, l->session_id);
	for (i = 0; i < l->denials_nr && i < 5; i++)
		strbuf_addf(out, "\n[denied to it: %s %.200s: %.300s]", l->denials[i].tool,
			    l->denials[i].arguments, l->denials[i].reason);
}

/* Why a child that failed stopped, into its result; 1 if it failed. */
static int failure(struct child *c, enum loop_exit ex, int rc, const struct strbuf *err)
{
	struct delegate_task *t = c->dc->task;
	const struct agent *a = c->dc->agent;

	if (cancel_requested(&c->dc->timed_out)) {
		t->outcome = "timeout";
		strbuf_addf(&t->result, "error: subagent %s ran out of time (its timeout is %g min) and was stopped",
			    a->name, a->timeout_mins);
	} else if (ex == LOOP_INTERRUPTED) {
		t->outcome = "interrupted";
		strbuf_addf(&t->result, "error: subagent %s was interrupted before it finished",
			    a->name);
	} else if (rc || ex == LOOP_PROVIDER_ERROR) {
		t->outcome = "error";
		strbuf_addf(&t->result, "error: subagent %s failed: %s", a->name,
			    err->len ? err->buf : "unknown error");
	} else {
		return 0;
	}
	t->is_error = 1;
	return 1;
}

/* The child's report, or its failure, into its task. */
static void finish(struct child *c, struct loop *l, enum loop_exit ex, int rc,
		   const struct strbuf *err)
{
	struct delegate_task *t = c->dc->task;
	char stop[160];

	t->ms = clock_ms() - c->dc->t0;
	t->turns = l->turns;
	t->tool_calls = l->tool_calls;
	t->usage = l->usage;
	t->cost = l->cost;
	t->sub_runs = l->sub.runs;
	t->sub_usage = l->sub.usage;
	t->sub_cost = l->sub.cost;
	strbuf_reset(&t->result);
	if (failure(c, ex, rc, err)) {
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
	} else if (ex == LOOP_COST) {
		t->outcome = "max_cost";
		snprintf(stop, sizeof(stop), "stopped at the run's cost limit (--max-cost), so the report may be incomplete");
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

/*
 * What a child inherits, field by field: the configuration, workspace,
 * permission mode and flags' rules, sandbox, hooks, MCP servers and the
 * agents it may delegate to.  Its own: agent, model (its agent's, else
 * "inherit" is the parent's), limits (delegation settings), cancel flag,
 * UI (progress to the main loop's UI) and store connection.
 */
static void child_opts(struct child *c, const char *inherit, struct store *st,
		       struct loop_opts *o, struct loop_child_opts *co)
{
	const struct loop *p = c->parent;
	const struct agent *a = c->dc->agent;

	memset(o, 0, sizeof(*o));
	o->agent = a;
	o->cfg = p->o.cfg;
	o->root = p->o.root;
	o->cwd = p->o.cwd;
	o->mode = p->o.mode;
	o->allow = p->o.allow;
	o->ask = p->o.ask;
	o->deny = p->o.deny;
	o->sandbox = p->o.sandbox;
	o->network = p->o.network;
	o->result_cap = p->o.result_cap;
	o->agents = p->o.agents;
	o->delegation = p->o.delegation;
	o->hooks = p->o.hooks;
	o->skills = p->o.skills;
	o->mcp = p->o.mcp;
	o->bg = p->o.bg;
	o->checkpoints = p->o.checkpoints;
	o->mcp_wait_ms = p->o.mcp_wait_ms;
	o->compact_at = p->o.compact_at;
	o->thinking = p->o.thinking;
	o->max_turns = a->max_turns > 0 ? (int)a->max_turns
		     : p->o.delegation.max_turns > 0 ? p->o.delegation.max_turns
		     : DELEGATE_MAX_TURNS;
	/* the run's cost limit: a child gets what is left when it starts */
	if (p->o.max_cost > 0) {
		o->max_cost = p->o.max_cost - p->cost - p->sub.cost;
		if (o->max_cost <= 0)
			o->max_cost = 1e-9;	/* spent: it stops before its first request */
	}
	o->max_tokens_total = p->o.delegation.max_tokens > 0 ? p->o.delegation.max_tokens
							     : DELEGATE_MAX_TOKENS;
	o->cancel = &c->dc->cancel;
	o->store = st;
	o->ui.tool_start = child_tool_start;
	o->ui.turn_end = child_turn_end;
	o->ui.approve = c->root->approve ? child_approve : NULL;
	o->ui.elicit = c->root->elicit ? child_elicit : NULL;
	o->elicit_answers = p->o.elicit_answers;
	o->ui.notice = child_notice;
	o->ui.retry = child_retry;
	o->ui.ud = c;
	memset(co, 0, sizeof(*co));
	co->depth = p->child.depth + 1;
	co->parent = c->parent;
	co->inherit_model = inherit;
	co->parent_session = p->stored ? p->session_id : NULL;
	co->parent_agent = p->o.agent->name;
	co->root_ui = c->root;
	co->title = c->title.buf;
	co->change_session = p->child.change_session ? p->child.change_session
			   : p->stored ? p->session_id : NULL;
	co->change_prompt = p->child.change_session ? p->child.change_prompt : p->prompt_seq;
	co->change_prompt_text = p->child.change_session ? p->child.change_prompt_text
			       : p->prompt_text;
}

/* Starts the child's loop: its agent's model, else (a model this
 * configuration does not have: an agent file written for another
 * runtime) the parent's, with a note in model_note. */
static struct loop *start(struct child *c, struct loop_opts *o,
			  const struct loop_child_opts *co, struct strbuf *model_note,
			  struct strbuf *err)
{
	struct loop *l = xcalloc(1, sizeof(*l));

	if (!loop_init(l, o, co, err))
		return l;
	loop_release(l);
	if (c->dc->agent->model) {
		strbuf_addf(model_note, "[note: its model '%s' is not available here (%s); it used %s]\n\n",
			    c->dc->agent->model, err->buf, co->inherit_model);
		strbuf_reset(err);
		o->model = co->inherit_model;
		if (!loop_init(l, o, co, err))
			return l;
		loop_release(l);
	}
	free(l);
	return NULL;
}

/* delegate_parent.run: one child, on its worker thread. */
static void run_child(void *ud, struct delegate_child *dc)
{
	struct child c = { dc, ud, NULL, NULL, STRBUF_INIT };
	struct delegate_task *t = dc->task;
	struct strbuf err = STRBUF_INIT, inherit = STRBUF_INIT, model_note = STRBUF_INIT;
	struct loop_opts o;
	struct loop_child_opts co;
	struct store st;
	struct loop *l;
	enum loop_exit ex = LOOP_DONE;
	int rc, have_store = 0;

	c.root = c.parent->child.root_ui ? c.parent->child.root_ui : &c.parent->o.ui;
	strbuf_addf(&inherit, "%s/%s", c.parent->model.provider->name, c.parent->model.id);
	if (c.parent->o.store) {
		struct strbuf serr = STRBUF_INIT;

		if (!store_open_sibling(&st, c.parent->o.store, &serr))
			have_store = 1;
		else
			log_warn("delegate", "subagent %s will not be recorded: %s",
				 dc->agent->name, serr.buf);
		strbuf_release(&serr);
	}
	strbuf_addf(&c.title, "%s: %s", dc->agent->name,
		    t->description && *t->description ? t->description : t->prompt);
	child_opts(&c, inherit.buf, have_store ? &st : NULL, &o, &co);
	l = start(&c, &o, &co, &model_note, &err);
	if (!l) {
		t->outcome = "error";
		t->is_error = 1;
		strbuf_addf(&t->result, "error: subagent %s could not start: %s", dc->agent->name,
			    err.buf);
		t->ms = clock_ms() - dc->t0;
		emit(&c, "end", NULL, NULL);
		goto out;
	}
	t->session = xstrdup(l->session_id);
	c.loop = l;
	emit(&c, "start", NULL, NULL);
	strbuf_reset(&err);
	rc = loop_run(l, t->prompt, &ex, &err);
	finish(&c, l, ex, rc, &err);
	if (model_note.len) {
		strbuf_add(&model_note, t->result.buf, t->result.len);
		strbuf_reset(&t->result);
		strbuf_add(&t->result, model_note.buf, model_note.len);
	}
	c.loop = NULL;
	emit(&c, "end", NULL, NULL);
	loop_free(l);
out:
	if (have_store)
		store_close(&st);
	strbuf_release(&err);
	strbuf_release(&inherit);
	strbuf_release(&model_note);
	strbuf_release(&c.title);
}

/* delegate_parent.done: the session's totals include its subagents',
 * apart. */
static void child_done(void *ud, const struct delegate_task *t)
{
	struct loop *l = ud;

	l->sub.runs += (t->session ? 1 : 0) + t->sub_runs;
	provider_usage_add(&l->sub.usage, &t->usage);
	provider_usage_add(&l->sub.usage, &t->sub_usage);
	l->sub.cost += t->cost + t->sub_cost;
}

static void parent_event_init(void *ud, struct store_event *ev, enum store_event_kind kind,
			      long long ts)
{
	record_event_init(ud, ev, kind, ts);
}

static void parent_record(void *ud, const struct store_event *ev)
{
	record_event(ud, ev);
}

static void parent_notice(void *ud, const char *msg)
{
	struct loop *l = ud;

	if (l->o.ui.notice)
		l->o.ui.notice(l->o.ui.ud, msg);
	else
		log_warn("routing", "%s", msg);
}

/* delegate_parent.confirm: the UI's say on routed specialists. */
static void parent_confirm(void *ud, struct delegate_route_choice *c, size_t n)
{
	struct loop *l = ud;
	struct loop_route *r = xcalloc(n, sizeof(*r));
	size_t i;

	for (i = 0; i < n; i++) {
		r[i].agent = c[i].agent;
		r[i].keywords = c[i].keywords;
		r[i].run = c[i].run;
	}
	l->o.ui.routes(l->o.ui.ud, r, n);
	for (i = 0; i < n; i++)
		c[i].run = r[i].run;
	free(r);
}

void child_parent(struct loop *l, struct delegate_parent *p)
{
	memset(p, 0, sizeof(*p));
	p->agent = l->o.agent;
	p->agents = l->o.agents;
	p->depth = l->child.depth;
	p->max_parallel = l->o.delegation.max_parallel;
	p->max_depth = l->o.delegation.max_depth;
	p->routing = l->o.delegation.routing;
	p->cancel = l->o.cancel;
	p->routing_warned = &l->routing_warned;
	p->run = run_child;
	p->done = child_done;
	p->event_init = parent_event_init;
	p->record = parent_record;
	p->notice = parent_notice;
	p->confirm = l->o.ui.routes ? parent_confirm : NULL;
	p->ud = l;
}
