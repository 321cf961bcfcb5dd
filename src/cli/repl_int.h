/*
 * repl_int.h: what the interactive session's files share (repl.c: the
 * line editor, slash commands and the prompt loop; repl_ui.c: what a turn
 * shows as it runs).  Internal to src/cli/.
 */
#ifndef ARCHIE_REPL_INT_H
#define ARCHIE_REPL_INT_H

#include "cli/board.h"
#include "cli/cli.h"
#include "cli/render.h"
#include "cli/session.h"
#include "cli/spinner.h"
#include "core/strbuf.h"

#include <histedit.h>

#define DIM "\033[2m"
#define RED "\033[31m"
#define RESET "\033[0m"

struct repl {
	struct cli_ctx *ctx;
	struct session s;
	struct loop_ui ui;
	struct render r;
	EditLine *el;
	History *hist;
	struct strbuf hist_path;
	const char *prompt;
	int color;
	struct strvec owned;	/* strings ctx points at */
	struct board board;	/* subagents' status lines */
	int reasoning_open;	/* reasoning was shown; the answer starts on a new line */
	/* <think>...</think> a server left in the answer: shown as reasoning
	 * (the answer itself keeps it, as the server sent it) */
	int in_think;
	char tag[10];		/* a tag being matched across chunks */
	size_t tag_len;
	struct strbuf call_args;	/* the running call's arguments, for its result line */
	struct strbuf last_result;	/* the last call's whole result, for /last */
	char last_tool[64];
	char last_tool_running[64];
	char out_line[60];	/* the running command's current output line (its start) */
	size_t out_line_len;
	struct spinner spin;	/* "working", while nothing else is shown */
	long streamed;		/* characters of this turn's answer and reasoning */
	int routes_always;	/* routed specialists run without asking */
};

/* repl_work.c: the slash commands about the workspace the agent works
 * in: /bashes (its background shells) and /rewind (its changes). */
int repl_bashes(struct repl *r, const char *arg);
int repl_rewind(struct repl *r, const char *arg);
int repl_add_dir(struct repl *r, const char *arg);

/* A dimmed line (with '\n'), after the answer's open line is ended. */
void repl_dim(struct repl *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One line from the editor with prompt; NULL at end of input (owned). */
char *repl_read_line(struct repl *r, const char *prompt);

/* Sets r->ui: the callbacks of repl_ui.c. */
void repl_ui_init(struct repl *r);
void repl_ui_release(struct repl *r);
/* Before a turn: the spinner runs until the model answers. */
void repl_ui_turn_start(struct repl *r);
/* After a turn: what the answer held back (a '<' that may have started a
 * tag) is shown, and its line ended. */
void repl_ui_turn_done(struct repl *r);

#endif
