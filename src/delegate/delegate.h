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
 * Ownership: tasks are the caller's; delegate_run fills their results.
 */
#ifndef ARCHIE_DELEGATE_H
#define ARCHIE_DELEGATE_H

#include "core/strbuf.h"
#include "policy/policy.h"
#include "provider/provider.h"

#include <jansson.h>

struct agent;
struct agent_registry;
struct loop;

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

/* Runs tasks as children of parent (see above) and returns when all have
 * ended; each task's result is set.  Called on the parent's thread. */
void delegate_run(struct loop *parent, struct delegate_task *tasks, size_t n);

/* The agent ref names in reg: its name exactly, else the reference's last
 * path component (routing.h), ignoring case and '-' vs '_'.  NULL: none. */
const struct agent *delegate_find_agent(const struct agent_registry *reg, const char *ref);

/* Appends the agents a parent can delegate to, one "- name: description"
 * line each, for the Task tool's description. */
void delegate_list_agents(const struct loop *l, struct strbuf *out);

/*
 * Routing, before the first turn on prompt: matches the agent's routing
 * table; `auto` runs the matched specialists and appends their reports
 * to context, `suggest` appends the list of matches.  Routes to agents
 * that do not exist are reported once (ui.notice).
 */
void delegate_route(struct loop *l, const char *prompt, struct strbuf *context);

/*
 * A subagent's decision bounded by its ancestors': each ancestor's policy
 * decides the same call, and the strictest decision replaces d (its reason
 * names the ancestor).  Returns the verdict that stands.
 */
enum policy_verdict delegate_bound(const struct loop *l, const char *tool, json_t *args,
				   struct policy_decision *d);

/* "Allow for this session" given to a subagent's call holds for its
 * ancestors too, so the same call is not asked again. */
void delegate_share_approvals(const struct loop *l, const struct strvec *approvals);

#endif
