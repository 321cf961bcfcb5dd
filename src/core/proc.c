/*
 * proc: fork/exec with pipes, a process group, timeouts and caps.
 * See proc.h.
 */
#include "core/cancel.h"
#include "core/proc.h"

#include "core/clock.h"
#include "core/strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_CAP ((size_t)64 << 10)
/* After SIGTERM, how long a process group gets before SIGKILL. */
#define KILL_GRACE_MS 2000

void proc_init(struct proc *p)
{
	memset(p, 0, sizeof(*p));
	strvec_init(&p->argv);
}

void proc_release(struct proc *p)
{
	strvec_release(&p->argv);
	headtail_release(&p->out);
	headtail_release(&p->err);
}

static void child(struct proc *p, int in_fd, int out_fd, int err_fd,
		  int report_fd)
{
	int e;

	/* A session of its own: a new process group (cancelling kills the
	 * tree) and no controlling terminal, so nothing it runs can open
	 * /dev/tty and push keystrokes into the user's terminal (TIOCSTI). */
	if (setsid() < 0)
		setpgid(0, 0);
	/* The parent ignores SIGPIPE for its own writes; children expect
	 * the default (so `yes | head` ends). */
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
		goto fail;
	if (p->cwd && chdir(p->cwd) < 0)
		goto fail;
	if (p->setup && p->setup(p->setup_ud))
		goto fail;
	if (p->envp)
		execvpe(p->argv.v[0], p->argv.v, (char *const *)p->envp);
	else
		execvp(p->argv.v[0], p->argv.v);
fail:
	e = errno;
	if (write(report_fd, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

static void kill_group(pid_t pid, int sig)
{
	if (kill(-pid, sig) < 0)
		kill(pid, sig);
}

int proc_run(struct proc *p, struct strbuf *err)
{
	int in_pipe[2] = { -1, -1 }, out_pipe[2], err_pipe[2] = { -1, -1 }, rep[2];
	size_t cap_h = p->head_cap ? p->head_cap : DEFAULT_CAP;
	size_t cap_t = p->tail_cap ? p->tail_cap : DEFAULT_CAP;
	long start = clock_ms(), killed_at = 0;
	size_t in_off = 0;
	int status = 0, child_errno = 0, rc = -1, open_fds;
	pid_t pid;
	struct pollfd fds[3];

	headtail_init(&p->out, cap_h, cap_t);
	headtail_init(&p->err, cap_h, cap_t);
	if (!p->argv.nr)
		return strbuf_seterr(err, "no command to run");
	if (pipe2(out_pipe, O_CLOEXEC) < 0)
		return strbuf_seterr(err, "cannot create a pipe: %s", strerror(errno));
	if ((!p->merge_stderr && pipe2(err_pipe, O_CLOEXEC) < 0) ||
	    pipe2(rep, O_CLOEXEC) < 0 ||
	    (p->input ? pipe2(in_pipe, O_CLOEXEC)
		      : (in_pipe[0] = open("/dev/null", O_RDONLY | O_CLOEXEC))) < 0) {
		strbuf_seterr(err, "cannot create a pipe: %s", strerror(errno));
		goto out_close;
	}

	pid = fork();
	if (pid < 0) {
		strbuf_seterr(err, "cannot fork: %s", strerror(errno));
		goto out_close;
	}
	if (!pid)
		child(p, in_pipe[0], out_pipe[1],
		      p->merge_stderr ? out_pipe[1] : err_pipe[1], rep[1]);
	/* No setpgid(pid, pid) here: it would race the child's setsid(),
	 * which fails for a process group leader and would leave the child
	 * the user's controlling terminal.  The exec report below is read
	 * before anything can kill the group, and by then setsid() ran. */

	close(out_pipe[1]);
	if (err_pipe[1] >= 0)
		close(err_pipe[1]);
	close(rep[1]);
	close(in_pipe[0]);
	in_pipe[0] = -1;
	if (read(rep[0], &child_errno, sizeof(child_errno)) == sizeof(child_errno)) {
		waitpid(pid, NULL, 0);
		strbuf_seterr(err, "cannot run %s: %s", p->argv.v[0], strerror(child_errno));
		close(rep[0]);
		close(out_pipe[0]);
		if (err_pipe[0] >= 0)
			close(err_pipe[0]);
		if (in_pipe[1] >= 0)
			close(in_pipe[1]);
		return -1;
	}
	close(rep[0]);
	if (p->input)
		fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);

	fds[0].fd = out_pipe[0];
	fds[0].events = POLLIN;
	fds[1].fd = err_pipe[0];
	fds[1].events = POLLIN;
	fds[2].fd = p->input ? in_pipe[1] : -1;
	fds[2].events = POLLOUT;
	if (p->input && !p->input_len) {
		close(in_pipe[1]);
		in_pipe[1] = fds[2].fd = -1;
	}
	open_fds = 1 + (fds[1].fd >= 0);
	while (open_fds > 0) {
		char buf[65536];
		long t = clock_ms();
		int i, timeout = 100;

		if (!killed_at && p->timeout_ms > 0 && t - start >= p->timeout_ms) {
			p->timed_out = 1;
			kill_group(pid, SIGTERM);
			killed_at = t;
		}
		if (!killed_at && cancel_requested(p->cancel)) {
			p->cancelled = 1;
			kill_group(pid, SIGTERM);
			killed_at = t;
		}
		if (killed_at && t - killed_at >= KILL_GRACE_MS) {
			kill_group(pid, SIGKILL);
			/* Grandchildren may hold the pipes open: stop reading. */
			if (t - killed_at >= KILL_GRACE_MS + 500)
				break;
		}
		if (poll(fds, 3, timeout) < 0 && errno != EINTR)
			break;
		for (i = 0; i < 2; i++) {
			ssize_t n;

			if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(fds[i].fd, buf, sizeof(buf));
			if (n > 0) {
				headtail_add(i ? &p->err : &p->out, buf, (size_t)n);
			} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
				close(fds[i].fd);
				fds[i].fd = -1;
				open_fds--;
			}
		}
		if (fds[2].fd >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t n = write(fds[2].fd, p->input + in_off, p->input_len - in_off);

			if (n > 0)
				in_off += (size_t)n;
			if ((n < 0 && errno != EAGAIN && errno != EINTR) ||
			    in_off == p->input_len) {
				close(fds[2].fd);
				fds[2].fd = in_pipe[1] = -1;
			}
		}
	}
	if (fds[0].fd >= 0)
		close(fds[0].fd);
	if (fds[1].fd >= 0)
		close(fds[1].fd);
	if (fds[2].fd >= 0)
		close(fds[2].fd);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	/* anything the command left running in its group goes too */
	if (killed_at)
		kill_group(pid, SIGKILL);
	p->duration_ms = clock_ms() - start;
	if (WIFEXITED(status)) {
		p->exit_code = WEXITSTATUS(status);
	} else {
		p->exit_code = -1;
		p->term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	}
	return 0;

out_close:
	close(out_pipe[0]);
	close(out_pipe[1]);
	if (err_pipe[0] >= 0) {
		close(err_pipe[0]);
		close(err_pipe[1]);
	}
	if (in_pipe[0] >= 0)
		close(in_pipe[0]);
	if (in_pipe[1] >= 0)
		close(in_pipe[1]);
	return rc;
}
