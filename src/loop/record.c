/*
 * record: the session record: every write to the store, and hooks' runs.  See loop_int.h.
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
#include "checkpoint/checkpoint.h"
#include "tools/bgshell.h"
#include "core/toolnames.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* How often a streaming answer is saved as it grows, so a killed process
 * leaves what was shown (marked incomplete). */
#define PARTIAL_SAVE_MS 250


/* Starts the session's record on its first prompt (the title). */
void record_begin(struct loop *l, const char *prompt)
{
	struct strbuf title = STRBUF_INIT_CAP(120);
	struct store_session ss;
	size_t i;

	if (!l->o.store || l->stored)
		return;
	/* a subagent's session is named by its task, not by the prompt
	 * archie wrote for it */
	strbuf_addstr(&title, l->child.title && *l->child.title ? l->child.title : prompt);
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
	ss.parent = l->child.parent_session;
	ss.title = title.buf;
	if (!store_session_begin(l->o.store, &ss))
		l->stored = 1;
	strbuf_release(&title);
}

/* Tells the UI once that the session exists (after it is recorded). */
void record_announce(struct loop *l)
{
	if (l->announced)
		return;
	l->announced = 1;
	if (l->o.ui.started)
		l->o.ui.started(l->o.ui.ud, l->session_id);
}

/* Records the messages of conv not recorded yet (the last one marked
 * incomplete when asked). */
void record_messages(struct loop *l, int last_incomplete)
{
	if (!l->o.store || !l->stored)
		return;
	while (l->stored_msgs < l->conv.nr) {
		size_t i = l->stored_msgs;

		if (store_message(l->o.store, l->session_id, l->seq_base + (long)i, &l->conv.msgs[i],
				  last_incomplete && i + 1 == l->conv.nr))
			break;
		l->stored_msgs++;
	}
}

/* An event of this session and agent, starting at ts. */
void record_event_init(const struct loop *l, struct store_event *ev,
		     enum store_event_kind kind, long long ts)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->session = l->session_id;
	ev->agent = l->o.agent->name;
	ev->parent_agent = l->child.parent_agent;
	ev->ts_ms = ts;
	ev->exit_code = -1;
}

