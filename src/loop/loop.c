/*
 * loop: the turn loop.  See loop.h.
 */
#include "loop/loop.h"

#include "agent/agent.h"
#include "agent/registry.h"
#include "agent/routing.h"
#include "core/cancel.h"
#include "core/clock.h"
#include "core/fileio.h"
#include "core/headtail.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "delegate/delegate.h"
#include "hooks/hooks.h"
#include "mcp/mcp.h"
#include "core/glob.h"
#include "loop/prompt.h"
#include "provider/http.h"
#include "store/store.h"
#include "tools/toolnames.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_MAX_TURNS 100
#define DEFAULT_RESULT_CAP 30000
#define PARALLEL_MAX 8

const char *loop_exit_name(enum loop_exit e)
{
	static const char *const names[] = {
		"done", "max_turns", "interrupted", "provider_error", "permission_denied",
		"token_budget",
	};

	return names[e];
}

static char *new_session_id(void)
{
	unsigned char r[16];
	struct strbuf sb = STRBUF_INIT;
	size_t i;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || read(fd, r, sizeof(r)) != (ssize_t)sizeof(r)) {
		for (i = 0; i < sizeof(r); i++)
			r[i] = (unsigned char)(rand() ^ (int)time(NULL));
	}
	if (fd >= 0)
		close(fd);
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);	/* UUID v4 */
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
	for (i = 0; i < sizeof(r); i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			strbuf_addch(&sb, '-');
		strbuf_addf(&sb, "%02x", r[i]);
	}
	return strbuf_detach(&sb, NULL);
}

static void on_todos(void *ud, const struct todo_list *t)
{
	struct loop *l = ud;

	if (l->o.ui.todos)
		l->o.ui.todos(l->o.ui.ud, t);
}

static int depth_limit(const struct loop *l)
{
	return l->o.delegation.max_depth > 0 ? l->o.delegation.max_depth : DELEGATE_MAX_DEPTH;
}

/* 1 if this loop can start subagents: there are agents, and depth left. */
static int can_delegate(const struct loop *l)
{
	return l->o.agents && l->o.depth < depth_limit(l);
}

/* 1 if the parent (if any) has the tool: a child never gets more. */
static int parent_has(const struct loop *l, const struct tool *t)
{
	const struct loop *p = l->o.parent;
	size_t i;

	if (!p)
		return 1;
	for (i = 0; i < p->tools_nr; i++)
		if (p->tools[i] == t || (t->delegates && p->tools[i]->delegates) ||
		    !strcmp(p->tools[i]->name, t->name))
			return 1;
	return 0;
}

static void offer(struct loop *l, const struct tool *t, const char *description)
{
	l->tools[l->tools_nr] = t;
	l->schemas[l->tools_nr].name = t->name;
	l->schemas[l->tools_nr].description = description;
	l->schemas[l->tools_nr].schema = tool_schema(t);
	l->tools_nr++;
}

/* Delegation: the Task tool, whose description lists the agents; or, for
 * an agent written for Gemini CLI, one tool per subagent, as there. */
static void offer_delegation(struct loop *l, size_t room)
{
	static const char agent_schema[] =
		"{\"type\":\"object\",\"properties\":{\"query\":{\"type\":\"string\","
		"\"description\":\"The job for this agent, complete and self-contained: it does not see this conversation\"}},"
		"\"required\":[\"query\"],\"additionalProperties\":false}";
	const struct agent_registry *reg = l->o.agents;
	struct strbuf d = STRBUF_INIT_CAP((size_t)64 << 10);
	size_t i, n = 0;

	if (!strcmp(l->o.agent->format, "gemini")) {
		l->agent_tools = xcalloc(reg->nr ? reg->nr : 1, sizeof(*l->agent_tools));
		for (i = 0; i < reg->nr && l->tools_nr < room; i++) {
			const struct agent *a = reg->entries[i].agent;
			struct tool *t = &l->agent_tools[n];

			if (a->mode == AGENT_MODE_PRIMARY || a == l->o.agent)
				continue;
			t->name = a->name;
			strbuf_reset(&d);
			strbuf_addstr(&d, "Delegate a self-contained job to the ");
			strbuf_addstr(&d, a->name);
			strbuf_addstr(&d, " agent, which returns one report: ");
			agent_short_description(a, 400, &d);
			t->description = strvec_push(&l->owned, d.buf);
			t->schema = agent_schema;
			t->delegates = 1;
			offer(l, t, t->description);
			n++;
		}
		l->agent_tools_nr = n;
	} else {
		strbuf_addstr(&d, tool_task.description);
		strbuf_addstr(&d, "\n\nThe agents (subagent_type):");
		delegate_list_agents(l, &d);
		offer(l, &tool_task, strvec_push(&l->owned, d.buf));
	}
	strbuf_release(&d);
}

static void offer_tools(struct loop *l)
{
	const struct agent_registry *reg = l->o.agents;
	struct agent_tools at;
	size_t i, room;
	int task = 0;

	agent_tools_init(&at);
	agent_resolve_tools(l->o.agent, &at);
	room = at.enabled.nr + 1 + (reg ? reg->nr : 0);
	l->tools = xcalloc(room, sizeof(*l->tools));
	l->schemas = xcalloc(room, sizeof(*l->schemas));
	for (i = 0; i < at.enabled.nr; i++) {
		const struct tool *t = tool_find(at.enabled.v[i]);

		if (!t || !parent_has(l, t))
			continue;
		if (t->delegates) {
			task = 1;
			continue;
		}
		offer(l, t, t->description);
	}
	if (task && can_delegate(l))
		offer_delegation(l, room);
	l->base_tools_nr = l->tools_nr;
	l->mcp_all = l->o.agent->tools_spec == AGENT_TOOLS_ALL;
	for (i = 0; i < at.mcp.nr; i++)
		strvec_push(&l->mcp_refs, at.mcp.v[i]);
	agent_tools_release(&at);
}

/* Every source of permission rules, weakest first (order does not change
 * the result: across sources the strictest verdict wins). */
