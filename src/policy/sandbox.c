/*
 * sandbox: the backend choice, the seccomp filter, and the Landlock
 * fallback.  See sandbox.h; sandbox_run.c prepares each command.
 */
#include "policy/sandbox.h"

#include "core/fileio.h"
#include "core/log.h"
#include "core/proc.h"
#include "policy/sandbox_int.h"
#include "policy/sensitive.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/kd.h>
#include <pthread.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

/* The kernel's Landlock ABI (include/uapi/linux/landlock.h), declared
 * here because Debian 12's headers stop at ABI 2 and archie uses the
 * network rules of ABI 4. */
struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;		/* ABI 6 */
};

struct ll_path_beneath {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

#define LL_CREATE_RULESET_VERSION (1U << 0)
#define LL_RULE_PATH_BENEATH 1
#define LL_FS_EXECUTE (1ULL << 0)
#define LL_FS_WRITE_FILE (1ULL << 1)
#define LL_FS_READ_FILE (1ULL << 2)
#define LL_FS_READ_DIR (1ULL << 3)
#define LL_FS_REMOVE_DIR (1ULL << 4)
#define LL_FS_REMOVE_FILE (1ULL << 5)
#define LL_FS_MAKE_CHAR (1ULL << 6)
#define LL_FS_MAKE_DIR (1ULL << 7)
#define LL_FS_MAKE_REG (1ULL << 8)
#define LL_FS_MAKE_SOCK (1ULL << 9)
#define LL_FS_MAKE_FIFO (1ULL << 10)
#define LL_FS_MAKE_BLOCK (1ULL << 11)
#define LL_FS_MAKE_SYM (1ULL << 12)
#define LL_FS_REFER (1ULL << 13)	/* ABI 2 */
#define LL_FS_TRUNCATE (1ULL << 14)	/* ABI 3 */
#define LL_FS_IOCTL_DEV (1ULL << 15)	/* ABI 5 */
#define LL_NET_BIND_TCP (1ULL << 0)	/* ABI 4 */
#define LL_SCOPE_ABSTRACT_UNIX (1ULL << 0)	/* ABI 6 */
#define LL_SCOPE_SIGNAL (1ULL << 1)
#define LL_NET_CONNECT_TCP (1ULL << 1)

#define LL_READ (LL_FS_EXECUTE | LL_FS_READ_FILE | LL_FS_READ_DIR)
#define LL_FILE_ONLY (LL_FS_EXECUTE | LL_FS_WRITE_FILE | LL_FS_READ_FILE | \
		      LL_FS_TRUNCATE | LL_FS_IOCTL_DEV)

static uint64_t fs_rights(int abi)
{
	uint64_t r = (1ULL << 13) - 1;	/* ABI 1: bits 0..12 */

	if (abi >= 2)
		r |= LL_FS_REFER;
	if (abi >= 3)
		r |= LL_FS_TRUNCATE;
	if (abi >= 5)
		r |= LL_FS_IOCTL_DEV;
	return r;
}

static uint64_t write_rights(int abi)
{
	return fs_rights(abi) & ~LL_READ;
}

void sandbox_init(struct sandbox *s, enum sandbox_mode mode, const char *workspace)
{
	const char *tmp = getenv("TMPDIR"), *home = getenv("HOME");

	memset(s, 0, sizeof(*s));
	s->mode = mode;
	s->workspace = xstrdup(workspace);
	s->tmpdir = xstrdup(tmp && *tmp ? tmp : "/tmp");
	s->home = xstrdup(home && *home ? home : "/nonexistent-home");
	s->netns_fd = s->userns_fd = -1;
	strvec_init(&s->writable);
}

void sandbox_release(struct sandbox *s)
{
	if (s->filter) {
		free(((struct sock_fprog *)s->filter)->filter);
		free(s->filter);
	}
	sandbox_scan_cache_free(s->scan_cache);
	if (s->session_tmp && !s->tmp_borrowed)
		sandbox_rmrf(s->session_tmp);
	free(s->session_tmp);
	free(s->workspace);
	free(s->tmpdir);
	free(s->home);
	free(s->bwrap);
	free(s->unavailable);
	strvec_release(&s->writable);
	memset(s, 0, sizeof(*s));
}

