/*
 * loop: the turn loop of one agent session.
 *
 * loop_run() takes a user prompt and works until the model stops asking
 * for tools: it sends the conversation to the provider, streams the answer
 * to the UI, runs the tool calls the model asked for (each through the
 * policy first; read-only calls of one response in parallel, the others in
 * order; a malformed or unknown call answered with an error result and
 * never run), caps large results, sends the results back, and repeats
 * until the model is done, the turn limit is reached, or the user
 * interrupts.
 *
 * The UI is a set of callbacks (struct loop_ui), so headless output
 * (text, json, stream-json) and the interactive session share the loop.
 *
 * Ownership: a loop borrows its agent and config (they must outlive it)
 * and owns the conversation, the plan and its totals.
 */
#ifndef ARCHIE_LOOP_H
#define ARCHIE_LOOP_H

#include "config/config.h"
#include "policy/policy.h"
#include "policy/sandbox.h"
#include "provider/provider.h"
#include "store/store.h"
#include "tools/tool.h"

struct agent;
struct agent_registry;
struct hooks;
struct loop;
struct mcp;

enum loop_exit {
	LOOP_DONE,
	LOOP_MAX_TURNS,
	LOOP_INTERRUPTED,
	LOOP_PROVIDER_ERROR,
	LOOP_DENIED,		/* finished, but a call was denied on the way */
	LOOP_BUDGET,		/* the token budget (max_tokens_total) is spent */
};

/* A subagent's progress, for the UI (see struct loop_ui.child). */
struct loop_child_event {
	const char *kind;		/* "start", "tool", "turn", "end" */
	const char *id;			/* the child: its Task call's id, or route-N */
	const char *agent;
	const char *parent_agent;
	int depth;			/* 1: a child of the main agent */
	const char *session;		/* the child's session id */
	const char *description;	/* start: what it was asked to do */
	const char *tool;		/* tool: the tool it calls */
	const char *args;		/* tool: the call's arguments (JSON text) */
	int turns, tool_calls;
	long long input_tokens, output_tokens;
	double cost;
	long ms;			/* since it started */
	const char *outcome;		/* end: ok, error, interrupted, timeout, max_turns, token_budget */
	const char *error;		/* end: why it failed */
};

struct loop_ui {
	void (*text)(void *ud, const char *s, size_t n);
	void (*discard)(void *ud, size_t n);
	void (*retry)(void *ud, int attempt, long wait_ms, const char *reason);
	void (*tool_start)(void *ud, const char *id, const char *name,
			   const char *args);
	void (*tool_end)(void *ud, const char *id, const char *name,
			 const char *result, int is_error, long ms);
	void (*todos)(void *ud, const struct todo_list *t);
	/* Asks the user about a call (interactive): agent is who asks (a
	 * subagent names itself), why is the policy's
	 * reason; set *always to allow such calls for the session; write a
	 * reason for a "no" into reason.  NULL: headless, where `ask` is a
	 * denial (unless --yes). */
	enum policy_verdict (*approve)(void *ud, const char *agent, const char *name,
				       const char *args, const char *why,
				       int *always, struct strbuf *reason);
	/* Every vetted call's verdict, for the record: d is the policy's
	 * decision (each subject and the rules that matched), final the
	 * verdict that stood, decided_by who settled it ("policy", "user",
	 * "headless": an ask nobody could answer) and reason a denial's
	 * reason or NULL.  The audit trail and stream-json listen here. */
	void (*verdict)(void *ud, const char *id, const char *tool,
			const struct policy_decision *d, enum policy_verdict final,
			const char *decided_by, const char *reason);
	void (*turn_end)(void *ud, const struct provider_reply *r);
	/* Subagents' progress (from their threads, one call at a time). */
	void (*child)(void *ud, const struct loop_child_event *ev);
	/* Something the user should know once (e.g. a route to an agent
	 * that does not exist). */
	void (*notice)(void *ud, const char *msg);
	/* The session is recorded (or, with no store, begins): what names it
	 * to the outside (stream-json's init) comes after this, so a session
	 * that was named always resumes. */
	void (*started)(void *ud, const char *session_id);
	void *ud;
};

