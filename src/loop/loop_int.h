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

#include "hooks/hooks.h"

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

/* toolset.c */
int toolset_depth_limit(const struct loop *l);
int toolset_can_delegate(const struct loop *l);
/* Offers the agent's tools (and delegation) for this loop. */
void toolset_offer(struct loop *l);
/* The offered tool a call names (other runtimes' names accepted), or NULL. */
const struct tool *toolset_find(const struct loop *l, const char *name);
int toolset_delegation_offered(const struct loop *l);
/* The offered tools' names, for an error that lists them. */
void toolset_list(const struct loop *l, struct strbuf *out);
int toolset_is_mcp(const struct loop *l, const struct tool *t);
/* Before each request: MCP servers waited for, their tools re-offered
 * when any list changed (l->tools_gen counts up then). */
void toolset_sync(struct loop *l);

/* calls.c */
void calls_add_denial(struct loop *l, const char *tool, const char *args, const char *why);
/* Decides a call: malformed, unknown, denied, or to run (c->vetted). */
void calls_vet(struct loop *l, struct call *c);
/* Runs the vetted calls of one response. */
void calls_run(struct loop *l, struct call *calls, size_t n);
/* A response's calls: vetted, run, their results recorded, shown and
 * added to the conversation (the turn ends). */
void calls_handle(struct loop *l, const struct provider_reply *reply);

/* record.c */
void record_begin(struct loop *l, const char *prompt);
void record_announce(struct loop *l);
void record_messages(struct loop *l, int last_incomplete);
void record_model(struct loop *l, const struct provider_reply *r, long long sent_at,
		  const char *outcome, const char *error);
void record_call(struct loop *l, const struct call *c);
void record_turn_end(struct loop *l);
void record_partial(struct loop *l, int force);
void record_run_hooks(struct loop *l, enum hook_event ev, struct hook_input *in,
		      struct hook_outcome *out);

#endif
