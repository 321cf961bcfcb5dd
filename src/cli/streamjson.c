/*
 * streamjson: see streamjson.h.
 */
#include "cli/streamjson.h"

#include "cli/session.h"
#include "core/strbuf.h"

#include <string.h>

static void emit(struct streamjson *sj, json_t *ev)
{
	if (ev)
		sj->emit(sj->ud, ev);
}

/* The first event, once the session is recorded (so an id that was
 * given out always resumes, even after kill -9). */
static void sj_started(void *ud, const char *session_id)
{
	struct streamjson *sj = ud;
	struct session *s = sj->s;
	json_t *tools;
	size_t i;

	if (!s || !s->loop)
		return;
	tools = json_array();
	for (i = 0; i < loop_tools_nr(s->loop); i++)
		json_array_append_new(tools, json_string(loop_tool_name(s->loop, i)));
	emit(sj, json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:o}",
		"type", "init", "subtype", "session", "version", STREAMJSON_VERSION,
		"session_id", session_id, "agent", loop_agent(s->loop)->name,
		"provider", loop_provider_name(s->loop), "model", loop_model_id(s->loop),
		"cwd", s->cwd, "tools", tools));
}

static void sj_text(void *ud, const char *s, size_t n)
{
	emit(ud, json_pack("{s:s, s:s%}", "type", "text", "text", s, n));
}

static void sj_reasoning(void *ud, const char *s, size_t n)
{
	emit(ud, json_pack("{s:s, s:s%}", "type", "reasoning", "text", s, n));
}

static void sj_discard(void *ud, size_t n)
{
	emit(ud, json_pack("{s:s, s:I}", "type", "discard", "chars", (json_int_t)n));
}

static void sj_retry(void *ud, int attempt, long wait_ms, const char *reason)
{
	emit(ud, json_pack("{s:s, s:i, s:I, s:s}", "type", "retry", "attempt", attempt,
			   "wait_ms", (json_int_t)wait_ms, "reason", reason));
}

static void sj_tool_start(void *ud, const char *id, const char *name, const char *args)
{
	json_error_t jerr;
	json_t *in = json_loads(args, 0, &jerr);

	emit(ud, json_pack("{s:s, s:s, s:s, s:o}", "type", "tool_use", "id", id, "name", name,
			   "input", in ? in : json_string(args)));
}

static void sj_tool_end(void *ud, const char *id, const char *name, const char *result,
			int is_error, long ms)
{
	emit(ud, json_pack("{s:s, s:s, s:s, s:b, s:s, s:I}", "type", "tool_result", "id", id,
			   "name", name, "is_error", is_error, "content", result,
			   "duration_ms", (json_int_t)ms));
}

/* Every call's verdict and the rules behind it, so a harness sees why a
 * call ran or did not. */
static void sj_verdict(void *ud, const char *id, const char *tool,
		       const struct policy_decision *d, enum policy_verdict final,
		       const char *decided_by, const char *reason)
{
	json_t *ev = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "type", "permission",
			       "id", id, "name", tool, "verdict", policy_verdict_name(final),
			       "decided_by", decided_by, "policy", policy_decision_json(d));

	if (reason)
		json_object_set_new(ev, "reason", json_string(reason));
	emit(ud, ev);
}

static void sj_child(void *ud, const struct loop_child_event *ev)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "type", "subagent",
			      "event", ev->kind, "id", ev->id, "agent", ev->agent,
			      "parent_agent", ev->parent_agent, "depth", ev->depth);

	if (ev->session)
		json_object_set_new(o, "session_id", json_string(ev->session));
	if (!strcmp(ev->kind, "retry") && ev->args)
		json_object_set_new(o, "reason", json_string(ev->args));
	if (ev->description && !strcmp(ev->kind, "start"))
		json_object_set_new(o, "description", json_string(ev->description));
	if (ev->tool) {
		json_error_t jerr;
		json_t *in = ev->args ? json_loads(ev->args, 0, &jerr) : NULL;

		json_object_set_new(o, "tool", json_string(ev->tool));
		json_object_set_new(o, "input", in ? in : json_string(ev->args ? ev->args : ""));
	}
	json_object_set_new(o, "turns", json_integer(ev->turns));
	json_object_set_new(o, "tool_calls", json_integer(ev->tool_calls));
	json_object_set_new(o, "usage", json_pack("{s:I, s:I}", "input_tokens",
		(json_int_t)ev->input_tokens, "output_tokens", (json_int_t)ev->output_tokens));
	json_object_set_new(o, "cost", json_real(ev->cost));
	json_object_set_new(o, "elapsed_ms", json_integer(ev->ms));
	if (ev->outcome)
		json_object_set_new(o, "outcome", json_string(ev->outcome));
	if (ev->error)
		json_object_set_new(o, "error", json_string(ev->error));
	emit(ud, o);
}

