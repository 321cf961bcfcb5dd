/*
 * cli: the command table and what every command shares.
 *
 * Each subcommand lives in its own cmd_*.c file and exports one
 * `struct cmd_entry` (the tmux pattern).  `archie --help`, `archie help CMD`
 * and the man page are all generated from the table, so they cannot drift
 * from what the commands accept.
 *
 * Commands return the process exit status (CLI_EXIT_*); only main() exits.
 */
#ifndef ARCHIE_CLI_H
#define ARCHIE_CLI_H

#include "core/strvec.h"

#include <signal.h>
#include <stdio.h>

#define ARCHIE_VERSION_STRING "0.1.0"

enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAILURE = 1,	/* the command ran and found errors */
	CLI_EXIT_USAGE = 2,	/* bad arguments or configuration */
};

struct config_provider;

/* Options that every command accepts, anywhere on the command line. */
struct cli_ctx {
	struct strvec agents_dirs;	/* --agents-dir, in order */
	const char *cwd;		/* --cwd (already chdir'ed to) */
	int json;			/* --json */
	int color;			/* stdout is a TTY and NO_COLOR unset */
	/* running the agent */
	const char *prompt;		/* -p PROMPT */
	int print;			/* -p given (headless) */
	const char *agent;		/* --agent */
	const char *agent_hint;		/* a command's `agent:`, used when there is such an agent */
	int agent_hint_subtask;		/* its `subtask:` (struct command) */
	const char *model;		/* --model */
	int max_turns;			/* --max-turns */
	int compact_at;			/* --compact-at PCT (-1: never); 0: the default */
	long thinking;			/* --thinking N (-1: off); 0: the model's config */
	const char *output_format;	/* --output-format */
	const char *permission_mode;	/* --permission-mode; --yes = accept */
	const char *elicit;		/* --elicit JSON: headless answers to MCP servers' questions */
	double max_cost;		/* --max-cost USD: stop before a request would pass it; 0: none */
	const char *report;		/* --report FILE: SARIF or JUnit of what the run changed and denied */
	struct strvec allow, ask, deny;	/* --allow/--ask/--deny RULE */
	const char *sandbox;		/* --sandbox MODE */
	const char *routing;		/* --routing MODE */
	int network;			/* --network */
	const char *state_dir;		/* --state-dir DIR */
	const char *resume;		/* --resume ID */
	int cont;			/* --continue */
	/* archie serve: a hosted session's directory, which is its
	 * workspace and project root exactly (NULL: the process's working
	 * directory and the project around it), its own interruption flag
	 * (NULL: session_cancel, set by Ctrl-C), and hosted set: what is
	 * process-wide (the children's environment policy) is the server's,
	 * configured once */
	const char *workspace;
	volatile sig_atomic_t *cancel;
	int hosted;
	/* the REPL: asks which model to use when a local server lists
	 * several and none is chosen (config_choose_fn); NULL: the first */
	int (*choose_model)(void *ud, const struct config_provider *p, const struct strvec *ids);
	void *choose_ud;
};

/* Exit statuses of agent runs (documented in docs/output-format.md). */
enum cli_run_exit {
	CLI_EXIT_PROVIDER = 3,		/* the model provider failed */
	CLI_EXIT_MAX_TURNS = 4,		/* --max-turns reached */
	CLI_EXIT_DENIED = 5,		/* a tool call was denied */
	CLI_EXIT_INTERRUPTED = 130,	/* Ctrl-C */
};

/* Asks on out which of ids (the models p's server lists) to use, reading
 * a number or a name from in (Enter: the first): its index, or -1 at end
 * of input.  `archie init` and the REPL's first run. */
int cli_pick_model(const struct config_provider *p, const struct strvec *ids, FILE *in,
		   FILE *out);

/* Runs the agent: headless with -p or piped input, else interactive. */
int cli_run(struct cli_ctx *ctx, int argc, char **argv);
int cli_repl(struct cli_ctx *ctx);
/* The REPL's slash commands, for the manual: each's name, its arguments
 * ("" for none) and what it does, in /help's order. */
void cli_repl_slashes(void (*each)(void *ud, const char *name, const char *args,
				   const char *summary), void *ud);

struct cmd_usage {
	const char *synopsis;	/* "agents show NAME" */
	const char *summary;	/* one line */
};

struct cmd_option {
	/* "--all", "--limit N" (a value follows), "-n, --limit N" (two
	 * spellings): what the command accepts, and all it accepts */
	const char *spelling;
	const char *summary;
};

struct cmd_entry {
	const char *name;
	const struct cmd_usage *usage;	 /* NULL-terminated */
	const struct cmd_option *options; /* NULL-terminated, may be NULL */
	const char *description;	 /* a paragraph for help and man */
	int (*exec)(struct cli_ctx *ctx, int argc, char **argv);
	/* its arguments after the subcommand are another program's (a command
	 * line to run or judge): options are not checked */
	int free_args;
};

extern const struct cmd_entry cmd_agents_entry;
extern const struct cmd_entry cmd_help_entry;
extern const struct cmd_entry cmd_models_entry;
extern const struct cmd_entry cmd_init_entry;
extern const struct cmd_entry cmd_doctor_entry;
extern const struct cmd_entry cmd_commands_entry;
extern const struct cmd_entry cmd_skills_entry;
extern const struct cmd_entry cmd_config_entry;
extern const struct cmd_entry cmd_policy_entry;
extern const struct cmd_entry cmd_sandbox_entry;
extern const struct cmd_entry cmd_version_entry;
extern const struct cmd_entry cmd_sessions_entry;
extern const struct cmd_entry cmd_audit_entry;
extern const struct cmd_entry cmd_undo_entry;
extern const struct cmd_entry cmd_checkpoints_entry;
extern const struct cmd_entry cmd_stats_entry;
extern const struct cmd_entry cmd_check_design_entry;
extern const struct cmd_entry cmd_design_entry;
extern const struct cmd_entry cmd_mcp_entry;
extern const struct cmd_entry cmd_store_entry;
extern const struct cmd_entry cmd_serve_entry;

/* The team's shared record (cmd_store.c): its URL from the config or
 * ARCHIE_STORE_URL (1, in url), or 0 when none is set; connecting to it
 * (0, or -1 after saying why). */
struct pgstore;
struct strbuf;
int cli_team_url(struct strbuf *url);
int cli_team_open(struct pgstore *pg, const char *url);

/* The table, NULL-terminated, in help order. */
const struct cmd_entry *const *cli_commands(void);
const struct cmd_entry *cli_find_command(const char *name);

/* Runs archie with the process's arguments; returns the exit status. */
int cli_main(int argc, char **argv);

void cli_print_help(FILE *out);
void cli_print_command_help(const struct cmd_entry *cmd, FILE *out);
void cli_print_man(FILE *out);

/* "--opt V" or "--opt=V" at argv[*i]: the value (advancing *i past a
 * separate one), or NULL. */
const char *cli_opt_value(const char *opt, int argc, char **argv, int *i);
/* 1 if arg is --opt or --opt=... */
int cli_is_opt(const char *arg, const char *opt);

/* The known option closest to a mistyped one (within two edits, or a
 * prefix of it), or NULL: for "did you mean --model?". */
const char *cli_closest_option(const char *arg, const struct cmd_option *extra);

/* Prints "archie: <msg>" to stderr; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "archie: <msg>" to stderr; returns CLI_EXIT_FAILURE. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints a JSON value to stdout (indented), consuming it. */
struct json_t;
void cli_print_json(struct json_t *value);

#endif