int sandbox_mode_parse(const char *str, enum sandbox_mode *out)
{
	if (!strcmp(str, "off"))
		*out = SANDBOX_OFF;
	else if (!strcmp(str, "read-only"))
		*out = SANDBOX_READ_ONLY;
	else if (!strcmp(str, "workspace-write"))
		*out = SANDBOX_WORKSPACE_WRITE;
	else
		return -1;
	return 0;
}

const char *sandbox_mode_name(enum sandbox_mode m)
{
	return m == SANDBOX_OFF ? "off" : m == SANDBOX_READ_ONLY ? "read-only"
								 : "workspace-write";
}

const char *sandbox_backend_name(enum sandbox_backend b)
{
	return b == SANDBOX_BWRAP ? "bubblewrap" : b == SANDBOX_LANDLOCK ? "landlock" : "none";
}

/* ---- Landlock (the fallback) ------------------------------------------------- */

static int add_rule(int ruleset_fd, int abi, const char *path, uint64_t access)
{
	struct ll_path_beneath pb;
	struct stat st;
	int fd = open(path, O_PATH | O_CLOEXEC), rc;

	if (fd < 0)
		return 0;	/* a path that is not there grants nothing */
	if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode))
		access &= LL_FILE_ONLY;
	access &= fs_rights(abi);
	pb.allowed_access = access;
	pb.parent_fd = fd;
	rc = (int)syscall(SYS_landlock_add_rule, ruleset_fd, LL_RULE_PATH_BENEATH, &pb, 0);
	close(fd);
	if (rc)
		log_debug("sandbox", "landlock rule for %s: %s", path, strerror(errno));
	return 0;
}

/* 1 if a hidden path is path or under it; 2 if path itself is hidden. */
static int hides(const struct strvec *hidden, const char *path)
{
	size_t i, n = strlen(path);
	int r = 0;

	for (i = 0; i < hidden->nr; i++) {
		const char *h = hidden->v[i];

		if (!strcmp(h, path))
			return 2;
		if (!strncmp(h, path, n) && (h[n] == '/' || (n == 1 && path[0] == '/')))
			r = 1;
	}
	return r;
}

/* Grants read on path, except hidden paths below it: Landlock only
 * allows, so a hidden path is left out by granting its siblings.  (This
 * is why, under Landlock, a file created later in a directory that holds
 * a secret cannot be read: bubblewrap has no such limit.) */
static void allow_read_except(int fd, int abi, const struct strvec *hidden,
			      const char *path, int depth)
{
	struct dirent *de;
	DIR *d;
	int h = hides(hidden, path);

	if (h == 2)
		return;
	if (!h || depth > 64) {
		add_rule(fd, abi, path, LL_READ);
		return;
	}
	d = opendir(path);
	if (!d)
		return;
	add_rule(fd, abi, path, LL_FS_READ_DIR);
	while ((de = readdir(d)) != NULL) {
		struct strbuf child = STRBUF_INIT;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		strbuf_addf(&child, "%s%s%s", path, strcmp(path, "/") ? "/" : "", de->d_name);
		allow_read_except(fd, abi, hidden, child.buf, depth + 1);
		strbuf_release(&child);
	}
	closedir(d);
}