static int init_policy(struct loop *l, struct strbuf *err)
{
	const struct loop_opts *o = &l->o;
	const struct strvec *flags[3] = { o->allow, o->ask, o->deny };
	static const enum agent_action acts[3] = { AGENT_ALLOW, AGENT_ASK, AGENT_DENY };
	struct strbuf name = STRBUF_INIT;
	size_t i, k;

	policy_init(&l->policy, o->root);
	l->policy.mode = o->mode;
	for (i = 0; i < o->cfg->rules_nr; i++) {
		strbuf_reset(&name);
		strbuf_addf(&name, "config %s", o->cfg->rules[i].file);
		policy_add_source(&l->policy, name.buf, o->cfg->rules[i].v, o->cfg->rules[i].nr);
	}
	strbuf_reset(&name);
	strbuf_addf(&name, "agent %s (%s)", o->agent->name, o->agent->path);
	policy_add_source(&l->policy, name.buf, o->agent->rules, o->agent->rules_nr);
	for (k = 0; k < 3; k++)
		for (i = 0; flags[k] && i < flags[k]->nr; i++)
			if (policy_add_rule(&l->policy, "command-line flags", flags[k]->v[i],
					    acts[k], err)) {
				strbuf_release(&name);
				return -1;
			}
	strbuf_release(&name);
	return 0;
}

/* The sandbox finds the secrets to mask itself, at each command, with no
 * budget (sandbox_run.c): nothing to walk here, so start-up stays fast. */
static void init_sandbox(struct loop *l)
{
	sandbox_init(&l->sandbox, l->o.sandbox, l->policy.root);
	l->sandbox.network = l->o.network;
	l->env.sandbox = &l->sandbox;
}

int loop_init(struct loop *l, const struct loop_opts *o, struct strbuf *err)
{
	struct strbuf sys = STRBUF_INIT;
	const char *ref = o->model ? o->model : o->agent->model;

	memset(l, 0, sizeof(*l));
	l->o = *o;
	if (!l->o.max_turns)
		l->o.max_turns = DEFAULT_MAX_TURNS;
	if (!l->o.result_cap)
		l->o.result_cap = DEFAULT_RESULT_CAP;
	strvec_init(&l->pmodels);
	strvec_init(&l->owned);
	strvec_init(&l->mcp_refs);
	strbuf_init(&l->memory_file, 4096);
	strbuf_init(&l->last_text, (size_t)64 << 20);
	strbuf_init(&l->partial, (size_t)64 << 20);
	conv_init(&l->conv);
	provider_cache_init(&l->cache);
	if (config_resolve_model(o->cfg, ref, o->inherit_model, &l->model, err))
		return -1;
	config_provider_setup(o->cfg, l->model.provider, &l->pcfg, &l->pmodels);
	if (l->model.model) {
		l->has_price = l->model.model->has_price;
		l->price = l->model.model->price;
		l->max_tokens = l->model.model->max_tokens;
	}
	offer_tools(l);
	prompt_build(o->agent->prompt, o->root, o->cwd, &sys, NULL);
	conv_set_system(&l->conv, sys.buf);
	strbuf_release(&sys);

	file_join(&l->memory_file, o->root, "ARCHIE.md");
	l->env.root = o->root;
	l->env.cwd = o->cwd;
	l->env.memory_file = l->memory_file.buf;
	l->env.cancel = o->cancel;
	l->env.todos = &l->todos;
	l->env.on_todos = on_todos;
	l->env.ud = l;
	if (init_policy(l, err))
		return -1;
	init_sandbox(l);
	l->session_id = new_session_id();
	log_debug("loop", "session %s: agent %s, model %s/%s, %zu tools",
		  l->session_id, o->agent->name, l->model.provider->name,
		  l->model.id, l->tools_nr);
	return 0;
}

void loop_release(struct loop *l)
{
	size_t i;

	for (i = 0; i < l->tools_nr; i++)
		json_decref(l->schemas[i].schema);
	free(l->schemas);
	free(l->tools);
	free(l->agent_tools);
	free(l->mcp_tools);
	strvec_release(&l->mcp_refs);
	strvec_release(&l->owned);
	for (i = 0; i < l->denials_nr; i++) {
		free(l->denials[i].tool);
		free(l->denials[i].arguments);
		free(l->denials[i].reason);
	}
	free(l->denials);
	conv_release(&l->conv);
	provider_cache_release(&l->cache);
	policy_release(&l->policy);
	sandbox_release(&l->sandbox);
	todo_list_release(&l->todos);
	config_resolved_release(&l->model);
	strvec_release(&l->pmodels);
	strbuf_release(&l->memory_file);
	strbuf_release(&l->last_text);
	strbuf_release(&l->partial);
	free(l->session_id);
	memset(l, 0, sizeof(*l));
}

void loop_clear(struct loop *l)
{
	char *sys = xstrdup_or_null(l->conv.system);

	conv_release(&l->conv);
	conv_set_system(&l->conv, sys);
	free(sys);
	todo_list_release(&l->todos);
	/* a cleared conversation is a new session in the record */
	free(l->session_id);
	l->session_id = new_session_id();
	l->stored = 0;
	l->stored_msgs = 0;
}

/* One tool call of a response, from vetting to its result. */
struct call {
	const struct provider_call *pc;
	const struct tool *tool;	/* NULL: malformed or unknown */
	struct strbuf result;
	int is_error;
	int run;			/* allowed: run it */
	long ms;
	long long ts;			/* when it was vetted (epoch ms) */
	struct loop *l;
	/* for the record */
	enum policy_verdict verdict;	/* what stood */
	enum policy_verdict policy_verdict;	/* what the policy said */
	int vetted;			/* the verdicts and decided_by are set */
	const char *decided_by;
	char *rule;			/* the policy's why */
	const char *as_agent;		/* a subagent called by its own name (Gemini form) */
};

/* ---- the record ------------------------------------------------------------ */

