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
 * struct loop is private to src/loop/ (loop_int.h); the rest of archie
 * uses the functions here.
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

struct bgshell_set;
struct checkpoint;
struct agent;
struct agent_registry;
struct hooks;
struct loop;
struct mcp;
struct skill;
struct skill_set;

enum loop_exit {
	LOOP_DONE,
	LOOP_MAX_TURNS,
	LOOP_INTERRUPTED,
	LOOP_PROVIDER_ERROR,
	LOOP_DENIED,		/* finished, but a call was denied on the way */
	LOOP_BUDGET,		/* the token budget (max_tokens_total) is spent */
	LOOP_COST,		/* the next request would pass max_cost */
};

/* A specialist the routing table is about to run before the first turn
 * (see struct loop_ui.routes). */
struct loop_route {
	const char *agent;
	const char *keywords;		/* what matched, comma-separated */
	int run;			/* 1; cleared to skip it */
};

/* A subagent's progress, for the UI (see struct loop_ui.child). */
struct loop_child_event {
	const char *kind;		/* "start", "tool", "turn", "retry" (args: why), "end" */
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

/* A call the user is asked about. */
struct loop_approval {
	const char *agent;		/* who asks: a subagent names itself */
	int subagent;
	const char *tool;
	const char *args;		/* the call's arguments, JSON */
	const char *why;		/* the rule or default that asks */
	const struct strvec *always;	/* what "always" allows for the session */
	const char *root;		/* the project's root (a command's cwd is shown when not it) */
};

/* A compaction, for the UI (see docs/context.md). */
struct loop_compaction {
	long before, after;		/* the context's tokens, estimated */
	long window;
	const char *how;		/* "elided" (old tool results stubbed) or "summary" */
	size_t stubbed;			/* tool results replaced by a stub */
	const char *why;		/* "threshold", "context_exceeded", "user" */
};

struct loop_ui {
	void (*text)(void *ud, const char *s, size_t n);
	/* the model's reasoning as it streams, apart from the answer */
	void (*reasoning)(void *ud, const char *s, size_t n);
	void (*discard)(void *ud, size_t n);
	void (*retry)(void *ud, int attempt, long wait_ms, const char *reason);
	void (*tool_start)(void *ud, const char *id, const char *name,
			   const char *args);
	void (*tool_end)(void *ud, const char *id, const char *name,
			 const char *result, int is_error, long ms);
	/* A running command's output as it arrives (the main agent's Bash,
	 * on the loop's thread); may be NULL. */
	void (*tool_output)(void *ud, const char *data, size_t n);
	void (*todos)(void *ud, const struct todo_list *t);
	/* Asks the user about a call (interactive; see struct
	 * loop_approval); set *always to allow such calls for the session
	 * (the rules a->always lists); write a reason for a "no" into
	 * reason.  NULL: headless, where `ask` is a denial (unless --yes). */
	enum policy_verdict (*approve)(void *ud, const struct loop_approval *a, int *always,
				       struct strbuf *reason);
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
	/* Before routed specialists run: clear a route's run to skip it
	 * (the REPL asks).  NULL: they all run, as configured. */
	void (*routes)(void *ud, struct loop_route *r, size_t n);
	/* An MCP server asks the user (elicitation/create): message and the
	 * schema of what it wants; returns "accept" (with *content, a new
	 * reference, the answers), "decline" or "cancel".  NULL: headless
	 * (declined, unless loop_opts.elicit_answers). */
	const char *(*elicit)(void *ud, const char *server, const char *message, json_t *schema,
			      json_t **content);
	/* Something the user should know once (e.g. a route to an agent
	 * that does not exist). */
	void (*notice)(void *ud, const char *msg);
	/* The conversation was compacted (the loop also says so in one
	 * notice line when there is no handler). */
	void (*compaction)(void *ud, const struct loop_compaction *c);
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
	/* delegation */
	const struct agent_registry *agents;	/* who Task can run; NULL: no Task */
	struct loop_delegation delegation;
	long long max_tokens_total;	/* stop when the session's tokens reach it; 0: never */
	double max_cost;		/* --max-cost: stop before a request would pass it (USD); 0: never */
	const struct hooks *hooks;	/* the user's hooks, or NULL */
	const struct skill_set *skills;	/* Agent Skills, or NULL */
	struct mcp *mcp;		/* MCP servers, or NULL */
	/* background shells (Bash run_in_background), shared with the
	 * subagents; NULL: commands only run to their end */
	struct bgshell_set *bg;
	/* snapshots of the workspace around the calls that change files
	 * (src/checkpoint/), recorded for undo; NULL: none */
	struct checkpoint *checkpoints;
	long mcp_wait_ms;		/* how long the first request waits for them; 0: 10 s */
	json_t *elicit_answers;		/* --elicit: headless answers to MCP servers' questions */
	int compact_at;			/* compact at this % of the window; 0: 80; -1: never */
	long thinking;			/* --thinking: the budget (-1: off); 0: the model's config */
};

/* A session's totals, for the UI and the result line. */
struct loop_totals {
	int turns;
	int tool_calls;
	struct provider_usage usage;
	double cost;
	int has_price;			/* the model has a price: cost means something */
	size_t denials;
	/* subagents started by this loop (and theirs), over the session */
	int sub_runs;
	struct provider_usage sub_usage;
	double sub_cost;
};

/* A call that was denied, as the result line reports it. */
struct loop_denial {
	char *tool;
	char *arguments;
	char *reason;
	char *rule;	/* a rule that would allow it ("Bash(npm test)"), or NULL */
};

/* Resolves the model, offers the agent's tools, builds the system prompt.
 * Returns the loop, or NULL with err (config or model problems; nothing
 * is left allocated). */
struct loop *loop_new(const struct loop_opts *o, struct strbuf *err);
void loop_free(struct loop *l);

/* The permission mode, and a new one for what follows (/mode,
 * Shift-Tab): default asks, accept allows what would ask, plan is
 * read-only.  Between turns only. */
enum policy_mode loop_mode(const struct loop *l);
void loop_set_mode(struct loop *l, enum policy_mode mode);
/* Runs one tool call the user's input asked for (a custom command's
 * !`cmd` or @file) as the model's calls run: vetted by the policy (an
 * ask is asked in the REPL, denied headless), recorded, its result (or
 * why not) appended to out.  0, or -1 when it was denied or failed. */
int loop_run_tool(struct loop *l, const char *tool, const char *args, struct strbuf *out);
/* A skill the user asked for (/NAME): its allowed-tools narrow what
 * runs until the prompt's turns end, as when the model loads one. */
void loop_activate_skill(struct loop *l, const struct skill *s);
/* Rules (Claude form) allowed while the next prompt runs, as a source of
 * their own (a command's allowed-tools: never over a deny); removed by
 * loop_drop_rules.  0, or -1 with err for a rule that does not parse. */
int loop_allow_rules(struct loop *l, const char *source, const struct strvec *rules,
		     struct strbuf *err);
void loop_drop_rules(struct loop *l, const char *source);
/* The routing mode in force (the agent's, or what was set), and a new
 * one for the prompts that follow (/routing). */
enum agent_routing loop_routing(const struct loop *l);
void loop_set_routing(struct loop *l, enum agent_routing mode);
/* Another directory that counts as the workspace from now on (the REPL's
 * /add-dir): reads and writes there are decided as in the project.  Its
 * subagents started later keep the configured ones only. */
void loop_add_root(struct loop *l, const char *dir);
/* The rules in force, a line each ("config: allow Bash(npm test:*)"),
 * strictest source last as they are weighed. */
void loop_permissions(const struct loop *l, struct strbuf *out);

/* Switches the model mid-session (/model): the conversation and the
 * totals stay.  A bare id a configured server does not list is refused.
 * 0, or -1 with err. */
int loop_set_model(struct loop *l, const char *ref, struct strbuf *err);

/* Works on one user prompt.  Returns 0 (see *exit for why it stopped), or
 * -1 with err when the provider failed. */
int loop_run(struct loop *l, const char *prompt, enum loop_exit *exit,
	     struct strbuf *err);

/* Continues a recorded session (id: a whole id or a unique prefix): its
 * conversation replaces this one's, repaired so the next request is
 * valid, and new messages are recorded in it.  Returns 0, or -1 with
 * err. */
int loop_resume(struct loop *l, const char *id, struct strbuf *err);

/* Records the background shells that ended since the last time (each
 * turn's end does; the session calls it once more after stopping them). */
void loop_record_background(struct loop *l);

/* Takes the conversation back to before the message of that seq (a
 * prompt, as the checkpoints name it): later messages are dropped from
 * the record and the conversation reloaded.  0, or -1 with err. */
int loop_rewind(struct loop *l, long seq, struct strbuf *err);

/* Forgets the conversation (keeps the system prompt and the totals). */
void loop_clear(struct loop *l);

const char *loop_exit_name(enum loop_exit e);

/* What the loop shows the outside (borrowed; valid until the next call
 * that changes the loop). */
void loop_totals(const struct loop *l, struct loop_totals *t);
const struct loop_denial *loop_denials(const struct loop *l, size_t *nr);
const char *loop_session_id(const struct loop *l);
const struct agent *loop_agent(const struct loop *l);
/* The model in use: its provider's name and the model id. */
const char *loop_provider_name(const struct loop *l);
const char *loop_model_id(const struct loop *l);
/* The final answer of the last loop_run ("" if none). */
const char *loop_last_text(const struct loop *l);
const struct todo_list *loop_todos(const struct loop *l);
/* The conversation (read-only: the loop records every change). */
const struct conv *loop_conv(const struct loop *l);
/* The tools offered to the model now, by name. */
size_t loop_tools_nr(const struct loop *l);
const char *loop_tool_name(const struct loop *l, size_t i);

/* The context: tokens the next request would take, and the window. */
void loop_context(struct loop *l, long *used, long *window);
/* What takes the room, for /context: the system prompt (with the memory
 * files), the tools, the conversation, its largest tool results. */
void loop_context_report(struct loop *l, struct strbuf *out);
/* Compacts now (/compact), keeping what focus names if given.  Returns 0,
 * or -1 with err (the summary request failed: nothing changed). */
int loop_compact(struct loop *l, const char *focus, struct strbuf *err);

/* What routing matches for the next loop_run: NULL the prompt, ""
 * nothing (`archie design` routes on the requirements alone, not on its
 * repair rounds).  text is borrowed until that run. */
void loop_set_route_text(struct loop *l, const char *text);
/* The next loop_run's prompt runs as a subtask (OpenCode's term): a
 * child of agent (a Task call the policy decides, with a fresh context),
 * whose report is the run's answer.  The conversation keeps the prompt
 * and the report, so the session's own agent knows what was done.
 * agent and label ("/review") are borrowed until that run. */
void loop_set_subtask(struct loop *l, const char *agent, const char *label);

#endif