int sandbox_landlock_ruleset(const struct sandbox *s, const struct strvec *hidden)
{
	static const char *const devices[] = {
		"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
		"/dev/tty", "/dev/ptmx", "/dev/pts", "/dev/shm", NULL,
	};
	struct ll_ruleset_attr attr;
	size_t attr_size, i;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = fs_rights(s->abi);
	attr_size = sizeof(attr.handled_access_fs);
	if (s->abi >= 4 && !s->network) {
		attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
		attr_size = offsetof(struct ll_ruleset_attr, scoped);
	}
	if (s->abi >= 6) {
		/* no abstract unix sockets or signals to processes outside */
		attr.scoped = LL_SCOPE_SIGNAL | (s->network || s->unix_sockets ? 0 : LL_SCOPE_ABSTRACT_UNIX);
		attr_size = sizeof(attr);
	}
	fd = (int)syscall(SYS_landlock_create_ruleset, &attr, attr_size, 0);
	if (fd < 0)
		return -1;
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	allow_read_except(fd, s->abi, hidden, "/", 0);
	for (i = 0; devices[i]; i++)
		add_rule(fd, s->abi, devices[i], write_rights(s->abi) | LL_READ);
	add_rule(fd, s->abi, "/proc/self", LL_READ | LL_FS_WRITE_FILE);
	if (s->mode == SANDBOX_WORKSPACE_WRITE) {
		add_rule(fd, s->abi, s->workspace, write_rights(s->abi));
		/* write rights only: reads come from allow_read_except, which
		 * leaves the secrets out even when the workspace is in /tmp */
		add_rule(fd, s->abi, s->tmpdir, write_rights(s->abi));
		for (i = 0; i < s->writable.nr; i++)
			add_rule(fd, s->abi, s->writable.v[i], write_rights(s->abi));
	}
	return fd;
}

/* ---- seccomp ------------------------------------------------------------------ */

/* The filter both backends load.  Each refusal has its own errno, so
 * `archie sandbox check` can say which rule held. */
static int build_filter(struct sandbox *s, struct strbuf *err)
{
	static const int always_denied[] = {
		SCMP_SYS(add_key), SCMP_SYS(request_key), SCMP_SYS(keyctl), SCMP_SYS(bpf),
		SCMP_SYS(perf_event_open), SCMP_SYS(kexec_load), SCMP_SYS(kexec_file_load),
		SCMP_SYS(init_module), SCMP_SYS(finit_module), SCMP_SYS(delete_module),
		SCMP_SYS(userfaultfd), SCMP_SYS(process_vm_readv), SCMP_SYS(process_vm_writev),
		SCMP_SYS(open_by_handle_at), SCMP_SYS(name_to_handle_at),
	};
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	struct sock_fprog *prog;
	char path[PATH_MAX];
	struct stat st;
	size_t i;
	int fd = -1, rc = -1, bad = 0;

	if (!ctx)
		return strbuf_seterr(err, "cannot create a seccomp filter");
	/* keystrokes pushed into a terminal: never (TIOCSTI, TIOCLINUX) */
	bad |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
				SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffff, TIOCSTI));
	bad |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
				SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffff, TIOCLINUX));
	for (i = 0; i < sizeof(always_denied) / sizeof(*always_denied); i++)
		bad |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), always_denied[i], 0);
	if (!s->network && s->loopback) {
		/* the shared loopback namespace (sandbox_net.c): IP sockets
		 * reach only the session's own services; other families
		 * (netlink, packet, vsock...) still EACCES */
		for (i = 0; i <= AF_INET6 + 1; i++) {
			if (i == AF_UNIX || i == AF_INET || i == AF_INET6)
				continue;
			bad |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), 1,
						i <= AF_INET6 ? SCMP_A0(SCMP_CMP_EQ, i)
							      : SCMP_A0(SCMP_CMP_GT, AF_INET6));
		}
		bad |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socketpair), 1,
					SCMP_A0(SCMP_CMP_NE, AF_UNIX));
	} else if (!s->network) {
		/* sockets other than AF_UNIX: EACCES */
		bad |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), 1,
					SCMP_A0(SCMP_CMP_NE, AF_UNIX));
		bad |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socketpair), 1,
					SCMP_A0(SCMP_CMP_NE, AF_UNIX));
	}
	if (!s->network) {
		/* AF_UNIX sockets reach processes outside (a docker daemon, an
		 * agent, a desktop session): refused unless allowed; pairs of
		 * connected sockets stay (pipes for programs that need them) */
		if (!s->unix_sockets)
			bad |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), 1,
						SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
		/* io_uring makes sockets and connections the socket(2) rule
		 * never sees */
		bad |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(io_uring_setup), 0);
		bad |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(io_uring_enter), 0);
		bad |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(io_uring_register), 0);
	}
	if (bad) {
		strbuf_seterr(err, "cannot build the seccomp filter");
		goto out;
	}
	/* libseccomp 2.5 exports to a descriptor only: a deleted temp file */
	snprintf(path, sizeof(path), "%s/archie-seccomp-XXXXXX", s->tmpdir);
	fd = mkstemp(path);
	if (fd < 0) {
		snprintf(path, sizeof(path), "/tmp/archie-seccomp-XXXXXX");
		fd = mkstemp(path);
	}
	if (fd < 0) {
		strbuf_seterr(err, "cannot create a temporary file: %s", strerror(errno));
		goto out;
	}
	unlink(path);
	if (seccomp_export_bpf(ctx, fd) || fstat(fd, &st) || st.st_size <= 0 ||
	    st.st_size % (off_t)sizeof(struct sock_filter)) {
		strbuf_seterr(err, "cannot export the seccomp filter");
		goto out;
	}
	prog = xcalloc(1, sizeof(*prog));
	prog->len = (unsigned short)(st.st_size / (off_t)sizeof(struct sock_filter));
	prog->filter = xmalloc((size_t)st.st_size);
	if (pread(fd, prog->filter, (size_t)st.st_size, 0) != st.st_size) {
		free(prog->filter);
		free(prog);
		strbuf_seterr(err, "cannot read the seccomp filter back");
		goto out;
	}
	s->filter = prog;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	seccomp_release(ctx);
	return rc;
}