/* Starts the session's record on its first prompt (the title). */
static void record_begin(struct loop *l, const char *prompt)
{
	struct strbuf title = STRBUF_INIT_CAP(120);
	struct store_session ss;
	size_t i;

	if (!l->o.store || l->stored)
		return;
	strbuf_addstr(&title, prompt);
	strbuf_utf8_trim_partial(&title);
	for (i = 0; i < title.len; i++)
		if (title.buf[i] == '\n' || title.buf[i] == '\t')
			title.buf[i] = ' ';
	memset(&ss, 0, sizeof(ss));
	ss.id = l->session_id;
	ss.project = l->o.root;
	ss.cwd = l->o.cwd;
	ss.agent = l->o.agent->name;
	ss.provider = l->model.provider->name;
	ss.model = l->model.id;
	ss.parent = l->o.parent_session;
	ss.title = title.buf;
	if (!store_session_begin(l->o.store, &ss))
		l->stored = 1;
	strbuf_release(&title);
}

/* Tells the UI once that the session exists (after it is recorded). */
static void announce(struct loop *l)
{
	if (l->announced)
		return;
	l->announced = 1;
	if (l->o.ui.started)
		l->o.ui.started(l->o.ui.ud, l->session_id);
}

/* Records the messages of conv not recorded yet (the last one marked
 * incomplete when asked). */
static void record_messages(struct loop *l, int last_incomplete)
{
	if (!l->o.store || !l->stored)
		return;
	while (l->stored_msgs < l->conv.nr) {
		size_t i = l->stored_msgs;

		if (store_message(l->o.store, l->session_id, (long)i, &l->conv.msgs[i],
				  last_incomplete && i + 1 == l->conv.nr))
			break;
		l->stored_msgs++;
	}
}

/* An event of this session and agent, starting at ts. */
void loop_event_init(const struct loop *l, struct store_event *ev,
		     enum store_event_kind kind, long long ts)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->session = l->session_id;
	ev->agent = l->o.agent->name;
	ev->parent_agent = l->o.parent_agent;
	ev->ts_ms = ts;
	ev->exit_code = -1;
}

static void record_model(struct loop *l, const struct provider_reply *r,
			 long long ts, const char *outcome, const char *error)
{
	struct store_event ev;

	if (!l->o.store || !l->stored)
		return;
	loop_event_init(l, &ev, STORE_EV_MODEL, ts);
	ev.duration_ms = r->total_ms;
	ev.model = l->model.id;
	ev.attempt = r->attempts;
	ev.status = r->status;
	ev.ttft_ms = r->first_byte_ms ? r->first_byte_ms : -1;
	ev.input_tokens = r->usage.input_tokens;
	ev.output_tokens = r->usage.output_tokens;
	ev.cache_read_tokens = r->usage.cache_read_tokens;
	ev.cache_write_tokens = r->usage.cache_write_tokens;
	ev.cost = r->cost;
	ev.outcome = outcome;
	ev.error = error;
	ev.bytes = (long long)r->text.len;
	store_event(l->o.store, &ev);
}

/* The exit code a Bash result ends with ("[exit code N]"), or -1. */
static int result_exit_code(const char *name, const struct strbuf *r)
{
	const char *p;
	char *end;
	long code;

	if (strcmp(name, "Bash"))
		return -1;
	p = strstr(r->buf, "[exit code ");
	while (p && strstr(p + 1, "[exit code "))
		p = strstr(p + 1, "[exit code ");
	if (!p)
		return -1;
	code = strtol(p + 11, &end, 10);
	return end != p + 11 && *end == ']' && code >= 0 && code < 1000 ? (int)code : -1;
}

static void record_call(struct loop *l, const struct call *c)
{
	struct store_event ev;
	const char *nl;
	char *err = NULL;

	if (!l->o.store || !l->stored)
		return;
	loop_event_init(l, &ev, STORE_EV_TOOL, c->ts);
	ev.duration_ms = c->run ? c->ms : 0;
	ev.tool = c->tool ? c->tool->name : c->pc->name;
	ev.call_id = c->pc->id;
	ev.arguments = c->pc->arguments;
	if (c->vetted) {
		ev.verdict = policy_verdict_name(c->policy_verdict);
		ev.rule = c->rule;
		ev.decided_by = c->decided_by;
	}
	if (!c->run)
		ev.outcome = c->vetted && c->verdict == POLICY_DENY ? "denied" : "error";
	else if (cancel_requested(l->o.cancel) && c->is_error)
		ev.outcome = "interrupted";
	else
		ev.outcome = c->is_error ? "error" : "ok";
	ev.exit_code = c->run && c->tool ? result_exit_code(c->tool->name, &c->result) : -1;
	ev.bytes = (long long)c->result.len;
	if (c->is_error) {
		nl = strchr(c->result.buf, '\n');
		err = xstrndup(c->result.buf, nl ? (size_t)(nl - c->result.buf) : c->result.len);
		ev.error = err;
	}
	store_event(l->o.store, &ev);
	free(err);
}

void loop_record_event(struct loop *l, const struct store_event *ev)
{
	if (l->o.store && l->stored)
		store_event(l->o.store, ev);
}

/* ---- hooks ------------------------------------------------------------------ */

struct hook_rec {
	struct loop *l;
	const char *tool;
};

static void record_hook(void *ud, const struct hook_run *r)
{
	struct hook_rec *hr = ud;
	struct store_event ev;
	json_t *detail = json_pack("{s:s}", "source", r->hook->source);

	if (hr->tool)
		json_object_set_new(detail, "tool", json_string(hr->tool));
	if (r->hook->matcher)
		json_object_set_new(detail, "matcher", json_string(r->hook->matcher));
	loop_event_init(hr->l, &ev, STORE_EV_HOOK, clock_wall_ms() - r->duration_ms);
	ev.duration_ms = r->duration_ms;
	ev.tool = r->event;
	ev.rule = r->hook->command;
	ev.outcome = r->outcome;
	ev.exit_code = r->exit_code;
	ev.error = r->detail;
	ev.detail = detail;
	loop_record_event(hr->l, &ev);
	json_decref(detail);
}

