/*
 * bgshell_int: what bgshell.c (the set, its thread, reading) and
 * bgshell_proc.c (the monitor, process trees) share.  Not for other
 * modules: they use bgshell.h.
 */
#ifndef ARCHIE_BGSHELL_INT_H
#define ARCHIE_BGSHELL_INT_H

#include "core/headtail.h"
#include "policy/sandbox.h"
#include "tools/bgshell.h"

#include <pthread.h>
#include <sys/types.h>

#define HEAD_CAP ((size_t)32 << 10)
#define TAIL_CAP ((size_t)256 << 10)
#define GRACE_MS 2000		/* after SIGTERM, before SIGKILL */
#define POLL_MS 100		/* how often the thread looks for ended shells */
#define MONITOR_MAX 256		/* groups the monitor can hold */
#define GROUPS_MAX 8		/* a shell's other process groups, told to the monitor */
#define GROUPS_WATCH_MS 5000	/* ... looked for in its first seconds */

/* A process's pid and start time: a pid reused is never signalled. */
struct pidstart {
	pid_t pid;
	unsigned long long start;
};

struct shell {
	char id[16];
	char *command;
	pid_t pid;			/* the group's leader (its own session) */
	int out;			/* stdout and stderr, merged; -1 at EOF */
	struct headtail buf;
	size_t read_at;			/* what BashOutput has returned */
	struct sandbox_run sr;
	int has_sr;
	int reaped, exit_code, term_signal, killed, reported;
	struct pidstart *tree;		/* while stopping: the processes it started */
	size_t tree_nr;
	pid_t groups[GROUPS_MAX];	/* other process groups its processes are in */
	size_t groups_nr;
	long long groups_at;		/* when they were last looked for */
	long long started, ended;
};

struct bgshell_set {
	pthread_mutex_t lock;
	pthread_cond_t changed;		/* output came, a shell ended, a start was done */
	pthread_t thread;
	int thread_up;			/* started with the first shell */
	int stopping;
	int wake[2];			/* wakes the thread's poll */
	struct shell **v;
	size_t nr, alloc;
	unsigned next;
	/* a start handed to the thread (one at a time: starts is held) */
	pthread_mutex_t starts;
	struct proc *start_p;
	int start_done, start_rc;
	struct strbuf start_err;
	/* the monitor: its pipe's write end, its pid */
	int monitor;
	pid_t monitor_pid;
};

/* bgshell_proc.c.  On the set's thread, before its first shell: the
 * monitor process (b->monitor, b->monitor_pid). */
void bgshell_monitor_start(struct bgshell_set *b);
/* Tells the monitor a group to stop if archie dies ('+') or that it is
 * gone ('-'). */
void bgshell_monitor_tell(struct bgshell_set *b, char sign, pid_t pgid);
/* The leader and every process under it, now, into s->tree. */
void bgshell_collect_tree(struct shell *s);
/* sig to the shell's group and every process of s->tree still the one
 * that was found. */
void bgshell_signal_tree(struct shell *s, int sig);

#endif
