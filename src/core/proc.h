/*
 * proc: running commands (git's run-command, reduced).
 *
 * proc_run() runs a command to completion, capturing its output.  For a
 * child that lives on (an MCP server, a PostgreSQL cluster),
 * proc_start() starts it with its streams where the caller wants them and
 * proc_finish() waits for it, as git's start_command/finish_command: one
 * fork/exec for all of archie.
 *
 * The child gets its own session (setsid), so a timeout or a cancel
 * (Ctrl-C) kills everything it started, not just the shell, and it has no
 * controlling terminal to inject keystrokes into.  stdout and stderr are
 * captured through pipes into head-and-tail buffers, so a command that
 * prints gigabytes costs a bounded amount of memory.  stdin is /dev/null
 * unless input is given.
 *
 * File descriptors: the child gets fd 0 (input or /dev/null), 1 and 2
 * (pipes, or both onto one pipe with merge_stderr); every other descriptor
 * archie holds is close-on-exec.
 *
 * A program that cannot be run (not found, not executable) is reported
 * by proc_start/proc_run as an error, not as a child that exits 127.
 *
 * Ownership: a proc owns its argv copy, captured output and, after
 * proc_start, the parent's ends of its pipes (proc_release closes them).  `setup` runs in the child after fork, before exec (the
 * sandbox hooks in there); it must be async-signal-safe.
 */
#ifndef ARCHIE_PROC_H
#define ARCHIE_PROC_H

#include "core/headtail.h"
#include "core/strvec.h"

#include <signal.h>
#include <sys/types.h>

struct proc {
	struct strvec argv;		/* argv[0]: the program, looked up in PATH */
	const char *cwd;		/* NULL: archie's */
	long timeout_ms;		/* 0: none */
	size_t head_cap, tail_cap;	/* per stream; 0: 64 KiB each */
	int merge_stderr;
	const char *const *envp;	/* the environment (NULL: archie's own) */
	const char *input;		/* fed to stdin, may be NULL */
	size_t input_len;
	volatile sig_atomic_t *cancel;
	int (*setup)(void *ud);		/* in the child; non-zero aborts */
	void *setup_ud;
	/* proc_run: each piece of stdout and stderr as it arrives (for a
	 * running command's last line on the screen); may be NULL */
	void (*on_output)(void *ud, const char *data, size_t n);
	void *output_ud;

	/* proc_start: where the child's streams go.  stdin: a pipe with
	 * pipe_in, else /dev/null; stdout and stderr: to out_to / err_to
	 * when >= 0 (a log file), else pipes (stderr onto stdout's with
	 * merge_stderr).  proc_init sets them to -1. */
	int pipe_in;
	int out_to, err_to;

	/* after proc_start: the child, and the parent's ends of its pipes
	 * (-1: none) */
	pid_t pid;
	int in, out, err;

	/* results */
	struct headtail out_buf, err_buf;	/* proc_run's capture of stdout, stderr */
	int exit_code;			/* -1 if killed by a signal */
	int term_signal;
	int timed_out;
	int cancelled;
	long duration_ms;
};

void proc_init(struct proc *p);
void proc_release(struct proc *p);

/* Runs the command and waits for it and its pipes.  Returns 0 when it ran
 * (whatever its exit code), -1 if it could not be started (err set). */
int proc_run(struct proc *p, struct strbuf *err);

/* Starts the command (see the stream fields above).  Returns 0 with
 * p->pid and the pipes set, or -1 with err (nothing left open). */
int proc_start(struct proc *p, struct strbuf *err);
/* Waits for the child to end and sets exit_code / term_signal.  Returns
 * 0, or -1 if it was not started or already waited for. */
int proc_finish(struct proc *p);
/* Closes the parent's ends of the pipes (proc_release does too). */
void proc_close_pipes(struct proc *p);

#endif