/* Runs the hooks of ev; failures that do not block are told to the user. */
static void run_hooks(struct loop *l, enum hook_event ev, struct hook_input *in,
		      struct hook_outcome *out)
{
	struct hook_rec hr = { l, in->tool };

	in->session = l->session_id;
	in->agent = l->o.agent->name;
	in->cwd = l->o.cwd;
	in->cancel = l->o.cancel;
	hooks_run(l->o.hooks, ev, in, out, record_hook, &hr);
	if (out->problems.len) {
		if (l->o.ui.notice)
			l->o.ui.notice(l->o.ui.ud, out->problems.buf);
		else
			log_warn("hooks", "%s", out->problems.buf);
	}
}

static void record_turn_end(struct loop *l)
{
	if (l->o.store && l->stored)
		store_turn_end(l->o.store, l->session_id);
}

int loop_resume(struct loop *l, const char *id, struct strbuf *err)
{
	struct strbuf full = STRBUF_INIT;
	char *sys;
	size_t recorded;

	if (!l->o.store)
		return strbuf_seterr(err, "sessions are not being recorded, so there is none to resume");
	if (store_find_session(l->o.store, id, NULL, &full, err)) {
		strbuf_release(&full);
		return -1;
	}
	sys = xstrdup_or_null(l->conv.system);
	conv_release(&l->conv);
	conv_set_system(&l->conv, sys);
	free(sys);
	if (store_load(l->o.store, full.buf, &l->conv, &recorded, NULL, err)) {
		strbuf_release(&full);
		return -1;
	}
	free(l->session_id);
	l->session_id = strbuf_detach(&full, NULL);
	l->stored = 1;
	/* what store_load repaired is written again, from the first change */
	if (recorded < l->conv.nr)
		store_truncate(l->o.store, l->session_id, (long)recorded);
	l->stored_msgs = recorded;
	record_messages(l, 0);
	record_turn_end(l);
	log_debug("loop", "resumed session %s: %zu messages", l->session_id, l->conv.nr);
	return 0;
}

/* ---- the provider side ---------------------------------------------------- */

/* How often a streaming answer is saved as it grows, so a killed process
 * leaves what was shown (marked incomplete). */
#define PARTIAL_SAVE_MS 250

/* Saves the answer streamed so far as the next message, incomplete; the
 * whole answer replaces it (same seq) when it ends. */
static void record_partial(struct loop *l, int force)
{
	struct conv_msg m;
	long now = clock_ms();

	if (!l->o.store || !l->stored || !l->partial.len ||
	    (!force && now - l->partial_at < PARTIAL_SAVE_MS))
		return;
	l->partial_at = now;
	memset(&m, 0, sizeof(m));
	m.role = CONV_ASSISTANT;
	conv_add_text(&m, l->partial.buf, l->partial.len);
	if (!store_message(l->o.store, l->session_id, (long)l->conv.nr, &m, 1))
		l->partial_saved = 1;
	conv_msg_release(&m);
}

static void on_provider_event(void *ud, const struct provider_event *ev)
{
	struct loop *l = ud;
	const struct loop_ui *ui = &l->o.ui;

	switch (ev->type) {
	case PROVIDER_EV_TEXT:
		if (ui->text)
			ui->text(ui->ud, ev->text, ev->len);
		if (l->o.store && l->stored) {
			strbuf_add(&l->partial, ev->text, ev->len);
			record_partial(l, 0);
		}
		break;
	case PROVIDER_EV_DISCARD:
		if (ui->discard)
			ui->discard(ui->ud, ev->len);
		/* a retry starts the answer again */
		strbuf_reset(&l->partial);
		break;
	case PROVIDER_EV_RETRY:
		if (ui->retry)
			ui->retry(ui->ud, ev->attempt, ev->wait_ms, ev->reason);
		break;
	default:
		break;
	}
}

/* ---- the tool side ------------------------------------------------------------ */

static const struct tool *offered(const struct loop *l, const char *name)
{
	struct toolname_info info;
	size_t i;

	for (i = 0; i < l->tools_nr; i++)
		if (!strcmp(l->tools[i]->name, name))
			return l->tools[i];
	/* the model may use another runtime's name for an offered tool */
	info = toolname_lookup(name);
	if (info.kind == TOOLNAME_CANONICAL)
		for (i = 0; i < l->tools_nr; i++)
			if (!strcmp(l->tools[i]->name, info.canonical))
				return l->tools[i];
	return NULL;
}

/* 1 if this loop offers delegation (Task, or a tool per subagent). */
static int delegation_offered(const struct loop *l)
{
	size_t i;

	for (i = 0; i < l->tools_nr; i++)
		if (l->tools[i]->delegates)
			return 1;
	return 0;
}

static void available_list(const struct loop *l, struct strbuf *out)
{
	size_t i;

	for (i = 0; i < l->tools_nr; i++)
		strbuf_addf(out, "%s%s", i ? ", " : "", l->tools[i]->name);
	if (!l->tools_nr)
		strbuf_addstr(out, "(none)");
}

static void add_denial(struct loop *l, const char *tool, const char *args,
		       const char *reason)
{
	struct loop_denial *d;

	ALLOC_GROW(l->denials, l->denials_nr + 1, l->denials_alloc);
	d = &l->denials[l->denials_nr++];
	d->tool = xstrdup(tool);
	d->arguments = xstrdup(args);
	d->reason = xstrdup(reason);
}

