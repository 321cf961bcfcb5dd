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
#include <pthread.h>
#include <limits.h>
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

/*
 * The walk's cache: for each directory, its inode and modification time
 * and what the walk found in it, as one string of entries "<kind>name\0"
 * (kind: 'd' subdirectory, 'f' secret file, 's' secret directory, 'p'
 * protected, 'P' protected directory to walk).  A directory's names change
 * only when its mtime does, so an unchanged directory costs one stat
 * instead of a read of all its entries.
 */
struct scan_dirent {
	char *path;
	ino_t ino;
	struct timespec mtime;
	char *entries;
	size_t len;
};

struct sandbox_scan_cache {
	struct scan_dirent *v;
	size_t nr, alloc;		/* open addressing, alloc a power of two */
};

static size_t hash_path(const char *s)
{
	size_t h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

static struct scan_dirent *cache_slot(struct sandbox_scan_cache *c, const char *path)
{
	size_t i;

	if ((c->nr + 1) * 2 > c->alloc) {
		struct sandbox_scan_cache n = { NULL, 0, c->alloc ? c->alloc * 2 : 256 };

		n.v = xcalloc(n.alloc, sizeof(*n.v));
		for (i = 0; i < c->alloc; i++)
			if (c->v[i].path) {
				size_t j = hash_path(c->v[i].path) & (n.alloc - 1);

				while (n.v[j].path)
					j = (j + 1) & (n.alloc - 1);
				n.v[j] = c->v[i];
				n.nr++;
			}
		free(c->v);
		*c = n;
	}
	i = hash_path(path) & (c->alloc - 1);
	while (c->v[i].path && strcmp(c->v[i].path, path))
		i = (i + 1) & (c->alloc - 1);
	return &c->v[i];
}

void sandbox_scan_cache_free(struct sandbox_scan_cache *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->alloc; i++) {
		free(c->v[i].path);
		free(c->v[i].entries);
	}
	free(c->v);
	free(c);
}

/* Reads a directory's entries into the cache's form. */
static void read_entries(const char *dir, struct strbuf *out)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		const char *n = de->d_name;
		struct strbuf p = STRBUF_INIT;
		int dirp;
		char kind = 0;

		if (n[0] == '.' && (!n[1] || (n[1] == '.' && !n[2])))
			continue;
		file_join(&p, dir, n);
		dirp = is_dir(p.buf, de->d_type);
		strbuf_release(&p);
		if (de->d_type == DT_LNK)
			continue;	/* links are not followed, nor masked */
		if (dirp ? sensitive_secret_dir_name(n) : sensitive_secret_name(n))
			kind = dirp ? 's' : 'f';
		else if (protected_name(n))
			/* .git is bound read-only whole: nothing inside to mask */
			kind = dirp && strcmp(n, ".git") ? 'P' : 'p';
		else if (dirp)
			kind = 'd';
		if (kind) {
			strbuf_addch(out, kind);
			strbuf_addstr(out, n);
			strbuf_addch(out, '\0');
		}
	}
	closedir(d);
}

