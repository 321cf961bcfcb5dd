/*
 * sandbox: Landlock and seccomp for Bash commands.  See sandbox.h.
 */
#include "policy/sandbox.h"

#include "core/log.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The kernel's Landlock ABI (include/uapi/linux/landlock.h), declared
 * here because Debian 12's headers stop at ABI 2 and archie uses the
 * network rules of ABI 4. */
struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
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
	const char *tmp = getenv("TMPDIR");

	memset(s, 0, sizeof(*s));
	s->mode = mode;
	s->workspace = xstrdup(workspace);
	s->tmpdir = xstrdup(tmp && *tmp ? tmp : "/tmp");
	s->ruleset_fd = -1;
	strvec_init(&s->writable);
	strvec_init(&s->hidden);
}

void sandbox_release(struct sandbox *s)
{
	if (s->ruleset_fd >= 0)
		close(s->ruleset_fd);
	if (s->filter) {
		free(((struct sock_fprog *)s->filter)->filter);
		free(s->filter);
	}
	free(s->workspace);
	free(s->tmpdir);
	free(s->unavailable);
	strvec_release(&s->writable);
	strvec_release(&s->hidden);
	memset(s, 0, sizeof(*s));
	s->ruleset_fd = -1;
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

static int add_rule(struct sandbox *s, const char *path, uint64_t access)
{
	struct ll_path_beneath pb;
	struct stat st;
	int fd = open(path, O_PATH | O_CLOEXEC), rc;

	if (fd < 0)
		return 0;	/* a path that is not there grants nothing */
	if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode))
		access &= LL_FILE_ONLY;
	access &= fs_rights(s->abi);
	pb.allowed_access = access;
	pb.parent_fd = fd;
	rc = (int)syscall(SYS_landlock_add_rule, s->ruleset_fd, LL_RULE_PATH_BENEATH, &pb, 0);
	close(fd);
	if (rc)
		log_debug("sandbox", "landlock rule for %s: %s", path, strerror(errno));
	return 0;
}

/* 1 if a hidden path is path or under it; 2 if path itself is hidden. */
static int hides(const struct sandbox *s, const char *path)
{
	size_t i, n = strlen(path);
	int r = 0;

	for (i = 0; i < s->hidden.nr; i++) {
		const char *h = s->hidden.v[i];

		if (!strcmp(h, path))
			return 2;
		if (!strncmp(h, path, n) && (h[n] == '/' || (n == 1 && path[0] == '/')))
			r = 1;
	}
	return r;
}

/* Grants read on path, except hidden paths below it: Landlock only
 * allows, so a hidden path is left out by granting its siblings. */
static void allow_read_except(struct sandbox *s, const char *path, int depth)
{
	struct dirent *de;
	DIR *d;
	int h = hides(s, path);

	if (h == 2)
		return;
	if (!h || depth > 16) {
		add_rule(s, path, LL_READ);
		return;
	}
	d = opendir(path);
	if (!d)
		return;
	/* the directory itself may still be listed (names, not contents) */
	add_rule(s, path, LL_FS_READ_DIR);
	while ((de = readdir(d)) != NULL) {
		struct strbuf child = STRBUF_INIT;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		strbuf_addf(&child, "%s%s%s", path, strcmp(path, "/") ? "/" : "", de->d_name);
		allow_read_except(s, child.buf, depth + 1);
		strbuf_release(&child);
	}
	closedir(d);
}

/* The seccomp filter: sockets other than AF_UNIX fail with EACCES. */
static int build_filter(struct sandbox *s, struct strbuf *err)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	struct sock_fprog *prog;
	char path[] = "/tmp/archie-seccomp-XXXXXX";
	struct stat st;
	int fd = -1, rc = -1;

	if (!ctx)
		return strbuf_seterr(err, "cannot create a seccomp filter");
	if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), 1,
			     SCMP_A0(SCMP_CMP_NE, AF_UNIX)) ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socketpair), 1,
			     SCMP_A0(SCMP_CMP_NE, AF_UNIX))) {
		strbuf_seterr(err, "cannot build the seccomp filter");
		goto out;
	}
	/* libseccomp 2.5 exports to a descriptor only: a deleted temp file */
	fd = mkstemp(path);
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

int sandbox_prepare(struct sandbox *s, struct strbuf *err)
{
	struct ll_ruleset_attr attr;
	size_t attr_size, i;

	if (s->prepared || s->mode == SANDBOX_OFF)
		return 0;
	s->prepared = 1;
	s->abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);
	if (s->abi <= 0) {
		s->abi = 0;
		s->unavailable = xstrdup("this kernel has no Landlock (or it is disabled), so commands run without the OS sandbox; the permission rules still apply");
		return 0;
	}
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = fs_rights(s->abi);
	attr_size = sizeof(attr.handled_access_fs);
	if (s->abi >= 4 && !s->network) {
		attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
		attr_size = sizeof(attr);
	}
	s->ruleset_fd = (int)syscall(SYS_landlock_create_ruleset, &attr, attr_size, 0);
	if (s->ruleset_fd < 0) {
		free(s->unavailable);
		s->unavailable = xstrdup("the Landlock ruleset could not be created, so commands run without the OS sandbox");
		s->abi = 0;
		return 0;
	}
	fcntl(s->ruleset_fd, F_SETFD, FD_CLOEXEC);

	/* reads: everywhere but the hidden paths */
	allow_read_except(s, "/", 0);
	/* writes: the devices commands expect, the temp dir, the workspace */
	add_rule(s, "/dev", write_rights(s->abi) | LL_READ);
	add_rule(s, "/proc/self", LL_READ | LL_FS_WRITE_FILE);
	if (s->mode == SANDBOX_WORKSPACE_WRITE) {
		add_rule(s, s->workspace, write_rights(s->abi));
		add_rule(s, s->tmpdir, write_rights(s->abi) | LL_READ);
		for (i = 0; i < s->writable.nr; i++)
			add_rule(s, s->writable.v[i], write_rights(s->abi) | LL_READ);
	}
	if (!s->network && build_filter(s, err))
		return -1;
	log_debug("sandbox", "Landlock ABI %d, mode %s, network %s", s->abi,
		  sandbox_mode_name(s->mode), s->network ? "on" : "off");
	return 0;
}

int sandbox_enter(const struct sandbox *s)
{
	if (s->mode == SANDBOX_OFF || s->abi <= 0)
		return 0;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	if (syscall(SYS_landlock_restrict_self, s->ruleset_fd, 0))
		return -1;
	if (s->filter && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, s->filter))
		return -1;
	return 0;
}

void sandbox_describe(const struct sandbox *s, struct strbuf *out)
{
	if (s->mode == SANDBOX_OFF || s->abi <= 0)
		return;
	strbuf_addf(out, "[the command ran in archie's sandbox (%s%s): ",
		    sandbox_mode_name(s->mode), s->network ? "" : ", network off");
	if (s->mode == SANDBOX_READ_ONLY)
		strbuf_addstr(out, "it may not change any file");
	else
		strbuf_addstr(out, "it may write only in the workspace and the temp directory");
	strbuf_addstr(out, ", may not read secrets such as ~/.ssh, ~/.aws or .env files");
	if (!s->network)
		strbuf_addstr(out, ", and may not use the network");
	strbuf_addstr(out, ". If it failed with 'Permission denied' or a refused connection, that is why; ask the user to allow it (network or another writable path) rather than working around it.]");
}