/* Checks a call: shape, tool, policy.  Sets c->run or an error result. */
static void vet(struct loop *l, struct call *c)
{
	const struct provider_call *pc = c->pc;
	struct strbuf why = STRBUF_INIT;
	struct policy_decision d;
	json_error_t jerr;
	json_t *args;
	enum policy_verdict v;
	const char *by = "policy";

	c->ts = clock_wall_ms();
	if (pc->malformed) {
		strbuf_addf(&c->result, "error: the call to %s was malformed and was not run: %s. The arguments received were: ",
			    pc->name[0] ? pc->name : "(no name)", pc->problem);
		headtail_cap_text(pc->arguments, strlen(pc->arguments), 400, 100, NULL, &c->result);
		strbuf_addstr(&c->result, "\nSend the call again with complete, valid JSON arguments.");
		c->is_error = 1;
		goto out;
	}
	c->tool = offered(l, pc->name);
	if (c->tool && c->tool->delegates && c->tool != &tool_task)
		c->as_agent = c->tool->name;
	if (!c->tool && delegation_offered(l) && delegate_find_agent(l->o.agents, pc->name)) {
		/* a subagent called by its own name, as Gemini CLI offers them */
		c->tool = &tool_task;
		c->as_agent = pc->name;
	}
	if (!c->tool) {
		if (toolname_lookup(pc->name).kind == TOOLNAME_CANONICAL &&
		    !strcmp(toolname_lookup(pc->name).canonical, "Task") && l->o.agents &&
		    !can_delegate(l))
			strbuf_addf(&c->result, "error: %s cannot delegate: the delegation depth limit (%d) is reached (it is a subagent at depth %d); do this work yourself",
				    l->o.agent->name, depth_limit(l), l->o.depth);
		else {
			strbuf_addf(&c->result, "error: there is no tool named '%s' in this session; the tools are: ",
				    pc->name);
			available_list(l, &c->result);
		}
		c->is_error = 1;
		goto out;
	}
	args = json_loads(pc->arguments, 0, &jerr);
	policy_decision_init(&d);
	v = policy_decide(&l->policy, c->tool->delegates ? "Task" : c->tool->name, args,
			  l->o.cwd, &d);
	/* a subagent can never do more than its parents may */
	if (l->o.parent)
		v = delegate_bound(l, c->tool->delegates ? "Task" : c->tool->name, args, &d);
	json_decref(args);
	/* PreToolUse hooks: a block denies; an explicit allow answers an ask
	 * (never a deny: rules and floors still hold) */
	if (v != POLICY_DENY && hooks_any(l->o.hooks, HOOK_PRE_TOOL_USE, c->tool->name)) {
		struct hook_input hi;
		struct hook_outcome ho;

		memset(&hi, 0, sizeof(hi));
		hi.tool = c->tool->name;
		hi.tool_input = pc->arguments;
		run_hooks(l, HOOK_PRE_TOOL_USE, &hi, &ho);
		if (ho.block) {
			v = POLICY_DENY;
			by = "hook";
			strbuf_addf(&why, "a PreToolUse hook blocked it: %s", ho.reason.buf);
		} else if (ho.allow && v == POLICY_ASK) {
			v = POLICY_ALLOW;
			by = "hook";
		}
		hook_outcome_release(&ho);
	}
	if (v == POLICY_ASK) {
		by = "user";
		strbuf_reset(&why);
		if (l->o.ui.approve) {
			int always = 0;
			size_t i;

			v = l->o.ui.approve(l->o.ui.ud, l->o.agent->name, c->tool->name,
					    pc->arguments, d.why, &always, &why);
			/* "allow for this session": the precise rules, per
			 * command and subcommand, not the whole tool */
			for (i = 0; always && v == POLICY_ALLOW && i < d.approvals.nr; i++)
				policy_add_rule(&l->policy, "session approvals", d.approvals.v[i],
						AGENT_ALLOW, &why);
			if (always && v == POLICY_ALLOW && l->o.parent)
				delegate_share_approvals(l, &d.approvals);
			if (v == POLICY_ALLOW)
				strbuf_reset(&why);
		} else {
			/* headless: nobody to ask */
			by = "headless";
			v = POLICY_DENY;
			strbuf_addf(&why, "it needs approval (%s) and no one can give it in a headless run; rerun with --yes, or allow it with a rule such as --allow '%s'",
				    d.why, d.approvals.nr ? d.approvals.v[0] : c->tool->name);
		}
	} else if (v == POLICY_DENY && !why.len) {
		strbuf_addstr(&why, d.why);
	}
	if (l->o.ui.verdict)
		l->o.ui.verdict(l->o.ui.ud, pc->id, c->tool->name, &d, v, by,
				v == POLICY_DENY ? (why.len ? why.buf : "denied") : NULL);
	c->vetted = 1;
	c->verdict = v;
	c->policy_verdict = d.verdict;
	c->decided_by = by;
	c->rule = xstrdup(d.why ? d.why : "");
	policy_decision_release(&d);
	if (v == POLICY_DENY) {
		strbuf_addf(&c->result, "error: permission denied: %s was not run: %s",
			    c->tool->name, why.len ? why.buf : "denied");
		add_denial(l, c->tool->name, pc->arguments, why.len ? why.buf : "denied");
		c->is_error = 1;
		goto out;
	}
	c->run = 1;
out:
	strbuf_release(&why);
}

static int is_mcp_tool(const struct loop *l, const struct tool *t)
{
	return l->mcp_tools && t >= l->mcp_tools && t < l->mcp_tools + l->mcp_tools_nr;
}

static void execute(struct call *c)
{
	struct loop *l = c->l;
	struct strbuf raw = STRBUF_INIT_CAP((size_t)16 << 20);
	long t0 = clock_ms();
	int rc;

	if (cancel_requested(l->o.cancel)) {
		strbuf_addstr(&c->result, "error: interrupted by the user before it ran");
		c->is_error = 1;
		return;
	}
	if (is_mcp_tool(l, c->tool)) {
		int is_error = 0;

		rc = mcp_call(l->o.mcp, c->tool->name, c->pc->arguments, &raw, &is_error,
			      l->o.cancel);
		rc = rc || is_error ? -1 : 0;
	} else {
		rc = tool_call(c->tool, &l->env, c->pc->arguments, &raw);
	}
	c->ms = clock_ms() - t0;
	c->is_error = rc != 0;
	/* large results keep their head and tail, with a note */
	headtail_cap_text(raw.buf, raw.len, l->o.result_cap * 2 / 3,
			  l->o.result_cap / 3,
			  "the middle was cut; use Read with offset and limit, or Grep, to see it",
			  &c->result);
	strbuf_utf8_trim_partial(&c->result);
	strbuf_release(&raw);
}

