/*
 * session: an agent session's setup, shared by `archie -p` and the REPL.
 *
 * Ownership: a session owns its registry, configuration and loop;
 * session_close releases them (safe after a failed session_open).
 */
#ifndef ARCHIE_SESSION_H
#define ARCHIE_SESSION_H

#include "agent/registry.h"
#include "cli/cli.h"
#include "hooks/hooks.h"
#include "mcp/mcp.h"
#include "config/config.h"
#include "custom/command.h"
#include "custom/skill.h"
#include "loop/loop.h"
#include "store/store.h"

#include <limits.h>
#include <signal.h>

struct session {
	struct agent_registry reg;
	struct config cfg;
	struct loop *loop;		/* NULL until session_open succeeds */
	struct store store;
	struct ship *ship;		/* the shipper to the team's record, or NULL */
	struct hooks hooks;
	struct mcp mcp;
	struct bgshell_set *bg;		/* background shells, stopped at the end */
	struct checkpoint *checkpoints;	/* snapshots for undo (src/checkpoint/) */
	struct strbuf root;
	char cwd[PATH_MAX];
	int store_ready;
	char *resume_id;		/* --continue / --resume: the session */
	char *resume_agent;		/* its agent */
	struct command_set commands;	/* custom slash commands */
	struct skill_set skills;	/* Agent Skills */
	/* a command's turn: its allowed-tools' source and the model to go
	 * back to (session_prompt_done) */
	char *turn_rules;
	char *turn_model;
	char *turn_subtask;		/* "/cmd" while the command runs as a subtask */
	const char *subtask_agent;	/* ... of this agent (the registry's) */
	json_t *elicit;			/* --elicit's answers */
	struct strvec roots;		/* the workspace and the directories that count as it */
};

/* How long the end of a session waits for its last rows to reach the
 * team's record (what does not arrive waits in the local outbox). */
#define SESSION_SHIP_WAIT_MS 3000

/* Set by the SIGINT handlers; the loop, tools and requests watch it. */
extern volatile sig_atomic_t session_cancel;

/* Headless runs: the first Ctrl-C sets session_cancel (the run stops
 * within 50 ms and reports), a second exits at once; SIGPIPE ignored. */
void session_catch_sigint(void);

/* Loads agents and config, picks the agent (ctx->agent, default
 * backend-architect) and model, and starts the loop with ui.  Returns 0,
 * or -1 with err. */
int session_open(struct cli_ctx *ctx, struct session *s, struct loop_ui *ui,
		 struct strbuf *err);
void session_close(struct session *s);

/*
 * The prompt input makes: a custom command's expansion when input is
 * "/name args" and name is a command (returns 1; its allowed-tools and
 * model hold until session_prompt_done), input itself (0), or -1 with err
 * (an unknown command, a denied !`cmd`).  `archie -p` and the REPL both.
 */
int session_prompt(struct session *s, const char *input, struct strbuf *prompt,
		   struct strbuf *err);
void session_prompt_done(struct session *s);
/* /add-dir: dir (any form) counts as the workspace from now on, for the
 * policy and as an MCP root.  0, or -1 with err (not a directory, or the
 * home directory or / itself). */
int session_add_dir(struct session *s, const char *dir, struct strbuf *err);
/* The prompt, with the resources it mentions (@server:uri, a ready MCP
 * server's) attached after it, fenced as the server's data (appended). */
void session_mentions(struct session *s, const char *input, struct strbuf *prompt);

#endif
