/*
 * calls: vetting and running the tool calls of one response.  See loop_int.h.
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
#include "checkpoint/checkpoint.h"
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

#define PARALLEL_MAX 8

void calls_add_denial(struct loop *l, const char *tool, const char *args,
		       const char *reason, const char *rule)
{
	struct loop_denial *d;

	ALLOC_GROW(l->denials, l->denials_nr + 1, l->denials_alloc);
	d = &l->denials[l->denials_nr++];
	d->tool = xstrdup(tool);
	d->arguments = xstrdup(args);
	d->reason = xstrdup(reason);
	d->rule = rule ? xstrdup(rule) : NULL;
}

/* An `ask` verdict settled: by the user (an "always" adds the precise
 * rules for the session), or, headless, a denial that says how to allow
 * it (*allow_rule, owned).  why gets the reason for a no. */
static enum policy_verdict ask(struct loop *l, struct call *c, const struct policy_decision *d,
			       struct strbuf *why, const char **by, char **allow_rule)
{
	struct loop_approval ap;
	enum policy_verdict v;
	int always = 0;
	size_t i;

	*by = "user";
	strbuf_reset(why);
	if (!l->o.ui.approve) {
		/* headless: nobody to ask */
		*by = "headless";
		*allow_rule = xstrdup(d->approvals.nr ? d->approvals.v[0] : c->tool->name);
		strbuf_addf(why, "it needs approval (%s) and no one can give it in a headless run; rerun with --yes, or allow it with a rule such as --allow '%s'",
			    d->why, *allow_rule);
		return POLICY_DENY;
	}
	ap.agent = l->o.agent->name;
	ap.subagent = l->child.depth > 0;
	ap.tool = c->tool->name;
	ap.args = c->pc->arguments;
	ap.why = d->why;
	ap.always = &d->approvals;
	ap.root = l->o.root;
	v = l->o.ui.approve(l->o.ui.ud, &ap, &always, why);
	/* "allow for this session": the precise rules, per command and
	 * subcommand, not the whole tool */
	for (i = 0; always && v == POLICY_ALLOW && i < d->approvals.nr; i++)
		policy_add_rule(&l->policy, "session approvals", d->approvals.v[i], RULE_ALLOW, why);
	if (always && v == POLICY_ALLOW && l->child.parent)
		policy_share_approvals(&l->policy, &d->approvals);
	if (v == POLICY_ALLOW)
		strbuf_reset(why);
	return v;
}

/* A call that may change files, so the workspace is snapshotted around
 * it: the file tools, and Bash unless every command in it only reads
 * (its option table says so) and nothing is written by redirection. */
static int may_write(const char *tool, const struct policy_decision *d)
{
	size_t i;

	if (!strcmp(tool, "Write") || !strcmp(tool, "Edit") || !strcmp(tool, "MultiEdit") ||
	    !strcmp(tool, "ApplyPatch"))
		return 1;
	if (strcmp(tool, "Bash"))
		return 0;
	for (i = 0; i < d->nr; i++)
		if (d->subj[i].kind == POLICY_SUBJ_WRITE ||
		    (d->subj[i].kind == POLICY_SUBJ_COMMAND && !d->subj[i].read_only))
			return 1;
	return 0;
}