static void scan_dir(struct sandbox_scan_cache *c, struct scan *sc, const char *dir, int depth)
{
	struct scan_dirent *e;
	struct stat st;
	const char *p, *end;

	if (depth > SCAN_DEPTH_MAX || lstat(dir, &st) || !S_ISDIR(st.st_mode))
		return;
	e = cache_slot(c, dir);
	if (!e->path || e->ino != st.st_ino || e->mtime.tv_sec != st.st_mtim.tv_sec ||
	    e->mtime.tv_nsec != st.st_mtim.tv_nsec) {
		struct strbuf ents = STRBUF_INIT_CAP((size_t)64 << 20);

		read_entries(dir, &ents);
		if (!e->path) {
			e->path = xstrdup(dir);
			c->nr++;
		}
		free(e->entries);
		e->ino = st.st_ino;
		e->mtime = st.st_mtim;
		e->len = ents.len;
		e->entries = strbuf_detach(&ents, NULL);
	}
	/* e may move when the table grows: walk a copy of what we need */
	{
		char *copy = xmalloc(e->len + 1);
		size_t len = e->len;

		memcpy(copy, e->entries, len);
		copy[len] = '\0';
		for (p = copy, end = copy + len; p < end; p += strlen(p) + 1) {
			struct strbuf q = STRBUF_INIT;

			file_join(&q, dir, p + 1);
			switch (*p) {
			case 'f': strvec_push(&sc->files, q.buf); break;
			case 's': strvec_push(&sc->dirs, q.buf); break;
			case 'p': strvec_push(&sc->readonly, q.buf); break;
			case 'P':
				strvec_push(&sc->readonly, q.buf);
				scan_dir(c, sc, q.buf, depth + 1);
				break;
			case 'd': scan_dir(c, sc, q.buf, depth + 1); break;
			}
			strbuf_release(&q);
		}
		free(copy);
	}
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

/* The private /tmp: one per session (its subagents share it), kept
 * between its commands. */
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

void sandbox_share(struct sandbox *child, struct sandbox *parent)
{
	/* children start in their own threads, several at once; the parent
	 * waits for them and runs no command meanwhile */
	static pthread_mutex_t share_lock = PTHREAD_MUTEX_INITIALIZER;
	const char *tmp;

	if (parent->mode == SANDBOX_OFF)
		return;
	pthread_mutex_lock(&share_lock);
	tmp = session_tmp(parent);
	if (tmp) {
		free(child->session_tmp);
		child->session_tmp = xstrdup(tmp);
		child->tmp_borrowed = 1;
	}
	pthread_mutex_unlock(&share_lock);
}

static void bwrap_argv(struct sandbox *s, const char *cwd, const struct scan *sc,
		       struct sandbox_run *r)
{
	struct strbuf fd = STRBUF_INIT;
	const char *tmp = session_tmp(s);
	size_t i;

	strvec_push(&r->argv, s->bwrap);
	strvec_push(&r->argv, "--unshare-all");
	/* the host's network, or the session's loopback namespace the
	 * child joined before bubblewrap started (sandbox_enter) */
	if (s->network || s->loopback)
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
	{
		/* archie's own executable stays visible (read-only) even when it
		 * lives under /tmp, which is private here: `archie sandbox check`
		 * runs it as its probe */
		char self[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

		if (n > 0) {
			self[n] = '\0';
			push3(&r->argv, "--ro-bind-try", self, self);
		}
	}
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

		if (!s->scan_cache)
			s->scan_cache = xcalloc(1, sizeof(*s->scan_cache));
		scan_dir(s->scan_cache, &sc, s->workspace, 0);
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
		if (s->mode == SANDBOX_WORKSPACE_WRITE)
			r->snap = sandbox_snapshot_take(&sc.readonly);
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

void sandbox_quarantine_dir(const char *home, struct strbuf *out)
{
	struct strbuf err = STRBUF_INIT;
	const char *state = getenv("XDG_STATE_HOME");
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	if (state && *state)
		strbuf_addf(out, "%s/archie/quarantine/%s-%d", state, stamp, (int)getpid());
	else
		strbuf_addf(out, "%s/.local/state/archie/quarantine/%s-%d", home, stamp, (int)getpid());
	file_mkdirs(out->buf, 0700, &err);
	strbuf_release(&err);
}

/* Moves a protected path the command created out of the workspace. */
static void quarantine(const struct sandbox *s, const char *name, struct strbuf *note)
{
	struct strbuf from = STRBUF_INIT, to = STRBUF_INIT;

	file_join(&from, s->workspace, name);
	sandbox_quarantine_dir(s->home, &to);
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
}

void sandbox_run_finish(struct sandbox_run *r, struct strbuf *note)
{
	size_t i;

	if (r->snap)
		sandbox_snapshot_restore(r->snap, r->s->home, note);
	r->snap = NULL;
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