/* Delegation settings (config `delegation:`; see docs/delegation.md). */
struct loop_delegation {
	int max_parallel;		/* children at once; 0: 4 */
	int max_depth;			/* 0: 2 */
	int max_turns;			/* a child's turns unless its agent says; 0: 50 */
	long long max_tokens;		/* a child's tokens (in + out); 0: 2,000,000 */
	enum agent_routing routing;	/* DEFAULT: the agent's own */
};

struct loop_opts {
	const struct agent *agent;
	const struct config *cfg;
	const char *model;		/* --model, or NULL for the agent's */
	int max_turns;			/* 0: 100 */
	const char *root;		/* the project root */
	const char *cwd;		/* the working directory (absolute) */
	enum policy_mode mode;
	const struct strvec *allow, *ask, *deny;	/* --allow/--ask/--deny rules */
	enum sandbox_mode sandbox;	/* for Bash */
	int network;			/* the sandbox lets commands use the network */
	volatile sig_atomic_t *cancel;
	struct loop_ui ui;
	size_t result_cap;		/* tool result cap in bytes; 0: 30000 */
	struct store *store;		/* where the session is recorded, or NULL */
	const char *parent_session;	/* a subagent's parent session */
	const char *parent_agent;
	/* delegation */
	const struct agent_registry *agents;	/* who Task can run; NULL: no Task */
	struct loop_delegation delegation;
	int depth;			/* 0: the main agent */
	struct loop *parent;		/* a subagent's parent loop (its policy and tools bound this one) */
	const char *inherit_model;	/* what model "inherit" means */
	long long max_tokens_total;	/* stop when the session's tokens reach it; 0: never */
	const struct loop_ui *root_ui;	/* a subagent's: the main loop's UI */
	const struct hooks *hooks;	/* the user's hooks, or NULL */
	struct mcp *mcp;		/* MCP servers, or NULL */
	long mcp_wait_ms;		/* how long the first request waits for them; 0: 10 s */
};

struct loop_denial {
	char *tool;
	char *arguments;
	char *reason;
};

struct loop {
	struct loop_opts o;
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
	int session_started;		/* SessionStart hooks ran */
	/* MCP tools: offered after the built-in ones, rebuilt when a
	 * server's list changes */
	size_t base_tools_nr;
	struct tool *mcp_tools;
	size_t mcp_tools_nr;
	int mcp_all;			/* the agent takes every MCP tool */
	struct strvec mcp_refs;		/* else the ones it names (globs allowed) */
	int mcp_waited;
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
};

/* Resolves the model, offers the agent's tools, builds the system prompt.
 * Returns 0, or -1 with err (config or model problems). */
int loop_init(struct loop *l, const struct loop_opts *o, struct strbuf *err);
void loop_release(struct loop *l);

/* Works on one user prompt.  Returns 0 (see *exit for why it stopped), or
 * -1 with err when the provider failed. */
int loop_run(struct loop *l, const char *prompt, enum loop_exit *exit,
	     struct strbuf *err);

/* Continues a recorded session (id: a whole id or a unique prefix): its
 * conversation replaces this one's, repaired so the next request is
 * valid, and new messages are recorded in it.  Returns 0, or -1 with
 * err. */
int loop_resume(struct loop *l, const char *id, struct strbuf *err);

/* An audit event of this session, of this agent (and its parent agent),
 * starting at ts (epoch ms); numbers unknown. */
void loop_event_init(const struct loop *l, struct store_event *ev,
		     enum store_event_kind kind, long long ts);
/* Records it (nothing when the session is not recorded). */
void loop_record_event(struct loop *l, const struct store_event *ev);

/* Forgets the conversation (keeps the system prompt and the totals). */
void loop_clear(struct loop *l);

const char *loop_exit_name(enum loop_exit e);

#endif
