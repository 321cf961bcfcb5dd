/*
 * loop_int: what the turn loop's files share (as SQLite keeps
 * btreeInt.h).  Not for other modules: they use loop.h.
 *
 *   loop.c     the turn: prepare the prompt, then request -> vet the
 *              calls -> run them -> record their results, until the model
 *              stops
 *   toolset.c  what is offered: the agent's tools, delegation, MCP tools
 *              (with the generation the provider's cache keys on)
 *   calls.c    vetting each call (policy, ancestors, hooks, the user) and
 *              running them: read-only ones in parallel, subagents together
 *   record.c   the only code that writes to the store, and the hooks' runs
 */
#ifndef ARCHIE_LOOP_INT_H
#define ARCHIE_LOOP_INT_H

#include "loop/loop.h"

#include "delegate/delegate.h"
#include "hooks/hooks.h"

/* What a subagent's loop inherits from its parent (child.c builds it, field
 * by field); zero for the main agent. */
struct loop_child_opts {
	int depth;			/* 0: the main agent */
	struct loop *parent;		/* its policy, sandbox and tools bound this one */
	const char *inherit_model;	/* what model "inherit" means */
	const char *parent_session;
	const char *parent_agent;
	const struct loop_ui *root_ui;	/* the main loop's UI */
	const char *title;		/* its session's title: "agent: its task" */
	/* its changes belong to the main session's prompt (undo is by the
	 * user's prompts) */
	const char *change_session;
	long change_prompt;
	const char *change_prompt_text;
};

struct loop {
	struct loop_opts o;
	struct loop_child_opts child;	/* a subagent's: what it inherits */
	struct config_resolved model;
	struct provider_config pcfg;
	struct strvec pmodels;
	struct provider_price price;
	int has_price;
	long max_tokens;
	struct conv conv;
	struct provider_cache cache;	/* the conversation, encoded */
	const struct tool **tools;	/* offered to the model */
	struct conv_tool *schemas;
	size_t tools_nr;
	struct tool_env env;
	struct tool *agent_tools;	/* Gemini form: a tool per subagent */
	size_t agent_tools_nr;
	struct strvec owned;		/* descriptions built for this loop */
	int routing_warned;		/* routes to missing agents were reported */
	/* what routing matches for the next loop_run: NULL the prompt, ""
	 * nothing (e.g. `archie design` routes on the requirements alone
	 * and not on its repair rounds) */
	const char *route_text;
	/* the next loop_run's prompt goes to this agent as a subtask (a
	 * command's OpenCode agent:/subtask:); borrowed until that run */
	const char *subtask_agent, *subtask_label;
	int session_started;		/* SessionStart hooks ran */
	/* the user's prompt being answered: the seq of its message and its
	 * text, which the changes of this run (and its subagents') record */
	long prompt_seq;
	char *prompt_text;
	/* WebSearch's backend (env.search points here when there is one),
	 * or why there is none, for the system prompt */
	struct tool_search_backend search;
	char *search_missing;
	int wants_search;		/* the agent asks for WebSearch */
	/* MCP tools: offered after the built-in ones, rebuilt when a
	 * server's list changes */
	size_t base_tools_nr;
	struct tool *mcp_tools;
	size_t mcp_tools_nr;
	int mcp_all;			/* the agent takes every MCP tool */
	struct strvec mcp_refs;		/* else the ones it names (globs allowed) */
	int mcp_waited;
	int mcp_instructed;		/* the servers' instructions are in the system prompt */
	unsigned long mcp_gen;		/* the MCP lists' generation they were built from */
	struct mcp_tool *mcp_snap;	/* the copy their strings point into */
	size_t mcp_snap_nr;
	unsigned long tools_gen;	/* counts up when the tools offered change */
	struct todo_list todos;
	struct policy policy;
	int announced;			/* ui.started was called */
	struct sandbox sandbox;
	struct strbuf memory_file;
	char *session_id;
	int stored;			/* the session row exists */
	size_t stored_msgs;		/* messages of conv recorded so far */
	long seq_base;			/* the stored seq of conv.msgs[0] (after a compaction, > 0) */
	/* the context (compact.c) */
	struct config_limits limits;	/* the model's window and output limit */
	long ctx_reported;		/* the whole prompt + answer of the last request, as billed */
	size_t ctx_reported_nr;		/* conv.nr when it was */
	size_t tools_chars;		/* the offered tools' schemas, in characters */
	unsigned long tools_chars_gen;	/* the tools' generation they were counted for */
	int compactions;
	struct strbuf partial;		/* the answer streaming now */
	long partial_at;		/* when it was last saved (monotonic ms) */
	int partial_saved;		/* a partial row is in the store */
	/* totals over the session */
	struct provider_usage usage;
	double cost;
	int turns;
	int tool_calls;
	struct loop_denial *denials;
	size_t denials_nr, denials_alloc;
	struct strbuf last_text;	/* the final answer of the last run */
	/* subagents started by this loop (and theirs), over the session */
	struct {
		int runs;
		struct provider_usage usage;
		double cost;
	} sub;
	unsigned user_calls;		/* loop_run_tool's calls, for their ids */
	const struct skill *active_skill;	/* loaded this prompt: its allowed-tools narrow */
};