/* Checks a call: shape, tool, policy.  Sets c->run or an error result. */
void calls_vet(struct loop *l, struct call *c)
{
	const struct provider_call *pc = c->pc;
	struct strbuf why = STRBUF_INIT;
	struct policy_decision d;
	json_error_t jerr;
	json_t *args;
	enum policy_verdict v;
	char *allow_rule = NULL;	/* what would have allowed an ask denied headless */
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
	c->tool = toolset_find(l, pc->name);
	if (c->tool && c->tool->kind == TOOL_DELEGATE && c->tool != &tool_task)
		c->as_agent = c->tool->name;
	if (!c->tool && toolset_delegation_offered(l) && delegate_find_agent(l->o.agents, pc->name)) {
		/* a subagent called by its own name, as Gemini CLI offers them */
		c->tool = &tool_task;
		c->as_agent = pc->name;
	}
	if (!c->tool) {
		if (toolname_lookup(pc->name).kind == TOOLNAME_CANONICAL &&
		    !strcmp(toolname_lookup(pc->name).canonical, "Task") && l->o.agents &&
		    !toolset_can_delegate(l))
			strbuf_addf(&c->result, "error: %s cannot delegate: the delegation depth limit (%d) is reached (it is a subagent at depth %d); do this work yourself",
				    l->o.agent->name, toolset_depth_limit(l), l->child.depth);
		else {
			strbuf_addf(&c->result, "error: there is no tool named '%s' in this session; the tools are: ",
				    pc->name);
			toolset_list(l, &c->result);
		}
		c->is_error = 1;
		goto out;
	}
	/* a skill in use narrows the tools to its allowed-tools */
	if (l->active_skill && !skill_allows(l->active_skill, c->tool->kind == TOOL_DELEGATE ? "Task" : c->tool->name)) {
		size_t k;

		strbuf_addf(&c->result, "error: permission denied: %s was not run: the skill '%s' is in use and allows only",
			    c->tool->name, l->active_skill->name);
		for (k = 0; k < l->active_skill->allowed_tools.nr; k++)
			strbuf_addf(&c->result, "%s %s", k ? "," : "", l->active_skill->allowed_tools.v[k]);
		calls_add_denial(l, c->tool->name, pc->arguments, c->result.buf + 7, NULL);
		c->is_error = 1;
		goto out;
	}
	args = json_loads(pc->arguments, 0, &jerr);
	policy_decision_init(&d);
	v = policy_decide(&l->policy, c->tool->kind == TOOL_DELEGATE ? "Task" : c->tool->name,
			  args, l->o.cwd, &d);
	/* a subagent can never do more than its parents may */
	if (l->child.parent)
		v = policy_bound(&l->policy, c->tool->kind == TOOL_DELEGATE ? "Task" : c->tool->name,
				 args, l->o.cwd, &d);
	json_decref(args);
	/* PreToolUse hooks: a block denies; an explicit allow answers an ask
	 * (never a deny: rules and floors still hold) */
	if (v != POLICY_DENY && hooks_any(l->o.hooks, HOOK_PRE_TOOL_USE, c->tool->name)) {
		struct hook_input hi;
		struct hook_outcome ho;

		memset(&hi, 0, sizeof(hi));
		hi.tool = c->tool->name;
		hi.tool_input = pc->arguments;
		record_run_hooks(l, HOOK_PRE_TOOL_USE, &hi, &ho);
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
		v = ask(l, c, &d, &why, &by, &allow_rule);
	} else if (v == POLICY_DENY && !why.len) {
		strbuf_addstr(&why, d.why);
	}
	if (l->o.ui.verdict)
		l->o.ui.verdict(l->o.ui.ud, pc->id, c->tool->name, &d, v, by,
				v == POLICY_DENY ? (why.len ? why.buf : "denied") : NULL);
	c->vetted = 1;
	c->may_write = may_write(c->tool->name, &d);
	c->verdict = v;
	c->policy_verdict = d.verdict;
	c->decided_by = by;
	c->rule = xstrdup(d.why ? d.why : "");
	policy_decision_release(&d);
	if (v == POLICY_DENY) {
		strbuf_addf(&c->result, "error: permission denied: %s was not run: %s",
			    c->tool->name, why.len ? why.buf : "denied");
		calls_add_denial(l, c->tool->name, pc->arguments, why.len ? why.buf : "denied",
				 allow_rule);
		c->is_error = 1;
		goto out;
	}
	c->run = 1;
out:
	free(allow_rule);
	strbuf_release(&why);
}

/* The snapshots around a call that may change files, and what it changed
 * recorded for undo.  A snapshot that fails is logged and the call runs
 * anyway: undo is a convenience, the work is not held up by it. */
static int snapshot(struct loop *l, struct strbuf *tree)
{
	struct strbuf err = STRBUF_INIT;
	const char *session = l->child.change_session ? l->child.change_session : l->session_id;
	long t0 = clock_ms();
	int rc = checkpoint_snapshot(l->o.checkpoints, session, tree, &err);

	log_debug("checkpoint", "snapshot %s in %ld ms", rc ? "failed" : tree->buf, clock_ms() - t0);
	if (rc)
		log_warn("checkpoint", "no snapshot: %s", err.buf);
	strbuf_release(&err);
	return rc;
}

static void changes_after(struct call *c, const char *before)
{
	struct loop *l = c->l;
	struct strbuf after = STRBUF_INIT, err = STRBUF_INIT;
	struct checkpoint_change *v = NULL;
	size_t nr = 0;

	if (!snapshot(l, &after) &&
	    !checkpoint_diff(l->o.checkpoints, before, after.buf, &v, &nr, &err))
		record_changes(l, c, v, nr);
	else if (err.len)
		log_warn("checkpoint", "%s", err.buf);
	checkpoint_changes_free(v, nr);
	strbuf_release(&after);
	strbuf_release(&err);
}

static void execute_call(struct call *c);

static void execute(struct call *c)
{
	struct strbuf before = STRBUF_INIT;

	if (!c->may_write || !c->l->o.checkpoints || snapshot(c->l, &before)) {
		execute_call(c);
	} else {
		execute_call(c);
		changes_after(c, before.buf);
	}
	strbuf_release(&before);
}

