/*
 * loop: the turn loop.  See loop.h.
 */
#include "loop/loop_int.h"

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
#include "core/toolnames.h"
#include "custom/skill.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_MAX_TURNS 100
#define DEFAULT_RESULT_CAP 30000
/* pause_turn continuations of one prompt before archie stops asking */
#define MAX_PAUSES 8

const char *loop_exit_name(enum loop_exit e)
{
	static const char *const names[] = {
		"done", "max_turns", "interrupted", "provider_error", "permission_denied",
		"token_budget", "max_cost",
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

static void on_tool_output(void *ud, const char *data, size_t n)
{
	struct loop *l = ud;

	l->o.ui.tool_output(l->o.ui.ud, data, n);
}

static void on_todos(void *ud, const struct todo_list *t)
{
	struct loop *l = ud;

	if (l->o.ui.todos)
		l->o.ui.todos(l->o.ui.ud, t);
}

/* Every source of permission rules, weakest first (order does not change
 * the result: across sources the strictest verdict wins). */
static int init_policy(struct loop *l, struct strbuf *err)
{
	const struct loop_opts *o = &l->o;
	const struct strvec *flags[3] = { o->allow, o->ask, o->deny };
	static const enum rule_action acts[3] = { RULE_ALLOW, RULE_ASK, RULE_DENY };
	struct strbuf name = STRBUF_INIT;
	size_t i, k;

	policy_init(&l->policy, o->root);
	l->policy.mode = o->mode;
	/* a subagent can never do more than its parents may */
	l->policy.owner = o->agent->name;
	if (l->child.parent)
		l->policy.parent = &l->child.parent->policy;
	for (i = 0; i < o->cfg->extra_dirs.nr; i++)
		policy_add_root(&l->policy, o->cfg->extra_dirs.v[i]);
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

	if (l->child.parent)
		sandbox_share(&l->sandbox, &l->child.parent->sandbox);
	l->env.sandbox = &l->sandbox;
}

/* What follows from l->model: the provider's settings, the price, the
 * limits. */
static void model_setup(struct loop *l)
{
	strvec_release(&l->pmodels);
	config_provider_setup(l->o.cfg, &l->model, &l->pcfg, &l->pmodels);
	l->has_price = 0;
	l->max_tokens = 0;
	if (l->model.model) {
		l->has_price = l->model.model->has_price;
		l->price = l->model.model->price;
		l->max_tokens = l->model.model->max_tokens;
	}
	config_model_limits(&l->model, &l->limits);
	l->env.vision = l->limits.vision;
}

void loop_add_root(struct loop *l, const char *dir)
{
	policy_add_root(&l->policy, dir);
}

enum policy_mode loop_mode(const struct loop *l)
{
	return l->policy.mode;
}

void loop_set_mode(struct loop *l, enum policy_mode mode)
{
	l->policy.mode = mode;
}

/* tool_env.on_skill: a loaded skill is active for the rest of the prompt. */
static void on_skill(void *ud, const struct skill *s)
{
	struct loop *l = ud;

	l->active_skill = s;
}

void loop_activate_skill(struct loop *l, const struct skill *s)
{
	l->active_skill = s;
}

int loop_allow_rules(struct loop *l, const char *source, const struct strvec *rules,
		     struct strbuf *err)
{
	size_t i;

	for (i = 0; i < rules->nr; i++)
		if (policy_add_rule(&l->policy, source, rules->v[i], RULE_ALLOW, err)) {
			policy_remove_source(&l->policy, source);
			return -1;
		}
	return 0;
}

void loop_drop_rules(struct loop *l, const char *source)
{
	policy_remove_source(&l->policy, source);
}

enum agent_routing loop_routing(const struct loop *l)
{
	return l->o.delegation.routing != AGENT_ROUTING_DEFAULT ? l->o.delegation.routing
							       : agent_routing_effective(l->o.agent);
}

void loop_set_routing(struct loop *l, enum agent_routing mode)
{
	l->o.delegation.routing = mode;
}

void loop_permissions(const struct loop *l, struct strbuf *out)
{
	size_t i, k;

	for (i = 0; i < l->policy.nr; i++) {
		const struct policy_source *src = &l->policy.src[i];

		for (k = 0; k < src->nr; k++) {
			const struct policy_rule *r = &src->rules[k];

			strbuf_addf(out, "%-22s %-5s %s", src->name, rule_action_name(r->action), r->tool);
			if (r->pattern)
				strbuf_addf(out, "(%s)", r->pattern);
			strbuf_addch(out, '\n');
		}
	}
	if (!out->len)
		strbuf_addstr(out, "no rules: the built-in defaults decide (reads allowed, changes asked)\n");
}

int loop_set_model(struct loop *l, const char *ref, struct strbuf *err)
{
	struct config_resolved m;
	struct strvec ids = STRVEC_INIT;

	if (config_resolve_model(l->o.cfg, ref, NULL, &m, err))
		return -1;
	/* an id no configuration names: the server's list says whether it
	 * serves it (when it has one to give) */
	if (!strcmp(m.how, "bare id") && !config_server_models(m.provider, &ids) && ids.nr &&
	    strvec_find(&ids, m.id) < 0) {
		size_t i;

		strbuf_seterr(err, "provider '%s' does not serve a model '%s'; it lists ",
			      m.provider->name, m.id);
		for (i = 0; i < ids.nr && i < 8; i++)
			strbuf_addf(err, "%s%s", i ? ", " : "", ids.v[i]);
		strbuf_addstr(err, ids.nr > 8 ? ", ... ('archie models' shows all)" : "");
		strvec_release(&ids);
		config_resolved_release(&m);
		return -1;
	}
	strvec_release(&ids);
	config_resolved_release(&l->model);
	l->model = m;
	model_setup(l);
	/* the conversation stays; its encoded form was for the old model's
	 * protocol, and what the last server billed says nothing of the new */
	provider_cache_release(&l->cache);
	provider_cache_init(&l->cache);
	l->ctx_reported = 0;
	l->ctx_reported_nr = 0;
	log_debug("loop", "session %s: model now %s/%s", l->session_id, l->model.provider->name,
		  l->model.id);
	return 0;
}

int loop_init(struct loop *l, const struct loop_opts *o, const struct loop_child_opts *child,
	      struct strbuf *err)
{
	struct strbuf sys = STRBUF_INIT;
	const char *ref = o->model ? o->model : o->agent->model;

	memset(l, 0, sizeof(*l));
	l->o = *o;
	if (child)
		l->child = *child;
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
	if (config_resolve_model(o->cfg, ref, l->child.inherit_model, &l->model, err))
		return -1;
	model_setup(l);
	/* before the tools: which of them the rules let the provider run
	 * unasked (its own web search) is the policy's to say */
	if (init_policy(l, err))
		return -1;
	toolset_offer(l);
	{
		struct strvec seen = STRVEC_INIT;

		prompt_build(o->agent->prompt, o->root, o->cwd, &sys, &seen);
		prompt_add_instructions(&o->cfg->instructions, &seen, &sys);
		strvec_release(&seen);
	}
	toolset_missing_note(l, &sys);
	/* skills: names and descriptions only, the rest on demand */
	if (o->skills && toolset_find(l, "Skill"))
		skill_list_prompt(o->skills, o->agent->has_skills ? &o->agent->skills : NULL, &sys);
	conv_set_system(&l->conv, sys.buf);
	strbuf_release(&sys);

	file_join(&l->memory_file, o->root, "ARCHIE.md");
	l->env.root = o->root;
	l->env.cwd = o->cwd;
	l->env.memory_file = l->memory_file.buf;
	l->env.cancel = o->cancel;
	l->env.todos = &l->todos;
	l->env.on_todos = on_todos;
	l->env.on_output = l->o.ui.tool_output ? on_tool_output : NULL;
	l->env.skills = o->skills;
	l->env.bg = o->bg;
	l->env.result_cap = o->result_cap;
	l->env.skills_only = o->agent->has_skills ? &o->agent->skills : NULL;
	l->env.on_skill = on_skill;
	l->env.ud = l;
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

	for (i = 0; i < l->tools_nr; i++) {
		json_decref(l->schemas[i].schema);
		json_decref(l->schemas[i].server);
	}
	free(l->schemas);
	free(l->tools);
	free(l->agent_tools);
	free(l->mcp_tools);
	mcp_tools_free(l->mcp_snap, l->mcp_snap_nr);
	strvec_release(&l->mcp_refs);
	strvec_release(&l->owned);
	for (i = 0; i < l->denials_nr; i++) {
		free(l->denials[i].tool);
		free(l->denials[i].arguments);
		free(l->denials[i].reason);
		free(l->denials[i].rule);
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
	free(l->search_missing);
	free(l->prompt_text);
	strbuf_release(&l->last_text);
	strbuf_release(&l->partial);
	free(l->session_id);
	memset(l, 0, sizeof(*l));
}

struct loop *loop_new(const struct loop_opts *o, struct strbuf *err)
{
	struct loop *l = xcalloc(1, sizeof(*l));

	if (!loop_init(l, o, NULL, err))
		return l;
	loop_release(l);
	free(l);
	return NULL;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	loop_release(l);
	free(l);
}

void loop_totals(const struct loop *l, struct loop_totals *t)
{
	memset(t, 0, sizeof(*t));
	t->turns = l->turns;
	t->tool_calls = l->tool_calls;
	t->usage = l->usage;
	t->cost = l->cost;
	t->has_price = l->has_price;
	t->denials = l->denials_nr;
	t->sub_runs = l->sub.runs;
	t->sub_usage = l->sub.usage;
	t->sub_cost = l->sub.cost;
}

const struct loop_denial *loop_denials(const struct loop *l, size_t *nr)
{
	*nr = l->denials_nr;
	return l->denials;
}

const char *loop_session_id(const struct loop *l)
{
	return l->session_id;
}

const struct agent *loop_agent(const struct loop *l)
{
	return l->o.agent;
}

const char *loop_provider_name(const struct loop *l)
{
	return l->model.provider->name;
}

const char *loop_model_id(const struct loop *l)
{
	return l->model.id;
}

const char *loop_last_text(const struct loop *l)
{
	return l->last_text.len ? l->last_text.buf : "";
}

const struct todo_list *loop_todos(const struct loop *l)
{
	return &l->todos;
}

const struct conv *loop_conv(const struct loop *l)
{
	return &l->conv;
}

size_t loop_tools_nr(const struct loop *l)
{
	return l->tools_nr;
}

const char *loop_tool_name(const struct loop *l, size_t i)
{
	return i < l->tools_nr ? l->tools[i]->name : NULL;
}

void loop_set_route_text(struct loop *l, const char *text)
{
	l->route_text = text;
}

void loop_set_subtask(struct loop *l, const char *agent, const char *label)
{
	l->subtask_agent = agent;
	l->subtask_label = label;
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
	l->seq_base = 0;
	l->ctx_reported = 0;
}

/* ---- the record ------------------------------------------------------------ */

/* ---- the provider side ---------------------------------------------------- */

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
	case PROVIDER_EV_REASONING:
		if (ui->reasoning)
			ui->reasoning(ui->ud, ev->text, ev->len);
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

/* ---- MCP tools ---------------------------------------------------------------- */

/* The prompt's hooks, the user message, and routed specialists' reports.
 * Returns -1 when a UserPromptSubmit hook blocked the prompt (*exit set). */
static int prepare(struct loop *l, const char *prompt, enum loop_exit *exit)
{
	struct strbuf hook_ctx = STRBUF_INIT_CAP((size_t)1 << 20);
	struct strbuf context = STRBUF_INIT_CAP((size_t)16 << 20);
	struct hook_input hi;
	struct hook_outcome ho;
	struct conv_msg *m;

	memset(&hi, 0, sizeof(hi));
	if (!l->session_started) {
		l->session_started = 1;
		if (hooks_any(l->o.hooks, HOOK_SESSION_START, NULL)) {
			record_run_hooks(l, HOOK_SESSION_START, &hi, &ho);
			strbuf_add(&hook_ctx, ho.context.buf, ho.context.len);
			hook_outcome_release(&ho);
		}
	}
	if (hooks_any(l->o.hooks, HOOK_USER_PROMPT_SUBMIT, NULL)) {
		hi.prompt = prompt;
		record_run_hooks(l, HOOK_USER_PROMPT_SUBMIT, &hi, &ho);
		if (ho.block) {
			/* the prompt is not sent; the user is told why */
			struct strbuf msg = STRBUF_INIT;

			strbuf_addf(&msg, "a UserPromptSubmit hook blocked the prompt: %s", ho.reason.buf);
			if (l->o.ui.notice)
				l->o.ui.notice(l->o.ui.ud, msg.buf);
			calls_add_denial(l, "UserPromptSubmit", prompt, ho.reason.buf, NULL);
			strbuf_release(&msg);
			hook_outcome_release(&ho);
			strbuf_release(&hook_ctx);
			*exit = LOOP_DENIED;
			return -1;
		}
		if (ho.context.len && hook_ctx.len)
			strbuf_addch(&hook_ctx, '\n');
		strbuf_add(&hook_ctx, ho.context.buf, ho.context.len);
		hook_outcome_release(&ho);
	}
	m = conv_add_msg(&l->conv, CONV_USER);
	conv_add_text(m, prompt, strlen(prompt));
	/* the prompt the changes of this run answer (undo goes by it) */
	l->prompt_seq = l->seq_base + (long)l->conv.nr - 1;
	free(l->prompt_text);
	l->prompt_text = xstrndup(prompt, 200);
	if (hook_ctx.len) {
		struct strbuf t = STRBUF_INIT_CAP((size_t)1 << 20);

		strbuf_addf(&t, "<hook-context>\n%s\n</hook-context>", hook_ctx.buf);
		conv_add_text(m, t.buf, t.len);
		strbuf_release(&t);
	}
	strbuf_release(&hook_ctx);
	/* routing: the matched specialists' reports (or names) go with the
	 * prompt, so the agent synthesises from the start */
	if (!l->route_text || *l->route_text) {
		struct delegate_parent dp;

		child_parent(l, &dp);
		delegate_route(&dp, l->route_text ? l->route_text : prompt, &context);
	}
	if (context.len)
		conv_add_text(&l->conv.msgs[l->conv.nr - 1], context.buf, context.len);
	strbuf_release(&context);
	record_messages(l, 0);
	return 0;
}

/* 1 if the next request would take the session (its subagents too) past
 * --max-cost: what was spent, plus the next prompt's input at least (the
 * context as estimated, uncached, at the model's input price). */
static int would_pass(struct loop *l)
{
	double next = (double)context_estimate(l) * l->price.input / 1e6;

	return l->cost + l->sub.cost + next > l->o.max_cost;
}

/* 1 when the loop must stop before another request (*exit set). */
static int must_stop(struct loop *l, enum loop_exit *exit)
{
	if (cancel_requested(l->o.cancel))
		*exit = LOOP_INTERRUPTED;
	else if (l->turns >= l->o.max_turns)
		*exit = LOOP_MAX_TURNS;
	else if (l->o.max_tokens_total &&
		 l->usage.input_tokens + l->usage.output_tokens + l->usage.cache_read_tokens +
		 l->usage.cache_write_tokens >= l->o.max_tokens_total)
		*exit = LOOP_BUDGET;
	else if (l->o.max_cost > 0 && l->has_price && would_pass(l))
		*exit = LOOP_COST;
	else
		return 0;
	return 1;
}

/* One request to the model.  0: reply holds its answer, added to the
 * conversation and recorded; -1: it failed (*exit says how; what was shown
 * of the answer is kept, reply released). */
/* One attempt at the request (the provider retries what is transient). */
static int send_once(struct loop *l, struct provider_reply *reply, struct strbuf *err)
{
	struct provider_request req;
	struct provider_hooks hooks;

	toolset_sync(l);
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
	req.cache_key = l->session_id;
	if (l->model.model) {
		req.thinking = l->model.model->thinking;
		req.reasoning_effort = l->model.model->reasoning_effort;
		req.extra_body = l->model.model->extra_body;
	}
	if (l->o.thinking)
		req.thinking = l->o.thinking > 0 ? l->o.thinking : 0;
	memset(&hooks, 0, sizeof(hooks));
	hooks.cancel = l->o.cancel;
	provider_reply_init(reply);
	strbuf_reset(&l->partial);
	l->partial_at = clock_ms();
	l->partial_saved = 0;
	return provider_send(&l->pcfg, &req, l->has_price ? &l->price : NULL,
			     &hooks, on_provider_event, l, reply, err);
}

/* The context first: compacted when the request would pass the
 * threshold, and once more (then sent again) when the server says the
 * prompt is too long.  0, or -1 with err from the last attempt. */
static int send_fitting(struct loop *l, struct provider_reply *reply, long long *sent_at,
			struct strbuf *err)
{
	struct strbuf cerr = STRBUF_INIT;
	int rc;

	if (compact_maybe(l, 0, NULL, &cerr) < 0)
		log_warn("loop", "the conversation could not be compacted: %s", cerr.buf);
	if (log_enabled(LOG_DEBUG))
		log_debug("loop", "context estimate %ld tokens of %ld", context_estimate(l),
			  l->limits.context);
	*sent_at = clock_wall_ms();
	rc = send_once(l, reply, err);
	if (rc && reply->error == PROVIDER_ERR_CONTEXT && !cancel_requested(l->o.cancel)) {
		strbuf_reset(&cerr);
		if (compact_maybe(l, 1, NULL, &cerr) == 1) {
			record_model(l, reply, *sent_at, "error", err->buf);
			provider_reply_release(reply);
			strbuf_reset(err);
			*sent_at = clock_wall_ms();
			rc = send_once(l, reply, err);
		} else if (cerr.len) {
			strbuf_addf(err, "; compacting the conversation failed too: %s", cerr.buf);
		}
	}
	strbuf_release(&cerr);
	return rc;
}

/* One request to the model.  0: reply holds its answer, added to the
 * conversation and recorded; -1: it failed (*exit says how; what was shown
 * of the answer is kept, reply released). */
static int request(struct loop *l, struct provider_reply *reply, enum loop_exit *exit,
		   struct strbuf *err)
{
	struct conv_msg am;
	long long sent_at;

	l->turns++;
	memset(&am, 0, sizeof(am));
	am.role = CONV_ASSISTANT;
	if (send_fitting(l, reply, &sent_at, err)) {
		*exit = reply->error == PROVIDER_ERR_CANCELLED ? LOOP_INTERRUPTED
							       : LOOP_PROVIDER_ERROR;
		record_model(l, reply, sent_at,
			     *exit == LOOP_INTERRUPTED ? "interrupted" : "error", err->buf);
		/* keep what was shown of an interrupted answer */
		if (reply->text.len) {
			conv_add_text(&am, reply->text.buf, reply->text.len);
			conv_push_msg(&l->conv, &am);
			record_messages(l, 1);
		} else if (l->partial_saved && l->o.store) {
			/* a partial answer saved, then discarded by a retry that
			 * failed: it is not the conversation */
			store_truncate(l->o.store, l->session_id, l->seq_base + (long)l->conv.nr);
		}
		record_turn_end(l);
		provider_reply_release(reply);
		return -1;
	}
	provider_usage_add(&l->usage, &reply->usage);
	l->cost += reply->cost;
	record_model(l, reply, sent_at, "ok", NULL);
	if (reply->notice && l->o.ui.notice)
		l->o.ui.notice(l->o.ui.ud, reply->notice);
	if (l->o.ui.turn_end)
		l->o.ui.turn_end(l->o.ui.ud, reply);
	provider_reply_to_msg(reply, &am);
	conv_push_msg(&l->conv, &am);
	context_reported(l, &reply->usage);
	record_messages(l, 0);
	strbuf_reset(&l->last_text);
	strbuf_add(&l->last_text, reply->text.buf, reply->text.len);
	return 0;
}

/* The model stopped: a Stop hook may send it back to work (a few times).
 * Returns 1 to go on. */
static int stop_hooks(struct loop *l, int *continues)
{
	enum hook_event sev = l->child.depth ? HOOK_SUBAGENT_STOP : HOOK_STOP;
	struct hook_input hi;
	struct hook_outcome ho;
	int again;

	if (*continues >= 3 || !hooks_any(l->o.hooks, sev, NULL))
		return 0;
	memset(&hi, 0, sizeof(hi));
	record_run_hooks(l, sev, &hi, &ho);
	again = ho.block;
	if (again) {
		struct strbuf t = STRBUF_INIT;
		struct conv_msg *m;

		strbuf_addf(&t, "A %s hook asks you to continue: %s", hook_event_name(sev),
			    ho.reason.buf);
		m = conv_add_msg(&l->conv, CONV_USER);
		conv_add_text(m, t.buf, t.len);
		record_messages(l, 0);
		strbuf_release(&t);
		(*continues)++;
	}
	hook_outcome_release(&ho);
	return again;
}

/* The turn: prepare the prompt, then request -> vet the calls -> run them
 * -> record their results, until the model answers without calls. */
/* loop_run for a subtask (loop_set_subtask): the prompt (after the
 * UserPromptSubmit hooks, without routing) and the child's report join
 * the conversation as a user message and the answer to it. */
static int run_subtask(struct loop *l, const char *prompt, enum loop_exit *exit,
		       struct strbuf *err)
{
	const char *agent = l->subtask_agent, *label = l->subtask_label;
	const char *route = l->route_text;
	struct strbuf report = STRBUF_INIT_CAP((size_t)4 << 20);
	struct conv_msg *m;
	size_t denials_before = l->denials_nr;
	int rc;

	l->subtask_agent = l->subtask_label = NULL;
	l->route_text = "";
	rc = prepare(l, prompt, exit);
	l->route_text = route;
	if (rc) {
		rc = 0;		/* a hook blocked it: *exit says so */
		goto out;
	}
	if (calls_subtask(l, agent, label ? label : agent, prompt, &report)) {
		if (cancel_requested(l->o.cancel)) {
			*exit = LOOP_INTERRUPTED;
		} else if (l->denials_nr > denials_before) {
			*exit = LOOP_DENIED;
		} else {
			/* the child failed (its provider, its limits): the
			 * run failed, as a failed request fails loop_run */
			const char *nl = strchr(report.buf, '\n');

			*exit = LOOP_PROVIDER_ERROR;
			strbuf_add(err, report.buf, nl ? (size_t)(nl - report.buf) : report.len);
			rc = -1;
		}
	}
	if (!report.len)
		strbuf_addstr(&report, "(the subtask reported nothing)");
	m = conv_add_msg(&l->conv, CONV_ASSISTANT);
	conv_add_text(m, report.buf, report.len);
	record_messages(l, 0);
	record_turn_end(l);
	strbuf_add(&l->last_text, report.buf, report.len);
	if (!rc && l->o.ui.text)
		l->o.ui.text(l->o.ui.ud, report.buf, report.len);
out:
	strbuf_release(&report);
	return rc < 0 ? -1 : 0;
}

int loop_run(struct loop *l, const char *prompt, enum loop_exit *exit,
	     struct strbuf *err)
{
	size_t denials_before = l->denials_nr;
	int rc = 0, stop_continues = 0, pauses = 0;

	*exit = LOOP_DONE;
	strbuf_reset(&l->last_text);
	record_begin(l, prompt);
	record_announce(l);
	if (l->subtask_agent)
		return run_subtask(l, prompt, exit, err);
	if (prepare(l, prompt, exit))
		return 0;
	while (!must_stop(l, exit)) {
		struct provider_reply reply;

		if (request(l, &reply, exit, err)) {
			rc = *exit == LOOP_INTERRUPTED ? 0 : -1;
			break;
		}
		if (!reply.calls_nr) {
			/* a server that paused its own long turn (Anthropic's
			 * server tools) continues from what it sent */
			int paused = reply.stop_reason && !strcmp(reply.stop_reason, "pause_turn") &&
				     pauses++ < MAX_PAUSES;

			record_turn_end(l);
			provider_reply_release(&reply);
			if (paused || stop_hooks(l, &stop_continues))
				continue;
			break;
		}
		calls_handle(l, &reply);
		provider_reply_release(&reply);
	}
	/* a run that hit a denial says so in its exit status, so scripts
	 * notice work that was not done */
	if (*exit == LOOP_DONE && l->denials_nr > denials_before)
		*exit = LOOP_DENIED;
	l->active_skill = NULL;		/* a skill lasts one prompt */
	return rc;
}
