/*
 * command: custom slash commands, in every runtime's format.
 *
 * A custom command is a prompt template in a file; `/name args` (in the
 * REPL, or `archie -p "/name args"`) sends it, filled in, as the prompt.
 * archie reads the commands users already have:
 *
 *   .claude/commands/ (nested)         ~/.claude/commands/       Claude Code
 *   .opencode/command(s)/              ~/.config/opencode/command/ OpenCode
 *   .gemini/commands/ (nested, .toml)  ~/.gemini/commands/       Gemini CLI
 *                                      ~/.codex/prompts/         Codex
 *   .archie/commands/ (nested)         ~/.config/archie/commands/ archie
 *
 * A subfolder is a namespace: frontend/component.md is /frontend:component.
 * The project's commands override the user's of the same name; within a
 * level the order above holds (archie's own last, so it wins).
 *
 * Markdown commands may have frontmatter: description, argument-hint,
 * allowed-tools (rules allowed while the command's turn runs, never over a
 * deny), model, agent and subtask (OpenCode: the agent that runs it, and
 * whether as a subtask with a fresh context; see session_prompt).
 * Gemini's TOML has description and prompt.
 *
 * Expansion: $ARGUMENTS (Gemini: {{args}}) is the whole argument string,
 * $1..$9 the words of it (quotes group); a template with no placeholder
 * gets the arguments appended.  @path and Gemini's @{path} include a
 * file's content; !`cmd` and Gemini's !{cmd} include a command's output.
 * Both go through the caller's io, which runs them as Read and Bash tool
 * calls under the policy: a denied read or command fails the expansion.
 *
 * Ownership: a command_set owns its commands and diagnostics.
 */
#ifndef ARCHIE_COMMAND_H
#define ARCHIE_COMMAND_H

#include "core/diag.h"
#include "core/strbuf.h"
#include "core/strvec.h"

#include <stddef.h>

struct command {
	char *name;		/* "review", "frontend:component" */
	char *path;
	const char *runtime;	/* "claude", "opencode", "gemini", "codex", "archie" */
	char *description;	/* NULL: none given */
	char *argument_hint;
	char *model;
	char *agent;		/* OpenCode's `agent:`: the agent meant to run it */
	int subtask;		/* OpenCode's `subtask:`: 1 true, -1 false, 0 unsaid */
	struct strvec allowed_tools;	/* rules, as written ("Bash(git status:*)") */
	char *template;
	int gemini_syntax;	/* {{args}}, @{path}, !{cmd} */
	int loaded;		/* read and parsed (command_get, command_set_read_all) */
	int failed;		/* ... and its file has errors */
};

struct command_set {
	struct command *v;
	size_t nr, alloc;
	struct diag_list diags;
};

/* Where to look (NULLs: the environment's). */
struct command_search {
	const char *project_root;	/* NULL: no project commands */
	const char *home;
	const char *config_home;
};

void command_set_init(struct command_set *cs);
void command_set_release(struct command_set *cs);
/* Finds every command on the search path, by file name only: a file is
 * read when its command is used (command_get) or listed
 * (command_set_read_all), so hundreds of them cost nothing at start-up. */
void command_set_load(struct command_set *cs, const struct command_search *s);
/* Reads every command's file (for lists); problems go to cs->diags. */
void command_set_read_all(struct command_set *cs);
/* The command of that name, read: NULL when there is none (err empty) or
 * its file has errors (err says where and what). */
const struct command *command_get(struct command_set *cs, const char *name, struct strbuf *err);
/* Adds the commands of one file (tests, and the loader). */
int command_set_add_file(struct command_set *cs, const char *path, const char *name,
			 const char *runtime);
const struct command *command_find(const struct command_set *cs, const char *name);

/* How an expansion reads files and runs commands (the session's tools). */
struct command_io {
	/* 0 with the content in out, or -1 with why in out */
	int (*read_file)(void *ud, const char *path, struct strbuf *out);
	int (*run)(void *ud, const char *cmd, struct strbuf *out);
	void *ud;
};

/* The prompt c makes with args.  0, or -1 with err (a denied read or
 * command, a missing file). */
int command_expand(const struct command *c, const char *args, const struct command_io *io,
		   struct strbuf *out, struct strbuf *err);

/* "/name args" split: 1 with name (without '/') and args (owned by the
 * line: pointers into it, NUL-terminated in place), 0 when line is not a
 * slash command. */
int command_split(char *line, char **name, char **args);

#endif
