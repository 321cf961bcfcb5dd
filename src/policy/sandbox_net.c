/*
 * sandbox_net: the loopback network the session's sandboxed commands
 * share when the network is off.
 *
 * bubblewrap gives each command a network namespace of its own, so a
 * service started in the background would be unreachable from the next
 * command (its own loopback, empty).  Instead, one network namespace is
 * made per archie process, holding only `lo` (up), and every sandboxed
 * command joins it before bubblewrap starts (which then shares it):
 * a sandboxed server binds 127.0.0.1 and a sandboxed curl reaches it,
 * while nothing in the namespace has a route anywhere else.  A small
 * process keeps the namespace alive and exits when archie does (its pipe
 * closes).
 *
 * Not root, archie makes a user namespace with it (its own uid and gid
 * mapped, nothing else) and commands join that first: joining a network
 * namespace takes CAP_SYS_ADMIN over its owner, which a process has in a
 * user namespace its own uid made.  Where that is refused (user
 * namespaces off, a setuid bubblewrap), commands keep their own empty
 * namespace each and the sockets stay refused, as before.
 */
#include "policy/sandbox_int.h"

#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t net_lock = PTHREAD_MUTEX_INITIALIZER;
static int net_tried;
static int net_fd = -1, user_fd = -1;

/*
 * The holder is a fork of a threaded process that never execs: it makes
 * system calls only, with syscall(2) rather than libc's wrappers, which a
 * sanitizer's runtime intercepts (taking locks another thread may have
 * held at the fork).
 */
static int write_file(const char *path, const char *text)
{
	long fd = syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CLOEXEC);
	long n;

	if (fd < 0)
		return -1;
	n = syscall(SYS_write, fd, text, strlen(text));
	syscall(SYS_close, fd);
	return n == (long)strlen(text) ? 0 : -1;
}

static void die(int code)
{
	syscall(SYS_exit_group, code);
	_exit(code);
}

/* In the holder, after fork.  The maps are written before the fork (no
 * formatting here). */
static void holder(int ready, int hold, const char *uid_map, const char *gid_map)
{
	struct ifreq ifr;
	char c = 1;
	long s;

	/* a session of its own: the terminal's Ctrl-C is archie's */
	syscall(SYS_setsid);
	if (uid_map) {
		if (syscall(SYS_unshare, CLONE_NEWUSER | CLONE_NEWNET) ||
		    write_file("/proc/self/setgroups", "deny") ||
		    write_file("/proc/self/uid_map", uid_map) ||
		    write_file("/proc/self/gid_map", gid_map))
			die(1);
	} else if (syscall(SYS_unshare, CLONE_NEWNET)) {
		die(1);
	}
	s = syscall(SYS_socket, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, "lo", 3);
	if (s < 0 || syscall(SYS_ioctl, s, SIOCGIFFLAGS, &ifr) < 0)
		die(1);
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (syscall(SYS_ioctl, s, SIOCSIFFLAGS, &ifr) < 0)
		die(1);
	syscall(SYS_close, s);
	if (syscall(SYS_write, ready, &c, 1) != 1)
		die(1);
	syscall(SYS_close, ready);
	/* until archie's end of the pipe closes */
	while (syscall(SYS_read, hold, &c, 1) != 0)
		if (errno != EINTR)
			break;
	die(0);
}

static int make_namespace(void)
{
	char uid_map[64], gid_map[64], path[64], c;
	int ready[2] = { -1, -1 }, hold[2] = { -1, -1 }, root = geteuid() == 0;
	pid_t pid;

	snprintf(uid_map, sizeof(uid_map), "%ld %ld 1", (long)geteuid(), (long)geteuid());
	snprintf(gid_map, sizeof(gid_map), "%ld %ld 1", (long)getegid(), (long)getegid());
	if (pipe2(ready, O_CLOEXEC) || pipe2(hold, O_CLOEXEC))
		goto fail;
	pid = fork();
	if (pid < 0)
		goto fail;
	if (!pid) {
		syscall(SYS_close, ready[0]);
		syscall(SYS_close, hold[1]);
		holder(ready[1], hold[0], root ? NULL : uid_map, gid_map);
	}
	close(ready[1]);
	close(hold[0]);
	ready[1] = hold[0] = -1;
	if (read(ready[0], &c, 1) != 1) {
		waitpid(pid, NULL, 0);
		goto fail;
	}
	snprintf(path, sizeof(path), "/proc/%ld/ns/net", (long)pid);
	net_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (!root) {
		snprintf(path, sizeof(path), "/proc/%ld/ns/user", (long)pid);
		user_fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	close(ready[0]);
	/* hold[1] stays open (close-on-exec) for as long as archie runs:
	 * the holder exits when it closes; it is reaped by whoever inherits
	 * it then, or by waitpid at exit */
	if (net_fd < 0 || (!root && user_fd < 0)) {
		close(hold[1]);
		return -1;
	}
	log_debug("sandbox", "a loopback network namespace for the session (holder %ld)", (long)pid);
	return 0;
fail:
	log_debug("sandbox", "no shared loopback namespace: %s", strerror(errno));
	if (ready[0] >= 0)
		close(ready[0]);
	if (ready[1] >= 0)
		close(ready[1]);
	if (hold[0] >= 0)
		close(hold[0]);
	if (hold[1] >= 0)
		close(hold[1]);
	return -1;
}

int sandbox_loopback(int *netns, int *userns)
{
	int rc;

	pthread_mutex_lock(&net_lock);
	if (!net_tried) {
		net_tried = 1;
		make_namespace();
	}
	rc = net_fd >= 0 ? 0 : -1;
	*netns = net_fd;
	*userns = user_fd;
	pthread_mutex_unlock(&net_lock);
	return rc;
}

int sandbox_join_loopback(int netns, int userns)
{
	if (userns >= 0 && setns(userns, CLONE_NEWUSER))
		return -1;
	if (netns >= 0 && setns(netns, CLONE_NEWNET))
		return -1;
	return 0;
}