static void sj_notice(void *ud, const char *msg)
{
	emit(ud, json_pack("{s:s, s:s}", "type", "notice", "message", msg));
}

static void sj_compaction(void *ud, const struct loop_compaction *c)
{
	emit(ud, json_pack("{s:s, s:I, s:I, s:I, s:s, s:I, s:s}", "type", "compaction",
			   "before_tokens", (json_int_t)c->before, "after_tokens", (json_int_t)c->after,
			   "window", (json_int_t)c->window, "how", c->how,
			   "stubbed", (json_int_t)c->stubbed, "why", c->why));
}

static void sj_todos(void *ud, const struct todo_list *t)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < t->nr; i++)
		json_array_append_new(arr, json_pack("{s:s, s:s}", "content",
			t->items[i].content, "status", t->items[i].status));
	emit(ud, json_pack("{s:s, s:o}", "type", "todos", "todos", arr));
}

static json_t *usage_json(const struct provider_usage *u)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I}",
			 "input_tokens", (json_int_t)u->input_tokens,
			 "output_tokens", (json_int_t)u->output_tokens,
			 "cache_read_tokens", (json_int_t)u->cache_read_tokens,
			 "cache_write_tokens", (json_int_t)u->cache_write_tokens,
			 "reasoning_tokens", (json_int_t)u->reasoning_tokens);
}

static void sj_turn_end(void *ud, const struct provider_reply *r)
{
	emit(ud, json_pack("{s:s, s:o, s:f, s:s, s:i, s:I}", "type", "turn",
			   "usage", usage_json(&r->usage), "cost", r->cost,
			   "stop_reason", r->stop_reason ? r->stop_reason : "",
			   "attempts", r->attempts, "latency_ms", (json_int_t)r->total_ms));
}

void streamjson_ui(struct streamjson *sj, struct loop_ui *ui)
{
	ui->text = sj_text;
	ui->reasoning = sj_reasoning;
	ui->discard = sj_discard;
	ui->retry = sj_retry;
	ui->tool_start = sj_tool_start;
	ui->tool_end = sj_tool_end;
	ui->verdict = sj_verdict;
	ui->todos = sj_todos;
	ui->turn_end = sj_turn_end;
	ui->child = sj_child;
	ui->notice = sj_notice;
	ui->compaction = sj_compaction;
	ui->started = sj_started;
	ui->ud = sj;
}

json_t *streamjson_result(const struct loop *l, enum loop_exit ex, const char *error,
			  long duration_ms)
{
	json_t *den = json_array();
	struct loop_totals t;
	const struct loop_denial *d;
	size_t i, nd;

	loop_totals(l, &t);
	d = loop_denials(l, &nd);
	for (i = 0; i < nd; i++)
		json_array_append_new(den, json_pack("{s:s, s:s, s:s}",
			"tool", d[i].tool, "arguments", d[i].arguments, "reason", d[i].reason));
	return json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:o, s:i, s:i, s:o, s:f, s:I, s:o, s:o}",
		"type", "result", "version", STREAMJSON_VERSION,
		"session_id", loop_session_id(l), "agent", loop_agent(l)->name,
		"provider", loop_provider_name(l), "model", loop_model_id(l),
		"result", loop_last_text(l),
		"exit_reason", loop_exit_name(ex),
		"is_error", ex == LOOP_PROVIDER_ERROR || ex == LOOP_INTERRUPTED,
		"error", error ? json_string(error) : json_null(),
		"turns", t.turns, "tool_calls", t.tool_calls,
		"usage", usage_json(&t.usage), "cost", t.cost,
		"duration_ms", (json_int_t)duration_ms,
		"permission_denials", den,
		"subagents", json_pack("{s:i, s:o, s:f}", "runs", t.sub_runs,
				       "usage", usage_json(&t.sub_usage), "cost", t.sub_cost));
}
