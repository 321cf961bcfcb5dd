/*
 * sandbox: the OS sandbox Bash commands run in (Linux: Landlock and
 * seccomp).
 *
 * workspace-write (the default): the command may read everything except
 * the secret paths (~/.ssh, ~/.aws, .env files and keys in the workspace,
 * ...), write only in the workspace, the temp directory and configured
 * extra paths, and has no network (TCP bind/connect refused by Landlock,
 * other socket families by seccomp) unless network is allowed.
 * read-only: no writes except to /dev (null, tty).  off: nothing.
 *
 * Everything is prepared in the parent (sandbox_prepare); the child only
 * makes system calls (sandbox_enter), which is all that is safe between
 * fork and exec.  On a kernel without Landlock, sandbox_prepare says so
 * (once) and commands run under the rules alone.
 *
 * Ownership: a sandbox owns its ruleset descriptor and filter program.
 */
#ifndef ARCHIE_SANDBOX_H
#define ARCHIE_SANDBOX_H

#include "core/strvec.h"

#include <stddef.h>

struct strbuf;

enum sandbox_mode { SANDBOX_OFF, SANDBOX_READ_ONLY, SANDBOX_WORKSPACE_WRITE };

struct sandbox {
	enum sandbox_mode mode;
	int network;			/* allow network access */
	char *workspace;
	char *tmpdir;			/* writable temp dir ($TMPDIR or /tmp) */
	struct strvec writable;		/* more writable paths */
	struct strvec hidden;		/* paths not to be read (secrets) */
	/* prepared */
	int prepared;
	int abi;			/* Landlock ABI, 0 if none */
	int ruleset_fd;
	void *filter;			/* struct sock_fprog */
	char *unavailable;		/* why it is off, when it is */
};

void sandbox_init(struct sandbox *s, enum sandbox_mode mode, const char *workspace);
void sandbox_release(struct sandbox *s);
int sandbox_mode_parse(const char *s, enum sandbox_mode *out);
const char *sandbox_mode_name(enum sandbox_mode m);

/* Builds the ruleset and filter (lazily; cheap to call again).  Returns 0
 * (possibly with the sandbox unavailable: s->unavailable says why), or -1
 * with err on a real failure. */
int sandbox_prepare(struct sandbox *s, struct strbuf *err);

/* In the child, after fork: restricts this process and its descendants.
 * Async-signal-safe.  Returns 0, or -1 (the caller must not exec). */
int sandbox_enter(const struct sandbox *s);

/* A sentence for the model and the user about what the sandbox refuses,
 * to add to the output of a command that failed. */
void sandbox_describe(const struct sandbox *s, struct strbuf *out);

#endif
