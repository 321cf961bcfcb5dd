/*
 * proc: running a command to completion (git's run-command, reduced).
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
 * Ownership: a proc owns its argv copy and captured output
 * (proc_release).  `setup` runs in the child after fork, before exec (the
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

	/* results */
	struct headtail out, err;
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

#endif
