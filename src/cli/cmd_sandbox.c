/*
 * cmd_sandbox: `archie sandbox run CMD` runs a command as the agent's Bash
 * tool would (same sandbox, same scrubbed environment), and `archie
 * sandbox check` runs escape probes in a scratch workspace on this machine
 * and prints which layer holds each: writing outside and into .git,
 * reading secrets at any depth, keystrokes into the terminal, the network
 * through sockets and io_uring, unix sockets, signals, ptrace and
 * /proc/PID/environ of outside processes, chmod outside, creating device
 * files, provider keys in the environment.  The probes are archie itself
 * (`archie sandbox probe NAME ARG`) run inside the sandbox, so the check
 * needs nothing else installed.
 */
#include "cli/cli.h"

#include "agent/agent.h"
#include "core/fileio.h"
#include "core/proc.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "agent/registry.h"
#include "policy/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#define MARKER "archie-probe-secret-7f3a"

/* ---- probes (inside the sandbox) ------------------------------------------------ */

/* 1 if the file's contents hold the marker. */
static int holds_marker(const char *path)
{
	struct strbuf data = STRBUF_INIT, err = STRBUF_INIT;
	int r = !file_read(path, 1 << 16, &data, &err) && strstr(data.buf, MARKER);

	strbuf_release(&data);
	strbuf_release(&err);
	return r;
}

static int probe_connect(int family, int type, const struct sockaddr *sa, socklen_t len)
{
	int fd = socket(family, type, 0), r;

	if (fd < 0)
		return -1;
	r = connect(fd, sa, len);
	close(fd);
	return r;
}

/* Each probe returns 0 when the action succeeded (for a probe: an escape). */
static int probe(const char *name, const char *arg);

static int p_write(const char *arg)
{
	int fd = open(arg, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

	return fd < 0 ? -1 : (write(fd, "x\n", 2) == 2 ? close(fd) : (close(fd), -1));
}

static int p_mkdir_write(const char *arg)
{
	struct strbuf p = STRBUF_INIT;
	int fd;

	mkdir(arg, 0755);
	strbuf_addf(&p, "%s/settings.json", arg);
	fd = open(p.buf, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	strbuf_release(&p);
	return fd < 0 ? -1 : close(fd);
}

static int p_read_secret(const char *arg)
{
	return holds_marker(arg) ? 0 : -1;
}

/* control: a file the command creates is readable */
static int p_new_file(const char *arg)
{
	int fd = open(arg, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || write(fd, MARKER, strlen(MARKER)) < 0)
		return -1;
	close(fd);
	return holds_marker(arg) ? 0 : -1;
}

static int p_tiocsti(const char *arg)
{
	char c = '#';
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC), i;

	(void)arg;
	if (fd >= 0 && !ioctl(fd, TIOCSTI, &c))
		return 0;
	for (i = 0; i < 3; i++)
		if (!ioctl(i, TIOCSTI, &c))
			return 0;
	return -1;
}

static int p_inet(const char *arg, int type)
{
	struct sockaddr_in sa;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)strtol(arg, NULL, 10));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (type == SOCK_STREAM)
		return probe_connect(AF_INET, SOCK_STREAM, (struct sockaddr *)&sa, sizeof(sa));
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return -1;
	return sendto(fd, "x", 1, 0, (struct sockaddr *)&sa, sizeof(sa)) == 1 ? 0 : -1;
}

static int p_tcp(const char *arg)
{
	return p_inet(arg, SOCK_STREAM);
}

static int p_udp(const char *arg)
{
	return p_inet(arg, SOCK_DGRAM);
}

static int p_io_uring(const char *arg)
{
	char params[120];

	(void)arg;
	memset(params, 0, sizeof(params));
	return syscall(SYS_io_uring_setup, 1, params) >= 0 ? 0 : -1;
}

