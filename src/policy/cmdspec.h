/*
 * cmdspec: what a command really does, from tables of its options.
 *
 * "Read-only" cannot be judged from a command's name: `sort -o FILE`
 * writes, `rg --pre CMD` runs CMD, `sed 1e` runs a shell, `uniq IN OUT`
 * writes OUT, `git -c core.pager=CMD log` runs CMD.  Each command archie
 * knows has a table of the options that take a value (so operands are
 * found where the command finds them, with clusters like `-ni` and
 * abbreviations like `--out` for `--output` read as getopt reads them),
 * and of those that execute, write, or read other files.  Analysing a
 * command yields what it touches — files read and written, command lines
 * it runs, the directory it runs in — and whether it is read-only.  A
 * wrapper (env, timeout, nice, xargs, flock, time, ...) yields where the
 * command it runs starts.  What a table cannot judge is reported as
 * `unsure`, and the policy asks.
 *
 * Words are the parsed command's (quotes removed); items refer to them by
 * index so the caller can tell a literal from a run-time expansion.
 *
 * Ownership: a cmdspec_use owns its items' texts (cmdspec_use_release).
 */
#ifndef ARCHIE_CMDSPEC_H
#define ARCHIE_CMDSPEC_H

#include "core/strvec.h"

#include <stddef.h>

enum cmdspec_what {
	CMDSPEC_READ,		/* a file it reads */
	CMDSPEC_WRITE,		/* a file it writes, creates or removes */
	CMDSPEC_SCRIPT,		/* a shell command line it runs */
	CMDSPEC_CWD,		/* the directory the command runs in */
};

struct cmdspec_item {
	enum cmdspec_what what;
	char *text;		/* the path or command line */
	size_t word;		/* the word it came from */
};

struct cmdspec_use {
	int known;		/* the command has a table */
	int read_only;		/* runs and writes nothing (reads are listed) */
	int wrapper;		/* it runs another command: at `next` */
	size_t next;		/* a wrapper's command: index into argv */
	int stdin_args;		/* the wrapped command gets more operands from stdin (xargs) */
	int file_operands;	/* its operands are files (a reader or writer) */
	struct cmdspec_item *items;
	size_t nr, alloc;
	char *unsure;		/* why it cannot be judged, or NULL */
	char *effect;		/* why it is not read-only, or NULL */
};

void cmdspec_use_init(struct cmdspec_use *u);
void cmdspec_use_release(struct cmdspec_use *u);

/*
 * Analyses the command whose name is argv->v[start] (a base name, no
 * directory).  dynamic[i] is non-zero when word i holds an expansion.
 * Returns 1 when the command has a table (u filled), 0 when not.
 */
int cmdspec_analyse(const struct strvec *argv, const unsigned char *dynamic,
		    size_t start, struct cmdspec_use *u);

/* 1 if NAME=value before a command cannot change what it runs (LANG,
 * TZ, NO_COLOR...); everything else (PATH, LD_PRELOAD, GIT_*, PAGER,
 * BASH_ENV...) may. */
int cmdspec_harmless_assignment(const char *name, size_t len);

/* For the sed and awk analysers alone (fuzzing, tests): 0 when the
 * program only reads; else 1 with why set (static text), and for sed
 * the files it names and commands it runs added to u. */
int cmdspec_sed_script(const char *script, size_t word, struct cmdspec_use *u,
		       const char **why);
int cmdspec_awk_program(const char *prog, const char **why);

#endif
