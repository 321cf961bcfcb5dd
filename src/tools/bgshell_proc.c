/*
 * bgshell_proc: the processes of background shells, when they must stop:
 * the monitor that stops them if archie dies, and the process trees a
 * stop signals.  See bgshell.h.
 */
#include "tools/bgshell_int.h"

#include "core/log.h"
#include "core/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* ---- the monitor ------------------------------------------------------------ */

/*
 * The monitor is a fork of a threaded process that never execs: it may
 * only make system calls, and it makes them with syscall(2) rather than
 * through libc's wrappers, which a sanitizer's runtime intercepts (taking
 * locks another thread may have held at the fork).
 */
static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (syscall(SYS_nanosleep, &ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * The monitor's life, in a child of a threaded process: only
 * async-signal-safe calls.  It reads "+PGID\n" and "-PGID\n" lines; at
 * end of file (archie is gone, however it went) it stops every group it
 * holds, SIGTERM then SIGKILL.
 */
static void monitor_main(int in)
{
	pid_t groups[MONITOR_MAX];
	size_t n = 0, i;
	char buf[512];
	long num = 0;
	int sign = 0;
	ssize_t got;

	for (;;) {
		got = syscall(SYS_read, in, buf, sizeof(buf));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		for (i = 0; i < (size_t)got; i++) {
			char c = buf[i];

			if (c == '+' || c == '-') {
				sign = c == '+' ? 1 : -1;
				num = 0;
			} else if (c >= '0' && c <= '9') {
				num = num * 10 + (c - '0');
			} else if (c == '\n' && sign > 0 && num > 1 && n < MONITOR_MAX) {
				groups[n++] = (pid_t)num;
			} else if (c == '\n' && sign < 0) {
				size_t k;

				for (k = 0; k < n; k++)
					if (groups[k] == (pid_t)num) {
						groups[k] = groups[--n];
						break;
					}
			}
		}
	}
	for (i = 0; i < n; i++)
		syscall(SYS_kill, -groups[i], SIGTERM);
	if (n)
		sleep_ms(GRACE_MS);
	for (i = 0; i < n; i++)
		syscall(SYS_kill, -groups[i], SIGKILL);
	syscall(SYS_exit_group, 0);
	_exit(0);
}

/* On the set's thread, before its first shell: the monitor, holding only
 * the read end of its pipe (every other descriptor closed, so it keeps
 * no pipe of archie's open), in a session of its own (the terminal's
 * Ctrl-C and hang-up are archie's to handle). */
void bgshell_monitor_start(struct bgshell_set *b)
{
	int fds[2];
	pid_t pid;

	if (b->monitor >= 0 || pipe2(fds, O_CLOEXEC) < 0)
		return;
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return;
	}
	if (!pid) {
		/* its pipe on 0, nothing else open; a session of its own, so
		 * the terminal's signals (Ctrl-C, a hang-up) are not its */
		if (fds[0] != 0 && syscall(SYS_dup3, fds[0], 0, 0) < 0)
			syscall(SYS_exit_group, 1);
		syscall(SYS_close_range, 1, ~0U, 0);
		syscall(SYS_setsid);
		monitor_main(0);
	}
	close(fds[0]);
	b->monitor = fds[1];
	b->monitor_pid = pid;
}

void bgshell_monitor_tell(struct bgshell_set *b, char sign, pid_t pgid)
{
	char line[32];
	int n = snprintf(line, sizeof(line), "%c%ld\n", sign, (long)pgid);

	if (b->monitor >= 0 && write(b->monitor, line, (size_t)n) != n)
		log_warn("bgshell", "cannot tell the monitor about group %ld", (long)pgid);
}

/* ---- process trees ---------------------------------------------------------- */

/* A process's parent and start time from /proc/PID/stat; -1 if gone. */
static int proc_stat(pid_t pid, pid_t *ppid, unsigned long long *start)
{
	char path[64], buf[1024];
	const char *p;
	ssize_t n;
	int fd, field;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* the fields after the command name (which may hold spaces and
	 * parentheses): state, ppid (the 4th field of stat), ... starttime
	 * (the 22nd) */
	if (!(p = strrchr(buf, ')')))
		return -1;
	for (field = 3; *p && field <= 22; field++) {
		p += strspn(p + 1, " ") + 1;
		if (field == 4)
			*ppid = (pid_t)strtol(p, NULL, 10);
		else if (field == 22)
			*start = strtoull(p, NULL, 10);
		p += strcspn(p, " ");
	}
	return field > 22 ? 0 : -1;
}

/*
 * The leader and every process under it, now (kept in s->tree).  A process group is not
 * enough: bubblewrap's command runs in a session of its own (and any
 * command may make one), so what a shell started is found by parentage
 * before anything is signalled (once the leader is gone its children
 * belong to someone else).
 */
void bgshell_collect_tree(struct shell *s)
{
	struct pidstart *all = NULL;
	pid_t *parent = NULL;
	size_t nr = 0, alloc = 0, i, grew = 1;
	DIR *d = opendir("/proc");
	struct dirent *de;

	free(s->tree);
	s->tree = NULL;
	s->tree_nr = 0;
	while (d && (de = readdir(d)) != NULL) {
		pid_t pid = (pid_t)strtol(de->d_name, NULL, 10), pp;
		unsigned long long st;

		if (pid <= 1 || proc_stat(pid, &pp, &st))
			continue;
		ALLOC_GROW(all, nr + 1, alloc);
		parent = xrealloc(parent, alloc * sizeof(*parent));
		all[nr].pid = pid;
		all[nr].start = st;
		parent[nr++] = pp;
	}
	if (d)
		closedir(d);
	s->tree = xcalloc(nr + 1, sizeof(*s->tree));
	s->tree[s->tree_nr].pid = s->pid;
	for (i = 0; i < nr; i++)
		if (all[i].pid == s->pid)
			s->tree[0].start = all[i].start;
	s->tree_nr = 1;
	/* breadth first, as long as a pass finds more */
	while (grew) {
		grew = 0;
		for (i = 0; i < nr; i++) {
			size_t k;
			int in = 0, parent_in = 0;

			for (k = 0; k < s->tree_nr; k++) {
				in |= s->tree[k].pid == all[i].pid;
				parent_in |= s->tree[k].pid == parent[i];
			}
			if (!in && parent_in) {
				s->tree[s->tree_nr++] = all[i];
				grew = 1;
			}
		}
	}
	free(all);
	free(parent);
}

/* sig to the shell's group and every process of its tree still the one
 * that was found (same start time). */
void bgshell_signal_tree(struct shell *s, int sig)
{
	size_t i;

	kill(-s->pid, sig);
	for (i = 0; i < s->tree_nr; i++) {
		pid_t pp;
		unsigned long long st;

		if (!proc_stat(s->tree[i].pid, &pp, &st) && st == s->tree[i].start)
			kill(s->tree[i].pid, sig);
	}
}