static void execute_call(struct call *c)
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
	{
		/* this call's own images (the env is shared by parallel calls) */
		struct tool_env env = l->env;

		env.attach = &c->images;
		rc = tool_call(c->tool, &env, c->pc->arguments, &raw);
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
	{
		struct delegate_parent dp;

		child_parent(l, &dp);
		delegate_run(&dp, tasks, nt);
	}
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

void calls_run(struct loop *l, struct call *calls, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t j = i, k;

		if (calls[i].run && calls[i].tool->kind == TOOL_DELEGATE) {
			/* a run of delegations: children, in parallel */
			while (j < n && calls[j].run && calls[j].tool->kind == TOOL_DELEGATE)
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
			int started[PARALLEL_MAX] = { 0 };

			/* a call whose thread cannot start runs here, after */
			for (k = i; k < j; k++)
				started[k - i] = !pthread_create(&tids[k - i], NULL, execute_thread,
								  &calls[k]);
			for (k = i; k < j; k++)
				if (started[k - i])
					pthread_join(tids[k - i], NULL);
				else
					execute(&calls[k]);
		}
		i = j;
	}
}

/* After the calls ran: PostToolUse hooks, then every result recorded,
 * shown and added to the conversation. */
static void finish(struct loop *l, struct call *calls, size_t n)
{
	struct conv_msg results;
	size_t i, k;

	for (i = 0; i < n; i++) {
		struct hook_input hi;
		struct hook_outcome ho;

		if (!calls[i].run || !hooks_any(l->o.hooks, HOOK_POST_TOOL_USE, calls[i].tool->name))
			continue;
		memset(&hi, 0, sizeof(hi));
		hi.tool = calls[i].tool->name;
		hi.tool_input = calls[i].pc->arguments;
		hi.tool_response = calls[i].result.buf;
		hi.tool_error = calls[i].is_error;
		record_run_hooks(l, HOOK_POST_TOOL_USE, &hi, &ho);
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
	for (i = 0; i < n; i++) {
		l->tool_calls++;
		/* recorded before it is reported: what a user saw done is in
		 * the record even if archie is killed next */
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
	/* images after every result: the results come first, as Anthropic
	 * requires */
	for (i = 0; i < n; i++) {
		for (k = 0; k < calls[i].images.nr; k++)
			conv_add_image(&results, calls[i].images.v[k].media_type,
				       calls[i].images.v[k].data);
		tool_attachments_release(&calls[i].images);
	}
	conv_push_msg(&l->conv, &results);
	record_messages(l, 0);
	record_turn_end(l);
}

void calls_handle(struct loop *l, const struct provider_reply *reply)
{
	struct call *calls = xcalloc(reply->calls_nr, sizeof(*calls));
	size_t i;

	for (i = 0; i < reply->calls_nr; i++) {
		calls[i].pc = &reply->calls[i];
		calls[i].l = l;
		strbuf_init(&calls[i].result, (size_t)1 << 20);
		calls_vet(l, &calls[i]);
	}
	calls_run(l, calls, reply->calls_nr);
	finish(l, calls, reply->calls_nr);
	free(calls);
}

/* A call the user's input makes (not the model's): vetted, run, recorded
 * as an audit event; its result (or why not) appended to out. */
static int run_user_call(struct loop *l, const char *tool, const char *args,
			 struct strbuf *out)
{
	struct provider_call pc;
	struct call c;
	char id[32];
	int rc;

	snprintf(id, sizeof(id), "user-%u", ++l->user_calls);
	memset(&pc, 0, sizeof(pc));
	pc.id = id;
	pc.name = (char *)tool;
	pc.arguments = (char *)args;
	memset(&c, 0, sizeof(c));
	c.pc = &pc;
	c.l = l;
	strbuf_init(&c.result, (size_t)1 << 20);
	calls_vet(l, &c);
	if (c.run && c.tool->kind == TOOL_DELEGATE)
		run_delegations(l, &c, 1);
	else if (c.run)
		execute(&c);
	if (c.tool && c.tool->kind == TOOL_DELEGATE) {
		/* a subtask shows as the Task call it is */
		record_call(l, &c);
		if (l->o.ui.tool_end)
			l->o.ui.tool_end(l->o.ui.ud, pc.id, c.tool->name, c.result.buf,
					 c.is_error, c.ms);
	}
	strbuf_add(out, c.result.buf, c.result.len);
	rc = c.is_error ? -1 : 0;
	strbuf_release(&c.result);
	free(c.rule);
	tool_attachments_release(&c.images);
	return rc;
}

int calls_subtask(struct loop *l, const char *agent, const char *label, const char *prompt,
		  struct strbuf *report)
{
	json_t *args = json_pack("{s:s, s:s, s:s}", "subagent_type", agent,
				 "description", label, "prompt", prompt);
	char *text = args ? json_dumps(args, JSON_COMPACT) : NULL;
	int rc;

	if (!text) {
		json_decref(args);
		strbuf_addstr(report, "error: the subtask's prompt is not valid UTF-8; it was not run");
		return -1;
	}
	rc = run_user_call(l, "Task", text, report);
	free(text);
	json_decref(args);
	return rc;
}

int loop_run_tool(struct loop *l, const char *tool, const char *args, struct strbuf *out)
{
	return run_user_call(l, tool, args, out);
}