static void *execute_thread(void *arg)
{
	execute(arg);
	http_thread_cleanup();
	return NULL;
}

/* The job of a delegating call: Task's subagent_type and prompt, or a
 * subagent's own tool's query.  0, or -1 with an error result. */
static int task_of(struct call *c, struct delegate_task *t)
{
	static const char *const prompt_keys[] = {
		"prompt", "query", "objective", "task", "request", "message", "description",
	};
	json_error_t jerr;
	json_t *args = json_loads(c->pc->arguments[0] ? c->pc->arguments : "{}", 0, &jerr);
	const char *agent, *prompt = NULL, *desc;
	size_t i;
	int rc = -1;

	if (!json_is_object(args)) {
		strbuf_addstr(&c->result, "error: the arguments are not a JSON object; the call was not run");
		goto out;
	}
	agent = c->as_agent ? c->as_agent
			    : json_string_value(json_object_get(args, "subagent_type"));
	if (!agent)
		agent = json_string_value(json_object_get(args, "agent"));
	for (i = 0; !prompt && i < ARRAY_SIZE(prompt_keys); i++)
		prompt = json_string_value(json_object_get(args, prompt_keys[i]));
	desc = json_string_value(json_object_get(args, "description"));
	if (!agent || !*agent) {
		strbuf_addstr(&c->result, "error: invalid arguments for Task: 'subagent_type' (the agent to run) is required; the call was not run");
		goto out;
	}
	if (!prompt || !*prompt) {
		strbuf_addstr(&c->result, "error: invalid arguments for Task: 'prompt' (the job, self-contained) is required; the call was not run");
		goto out;
	}
	delegate_task_init(t, "Task", c->pc->id, agent, desc, prompt);
	rc = 0;
out:
	json_decref(args);
	return rc;
}

/* Delegating calls of one response: in parallel, as children. */
static void run_delegations(struct loop *l, struct call *calls, size_t n)
{
	struct delegate_task *tasks = xcalloc(n, sizeof(*tasks));
	size_t *of = xcalloc(n, sizeof(*of)), nt = 0, k;

	for (k = 0; k < n; k++) {
		if (l->o.ui.tool_start)
			l->o.ui.tool_start(l->o.ui.ud, calls[k].pc->id, calls[k].tool->name,
					   calls[k].pc->arguments);
		if (task_of(&calls[k], &tasks[nt])) {
			calls[k].is_error = 1;
			continue;
		}
		of[nt++] = k;
	}
	delegate_run(l, tasks, nt);
	for (k = 0; k < nt; k++) {
		struct call *c = &calls[of[k]];

		c->ms = tasks[k].ms;
		c->is_error = tasks[k].is_error;
		headtail_cap_text(tasks[k].result.buf, tasks[k].result.len,
				  l->o.result_cap * 2 / 3, l->o.result_cap / 3,
				  "the middle of the report was cut", &c->result);
		strbuf_utf8_trim_partial(&c->result);
		delegate_task_release(&tasks[k]);
	}
	free(tasks);
	free(of);
}

static void run_calls(struct loop *l, struct call *calls, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t j = i, k;

		if (calls[i].run && calls[i].tool->delegates) {
			/* a run of delegations: children, in parallel */
			while (j < n && calls[j].run && calls[j].tool->delegates)
				j++;
			run_delegations(l, calls + i, j - i);
			i = j;
			continue;
		}

		if (!calls[i].run || !calls[i].tool->read_only) {
			if (calls[i].run) {
				if (l->o.ui.tool_start)
					l->o.ui.tool_start(l->o.ui.ud, calls[i].pc->id,
							   calls[i].tool->name,
							   calls[i].pc->arguments);
				execute(&calls[i]);
			}
			i++;
			continue;
		}
		/* a run of read-only calls: in parallel */
		while (j < n && calls[j].run && calls[j].tool->read_only &&
		       j - i < PARALLEL_MAX)
			j++;
		for (k = i; k < j; k++)
			if (l->o.ui.tool_start)
				l->o.ui.tool_start(l->o.ui.ud, calls[k].pc->id,
						   calls[k].tool->name, calls[k].pc->arguments);
		if (j - i == 1) {
			execute(&calls[i]);
		} else {
			pthread_t tids[PARALLEL_MAX];

			for (k = i; k < j; k++)
				pthread_create(&tids[k - i], NULL, execute_thread, &calls[k]);
			for (k = i; k < j; k++)
				pthread_join(tids[k - i], NULL);
		}
		i = j;
	}
}

/* ---- MCP tools ---------------------------------------------------------------- */

static int mcp_wanted(const struct loop *l, const char *full)
{
	size_t i;

	if (l->mcp_all)
		return 1;
	for (i = 0; i < l->mcp_refs.nr; i++)
		if (!strcmp(l->mcp_refs.v[i], full) || glob_match(l->mcp_refs.v[i], full, 0))
			return 1;
	return 0;
}

/* Offers the MCP tools this agent may use: waits (once, bounded) for
 * servers still starting, says once which failed, lists changed tools
 * again. */
