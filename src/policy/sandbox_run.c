/*
 * sandbox_run: one command in the sandbox.  See sandbox.h.
 *
 * Before each command the workspace is walked whole (no depth or entry
 * budget; links are not followed) for secrets to mask and protected paths
 * to bind read-only, so what the sandbox hides is decided by the names
 * in sensitive.c, never by how deep or how large the tree is.  Under
 * bubblewrap the masks are bind mounts (an empty file over a secret file,
 * an empty read-only directory over a credential directory); the files
 * a command creates itself stay readable.
 */
#include "policy/sandbox_int.h"

#include "core/fileio.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "policy/childenv.h"
#include "policy/sensitive.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SCAN_DEPTH_MAX 256	/* deeper than PATH_MAX allows in practice */

struct scan {
	struct strvec files, dirs;	/* secrets: files and directories */
	struct strvec readonly;		/* protected paths that exist */
};

static int is_dir(const char *path, unsigned char type)
{
	struct stat st;

	if (type == DT_DIR)
		return 1;
	if (type != DT_UNKNOWN)
		return 0;
	return !lstat(path, &st) && S_ISDIR(st.st_mode);
}

static int protected_name(const char *name)
{
	const char *const *p;

	for (p = sensitive_protected_names(); *p; p++)
		if (!strcmp(*p, name))
			return 1;
	return 0;
}

static void scan_dir(struct scan *sc, const char *dir, int depth)
{
	struct dirent *de;
	DIR *d;

	if (depth > SCAN_DEPTH_MAX)
		return;
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		const char *n = de->d_name;
		struct strbuf p = STRBUF_INIT;
		int dirp;

		if (n[0] == '.' && (!n[1] || (n[1] == '.' && !n[2])))
			continue;
		file_join(&p, dir, n);
		dirp = is_dir(p.buf, de->d_type);
		if (dirp ? sensitive_secret_dir_name(n) : sensitive_secret_name(n)) {
			if (de->d_type != DT_LNK)
				strvec_push(dirp ? &sc->dirs : &sc->files, p.buf);
		} else {
			if (protected_name(n) && de->d_type != DT_LNK)
				strvec_push(&sc->readonly, p.buf);
			/* .git is bound read-only whole; its objects hold no
			 * names to mask */
			if (dirp && strcmp(n, ".git"))
				scan_dir(sc, p.buf, depth + 1);
		}
		strbuf_release(&p);
	}
	closedir(d);
}

static void scan_home(struct scan *sc, const char *home)
{
	const char *const *h;
	struct strbuf p = STRBUF_INIT;
	struct stat st;

	for (h = sensitive_home_secrets(); *h; h++) {
		strbuf_reset(&p);
		file_join(&p, home, *h);
		if (lstat(p.buf, &st) || S_ISLNK(st.st_mode))
			continue;
		strvec_push(S_ISDIR(st.st_mode) ? &sc->dirs : &sc->files, p.buf);
	}
	strbuf_release(&p);
}

void sandbox_rmrf(const char *path)
{
	struct dirent *de;
	DIR *d = opendir(path);

	if (!d) {
		unlink(path);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		struct strbuf p = STRBUF_INIT;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		file_join(&p, path, de->d_name);
		if (!lstat(p.buf, &st) && S_ISDIR(st.st_mode))
			sandbox_rmrf(p.buf);
		else
			unlink(p.buf);
		strbuf_release(&p);
	}
	closedir(d);
	rmdir(path);
}

static void push2(struct strvec *v, const char *a, const char *b)
{
	strvec_push(v, a);
	strvec_push(v, b);
}

static void push3(struct strvec *v, const char *a, const char *b, const char *c)
{
	strvec_push(v, a);
	strvec_push(v, b);
	strvec_push(v, c);
}

/* The private /tmp: one per session, kept between its commands. */
static const char *session_tmp(struct sandbox *s)
{
	struct strbuf t = STRBUF_INIT;

	if (s->session_tmp)
		return s->session_tmp;
	strbuf_addf(&t, "%s/archie-sandbox-XXXXXX", s->tmpdir);
	if (mkdtemp(t.buf))
		s->session_tmp = strbuf_detach(&t, NULL);
	strbuf_release(&t);
	return s->session_tmp;
}

static void bwrap_argv(struct sandbox *s, const char *cwd, const struct scan *sc,
		       struct sandbox_run *r)
{
	struct strbuf fd = STRBUF_INIT;
	const char *tmp = session_tmp(s);
	size_t i;

	strvec_push(&r->argv, s->bwrap);
	strvec_push(&r->argv, "--unshare-all");
	if (s->network)
		strvec_push(&r->argv, "--share-net");
	strvec_push(&r->argv, "--die-with-parent");
	strvec_push(&r->argv, "--new-session");
	push3(&r->argv, "--ro-bind", "/", "/");
	push2(&r->argv, "--dev", "/dev");
	push2(&r->argv, "--remount-ro", "/dev");
	push2(&r->argv, "--proc", "/proc");
	if (tmp)
		push3(&r->argv, "--bind", tmp, "/tmp");
	else
		push2(&r->argv, "--tmpfs", "/tmp");
	if (s->mode == SANDBOX_WORKSPACE_WRITE) {
		push3(&r->argv, "--bind", s->workspace, s->workspace);
		for (i = 0; i < s->writable.nr; i++)
			push3(&r->argv, "--bind-try", s->writable.v[i], s->writable.v[i]);
	}
	for (i = 0; i < sc->readonly.nr; i++)
		push3(&r->argv, "--ro-bind", sc->readonly.v[i], sc->readonly.v[i]);
	for (i = 0; i < sc->files.nr; i++)
		push3(&r->argv, "--ro-bind", "/dev/null", sc->files.v[i]);
	for (i = 0; i < sc->dirs.nr; i++) {
		push2(&r->argv, "--tmpfs", sc->dirs.v[i]);
		push2(&r->argv, "--remount-ro", sc->dirs.v[i]);
	}
	r->seccomp_fd = sandbox_filter_fd(s);
	if (r->seccomp_fd >= 0) {
		strbuf_addf(&fd, "%d", r->seccomp_fd);
		push2(&r->argv, "--seccomp", fd.buf);
	}
	if (!geteuid())
		push2(&r->argv, "--cap-drop", "ALL");
	push2(&r->argv, "--chdir", cwd);
	strvec_push(&r->argv, "--");
	strbuf_release(&fd);
}

