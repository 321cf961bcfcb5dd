/*
 * delegate: subagents.  A parent agent hands self-contained jobs to
 * specialist agents, which run as child loops, in parallel, and return one
 * report each.  Two things start children:
 *
 *   - Task calls of the model (Task / Agent / task, or the Gemini form
 *     where each subagent is a tool of its own name);
 *   - the agent's routing table (routing.h): before the first turn on a
 *     user prompt, `auto` runs every matched specialist on the prompt and
 *     gives their reports to the parent as context; `suggest` only lists
 *     the matches for the model.
 *
 * Each child runs in its own thread with its own loop, conversation, HTTP
 * handle and store connection; its transcript is a session whose parent is
 * the parent's session.  At most delegation.max_parallel run at once (the
 * rest wait their turn); a child deeper than delegation.max_depth is
 * refused.  A child can never do more than its parent: it is offered only
 * tools its parent has, and every call is decided by its own policy and by
 * each ancestor's, the strictest verdict standing.  The parent's cancel
 * flag reaches every child (and theirs, their children) within 50 ms; a
 * child whose agent sets timeout_mins is stopped when it runs out.  A
 * child that fails yields an error result for the parent, never a crash.
 *
 * Routing and delegation decisions are audit events (kinds "route" and
 * "delegate") in the parent's session.
 *
 * This module schedules and routes; it does not know what a loop is.  The
 * loop describes the parent in a struct delegate_parent (who it is, its
 * limits, and the callbacks that run one child and record what happened)
 * and src/loop/child.c builds each child's loop from an explicit list of
 * what it inherits.  Ancestors' bounds are the policy's (policy_bound).
 *
 * Ownership: tasks are the caller's; delegate_run fills their results.
 */
#ifndef ARCHIE_DELEGATE_H
#define ARCHIE_DELEGATE_H

#include "agent/agent.h"
#include "core/strbuf.h"
#include "provider/provider.h"
#include "store/store.h"

#include <signal.h>

struct agent_registry;

#define DELEGATE_MAX_PARALLEL 4
#define DELEGATE_MAX_DEPTH 2
#define DELEGATE_MAX_TURNS 50
#define DELEGATE_MAX_TOKENS 2000000LL

struct delegate_task {
	/* asked */
	char *id;			/* the Task call's id, or route-N */
	char *agent;			/* as asked: a name or a path-like reference */
	char *description;
	char *prompt;
	const char *via;		/* "Task" or "route" */
	/* done */
	struct strbuf result;		/* the child's report (with a usage line), or an error */
	int is_error;
	const char *outcome;		/* ok, error, denied, interrupted, timeout, max_turns, token_budget */
	char *agent_name;		/* the agent that ran */
	char *session;			/* the child's session id */
	int turns, tool_calls;
	struct provider_usage usage;	/* the child's own */
	double cost;
	int sub_runs;			/* its own subagents, recursively */
	struct provider_usage sub_usage;
	double sub_cost;
	long long started;		/* epoch ms */
	long ms;
};

void delegate_task_init(struct delegate_task *t, const char *via, const char *id,
			const char *agent, const char *description, const char *prompt);
void delegate_task_release(struct delegate_task *t);

/* A child while it runs, as its runner sees it. */
struct delegate_child {
	struct delegate_task *task;
	const struct agent *agent;	/* the agent it runs */
	volatile sig_atomic_t cancel;	/* set when the parent is cancelled or time runs out */
	volatile sig_atomic_t timed_out;	/* set (before cancel) when its timeout struck */
	long t0;			/* when it started (monotonic ms) */
};

/* A routed specialist about to run, for the user to confirm. */
struct delegate_route_choice {
	const char *agent;
	const char *keywords;		/* what matched, comma-separated */
	int run;			/* 1; cleared to skip it */
};

/* Who delegates: filled by the parent's loop (loop/child.c). */
struct delegate_parent {
	const struct agent *agent;
	const struct agent_registry *agents;	/* who can be delegated to */
	int depth;			/* 0: the main agent */
	int max_parallel;		/* 0: DELEGATE_MAX_PARALLEL */
	int max_depth;			/* 0: DELEGATE_MAX_DEPTH */
	enum agent_routing routing;	/* DEFAULT: the agent's own */
	volatile sig_atomic_t *cancel;	/* the parent's: it reaches every child */
	int *routing_warned;		/* routes to missing agents were reported */
	/* Runs one child to its end on the calling thread (a worker of its
	 * own) and fills c->task's result and totals. */
	void (*run)(void *ud, struct delegate_child *c);
	/* Once all have ended, on the parent's thread: each task's totals
	 * become the parent's subagent totals. */
	void (*done)(void *ud, const struct delegate_task *t);
	/* Audit events: event_init fills an event of the parent's session;
	 * record stores it. */
	void (*event_init)(void *ud, struct store_event *ev, enum store_event_kind kind,
			   long long ts);
	void (*record)(void *ud, const struct store_event *ev);
	void (*notice)(void *ud, const char *msg);	/* NULL: logged */
	/* Before routed specialists run (auto): the user may clear a
	 * choice's run to skip it (each costs model requests).  NULL: they
	 * all run. */
	void (*confirm)(void *ud, struct delegate_route_choice *c, size_t n);
	void *ud;
};

/* The depth limit for p's children. */
int delegate_max_depth(const struct delegate_parent *p);

/* Runs tasks as children of p (see above) and returns when all have
 * ended; each task's result is set.  Called on the parent's thread. */
void delegate_run(const struct delegate_parent *p, struct delegate_task *tasks, size_t n);

/* The agent ref names in reg: its name exactly, else the reference's last
 * path component (routing.h), ignoring case and '-' vs '_'.  NULL: none. */
const struct agent *delegate_find_agent(const struct agent_registry *reg, const char *ref);

/* Appends the agents self can delegate to in reg, one "- name:
 * description" line each, for the Task tool's description. */
void delegate_list_agents(const struct agent_registry *reg, const struct agent *self,
			  struct strbuf *out);

/*
 * Routing, before the first turn on prompt: matches the agent's routing
 * table; `auto` runs the matched specialists (those p->confirm keeps)
 * and appends their reports to context, `suggest` appends the list of
 * matches.  Each decision is a "route" audit event: auto, suggested, or
 * skipped (the user's choice).  Routes to agents
 * that do not exist are reported once (notice).
 */
void delegate_route(const struct delegate_parent *p, const char *prompt, struct strbuf *context);

#endif
