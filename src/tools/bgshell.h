/*
 * bgshell: commands that go on running while the agent works (Bash with
 * run_in_background: a service to test against, a watcher), read while
 * they run (BashOutput) and stopped (KillShell, or the session's end).
 *
 * One thread per set does all of it that must outlive a caller: it forks
 * every shell (so a parent-death signal is tied to a thread that lives as
 * long as the set, not to a subagent's thread that ends), reads every
 * shell's output into a head-and-tail buffer (the first 32 KiB and the
 * last 256 KiB: a service that prints a gigabyte costs 288 KiB), and reaps
 * them.  Each shell is a session and process group of its own; stopping
 * one is SIGTERM to the group, then SIGKILL after two seconds.
 *
 * Nothing outlives archie: a small monitor process (forked on the first
 * start, holding nothing but a pipe from archie) knows every running
 * group; when the pipe closes, because archie ended however it ended
 * (exit, SIGTERM, SIGKILL, a crash), it stops them the same way.
 *
 * Ownership: a set owns its shells, their captured output and their
 * sandbox runs; bgshell_free stops what still runs.
 */
#ifndef ARCHIE_BGSHELL_H
#define ARCHIE_BGSHELL_H

#include "core/strbuf.h"

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

struct proc;
struct sandbox_run;
struct bgshell_set;

/* What a shell is, for lists and the audit trail. */
struct bgshell_info {
	const char *id;			/* "bash_1" */
	const char *command;
	pid_t pid;
	int running;
	int exit_code;			/* -1: killed by a signal (or running) */
	int term_signal;
	int killed;			/* stopped by KillShell or the session's end */
	long long started_ms, ended_ms;	/* epoch ms; ended 0 while running */
	size_t bytes;			/* output so far */
	size_t unread;			/* ... not yet read by BashOutput */
};

/* What bgshell_read waits for before it answers (all optional). */
struct bgshell_wait {
	const char *pattern;		/* a line matching this PCRE2 regex */
	int port;			/* a TCP listener on this port (1-65535) */
	long timeout_ms;		/* 0: do not wait */
	volatile sig_atomic_t *cancel;
};

/* A set (its thread starts with the first shell); NULL when it cannot be
 * made. */
struct bgshell_set *bgshell_new(void);
/* Stops every shell that runs: SIGTERM to each group, SIGKILL to those
 * left after two seconds (the session's end; their ends can then be
 * taken for the audit trail).  NULL is fine. */
void bgshell_stop_all(struct bgshell_set *b);
/* bgshell_stop_all, and frees everything.  NULL is fine. */
void bgshell_free(struct bgshell_set *b);

/*
 * Starts p (argv, envp, cwd, setup as for proc_start; its output is
 * merged into one stream) on the set's thread.  sr, when not NULL, is the
 * sandbox run p was prepared for: the set takes it and finishes it when
 * the shell has ended.  Returns 0 with the new shell's id appended to id,
 * or -1 with err.
 */
int bgshell_start(struct bgshell_set *b, struct proc *p, struct sandbox_run *sr,
		  const char *command, struct strbuf *id, struct strbuf *err);

/*
 * BashOutput: waits as w says (until the pattern appears in new output, a
 * listener is on the port, the shell ends, the timeout or a cancel), then
 * appends a status line and the output since the last read (only lines
 * matching filter when given), at most cap bytes of it (head and tail).
 * Returns 0, or -1 with an error in out (no such shell, a bad regex).
 */
int bgshell_read(struct bgshell_set *b, const char *id, const char *filter,
		 const struct bgshell_wait *w, size_t cap, struct strbuf *out);

/* KillShell: stops the shell's process group and says how it ended.
 * Returns 0, or -1 with an error in out. */
int bgshell_kill(struct bgshell_set *b, const char *id, struct strbuf *out);

/* Shells still running. */
size_t bgshell_running(struct bgshell_set *b);
/* Every shell, one line each (for /bashes); "" when there are none. */
void bgshell_list(struct bgshell_set *b, struct strbuf *out);
/* Calls fn for each shell that ended since the last call (the audit
 * trail records them), on the caller's thread. */
void bgshell_take_ended(struct bgshell_set *b,
			void (*fn)(void *ud, const struct bgshell_info *info), void *ud);

#endif