void record_model(struct loop *l, const struct provider_reply *r,
			 long long ts, const char *outcome, const char *error)
{
	struct store_event ev;

	if (!l->o.store || !l->stored)
		return;
	record_event_init(l, &ev, STORE_EV_MODEL, ts);
	ev.duration_ms = r->total_ms;
	ev.model = l->model.id;
	ev.attempt = r->attempts;
	ev.status = r->status;
	ev.ttft_ms = r->first_byte_ms ? r->first_byte_ms : -1;
	ev.input_tokens = r->usage.input_tokens;
	ev.output_tokens = r->usage.output_tokens;
	ev.cache_read_tokens = r->usage.cache_read_tokens;
	ev.cache_write_tokens = r->usage.cache_write_tokens;
	ev.reasoning_tokens = r->usage.reasoning_tokens;
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

void record_call(struct loop *l, const struct call *c)
{
	struct store_event ev;
	const char *nl;
	char *err = NULL;

	if (!l->o.store || !l->stored)
		return;
	record_event_init(l, &ev, STORE_EV_TOOL, c->ts);
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

void record_event(struct loop *l, const struct store_event *ev)
{
	if (l->o.store && l->stored)
		store_event(l->o.store, ev);
}

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
	record_event_init(hr->l, &ev, STORE_EV_HOOK, clock_wall_ms() - r->duration_ms);
	ev.duration_ms = r->duration_ms;
	ev.tool = r->event;
	ev.rule = r->hook->command;
	ev.outcome = r->outcome;
	ev.exit_code = r->exit_code;
	ev.error = r->detail;
	ev.detail = detail;
	record_event(hr->l, &ev);
	json_decref(detail);
}

/* Runs the hooks of ev; failures that do not block are told to the user. */
void record_run_hooks(struct loop *l, enum hook_event ev, struct hook_input *in,
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

void record_compaction(struct loop *l, long before, long after, const char *how,
		       size_t stubbed)
{
	struct store_event ev;
	json_t *detail;

	if (!l->o.store || !l->stored) {
		l->seq_base = 0;
		l->stored_msgs = 0;
		return;
	}
	/* the new view is stored after everything the old one held */
	l->seq_base += (long)l->stored_msgs;
	l->stored_msgs = 0;
	detail = json_pack("{s:I, s:I, s:I, s:I, s:s, s:I}", "view_from", (json_int_t)l->seq_base,
			   "before_tokens", (json_int_t)before, "after_tokens", (json_int_t)after,
			   "window", (json_int_t)l->limits.context, "how", how,
			   "stubbed", (json_int_t)stubbed);
	record_event_init(l, &ev, STORE_EV_COMPACTION, clock_wall_ms());
	ev.outcome = how;
	ev.detail = detail;
	store_event(l->o.store, &ev);
	json_decref(detail);
	record_messages(l, 0);
	record_turn_end(l);
}

void record_turn_end(struct loop *l)
{
	if (l->o.store && l->stored)
		store_turn_end(l->o.store, l->session_id);
	/* the main agent's record holds the shells' ends (a subagent's
	 * shells end in the session's, which outlives it) */
	if (!l->child.depth)
		loop_record_background(l);
}

static void record_shell(void *ud, const struct bgshell_info *in)
{
	struct loop *l = ud;
	struct store_event ev;
	json_t *args = json_pack("{s:s, s:b}", "command", in->command, "run_in_background", 1);
	json_t *detail = json_pack("{s:I, s:I, s:I}", "pid", (json_int_t)in->pid,
				   "ended_ms", (json_int_t)in->ended_ms, "bytes", (json_int_t)in->bytes);
	char *a = args ? json_dumps(args, JSON_COMPACT) : NULL;

	record_event_init(l, &ev, STORE_EV_BACKGROUND, in->started_ms);
	ev.tool = "Bash";
	ev.call_id = in->id;
	ev.arguments = a;
	ev.outcome = in->killed ? "stopped" : in->exit_code >= 0 ? "exited" : "killed";
	ev.exit_code = in->exit_code;
	ev.duration_ms = (long)(in->ended_ms - in->started_ms);
	ev.bytes = (long long)in->bytes;
	if (in->term_signal && detail)
		json_object_set_new(detail, "signal", json_integer(in->term_signal));
	ev.detail = detail;
	store_event(l->o.store, &ev);
	free(a);
	json_decref(args);
	json_decref(detail);
}

void record_changes(struct loop *l, const struct call *c, const struct checkpoint_change *v,
		    size_t nr)
{
	struct store_change sc;
	size_t i;

	if (!l->o.store || !l->stored)
		return;
	memset(&sc, 0, sizeof(sc));
	sc.session = l->child.change_session ? l->child.change_session : l->session_id;
	sc.prompt = l->child.change_session ? l->child.change_prompt : l->prompt_seq;
	sc.prompt_text = l->child.change_session ? l->child.change_prompt_text : l->prompt_text;
	sc.ts = c->ts;
	sc.agent = l->o.agent->name;
	sc.tool = c->tool ? c->tool->name : c->pc->name;
	sc.call_id = c->pc->id;
	for (i = 0; i < nr; i++) {
		sc.path = v[i].path;
		sc.before = v[i].before;
		sc.after = v[i].after;
		sc.before_mode = v[i].before_mode;
		if (store_change_add(l->o.store, &sc))
			log_warn("checkpoint", "the change to %s was not recorded", v[i].path);
	}
}

void loop_record_background(struct loop *l)
{
	if (l->o.bg && l->o.store && l->stored)
		bgshell_take_ended(l->o.bg, record_shell, l);
}

/* The plan as the conversation last wrote it (its last TodoWrite call),
 * so /plan and the model's TodoRead go on where the session stopped. */
static void restore_plan(struct loop *l)
{
	size_t i, k;

	for (i = l->conv.nr; i-- > 0;) {
		const struct conv_msg *m = &l->conv.msgs[i];

		for (k = m->nr; m->role == CONV_ASSISTANT && k-- > 0;) {
			const struct conv_block *b = &m->blocks[k];
			json_t *in;

			if (b->type != CONV_TOOL_USE || strcmp(b->name, "TodoWrite"))
				continue;
			in = json_loads(b->input ? b->input : "", 0, NULL);
			if (json_is_array(json_object_get(in, "todos"))) {
				todo_list_release(&l->todos);
				todo_list_from_json(json_object_get(in, "todos"), &l->todos);
				json_decref(in);
				return;
			}
			json_decref(in);
		}
	}
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
	/* a compacted session resumes from its compacted view */
	l->seq_base = store_view_start(l->o.store, full.buf);
	l->ctx_reported = 0;
	if (store_load(l->o.store, full.buf, &l->conv, &recorded, NULL, err)) {
		strbuf_release(&full);
		return -1;
	}
	free(l->session_id);
	l->session_id = strbuf_detach(&full, NULL);
	l->stored = 1;
	/* what store_load repaired is written again, from the first change */
	if (recorded < l->conv.nr)
		store_truncate(l->o.store, l->session_id, l->seq_base + (long)recorded);
	l->stored_msgs = recorded;
	record_messages(l, 0);
	record_turn_end(l);
	restore_plan(l);
	log_debug("loop", "resumed session %s: %zu messages", l->session_id, l->conv.nr);
	return 0;
}

int loop_rewind(struct loop *l, long seq, struct strbuf *err)
{
	char *id;
	int rc;

	if (!l->o.store || !l->stored)
		return strbuf_seterr(err, "this session is not recorded, so it cannot be taken back");
	if (seq < l->seq_base)
		return strbuf_seterr(err, "that prompt is before the conversation was compacted; the conversation stays as it is");
	if (store_truncate(l->o.store, l->session_id, seq))
		return strbuf_seterr(err, "the session's record could not be changed");
	id = xstrdup(l->session_id);
	rc = loop_resume(l, id, err);
	free(id);
	return rc;
}

/* Saves the answer streamed so far as the next message, incomplete; the
 * whole answer replaces it (same seq) when it ends. */
void record_partial(struct loop *l, int force)
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
	if (!store_message(l->o.store, l->session_id, l->seq_base + (long)l->conv.nr, &m, 1))
		l->partial_saved = 1;
	conv_msg_release(&m);
}
