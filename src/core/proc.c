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
	p->out_to = p->err_to = -1;
	p->in = p->out = p->err = -1;
}

void proc_close_pipes(struct proc *p)
{
	if (p->in >= 0)
		close(p->in);
	if (p->out >= 0)
		close(p->out);
	if (p->err >= 0)
		close(p->err);
	p->in = p->out = p->err = -1;
}

void proc_release(struct proc *p)
{
	proc_close_pipes(p);
	strvec_release(&p->argv);
	headtail_release(&p->out_buf);
	headtail_release(&p->err_buf);
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

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* The pipes a start needs: [0] the child's end, [1] the parent's. */
struct ends {
	int in[2], out[2], err[2], rep[2];
};

static void ends_close(struct ends *e)
{
	int *all[] = { &e->in[0], &e->in[1], &e->out[0], &e->out[1], &e->err[0], &e->err[1],
		       &e->rep[0], &e->rep[1] };
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(*all); i++)
		close_fd(all[i]);
}

/* A pipe as (child's end, parent's end): reading when the child writes. */
static int child_writes(int fds[2])
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	fds[0] = p[1];
	fds[1] = p[0];
	return 0;
}

static int make_ends(struct proc *p, struct ends *e)
{
	int ip[2];

	e->in[0] = e->in[1] = e->out[0] = e->out[1] = -1;
	e->err[0] = e->err[1] = e->rep[0] = e->rep[1] = -1;
	if (p->pipe_in || p->input) {
		if (pipe2(ip, O_CLOEXEC) < 0)
			return -1;
		e->in[0] = ip[0];
		e->in[1] = ip[1];
	} else if ((e->in[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
		return -1;
	}
	if (p->out_to < 0 && child_writes(e->out))
		return -1;
	if (p->err_to < 0 && !p->merge_stderr && child_writes(e->err))
		return -1;
	return child_writes(e->rep);
}

int proc_start(struct proc *p, struct strbuf *err)
{
	struct ends e;
	int child_errno = 0, out_fd, err_fd;

	if (!p->argv.nr)
		return strbuf_seterr(err, "no command to run");
	if (make_ends(p, &e)) {
		strbuf_seterr(err, "cannot create a pipe: %s", strerror(errno));
		ends_close(&e);
		return -1;
	}
	out_fd = p->out_to >= 0 ? p->out_to : e.out[0];
	err_fd = p->err_to >= 0 ? p->err_to : p->merge_stderr ? out_fd : e.err[0];
	p->pid = fork();
	if (p->pid < 0) {
		strbuf_seterr(err, "cannot fork: %s", strerror(errno));
		p->pid = 0;
		ends_close(&e);
		return -1;
	}
	if (!p->pid)
		child(p, e.in[0], out_fd, err_fd, e.rep[0]);
	/* No setpgid(pid, pid) here: it would race the child's setsid(),
	 * which fails for a process group leader and would leave the child
	 * the user's controlling terminal.  The exec report below is read
	 * before anything can kill the group, and by then setsid() ran. */
	close_fd(&e.in[0]);
	close_fd(&e.out[0]);
	close_fd(&e.err[0]);
	close_fd(&e.rep[0]);
	if (read(e.rep[1], &child_errno, sizeof(child_errno)) == sizeof(child_errno)) {
		waitpid(p->pid, NULL, 0);
		p->pid = 0;
		strbuf_seterr(err, "cannot run %s: %s", p->argv.v[0], strerror(child_errno));
		ends_close(&e);
		return -1;
	}
	close_fd(&e.rep[1]);
	p->in = e.in[1];
	p->out = e.out[1];
	p->err = e.err[1];
	return 0;
}

int proc_finish(struct proc *p)
{
	int status = 0;

	if (p->pid <= 0)
		return -1;
	while (waitpid(p->pid, &status, 0) < 0)
		if (errno != EINTR) {
			p->pid = 0;
			return -1;
		}
	p->pid = 0;
	if (WIFEXITED(status)) {
		p->exit_code = WEXITSTATUS(status);
	} else {
		p->exit_code = -1;
		p->term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	}
	return 0;
}

/* Kills the group when the time is up or the user cancelled; after the
 * grace, SIGKILL.  Returns 1 when reading should stop (grandchildren
 * may hold the pipes open). */
static int watch(struct proc *p, long start, long *killed_at)
{
	long t = clock_ms();

	if (!*killed_at && p->timeout_ms > 0 && t - start >= p->timeout_ms) {
		p->timed_out = 1;
		kill_group(p->pid, SIGTERM);
		*killed_at = t;
	}
	if (!*killed_at && cancel_requested(p->cancel)) {
		p->cancelled = 1;
		kill_group(p->pid, SIGTERM);
		*killed_at = t;
	}
	if (*killed_at && t - *killed_at >= KILL_GRACE_MS) {
		kill_group(p->pid, SIGKILL);
		if (t - *killed_at >= KILL_GRACE_MS + 500)
			return 1;
	}
	return 0;
}

/* Feeds input and reads both streams into their buffers until they
 * close (or watch says stop). */
static void pump(struct proc *p, long start, long *killed_at)
{
	struct pollfd fds[3];
	size_t in_off = 0;
	int open_fds;

	if (p->in >= 0)
		fcntl(p->in, F_SETFL, O_NONBLOCK);
	if (p->in >= 0 && !p->input_len)
		close_fd(&p->in);
	fds[0].fd = p->out;
	fds[1].fd = p->err;
	fds[0].events = fds[1].events = POLLIN;
	fds[2].events = POLLOUT;
	open_fds = (fds[0].fd >= 0) + (fds[1].fd >= 0);
	while (open_fds > 0 && !watch(p, start, killed_at)) {
		char buf[65536];
		int i;

		fds[2].fd = p->in;
		if (poll(fds, 3, 100) < 0 && errno != EINTR)
			break;
		for (i = 0; i < 2; i++) {
			ssize_t n;

			if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(fds[i].fd, buf, sizeof(buf));
			if (n > 0) {
				headtail_add(i ? &p->err_buf : &p->out_buf, buf, (size_t)n);
				if (p->on_output)
					p->on_output(p->output_ud, buf, (size_t)n);
			} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
				close_fd(i ? &p->err : &p->out);
				fds[i].fd = -1;
				open_fds--;
			}
		}
		if (p->in >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t n = write(p->in, p->input + in_off, p->input_len - in_off);

			if (n > 0)
				in_off += (size_t)n;
			if ((n < 0 && errno != EAGAIN && errno != EINTR) || in_off == p->input_len)
				close_fd(&p->in);
		}
	}
}

int proc_run(struct proc *p, struct strbuf *err)
{
	long start = clock_ms(), killed_at = 0;
	pid_t pid;

	headtail_init(&p->out_buf, p->head_cap ? p->head_cap : DEFAULT_CAP,
		      p->tail_cap ? p->tail_cap : DEFAULT_CAP);
	headtail_init(&p->err_buf, p->head_cap ? p->head_cap : DEFAULT_CAP,
		      p->tail_cap ? p->tail_cap : DEFAULT_CAP);
	if (proc_start(p, err))
		return -1;
	pid = p->pid;
	pump(p, start, &killed_at);
	proc_close_pipes(p);
	proc_finish(p);
	/* anything the command left running in its group goes too */
	if (killed_at)
		kill_group(pid, SIGKILL);
	p->duration_ms = clock_ms() - start;
	return 0;
}
