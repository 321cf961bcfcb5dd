/*
 * hooks: commands teams wire around tool calls and sessions, written the
 * way Claude Code users already write them.
 *
 * Sources, all of them used: `hooks:` in ~/.config/archie/config.yaml and
 * the project's .archie/config.yaml, and `hooks` in the project's
 * .claude/settings.json and .claude/settings.local.json (and
 * ~/.claude/settings.json).  The shape is Claude Code's:
 *
 *   {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command",
 *                    "command": "./check.sh", "timeout": 30}]}]}
 *
 * Events: PreToolUse, PostToolUse (matched on the tool name, a regular
 * expression matched whole; "" or "*" match every tool), UserPromptSubmit,
 * Stop, SubagentStop, SessionStart.  A hook gets a JSON description of the
 * event on stdin (session_id, cwd, hook_event_name, agent, tool_name,
 * tool_input, tool_response, prompt) and decides by its exit code and
 * output: 0 allows (its JSON may say {"decision": "block", "reason"} or
 * {"hookSpecificOutput": {"permissionDecision": "deny"|"allow"|"ask",
 * "permissionDecisionReason", "additionalContext"}}; plain stdout of
 * UserPromptSubmit and SessionStart is context), 2 blocks with stderr as
 * the reason, anything else is a failure: PreToolUse fails closed (the
 * call is blocked), the other events report it and go on.  A timeout
 * (default 60 s) is a failure.
 *
 * Hooks run as the user's own commands: not in the agent's sandbox and not
 * subject to the agent's permission rules.  Every run is reported to the
 * caller for the audit trail.
 *
 * Ownership: a hooks set owns its entries and compiled matchers.
 */
#ifndef ARCHIE_HOOKS_H
#define ARCHIE_HOOKS_H

#include "core/diag.h"
#include "core/strbuf.h"

#include <jansson.h>
#include <signal.h>

struct config;

enum hook_event {
	HOOK_PRE_TOOL_USE,
	HOOK_POST_TOOL_USE,
	HOOK_USER_PROMPT_SUBMIT,
	HOOK_STOP,
	HOOK_SUBAGENT_STOP,
	HOOK_SESSION_START,
	HOOK_EVENTS
};

struct hook {
	enum hook_event event;
	char *matcher;			/* as written; NULL: every tool */
	void *re;			/* pcre2_code *, or NULL */
	char *command;
	long timeout_ms;
	char *source;			/* the file it came from */
};

struct hooks {
	struct hook *v;
	size_t nr, alloc;
	struct diag_list diags;		/* problems in the hook configuration */
};

/* What a hook is told. */
struct hook_input {
	const char *session;
	const char *agent;
	const char *cwd;
	const char *tool;		/* PreToolUse, PostToolUse */
	const char *tool_input;		/* the call's arguments (JSON text) */
	const char *tool_response;	/* PostToolUse: the result */
	int tool_error;
	const char *prompt;		/* UserPromptSubmit */
	volatile sig_atomic_t *cancel;
};

/* What the hooks of one event decided, together. */
struct hook_outcome {
	int ran;			/* hooks that ran */
	int block;			/* a hook blocked (or failed, for PreToolUse) */
	int allow;			/* PreToolUse: a hook allowed the call outright */
	struct strbuf reason;		/* why it blocked */
	struct strbuf context;		/* added context, for the model */
	struct strbuf problems;		/* failures reported, not blocking */
};

/* One run, for the audit trail. */
struct hook_run {
	const struct hook *hook;
	const char *event;
	const char *outcome;		/* allow, block, context, error, timeout */
	int exit_code;
	long duration_ms;
	const char *detail;		/* the reason, context or error */
};

void hooks_init(struct hooks *h);
void hooks_release(struct hooks *h);

/* Loads the hooks of cfg's files and of .claude/settings*.json under root
 * and home.  Problems go to h->diags; the hooks that parse are kept. */
void hooks_load(struct hooks *h, const struct config *cfg, const char *root, const char *home);

const char *hook_event_name(enum hook_event e);

/* 1 if any hook listens to ev (for tool: matches it). */
int hooks_any(const struct hooks *h, enum hook_event ev, const char *tool);

/* Runs the hooks of ev (matching in->tool), in order; out is initialised
 * here and released with hook_outcome_release.  record, when given, is
 * called after each run. */
void hooks_run(const struct hooks *h, enum hook_event ev, const struct hook_input *in,
	       struct hook_outcome *out,
	       void (*record)(void *ud, const struct hook_run *r), void *ud);
void hook_outcome_release(struct hook_outcome *o);

#endif
