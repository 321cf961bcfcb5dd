/*
 * sandbox: the OS sandbox Bash commands run in (Linux).
 *
 * Two backends, chosen once per session by what the machine allows:
 *
 *   bubblewrap (preferred; Debian's `bubblewrap`, what Claude Code uses on
 *   Linux): the command runs in new mount, PID, network, IPC and UTS
 *   namespaces (and a user namespace when archie is not root): `/`
 *   read-only; the workspace (and configured extra paths) writable; a
 *   private /dev (null, zero, full, random, urandom, tty, a private pts);
 *   a private /tmp kept for the session; a fresh /proc that shows only the
 *   command's own processes; an empty network namespace (loopback only)
 *   unless network is on; every secret file and credential directory
 *   masked with an empty file or directory; the protected paths (.git,
 *   .claude, .mcp.json...) bound read-only.  Secrets are found at each
 *   command by a walk of the whole workspace with no depth or entry
 *   budget, so a .env anywhere is masked however deep or large the tree.
 *
 *   Landlock (fallback, with a warning, where bubblewrap or user
 *   namespaces are not available): reads everywhere except the secrets,
 *   writes only in the workspace, the temp directory and /dev's harmless
 *   devices; TCP refused (ABI 4); abstract unix sockets and signals to
 *   processes outside refused (ABI 6 scopes).
 *
 * Both: the seccomp filter (socket families other than AF_UNIX, AF_UNIX
 * sockets themselves, io_uring, when the network is off; TIOCSTI and
 * TIOCLINUX always; keyrings, bpf, perf, kexec, ptrace of others...), a
 * new session with no controlling terminal (proc.c), and a scrubbed
 * environment (childenv.h).  After each command, protected paths the
 * command created at the top of the workspace (a new .claude/, .mcp.json,
 * .git/...) are moved to quarantine, since only paths that exist can be
 * bound read-only.  Under Landlock, which cannot make .git read-only
 * inside a writable workspace, the protected files (git's config, hooks
 * and info, the runtimes' settings) are snapshotted before the command
 * and restored after it, the changed copy quarantined.
 *
 * Everything is prepared in the parent; the child only makes system calls
 * (sandbox_enter), which is all that is safe between fork and exec.
 *
 * Ownership: a sandbox owns its filter and session temp directory; a
 * sandbox_run owns its argv, environment and descriptors.
 */
#ifndef ARCHIE_SANDBOX_H
#define ARCHIE_SANDBOX_H

#include "core/strvec.h"

#include <stddef.h>

struct strbuf;
struct sandbox_scan_cache;
struct sandbox_snapshot;

enum sandbox_mode { SANDBOX_OFF, SANDBOX_READ_ONLY, SANDBOX_WORKSPACE_WRITE };
enum sandbox_backend { SANDBOX_NONE, SANDBOX_BWRAP, SANDBOX_LANDLOCK };

struct sandbox {
	enum sandbox_mode mode;
	int network;			/* allow network access */
	int unix_sockets;		/* allow AF_UNIX sockets (network off) */
	char *workspace;
	char *tmpdir;			/* the host's temp dir ($TMPDIR or /tmp) */
	struct strvec writable;		/* more writable paths */
	char *home;
	/* prepared */
	int prepared;
	enum sandbox_backend backend;
	char *bwrap;			/* bubblewrap's path */
	char *session_tmp;		/* the private /tmp under bubblewrap */
	int tmp_borrowed;		/* session_tmp is a parent's (sandbox_share) */
	int abi;			/* Landlock ABI, 0 if none */
	/* network off under bubblewrap: the loopback namespace commands
	 * share (sandbox_net.c), so a background service can be reached */
	int loopback;
	int netns_fd, userns_fd;	/* borrowed: the process's */
	void *filter;			/* struct sock_fprog */
	struct sandbox_scan_cache *scan_cache;	/* what the last walks found */
	char *unavailable;		/* why it is weaker than it should be */
};

/* One command's sandbox. */
struct sandbox_run {
	const struct sandbox *s;
	struct strvec argv;		/* what to execute */
	struct strvec env;		/* its environment */
	int seccomp_fd;			/* bubblewrap reads the filter here */
	int ruleset_fd;			/* Landlock, applied by sandbox_enter */
	struct strvec absent;		/* protected top-level names absent before */
	size_t masked, readonly;	/* paths masked and bound read-only */
	struct sandbox_snapshot *snap;	/* Landlock: protected files to restore */
};

void sandbox_init(struct sandbox *s, enum sandbox_mode mode, const char *workspace);
void sandbox_release(struct sandbox *s);
int sandbox_mode_parse(const char *s, enum sandbox_mode *out);
const char *sandbox_mode_name(enum sandbox_mode m);
const char *sandbox_backend_name(enum sandbox_backend b);

/* A subagent's sandbox: it uses its parent's private /tmp (made now if
 * needed), so files pass between them as they would on the host.  Call
 * before the child's thread starts. */
void sandbox_share(struct sandbox *child, struct sandbox *parent);

/* Chooses the backend and builds the filter (once; cheap to call again).
 * Returns 0 (s->unavailable says what is weaker than it should be), or -1
 * with err on a real failure.  ARCHIE_SANDBOX=landlock|bwrap forces a
 * backend (tests).  Whether bubblewrap works is probed once a process. */
int sandbox_prepare(struct sandbox *s, struct strbuf *err);

/* Prepares `/bin/bash -c command` (argv given: that instead) to run in
 * cwd under the sandbox: r->argv and r->env are what to execute.  extra_env
 * ("NAME=value", may be NULL) is added to the scrubbed environment. */
int sandbox_run_prepare(struct sandbox *s, const char *cwd, const char *command,
			const struct strvec *extra_env, struct sandbox_run *r,
			struct strbuf *err);

/* In the child, after fork: restricts this process (Landlock, seccomp)
 * where bubblewrap does not.  Async-signal-safe.  Returns 0, or -1 (the
 * caller must not exec). */
int sandbox_enter(const struct sandbox_run *r);

/* After the command: moves protected paths it created at the top of the
 * workspace to quarantine, saying so in note (appended).  Releases r. */
void sandbox_run_finish(struct sandbox_run *r, struct strbuf *note);

/* A sentence for the model and the user about what the sandbox refuses,
 * to add to the output of a command that failed. */
void sandbox_describe(const struct sandbox *s, struct strbuf *out);

#endif