static void sync_mcp(struct loop *l)
{
	struct mcp *m = l->o.mcp;
	struct strbuf failed = STRBUF_INIT;
	struct mcp_tool *snap;
	size_t i, n = 0, total;
	unsigned long gen;

	if (!m || !m->nr)
		return;		/* no servers: nothing on the request path */
	if (!l->mcp_waited) {
		l->mcp_waited = 1;
		mcp_wait(m, l->o.mcp_wait_ms > 0 ? l->o.mcp_wait_ms
			    : m->start_timeout_ms > 0 ? m->start_timeout_ms : 10000);
	} else {
		mcp_wait(m, 0);
	}
	mcp_refresh(m);
	mcp_take_failures(m, &failed);
	if (failed.len) {
		if (l->o.ui.notice)
			l->o.ui.notice(l->o.ui.ud, failed.buf);
		else
			log_warn("mcp", "%s", failed.buf);
	}
	strbuf_release(&failed);
	/* the lists' generation says whether anything changed, even a schema
	 * that kept the count (a copy is taken: other threads' loops may
	 * list them again meanwhile) */
	if (l->mcp_tools && mcp_tools_generation(m) == l->mcp_gen)
		return;
	total = mcp_tools_copy(m, &snap, &gen);
	l->mcp_gen = gen;
	l->tools_gen++;		/* the provider encodes the tools again */
	/* rebuild: the built-in tools stay, the MCP ones are listed afresh */
	for (i = l->base_tools_nr; i < l->tools_nr; i++)
		json_decref(l->schemas[i].schema);
	l->tools_nr = l->base_tools_nr;
	free(l->mcp_tools);
	mcp_tools_free(l->mcp_snap, l->mcp_snap_nr);
	l->mcp_snap = snap;
	l->mcp_snap_nr = total;
	l->mcp_tools = xcalloc(total ? total : 1, sizeof(*l->mcp_tools));
	l->tools = xrealloc(l->tools, (l->base_tools_nr + total + 1) * sizeof(*l->tools));
	l->schemas = xrealloc(l->schemas, (l->base_tools_nr + total + 1) * sizeof(*l->schemas));
	for (i = 0; i < total; i++) {
		const struct mcp_tool *mt = &snap[i];
		struct tool *t = &l->mcp_tools[n];

		if (!mcp_wanted(l, mt->full))
			continue;
		/* the strings are the snapshot's, which lives as long as these */
		t->name = mt->full;
		t->description = mt->description;
		t->schema = mt->schema;
		if (!parent_has(l, t))
			continue;
		n++;
		l->tools[l->tools_nr] = t;
		l->schemas[l->tools_nr].name = t->name;
		l->schemas[l->tools_nr].description = t->description;
		l->schemas[l->tools_nr].schema = json_loads(t->schema, 0, NULL);
		if (!l->schemas[l->tools_nr].schema)
			l->schemas[l->tools_nr].schema = json_pack("{s:s}", "type", "object");
		l->tools_nr++;
	}
	l->mcp_tools_nr = n;
}

int loop_run(struct loop *l, const char *prompt, enum loop_exit *exit,
	     struct strbuf *err)
{
	struct conv_msg *m;
	struct provider_request req;
	struct provider_hooks hooks;
	size_t denials_before = l->denials_nr;
	struct strbuf hook_ctx;
	long long sent_at;
	int rc = 0, stop_continues = 0;

	*exit = LOOP_DONE;
	strbuf_reset(&l->last_text);
	record_begin(l, prompt);
	announce(l);
	strbuf_init(&hook_ctx, (size_t)1 << 20);
	if (!l->session_started) {
		l->session_started = 1;
		if (hooks_any(l->o.hooks, HOOK_SESSION_START, NULL)) {
			struct hook_input hi;
			struct hook_outcome ho;

			memset(&hi, 0, sizeof(hi));
			run_hooks(l, HOOK_SESSION_START, &hi, &ho);
			strbuf_add(&hook_ctx, ho.context.buf, ho.context.len);
			hook_outcome_release(&ho);
		}
	}
	if (hooks_any(l->o.hooks, HOOK_USER_PROMPT_SUBMIT, NULL)) {
		struct hook_input hi;
		struct hook_outcome ho;

		memset(&hi, 0, sizeof(hi));
		hi.prompt = prompt;
		run_hooks(l, HOOK_USER_PROMPT_SUBMIT, &hi, &ho);
		if (ho.block) {
			/* the prompt is not sent; the user is told why */
			struct strbuf msg = STRBUF_INIT;

			strbuf_addf(&msg, "a UserPromptSubmit hook blocked the prompt: %s", ho.reason.buf);
			if (l->o.ui.notice)
				l->o.ui.notice(l->o.ui.ud, msg.buf);
			add_denial(l, "UserPromptSubmit", prompt, ho.reason.buf);
			strbuf_release(&msg);
			hook_outcome_release(&ho);
			strbuf_release(&hook_ctx);
			*exit = LOOP_DENIED;
			return 0;
		}
		if (ho.context.len) {
			if (hook_ctx.len)
				strbuf_addch(&hook_ctx, '\n');
			strbuf_add(&hook_ctx, ho.context.buf, ho.context.len);
		}
		hook_outcome_release(&ho);
	}
	m = conv_add_msg(&l->conv, CONV_USER);
	conv_add_text(m, prompt, strlen(prompt));
	if (hook_ctx.len) {
		struct strbuf t = STRBUF_INIT_CAP((size_t)1 << 20);

		strbuf_addf(&t, "<hook-context>\n%s\n</hook-context>", hook_ctx.buf);
		conv_add_text(m, t.buf, t.len);
		strbuf_release(&t);
	}
	strbuf_release(&hook_ctx);
	{
		/* routing: the matched specialists' reports (or names) go
		 * with the prompt, so the agent synthesises from the start */
		struct strbuf context = STRBUF_INIT_CAP((size_t)16 << 20);

		if (!l->route_text || *l->route_text)
			delegate_route(l, l->route_text ? l->route_text : prompt, &context);
		if (context.len)
			conv_add_text(&l->conv.msgs[l->conv.nr - 1], context.buf, context.len);
		strbuf_release(&context);
	}
	record_messages(l, 0);