int loop_init(struct loop *l, const struct loop_opts *o, const struct loop_child_opts *child,
	      struct strbuf *err);
void loop_release(struct loop *l);

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
	int may_write;			/* may change files: snapshots around it */
	const char *decided_by;
	char *rule;			/* the policy's why */
	const char *as_agent;		/* a subagent called by its own name (Gemini form) */
	struct tool_attachments images;	/* what it hands the model besides text */
};

/* toolset.c */
int toolset_depth_limit(const struct loop *l);
int toolset_can_delegate(const struct loop *l);
/* Offers the agent's tools (and delegation) for this loop. */
void toolset_offer(struct loop *l);
/* The system prompt's line about tools the agent asked for that this
 * session cannot offer (WebSearch without a backend), or nothing. */
void toolset_missing_note(const struct loop *l, struct strbuf *out);
/* The offered tool a call names (other runtimes' names accepted), or NULL. */
const struct tool *toolset_find(const struct loop *l, const char *name);
int toolset_delegation_offered(const struct loop *l);
/* The offered tools' names, for an error that lists them. */
void toolset_list(const struct loop *l, struct strbuf *out);
/* Before each request: MCP servers waited for, their tools re-offered
 * when any list changed (l->tools_gen counts up then). */
void toolset_sync(struct loop *l);

/* record.c: the changes a call made (checkpoint.h), for undo. */
struct checkpoint_change;
void record_changes(struct loop *l, const struct call *c, const struct checkpoint_change *v,
		    size_t nr);

/* calls.c */
void calls_add_denial(struct loop *l, const char *tool, const char *args, const char *why,
		       const char *rule);
/* Decides a call: malformed, unknown, denied, or to run (c->vetted). */
void calls_vet(struct loop *l, struct call *c);
/* Runs the vetted calls of one response. */
void calls_run(struct loop *l, struct call *calls, size_t n);
/* A response's calls: vetted, run, their results recorded, shown and
 * added to the conversation (the turn ends). */
void calls_handle(struct loop *l, const struct provider_reply *reply);
/* Runs prompt as a Task call to agent that the user's input made (the
 * policy decides it as the model's would; recorded); the report, or why
 * not, is appended to report.  0, or -1 when it failed or was denied. */
int calls_subtask(struct loop *l, const char *agent, const char *label, const char *prompt,
		  struct strbuf *report);

/* child.c: subagents */
/* The parent side of delegation, for delegate_run / delegate_route. */
void child_parent(struct loop *l, struct delegate_parent *p);

/* compact.c: the context window */
/* Tokens the next request would take, before it is sent: the last
 * request's reported usage plus an estimate (characters / 4) of what was
 * added since, or all of it estimated when nothing was reported yet. */
long context_estimate(struct loop *l);
/* After a reply: what the server reported becomes the base. */
void context_reported(struct loop *l, const struct provider_usage *u);
/* Compacts the conversation when the next request would pass the
 * threshold (force: whatever it is, e.g. after the server said the
 * prompt is too long, or /compact; focus: what the summary must keep).
 * Returns 1 if it compacted, 0 if nothing was needed, -1 with err. */
int compact_maybe(struct loop *l, int force, const char *focus, struct strbuf *err);
/* A request of the loop's own beside the conversation (a summary, an MCP
 * server's sampling): c on the session's model, counted in its usage and
 * cost and recorded as a model event.  0 with reply, or -1 with err. */
int loop_side_request(struct loop *l, struct conv *c, long max_tokens, long long sent_at,
		      struct provider_reply *reply, struct strbuf *err);

/* mcphost.c: an MCP tool's run (sampling, elicitation and progress
 * through this loop), and the resource tools */
int mcphost_run(const struct tool *t, const struct tool_env *env, json_t *args,
		struct strbuf *out);
extern const struct tool tool_readmcpresource, tool_listmcpresources;

/* record.c */
/* An audit event of this session, of this agent (and its parent agent),
 * starting at ts (epoch ms); numbers unknown. */
void record_event_init(const struct loop *l, struct store_event *ev,
		       enum store_event_kind kind, long long ts);
/* Records it (nothing when the session is not recorded). */
void record_event(struct loop *l, const struct store_event *ev);
void record_begin(struct loop *l, const char *prompt);
void record_announce(struct loop *l);
void record_messages(struct loop *l, int last_incomplete);
void record_model(struct loop *l, const struct provider_reply *r, long long sent_at,
		  const char *outcome, const char *error);
void record_call(struct loop *l, const struct call *c);
void record_turn_end(struct loop *l);
/* The conversation was replaced by its compacted view: stored after what
 * was (nothing is deleted), with a compaction event marking where. */
void record_compaction(struct loop *l, long before, long after, const char *how,
		       size_t stubbed);
void record_partial(struct loop *l, int force);
void record_run_hooks(struct loop *l, enum hook_event ev, struct hook_input *in,
		      struct hook_outcome *out);

#endif