int sandbox_run_prepare(struct sandbox *s, const char *cwd, const char *command,
			const struct strvec *extra_env, struct sandbox_run *r,
			struct strbuf *err)
{
	struct strvec env_extra = STRVEC_INIT;
	struct scan sc;
	const char *const *p;
	size_t i;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	r->s = s;
	r->seccomp_fd = r->ruleset_fd = -1;
	strvec_init(&r->argv);
	strvec_init(&r->env);
	strvec_init(&r->absent);
	memset(&sc, 0, sizeof(sc));
	strvec_init(&sc.files);
	strvec_init(&sc.dirs);
	strvec_init(&sc.readonly);
	for (i = 0; extra_env && i < extra_env->nr; i++)
		strvec_push(&env_extra, extra_env->v[i]);
	if (s->mode != SANDBOX_OFF && sandbox_prepare(s, err))
		goto out;
	if (s->mode != SANDBOX_OFF && s->backend != SANDBOX_NONE) {
		struct stat st;

		scan_dir(&sc, s->workspace, 0);
		scan_home(&sc, s->home);
		r->masked = sc.files.nr + sc.dirs.nr;
		r->readonly = sc.readonly.nr;
		/* protected names not there yet cannot be bound: watched instead */
		for (p = sensitive_protected_names(); *p; p++) {
			struct strbuf q = STRBUF_INIT;

			file_join(&q, s->workspace, *p);
			if (lstat(q.buf, &st))
				strvec_push(&r->absent, *p);
			strbuf_release(&q);
		}
	}
	if (s->mode != SANDBOX_OFF && s->backend == SANDBOX_BWRAP) {
		bwrap_argv(s, cwd, &sc, r);
		strvec_push(&env_extra, "TMPDIR=/tmp");
	} else if (s->mode != SANDBOX_OFF && s->backend == SANDBOX_LANDLOCK) {
		struct strvec hidden = STRVEC_INIT;

		for (i = 0; i < sc.files.nr; i++)
			strvec_push(&hidden, sc.files.v[i]);
		for (i = 0; i < sc.dirs.nr; i++)
			strvec_push(&hidden, sc.dirs.v[i]);
		r->ruleset_fd = sandbox_landlock_ruleset(s, &hidden);
		strvec_release(&hidden);
		if (r->ruleset_fd < 0) {
			strbuf_seterr(err, "the Landlock ruleset could not be created: %s", strerror(errno));
			goto out;
		}
	}
	strvec_push(&r->argv, access("/bin/bash", X_OK) ? "/bin/sh" : "/bin/bash");
	strvec_push(&r->argv, "-c");
	strvec_push(&r->argv, command);
	childenv_build(&r->env, &env_extra);
	rc = 0;
out:
	strvec_release(&env_extra);
	strvec_release(&sc.files);
	strvec_release(&sc.dirs);
	strvec_release(&sc.readonly);
	return rc;
}

/* Moves a protected path the command created out of the workspace. */
static void quarantine(const struct sandbox *s, const char *name, struct strbuf *note)
{
	struct strbuf from = STRBUF_INIT, to = STRBUF_INIT, err = STRBUF_INIT;
	const char *state = getenv("XDG_STATE_HOME");
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	file_join(&from, s->workspace, name);
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	if (state && *state)
		strbuf_addf(&to, "%s/archie/quarantine/%s-%d", state, stamp, (int)getpid());
	else
		strbuf_addf(&to, "%s/.local/state/archie/quarantine/%s-%d", s->home, stamp, (int)getpid());
	file_mkdirs(to.buf, 0700, &err);
	strbuf_addf(&to, "/%s", name);
	if (!rename(from.buf, to.buf)) {
		strbuf_addf(note, "\n[archie moved %s, which the command created, to %s: a sandboxed command may not create paths that run code outside the sandbox (git's config and hooks, agent settings); if it is wanted, the user can move it back or run the command themselves]",
			    name, to.buf);
	} else {
		sandbox_rmrf(from.buf);
		strbuf_addf(note, "\n[archie removed %s, which the command created: a sandboxed command may not create paths that run code outside the sandbox; the user can run the command themselves]",
			    name);
	}
	strbuf_release(&from);
	strbuf_release(&to);
	strbuf_release(&err);
}

void sandbox_run_finish(struct sandbox_run *r, struct strbuf *note)
{
	size_t i;

	for (i = 0; note && r->s && i < r->absent.nr; i++) {
		struct strbuf q = STRBUF_INIT;
		struct stat st;

		file_join(&q, r->s->workspace, r->absent.v[i]);
		if (!lstat(q.buf, &st))
			quarantine(r->s, r->absent.v[i], note);
		strbuf_release(&q);
	}
	if (r->seccomp_fd >= 0)
		close(r->seccomp_fd);
	if (r->ruleset_fd >= 0)
		close(r->ruleset_fd);
	strvec_release(&r->argv);
	strvec_release(&r->env);
	strvec_release(&r->absent);
	memset(r, 0, sizeof(*r));
	r->seccomp_fd = r->ruleset_fd = -1;
}