int sandbox_filter_fd(const struct sandbox *s)
{
	const struct sock_fprog *prog = s->filter;
	int fd;

	if (!prog)
		return -1;
	/* inherited by bubblewrap, which reads and loads it (--seccomp) */
	fd = (int)syscall(SYS_memfd_create, "archie-seccomp", 0);
	if (fd < 0)
		return -1;
	if (file_write_all(fd, prog->filter, prog->len * sizeof(struct sock_filter)) ||
	    lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* ---- the backend ---------------------------------------------------------------- */

/* What probing bubblewrap found, once a process (each subagent has a
 * sandbox of its own; the machine is the same). */
static pthread_mutex_t probe_lock = PTHREAD_MUTEX_INITIALIZER;
static int probed, probe_ok;
static char probe_why[512];

/* 1 if bubblewrap can make its namespaces here (a container may forbid). */
static int bwrap_probe(const char *bwrap, struct strbuf *why)
{
	struct proc p;
	struct strbuf err = STRBUF_INIT;
	int ok;

	proc_init(&p);
	{
		static const char *const args[] = {
			"--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "--proc",
			"/proc", "--dev", "/dev", "--", "/bin/true", NULL,
		};
		size_t i;

		strvec_push(&p.argv, bwrap);
		for (i = 0; args[i]; i++)
			strvec_push(&p.argv, args[i]);
	}
	p.timeout_ms = 10000;
	ok = !proc_run(&p, &err) && p.exit_code == 0;
	if (!ok) {
		headtail_render(&p.err_buf, "", why);
		if (!why->len)
			strbuf_addstr(why, err.len ? err.buf : "it failed");
		strbuf_trim(why);
	}
	proc_release(&p);
	strbuf_release(&err);
	return ok;
}

static int bwrap_works(const char *bwrap, struct strbuf *why)
{
	pthread_mutex_lock(&probe_lock);
	if (!probed) {
		struct strbuf w = STRBUF_INIT;

		probe_ok = bwrap_probe(bwrap, &w);
		snprintf(probe_why, sizeof(probe_why), "%s", w.buf);
		strbuf_release(&w);
		probed = 1;
	}
	strbuf_addstr(why, probe_why);
	pthread_mutex_unlock(&probe_lock);
	return probe_ok;
}

int sandbox_prepare(struct sandbox *s, struct strbuf *err)
{
	const char *force = getenv("ARCHIE_SANDBOX");
	struct strbuf path = STRBUF_INIT, why = STRBUF_INIT;

	if (s->prepared || s->mode == SANDBOX_OFF)
		return 0;
	s->prepared = 1;
	s->abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);
	if (s->abi < 0)
		s->abi = 0;
	if ((!force || strcmp(force, "landlock")) && !file_which("bwrap", &path)) {
		if (bwrap_works(path.buf, &why)) {
			s->backend = SANDBOX_BWRAP;
			s->bwrap = xstrdup(path.buf);
		} else {
			s->unavailable = xstrfmt("bubblewrap cannot create namespaces here (%s), so commands run under Landlock and seccomp, which cannot mask secrets or protect .git as well", why.buf);
		}
	} else if (!force) {
		s->unavailable = xstrdup("bubblewrap is not installed (Debian: apt-get install bubblewrap), so commands run under Landlock and seccomp, which cannot mask secrets or protect .git as well");
	}
	strbuf_release(&path);
	strbuf_release(&why);
	if (!s->backend) {
		if (s->abi > 0) {
			s->backend = SANDBOX_LANDLOCK;
		} else {
			free(s->unavailable);
			s->unavailable = xstrdup("neither bubblewrap nor Landlock is available, so commands run without the OS sandbox; the permission rules still apply");
		}
	}
	s->netns_fd = s->userns_fd = -1;
	if (s->backend == SANDBOX_BWRAP && !s->network && !getenv("ARCHIE_SANDBOX_NO_LOOPBACK"))
		s->loopback = !sandbox_loopback(&s->netns_fd, &s->userns_fd);
	if (s->backend != SANDBOX_NONE && build_filter(s, err))
		return -1;
	log_debug("sandbox", "backend %s, Landlock ABI %d, mode %s, network %s",
		  sandbox_backend_name(s->backend), s->abi, sandbox_mode_name(s->mode),
		  s->network ? "on" : "off");
	return 0;
}

int sandbox_enter(const struct sandbox_run *r)
{
	const struct sandbox *s = r->s;

	if (s && s->mode != SANDBOX_OFF && s->backend == SANDBOX_BWRAP && s->loopback)
		return sandbox_join_loopback(s->netns_fd, s->userns_fd);
	if (!s || s->mode == SANDBOX_OFF || s->backend != SANDBOX_LANDLOCK)
		return 0;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	if (r->ruleset_fd >= 0 && syscall(SYS_landlock_restrict_self, r->ruleset_fd, 0))
		return -1;
	if (s->filter && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, s->filter))
		return -1;
	return 0;
}

void sandbox_describe(const struct sandbox *s, struct strbuf *out)
{
	if (s->mode == SANDBOX_OFF || s->backend == SANDBOX_NONE)
		return;
	strbuf_addf(out, "[the command ran in archie's sandbox (%s, %s%s): ",
		    sandbox_backend_name(s->backend), sandbox_mode_name(s->mode),
		    s->network ? "" : ", network off");
	if (s->mode == SANDBOX_READ_ONLY)
		strbuf_addstr(out, "it may not change any file");
	else
		strbuf_addstr(out, "it may write only in the workspace and /tmp, never in .git, .claude or other protected paths");
	strbuf_addstr(out, ", may not read secrets such as ~/.ssh, ~/.aws or .env files (they look empty)");
	if (!s->network)
		strbuf_addstr(out, ", and may not use the network or unix sockets");
	strbuf_addstr(out, ". If it failed with 'Permission denied', 'Read-only file system' or a refused connection, that is why; ask the user to run it themselves or to allow it (--network, another writable path) rather than working around it.]");
}