	memset(&hooks, 0, sizeof(hooks));
	hooks.cancel = l->o.cancel;
	for (;;) {
		struct provider_reply reply;
		struct conv_msg am, results;
		struct call *calls;
		size_t i;

		if (cancel_requested(l->o.cancel)) {
			*exit = LOOP_INTERRUPTED;
			break;
		}
		if (l->turns >= l->o.max_turns) {
			*exit = LOOP_MAX_TURNS;
			break;
		}
		if (l->o.max_tokens_total &&
		    l->usage.input_tokens + l->usage.output_tokens + l->usage.cache_read_tokens +
		    l->usage.cache_write_tokens >= l->o.max_tokens_total) {
			*exit = LOOP_BUDGET;
			break;
		}
		sync_mcp(l);
		memset(&req, 0, sizeof(req));
		req.conv = &l->conv;
		req.cache = &l->cache;
		req.tools = l->schemas;
		req.tools_nr = l->tools_nr;
		req.tools_gen = l->tools_gen;
		req.model = l->model.id;
		req.has_temperature = l->o.agent->has_temperature;
		req.temperature = l->o.agent->temperature;
		req.max_tokens = l->max_tokens;
		provider_reply_init(&reply);
		l->turns++;
		sent_at = clock_wall_ms();
		strbuf_reset(&l->partial);
		l->partial_at = clock_ms();
		l->partial_saved = 0;
		if (provider_send(&l->pcfg, &req, l->has_price ? &l->price : NULL,
				  &hooks, on_provider_event, l, &reply, err)) {
			*exit = reply.error == PROVIDER_ERR_CANCELLED ? LOOP_INTERRUPTED
								      : LOOP_PROVIDER_ERROR;
			record_model(l, &reply, sent_at,
				     *exit == LOOP_INTERRUPTED ? "interrupted" : "error", err->buf);
			/* keep what was shown of an interrupted answer */
			if (reply.text.len) {
				memset(&am, 0, sizeof(am));
				am.role = CONV_ASSISTANT;
				conv_add_text(&am, reply.text.buf, reply.text.len);
				conv_push_msg(&l->conv, &am);
				record_messages(l, 1);
			} else if (l->partial_saved && l->o.store) {
				/* a partial answer saved, then discarded by a
				 * retry that failed: it is not the conversation */
				store_truncate(l->o.store, l->session_id, (long)l->conv.nr);
			}
			record_turn_end(l);
			rc = *exit == LOOP_INTERRUPTED ? 0 : -1;
			provider_reply_release(&reply);
			break;
		}
		l->usage.input_tokens += reply.usage.input_tokens;
		l->usage.output_tokens += reply.usage.output_tokens;
		l->usage.cache_read_tokens += reply.usage.cache_read_tokens;
		l->usage.cache_write_tokens += reply.usage.cache_write_tokens;
		l->cost += reply.cost;
		record_model(l, &reply, sent_at, "ok", NULL);
		if (l->o.ui.turn_end)
			l->o.ui.turn_end(l->o.ui.ud, &reply);

		memset(&am, 0, sizeof(am));
		am.role = CONV_ASSISTANT;
		provider_reply_to_msg(&reply, &am);
		conv_push_msg(&l->conv, &am);
		record_messages(l, 0);
		strbuf_reset(&l->last_text);
		strbuf_add(&l->last_text, reply.text.buf, reply.text.len);

		if (!reply.calls_nr) {
			enum hook_event sev = l->o.depth ? HOOK_SUBAGENT_STOP : HOOK_STOP;

			record_turn_end(l);
			provider_reply_release(&reply);
			/* a Stop hook may send the agent back to work (a few times) */
			if (stop_continues < 3 && hooks_any(l->o.hooks, sev, NULL)) {
				struct hook_input hi;
				struct hook_outcome ho;
				int again;

				memset(&hi, 0, sizeof(hi));
				run_hooks(l, sev, &hi, &ho);
				again = ho.block;
				if (again) {
					struct strbuf t = STRBUF_INIT;

					strbuf_addf(&t, "A %s hook asks you to continue: %s",
						    hook_event_name(sev), ho.reason.buf);
					m = conv_add_msg(&l->conv, CONV_USER);
					conv_add_text(m, t.buf, t.len);
					record_messages(l, 0);
					strbuf_release(&t);
					stop_continues++;
				}
				hook_outcome_release(&ho);
				if (again)
					continue;
			}
			break;
		}
		calls = xcalloc(reply.calls_nr, sizeof(*calls));
		for (i = 0; i < reply.calls_nr; i++) {
			calls[i].pc = &reply.calls[i];
			calls[i].l = l;
			strbuf_init(&calls[i].result, (size_t)1 << 20);
			vet(l, &calls[i]);
		}
		run_calls(l, calls, reply.calls_nr);
		for (i = 0; i < reply.calls_nr; i++) {
			struct hook_input hi;
			struct hook_outcome ho;

			if (!calls[i].run ||
			    !hooks_any(l->o.hooks, HOOK_POST_TOOL_USE, calls[i].tool->name))
				continue;
			memset(&hi, 0, sizeof(hi));
			hi.tool = calls[i].tool->name;
			hi.tool_input = calls[i].pc->arguments;
			hi.tool_response = calls[i].result.buf;
			hi.tool_error = calls[i].is_error;
			run_hooks(l, HOOK_POST_TOOL_USE, &hi, &ho);
			/* what hooks add reaches the model with the result */
			if (ho.block)
				strbuf_addf(&calls[i].result, "\n\n[a PostToolUse hook objected: %s]",
					    ho.reason.buf);
			if (ho.context.len)
				strbuf_addf(&calls[i].result, "\n\n<hook-context>\n%s\n</hook-context>",
					    ho.context.buf);
			hook_outcome_release(&ho);
		}
		memset(&results, 0, sizeof(results));
		results.role = CONV_USER;
		for (i = 0; i < reply.calls_nr; i++) {
			l->tool_calls++;
			/* recorded before it is reported: what a user saw done
			 * is in the record even if archie is killed next */
			record_call(l, &calls[i]);
			if (l->o.ui.tool_end)
				l->o.ui.tool_end(l->o.ui.ud, calls[i].pc->id,
						 calls[i].tool ? calls[i].tool->name : calls[i].pc->name,
						 calls[i].result.buf, calls[i].is_error, calls[i].ms);
			conv_add_tool_result(&results, calls[i].pc->id, calls[i].result.buf,
					     calls[i].is_error);
			strbuf_release(&calls[i].result);
			free(calls[i].rule);
		}
		conv_push_msg(&l->conv, &results);
		record_messages(l, 0);
		record_turn_end(l);
		free(calls);
		provider_reply_release(&reply);
	}
	/* a run that hit a denial says so in its exit status, so scripts
	 * notice work that was not done */
	if (*exit == LOOP_DONE && l->denials_nr > denials_before)
		*exit = LOOP_DENIED;
	return rc;
}