static int p_unix(const char *arg, int abstract)
{
	struct sockaddr_un su;
	socklen_t len;

	memset(&su, 0, sizeof(su));
	su.sun_family = AF_UNIX;
	if (abstract) {
		snprintf(su.sun_path + 1, sizeof(su.sun_path) - 1, "%s", arg);
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(arg));
	} else {
		snprintf(su.sun_path, sizeof(su.sun_path), "%s", arg);
		len = sizeof(su);
	}
	return probe_connect(AF_UNIX, SOCK_STREAM, (struct sockaddr *)&su, len);
}

static int p_unix_abstract(const char *arg)
{
	return p_unix(arg, 1);
}

static int p_unix_path(const char *arg)
{
	return p_unix(arg, 0);
}

static int p_kill(const char *arg)
{
	return kill((pid_t)strtol(arg, NULL, 10), 0);
}

static int p_ptrace(const char *arg)
{
	pid_t pid = (pid_t)strtol(arg, NULL, 10);

	if (ptrace(PTRACE_ATTACH, pid, NULL, NULL))
		return -1;
	ptrace(PTRACE_DETACH, pid, NULL, NULL);
	return 0;
}

static int p_environ(const char *arg)
{
	struct strbuf p = STRBUF_INIT;
	int r;

	strbuf_addf(&p, "/proc/%s/environ", arg);
	r = holds_marker(p.buf) ? 0 : -1;
	strbuf_release(&p);
	return r;
}

static int p_chmod(const char *arg)
{
	return chmod(arg, 0777);
}

static int p_symlink_write(const char *arg)
{
	struct strbuf l = STRBUF_INIT;
	int r;

	strbuf_addf(&l, "link-%d", (int)getpid());
	if (symlink(arg, l.buf)) {
		strbuf_release(&l);
		return -1;
	}
	r = p_write(l.buf);
	unlink(l.buf);
	strbuf_release(&l);
	return r;
}

static int p_hardlink(const char *arg)
{
	int r = -1;

	if (!link(arg, "hardlink-probe")) {
		r = holds_marker("hardlink-probe") ? 0 : -1;
		unlink("hardlink-probe");
	}
	return r;
}

static int p_dev_create(const char *arg)
{
	int fd = open("/dev/archie-probe", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	(void)arg;
	return fd < 0 ? -1 : close(fd);
}

static int p_env(const char *arg)
{
	return getenv(arg) ? 0 : -1;
}

static int probe(const char *name, const char *arg)
{
	static const struct { const char *name; int (*fn)(const char *arg); } probes[] = {
		{ "write", p_write }, { "mkdir-write", p_mkdir_write },
		{ "read-secret", p_read_secret }, { "new-file", p_new_file },
		{ "tiocsti", p_tiocsti }, { "tcp", p_tcp }, { "udp", p_udp },
		{ "io-uring", p_io_uring }, { "unix-abstract", p_unix_abstract },
		{ "unix-path", p_unix_path }, { "kill", p_kill }, { "ptrace", p_ptrace },
		{ "environ", p_environ }, { "chmod", p_chmod },
		{ "symlink-write", p_symlink_write }, { "hardlink", p_hardlink },
		{ "dev-create", p_dev_create }, { "env", p_env },
	};
	size_t i;

	for (i = 0; i < sizeof(probes) / sizeof(*probes); i++)
		if (!strcmp(probes[i].name, name))
			return probes[i].fn(arg);
	return -1;
}

/* ---- the check (outside) ---------------------------------------------------------- */

struct fixture {
	char *root, *ws, *home, *outside, *sockpath;
	int tcp, udp, unix_abs, unix_path;
	int port, uport;
	char abstract[64];
};

static int listen_tcp(int type, int *port)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    (type == SOCK_STREAM && listen(fd, 8)) ||
	    getsockname(fd, (struct sockaddr *)&sa, &len))
		return -1;
	*port = ntohs(sa.sin_port);
	return fd;
}

static int listen_unix(const char *path, int abstract)
{
	struct sockaddr_un su;
	socklen_t len = sizeof(su);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(&su, 0, sizeof(su));
	su.sun_family = AF_UNIX;
	if (abstract) {
		snprintf(su.sun_path + 1, sizeof(su.sun_path) - 1, "%s", path);
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(path));
	} else {
		snprintf(su.sun_path, sizeof(su.sun_path), "%s", path);
	}
	if (fd < 0 || bind(fd, (struct sockaddr *)&su, len) || listen(fd, 8))
		return -1;
	return fd;
}

static void put(const char *path, const char *text)
{
	struct strbuf err = STRBUF_INIT;

	file_mkdirs_parent(path, 0755, &err);
	file_write_atomic(path, text, strlen(text), 0644, &err);
	strbuf_release(&err);
}

static int fixture_make(struct fixture *f, struct strbuf *err)
{
	const char *tmp = getenv("TMPDIR"), *home = getenv("HOME");
	struct strbuf t = STRBUF_INIT, e = STRBUF_INIT;

	memset(f, 0, sizeof(*f));
	/* not under the temp directory, which commands may write (Landlock)
	 * or see privately (bubblewrap): "outside" must really be outside */
	if (home && *home) {
		strbuf_addf(&t, "%s/.cache", home);
		file_mkdirs(t.buf, 0700, &e);
		strbuf_addstr(&t, "/archie-check-XXXXXX");
	}
	if (!t.len || !mkdtemp(t.buf)) {
		strbuf_reset(&t);
		strbuf_addf(&t, "%s/archie-check-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	}
	strbuf_release(&e);
	if (!file_is_dir(t.buf) && !mkdtemp(t.buf)) {
		strbuf_release(&t);
		return strbuf_seterr(err, "cannot make a scratch directory: %s", strerror(errno));
	}
	f->root = strbuf_detach(&t, NULL);
	f->ws = xstrfmt("%s/ws", f->root);
	f->home = xstrfmt("%s/home", f->root);
	f->outside = xstrfmt("%s/outside.txt", f->root);
	f->sockpath = xstrfmt("%s/agent.sock", f->root);
	put(f->outside, "outside\n");
	{
		/* in the workspace (w) or the fake home (h) */
		static const struct { char where; const char *path, *text; } files[] = {
			{ 'w', ".git/config", "[core]\n" },
			{ 'w', ".git/hooks/.keep", "" },
			{ 'w', ".env", MARKER "\n" },
			{ 'w', "a/b/c/d/e/f/g/h/.env.production", MARKER "\n" },
			{ 'h', ".ssh/id_ed25519", MARKER "\n" },
			{ 'h', ".aws/credentials", MARKER "\n" },
		};
		size_t i;

		for (i = 0; i < sizeof(files) / sizeof(*files); i++) {
			char *p = xstrfmt("%s/%s", files[i].where == 'w' ? f->ws : f->home,
					  files[i].path);

			put(p, files[i].text);
			free(p);
		}
	}
	f->tcp = listen_tcp(SOCK_STREAM, &f->port);
	f->udp = listen_tcp(SOCK_DGRAM, &f->uport);
	snprintf(f->abstract, sizeof(f->abstract), "archie-check-%d", (int)getpid());
	f->unix_abs = listen_unix(f->abstract, 1);
	f->unix_path = listen_unix(f->sockpath, 0);
	return 0;
}

static void fixture_release(struct fixture *f)
{
	if (f->tcp >= 0)
		close(f->tcp);
	if (f->udp >= 0)
		close(f->udp);
	if (f->unix_abs >= 0)
		close(f->unix_abs);
	if (f->unix_path >= 0)
		close(f->unix_path);
	if (f->root) {
		struct proc p;
		struct strbuf err = STRBUF_INIT;

		proc_init(&p);
		strvec_push(&p.argv, "rm");
		strvec_push(&p.argv, "-rf");
		strvec_push(&p.argv, f->root);
		proc_run(&p, &err);
		proc_release(&p);
		strbuf_release(&err);
	}
	free(f->root);
	free(f->ws);
	free(f->home);
	free(f->outside);
	free(f->sockpath);
}

/* Runs text in the sandbox from the workspace; fills out and the code. */
static int sandboxed(struct sandbox *s, const char *cwd, const char *text, int *code,
		     struct strbuf *out, struct strbuf *err)
{
	struct sandbox_run r;
	struct proc p;
	size_t i;
	int rc;

	if (sandbox_run_prepare(s, cwd, text, NULL, &r, err))
		return -1;
	proc_init(&p);
	for (i = 0; i < r.argv.nr; i++)
		strvec_push(&p.argv, r.argv.v[i]);
	p.envp = (const char *const *)r.env.v;
	p.cwd = cwd;
	p.timeout_ms = 60000;
	p.merge_stderr = 1;
	p.setup = (int (*)(void *))sandbox_enter;
	p.setup_ud = &r;
	rc = proc_run(&p, err);
	*code = p.exit_code;
	if (out)
		headtail_render(&p.out_buf, "", out);
	sandbox_run_finish(&r, out);
	proc_release(&p);
	return rc;
}

struct check {
	const char *name, *what, *probe;
	int expect_ok;		/* a control: must work */
	const char *bwrap_layer, *landlock_layer;
};

static const struct check checks[] = {
	{ "write-outside", "write a file outside the workspace", "write", 0,
	  "read-only root (bubblewrap)", "Landlock" },
	{ "write-git-config", "append to .git/config", "write", 0,
	  "protected path bound read-only (bubblewrap)", "restored after the command (Landlock cannot bind it read-only)" },
	{ "write-git-hook", "create .git/hooks/pre-commit", "write", 0,
	  "protected path bound read-only (bubblewrap)", "taken out after the command (Landlock cannot bind it read-only)" },
	{ "create-protected", "create .claude/settings.json", "mkdir-write", 0,
	  "quarantine after the command", "quarantine after the command" },
	{ "read-secret", "read .env at the workspace root", "read-secret", 0,
	  "masked (bubblewrap)", "Landlock" },
	{ "read-deep-secret", "read a .env eight directories down", "read-secret", 0,
	  "masked (bubblewrap)", "Landlock" },
	{ "read-ssh-key", "read ~/.ssh/id_ed25519", "read-secret", 0,
	  "masked (bubblewrap)", "Landlock" },
	{ "read-aws", "read ~/.aws/credentials", "read-secret", 0,
	  "masked (bubblewrap)", "Landlock" },
	{ "hardlink-secret", "hard-link .env and read the link", "hardlink", 0,
	  "mask is another file system (bubblewrap)", "Landlock" },
	{ "symlink-write", "write outside through a symlink", "symlink-write", 0,
	  "read-only root (bubblewrap)", "Landlock" },
	{ "proc-root-write", "write outside through /proc/self/root", "write", 0,
	  "read-only root (bubblewrap)", "Landlock" },
	{ "proc-cwd-secret", "read .env through /proc/self/cwd", "read-secret", 0,
	  "masked (bubblewrap)", "Landlock" },
	{ "chmod-outside", "chmod a file outside the workspace", "chmod", 0,
	  "read-only root (bubblewrap)", "not covered by Landlock" },
	{ "tiocsti", "push keystrokes into the terminal (TIOCSTI)", "tiocsti", 0,
	  "no controlling terminal + seccomp", "no controlling terminal + seccomp" },
	{ "tcp", "connect to the host's 127.0.0.1 over TCP", "tcp", 0,
	  "network namespace (the session's own loopback)", "seccomp + Landlock" },
	{ "udp", "send UDP to the host's 127.0.0.1", "udp", 0,
	  "network namespace (the session's own loopback)", "seccomp" },
	{ "io-uring", "set up io_uring (sockets the filter cannot see)", "io-uring", 0,
	  "seccomp", "seccomp" },
	{ "unix-abstract", "connect to an abstract unix socket outside", "unix-abstract", 0,
	  "network namespace + seccomp", "seccomp + Landlock scope" },
	{ "unix-path", "connect to a unix socket file outside", "unix-path", 0,
	  "seccomp", "seccomp" },
	{ "kill", "signal a process outside", "kill", 0, "PID namespace", "Landlock scope (ABI 6)" },
	{ "ptrace", "ptrace a process outside", "ptrace", 0, "PID namespace", "Yama / Landlock" },
	{ "environ", "read another process's /proc/PID/environ", "environ", 0,
	  "PID namespace", "not covered by Landlock" },
	{ "dev-create", "create a file in /dev", "dev-create", 0, "read-only /dev (bubblewrap)", "Landlock" },
	{ "env-secret", "see a provider key in the environment", "env", 0,
	  "scrubbed environment", "scrubbed environment" },
	{ "new-file", "control: read back a file the command wrote", "new-file", 1,
	  "(must work)", "(must work)" },
};

/* 1 if the probe changed the real file (content or mode). */
static int host_changed(const struct check *c, const struct fixture *f)
{
	struct strbuf data = STRBUF_INIT, err = STRBUF_INIT;
	struct stat st;
	char *p;
	int r = 0;

	if (!strcmp(c->name, "write-git-config"))
		p = xstrfmt("%s/.git/config", f->ws);
	else if (!strcmp(c->name, "write-git-hook"))
		p = xstrfmt("%s/.git/hooks/pre-commit", f->ws);
	else
		p = xstrdup(f->outside);
	if (!strcmp(c->name, "write-git-hook"))
		r = !lstat(p, &st);
	else if (!strcmp(c->name, "chmod-outside"))
		r = !stat(p, &st) && (st.st_mode & 0777) == 0777;
	else
		r = !file_read(p, 1 << 16, &data, &err) && strstr(data.buf, "x\n") != NULL;
	free(p);
	strbuf_release(&data);
	strbuf_release(&err);
	return r;
}

static const char *probe_arg(const struct check *c, const struct fixture *f, struct strbuf *buf)
{
	strbuf_reset(buf);
	if (!strcmp(c->name, "write-outside") || !strcmp(c->name, "chmod-outside") ||
	    !strcmp(c->name, "symlink-write"))
		strbuf_addstr(buf, f->outside);
	else if (!strcmp(c->name, "proc-root-write"))
		strbuf_addf(buf, "/proc/self/root%s", f->outside);
	else if (!strcmp(c->name, "proc-cwd-secret"))
		strbuf_addstr(buf, "/proc/self/cwd/.env");
	else if (!strcmp(c->name, "write-git-config"))
		strbuf_addf(buf, "%s/.git/config", f->ws);
	else if (!strcmp(c->name, "write-git-hook"))
		strbuf_addf(buf, "%s/.git/hooks/pre-commit", f->ws);
	else if (!strcmp(c->name, "create-protected"))
		strbuf_addf(buf, "%s/.claude", f->ws);
	else if (!strcmp(c->name, "read-secret") || !strcmp(c->name, "hardlink-secret"))
		strbuf_addf(buf, "%s/.env", f->ws);
	else if (!strcmp(c->name, "read-deep-secret"))
		strbuf_addf(buf, "%s/a/b/c/d/e/f/g/h/.env.production", f->ws);
	else if (!strcmp(c->name, "read-ssh-key"))
		strbuf_addf(buf, "%s/.ssh/id_ed25519", f->home);
	else if (!strcmp(c->name, "read-aws"))
		strbuf_addf(buf, "%s/.aws/credentials", f->home);
	else if (!strcmp(c->name, "tcp"))
		strbuf_addf(buf, "%d", f->port);
	else if (!strcmp(c->name, "udp"))
		strbuf_addf(buf, "%d", f->uport);
	else if (!strcmp(c->name, "unix-abstract"))
		strbuf_addstr(buf, f->abstract);
	else if (!strcmp(c->name, "unix-path"))
		strbuf_addstr(buf, f->sockpath);
	else if (!strcmp(c->name, "kill") || !strcmp(c->name, "ptrace") ||
		 !strcmp(c->name, "environ"))
		strbuf_addf(buf, "%d", (int)getpid());
	else if (!strcmp(c->name, "env-secret"))
		strbuf_addstr(buf, "ARCHIE_PROBE_API_KEY");
	else if (!strcmp(c->name, "new-file"))
		strbuf_addf(buf, "%s/new.txt", f->ws);
	else
		strbuf_addstr(buf, "-");
	return buf->buf;
}

static int sh_quote(struct strbuf *out, const char *s)
{
	strbuf_addch(out, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			strbuf_addstr(out, "'\\''");
		else
			strbuf_addch(out, *s);
	}
	strbuf_addch(out, '\'');
	return 0;
}

static int run_check(struct cli_ctx *ctx)
{
	struct fixture f;
	struct sandbox s;
	struct strbuf err = STRBUF_INIT, arg = STRBUF_INIT, cmd = STRBUF_INIT, out = STRBUF_INIT;
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	json_t *rows = json_array();
	size_t i;
	int failures = 0, rc = CLI_EXIT_OK;

	if (n < 0)
		return cli_error("cannot find archie's own executable: %s", strerror(errno));
	self[n] = '\0';
	if (fixture_make(&f, &err)) {
		rc = cli_error("%s", err.buf);
		goto out;
	}
	setenv("ARCHIE_PROBE_API_KEY", MARKER, 1);	/* must not reach the command */
	sandbox_init(&s, SANDBOX_WORKSPACE_WRITE, f.ws);
	free(s.home);
	s.home = xstrdup(f.home);
	/* a temp directory of the fixture's own, so "outside" is outside it */
	free(s.tmpdir);
	s.tmpdir = xstrfmt("%s/tmp", f.root);
	mkdir(s.tmpdir, 0700);
	if (ctx->sandbox && sandbox_mode_parse(ctx->sandbox, &s.mode)) {
		rc = cli_usage_error("--sandbox must be workspace-write, read-only or off");
		goto out_sb;
	}
	s.network = ctx->network;
	if (sandbox_prepare(&s, &err)) {
		rc = cli_error("%s", err.buf);
		goto out_sb;
	}
	if (!ctx->json) {
		printf("sandbox: %s (%s%s), Landlock ABI %d\n", sandbox_backend_name(s.backend),
		       sandbox_mode_name(s.mode), s.network ? ", network on" : "", s.abi);
		if (s.unavailable)
			printf("warning: %s\n", s.unavailable);
	}
	for (i = 0; i < sizeof(checks) / sizeof(*checks); i++) {
		const struct check *c = &checks[i];
		const char *layer = s.backend == SANDBOX_BWRAP ? c->bwrap_layer : c->landlock_layer;
		int code = -1, ok;

		strbuf_reset(&cmd);
		strbuf_reset(&out);
		sh_quote(&cmd, self);
		strbuf_addf(&cmd, " sandbox probe %s ", c->probe);
		sh_quote(&cmd, probe_arg(c, &f, &arg));
		if (sandboxed(&s, f.ws, cmd.buf, &code, &out, &err)) {
			strbuf_reset(&out);
			strbuf_addstr(&out, err.buf);
			code = -1;
		}
		if (!strcmp(c->name, "write-outside") || !strcmp(c->name, "symlink-write") ||
		    !strcmp(c->name, "proc-root-write") ||
		    !strcmp(c->name, "chmod-outside") || !strcmp(c->name, "write-git-config") ||
		    !strcmp(c->name, "write-git-hook")) {
			/* judged where it matters: on the host's file */
			code = host_changed(c, &f) ? 0 : 1;
		}
		if (!strcmp(c->name, "udp")) {
			/* judged on the host: a datagram sent to the session's
			 * own loopback (bubblewrap, network off) is no escape;
			 * one that reached the host's listener is */
			char b;

			code = recv(f.udp, &b, 1, MSG_DONTWAIT) == 1 ? 0 : 1;
		}
		if (!strcmp(c->name, "create-protected")) {
			char *p = xstrfmt("%s/.claude", f.ws);

			code = file_is_dir(p) ? 0 : 1;	/* still there: escaped */
			free(p);
		}
		ok = c->expect_ok ? code == 0 : code != 0;
		failures += !ok;
		if (ctx->json) {
			json_array_append_new(rows, json_pack("{s:s, s:s, s:s, s:s}", "probe", c->name,
				"attempt", c->what,
				"result", c->expect_ok ? (ok ? "works" : "broken") : (ok ? "contained" : "escaped"),
				"layer", ok ? layer : "none"));
		} else {
			printf("  %-18s %-10s %s%s%s\n", c->name,
			       c->expect_ok ? (ok ? "works" : "BROKEN") : (ok ? "contained" : "ESCAPED"),
			       c->what, ok && !c->expect_ok ? " -- held by " : "", ok && !c->expect_ok ? layer : "");
		}
	}
	if (ctx->json)
		cli_print_json(json_pack("{s:s, s:s, s:b, s:i, s:o, s:i}",
					 "backend", sandbox_backend_name(s.backend),
					 "mode", sandbox_mode_name(s.mode), "network", s.network,
					 "landlock_abi", s.abi, "probes", rows, "failures", failures));
	else
		json_decref(rows);
	rows = NULL;
	if (!ctx->json)
		printf("%s\n", failures ? "some probes escaped or controls failed" : "every probe was contained");
	rc = failures ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
out_sb:
	sandbox_release(&s);
	unsetenv("ARCHIE_PROBE_API_KEY");
out:
	json_decref(rows);
	fixture_release(&f);
	strbuf_release(&err);
	strbuf_release(&arg);
	strbuf_release(&cmd);
	strbuf_release(&out);
	return rc;
}

/* archie sandbox run CMD: as the Bash tool would run it, here. */
static int run_command(struct cli_ctx *ctx, const char *text)
{
	struct sandbox s;
	struct strbuf root = STRBUF_INIT, err = STRBUF_INIT, out = STRBUF_INIT;
	char cwd[PATH_MAX];
	int code = 0, rc;

	if (!getcwd(cwd, sizeof(cwd)))
		return cli_error("cannot get the working directory: %s", strerror(errno));
	agent_project_root(cwd, &root);
	sandbox_init(&s, SANDBOX_WORKSPACE_WRITE, root.buf);
	if (ctx->sandbox && sandbox_mode_parse(ctx->sandbox, &s.mode)) {
		rc = cli_usage_error("--sandbox must be workspace-write, read-only or off");
		goto out;
	}
	s.network = ctx->network;
	if (sandboxed(&s, cwd, text, &code, &out, &err)) {
		rc = cli_error("%s", err.buf);
		goto out;
	}
	if (s.unavailable)
		fprintf(stderr, "archie: %s\n", s.unavailable);
	fwrite(out.buf, 1, out.len, stdout);
	rc = code < 0 ? 128 : code;
out:
	sandbox_release(&s);
	strbuf_release(&root);
	strbuf_release(&err);
	strbuf_release(&out);
	return rc;
}

static int cmd_sandbox_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "check") && argc == 2)
		return run_check(ctx);
	if (argc == 3 && !strcmp(argv[1], "run"))
		return run_command(ctx, argv[2]);
	if (argc == 4 && !strcmp(argv[1], "probe"))
		return probe(argv[2], argv[3]) ? 1 : 0;
	return cli_usage_error("usage: archie sandbox check [--json] | archie sandbox run 'COMMAND'");
}

static const struct cmd_usage usage[] = {
	{ "sandbox check", "run the escape probes here and say which layer holds each" },
	{ "sandbox run COMMAND", "run a command as the agent's Bash tool would (same sandbox and environment)" },
	{ NULL, NULL },
};

const struct cmd_entry cmd_sandbox_entry = {
	"sandbox", usage, NULL,
	"check builds a scratch workspace with a .git, secrets at the root and eight "
	"directories down, a fake home with ~/.ssh and ~/.aws, and listeners on "
	"127.0.0.1 and unix sockets, then tries each escape from inside the sandbox "
	"(--sandbox and --network as for a session; --json for a report). Exit 0 "
	"when every probe was contained. See docs/security.md.",
	cmd_sandbox_exec, 1,
};
