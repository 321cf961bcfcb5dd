/*
 * checkpoint: snapshots of the workspace in a shadow git repository, and
 * restoring what the agent changed.  See checkpoint.h.
 *
 * Why git, run as a program: it is what every developer machine has, its
 * index makes an unchanged snapshot cost a stat per file, its object
 * store keeps each content once, and its plumbing (add, write-tree,
 * diff-tree, cat-file, hash-object) is a stable interface.  libgit2 is
 * packaged but would add a library to every start for a feature that
 * runs at the first change.
 */
#include "checkpoint/checkpoint.h"

#include "core/fileio.h"
#include "core/log.h"
#include "core/proc.h"
#include "core/strvec.h"
#include "core/xalloc.h"
#include "policy/sensitive.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define GIT_OUT_MAX ((size_t)64 << 20)
#define GIT_TIMEOUT_MS 120000

struct checkpoint {
	char *root;
	char *gitdir;
	char *last_tree;	/* the last snapshot kept under a ref */
	char *last_commit;
	int ready;		/* the repository exists (ensure) */
	pthread_mutex_t lock;	/* one index: snapshots one at a time */
};

/* Runs git on the shadow repository with archie's settings only; stdout
 * into out (may be NULL), input on stdin.  0 on exit 0, else -1 with err
 * (git's own words). */
static int git(const struct checkpoint *cp, const char *const *args, const char *input,
	       size_t input_len, struct strbuf *out, struct strbuf *err)
{
	static const char *const env[] = {
		"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/nonexistent", "LC_ALL=C",
		"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_TERMINAL_PROMPT=0",
		"GIT_OPTIONAL_LOCKS=0",
		/* the snapshots' commits are archie's */
		"GIT_AUTHOR_NAME=archie", "GIT_AUTHOR_EMAIL=archie@localhost",
		"GIT_COMMITTER_NAME=archie", "GIT_COMMITTER_EMAIL=archie@localhost", NULL,
	};
	struct strbuf gd = STRBUF_INIT, wt = STRBUF_INIT;
	struct proc p;
	size_t i;
	int rc = -1;

	proc_init(&p);
	strbuf_addf(&gd, "--git-dir=%s", cp->gitdir);
	strbuf_addf(&wt, "--work-tree=%s", cp->root);
	strvec_push(&p.argv, "git");
	/* init makes the repository, named as its argument */
	if (strcmp(args[0], "init")) {
		strvec_push(&p.argv, gd.buf);
		strvec_push(&p.argv, wt.buf);
	}
	/* nothing of the repository's or the user's may run: no hooks, no
	 * fsmonitor, no line-ending conversion, names as they are */
	strvec_push(&p.argv, "-c");
	strvec_push(&p.argv, "core.hooksPath=/dev/null");
	strvec_push(&p.argv, "-c");
	strvec_push(&p.argv, "core.fsmonitor=false");
	strvec_push(&p.argv, "-c");
	strvec_push(&p.argv, "core.autocrlf=false");
	strvec_push(&p.argv, "-c");
	strvec_push(&p.argv, "core.quotepath=off");
	strvec_push(&p.argv, "-c");
	strvec_push(&p.argv, "gc.auto=0");
	for (i = 0; args[i]; i++)
		strvec_push(&p.argv, args[i]);
	p.envp = env;
	p.cwd = cp->root;
	p.input = input;
	p.input_len = input_len;
	p.head_cap = GIT_OUT_MAX;
	p.tail_cap = 1;
	p.timeout_ms = GIT_TIMEOUT_MS;
	if (proc_run(&p, err))
		goto out;
	if (p.exit_code != 0) {
		struct strbuf msg = STRBUF_INIT;

		headtail_render(&p.err_buf, NULL, &msg);
		strbuf_trim(&msg);
		strbuf_seterr(err, "git %s failed (exit %d): %s", args[0], p.exit_code,
			      msg.len ? msg.buf : "no message");
		strbuf_release(&msg);
		goto out;
	}
	if (out)
		headtail_render(&p.out_buf, NULL, out);
	rc = 0;
out:
	proc_release(&p);
	strbuf_release(&gd);
	strbuf_release(&wt);
	return rc;
}

/* info/exclude: the policy's secret names are never copied out of the
 * workspace; their templates (.env.example) are. */
static int write_excludes(const char *gitdir, struct strbuf *err)
{
	const char *const *pat = sensitive_secret_patterns(), *const *keep = sensitive_not_secret_names();
	struct strbuf text = STRBUF_INIT, path = STRBUF_INIT;
	size_t i;
	int rc;

	strbuf_addstr(&text, "# written by archie: secrets never enter a snapshot\n");
	for (i = 0; pat[i]; i++)
		strbuf_addf(&text, "%s\n", pat[i]);
	for (i = 0; keep[i]; i++)
		strbuf_addf(&text, "!%s\n", keep[i]);
	strbuf_addstr(&text, ".ssh/\n.aws/\n.gnupg/\n.kube/\n.azure/\n.password-store/\n");
	strbuf_addf(&path, "%s/info/exclude", gitdir);
	rc = file_mkdirs_parent(path.buf, 0700, err) ||
	     file_write_atomic(path.buf, text.buf, text.len, 0600, err) ? -1 : 0;
	strbuf_release(&text);
	strbuf_release(&path);
	return rc;
}

struct checkpoint *checkpoint_open(const char *root, const char *state_dir)
{
	struct checkpoint *cp = xcalloc(1, sizeof(*cp));
	struct strbuf dir = STRBUF_INIT;
	unsigned long long h = 1469598103934665603ULL;
	const char *s;

	/* one repository per project, named by its path */
	for (s = root; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	strbuf_addf(&dir, "%s/checkpoints/%016llx.git", state_dir, h);
	cp->root = xstrdup(root);
	cp->gitdir = strbuf_detach(&dir, NULL);
	pthread_mutex_init(&cp->lock, NULL);
	return cp;
}

/* With the lock, before the first use: the shadow repository, made when
 * it is not there yet, and its excludes written (the policy's secret
 * names may have changed since it was made). */
static int ensure(struct checkpoint *cp, struct strbuf *err)
{
	struct strbuf head = STRBUF_INIT, rootfile = STRBUF_INIT;

	if (cp->ready)
		return 0;
	strbuf_addf(&head, "%s/HEAD", cp->gitdir);
	if (access(head.buf, F_OK)) {
		const char *init[] = { "init", "-q", "--bare", cp->gitdir, NULL };
		const char *nobare[] = { "config", "core.bare", "false", NULL };

		if (file_mkdirs(cp->gitdir, 0700, err) ||
		    git(cp, init, NULL, 0, NULL, err) || git(cp, nobare, NULL, 0, NULL, err))
			goto fail;
		/* which project this is, for a person looking */
		strbuf_addf(&rootfile, "%s/archie-root", cp->gitdir);
		if (file_write_atomic(rootfile.buf, cp->root, strlen(cp->root), 0600, err))
			goto fail;
	}
	if (write_excludes(cp->gitdir, err))
		goto fail;
	strbuf_release(&head);
	strbuf_release(&rootfile);
	cp->ready = 1;
	return 0;
fail:
	strbuf_release(&head);
	strbuf_release(&rootfile);
	return -1;
}

void checkpoint_close(struct checkpoint *cp)
{
	if (!cp)
		return;
	free(cp->root);
	free(cp->gitdir);
	free(cp->last_tree);
	free(cp->last_commit);
	pthread_mutex_destroy(&cp->lock);
	free(cp);
}

static void chomp(struct strbuf *sb)
{
	while (sb->len && (sb->buf[sb->len - 1] == '\n' || sb->buf[sb->len - 1] == '\r'))
		sb->buf[--sb->len] = '\0';
}

/* Keeps tree under the session's ref (a commit on its chain), so pruning
 * the repository keeps what the session may restore. */
static int keep(struct checkpoint *cp, const char *session, const char *tree, struct strbuf *err)
{
	struct strbuf commit = STRBUF_INIT, ref = STRBUF_INIT;
	const char *with_parent[] = { "commit-tree", tree, "-p", cp->last_commit, "-m", "archie", NULL };
	const char *first[] = { "commit-tree", tree, "-m", "archie", NULL };
	int rc = -1;

	strbuf_addf(&ref, "refs/archie/%s", session);
	if (!cp->last_commit) {
		/* a resumed session goes on from its chain */
		const char *head[] = { "rev-parse", "-q", "--verify", ref.buf, NULL };
		struct strbuf prev = STRBUF_INIT, e = STRBUF_INIT;

		if (!git(cp, head, NULL, 0, &prev, &e)) {
			chomp(&prev);
			if (prev.len) {
				cp->last_commit = strbuf_detach(&prev, NULL);
				with_parent[3] = cp->last_commit;
			}
		}
		strbuf_release(&prev);
		strbuf_release(&e);
	}
	if (git(cp, cp->last_commit ? with_parent : first, NULL, 0, &commit, err))
		goto out;
	chomp(&commit);
	{
		const char *update[] = { "update-ref", ref.buf, commit.buf, NULL };

		if (git(cp, update, NULL, 0, NULL, err))
			goto out;
	}
	free(cp->last_commit);
	cp->last_commit = strbuf_detach(&commit, NULL);
	free(cp->last_tree);
	cp->last_tree = xstrdup(tree);
	rc = 0;
out:
	strbuf_release(&commit);
	strbuf_release(&ref);
	return rc;
}

int checkpoint_snapshot(struct checkpoint *cp, const char *session, struct strbuf *tree,
			struct strbuf *err)
{
	static const char *const add[] = { "add", "-A", "--ignore-errors", "--", ".", NULL };
	static const char *const write_tree[] = { "write-tree", NULL };
	struct strbuf t = STRBUF_INIT;
	int rc = -1;

	pthread_mutex_lock(&cp->lock);
	if (ensure(cp, err) || git(cp, (const char **)add, NULL, 0, NULL, err) ||
	    git(cp, (const char **)write_tree, NULL, 0, &t, err))
		goto out;
	chomp(&t);
	if ((!cp->last_tree || strcmp(cp->last_tree, t.buf)) && keep(cp, session, t.buf, err))
		goto out;
	strbuf_add(tree, t.buf, t.len);
	rc = 0;
out:
	pthread_mutex_unlock(&cp->lock);
	strbuf_release(&t);
	return rc;
}

void checkpoint_changes_free(struct checkpoint_change *v, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(v[i].path);
	free(v);
}

/* An object id of all zeros: no such file on that side. */
static void oid_or_empty(const char *oid, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n && oid[i] == '0'; i++)
		;
	if (i == n || n >= CHECKPOINT_OID_MAX) {
		out[0] = '\0';
		return;
	}
	memcpy(out, oid, n);
	out[n] = '\0';
}

int checkpoint_diff(struct checkpoint *cp, const char *from, const char *to,
		    struct checkpoint_change **v, size_t *nr, struct strbuf *err)
{
	const char *args[] = { "diff-tree", "-r", "-z", "--no-renames", from, to, NULL };
	struct strbuf out = STRBUF_INIT;
	size_t alloc = 0;
	const char *p, *end;

	*v = NULL;
	*nr = 0;
	if (!strcmp(from, to))
		return 0;
	if (git(cp, args, NULL, 0, &out, err)) {
		strbuf_release(&out);
		return -1;
	}
	/* ":100644 100644 OLD NEW M\0path\0" for each file */
	p = out.buf;
	end = out.buf + out.len;
	while (p < end && *p == ':') {
		const char *meta = p, *path = memchr(p, '\0', (size_t)(end - p));
		const char *sp1, *sp2, *sp3, *sp4;
		struct checkpoint_change *c;

		if (!path || !(sp1 = strchr(meta, ' ')) || !(sp2 = strchr(sp1 + 1, ' ')) ||
		    !(sp3 = strchr(sp2 + 1, ' ')) || !(sp4 = strchr(sp3 + 1, ' ')))
			break;
		path++;
		ALLOC_GROW(*v, *nr + 1, alloc);
		c = &(*v)[(*nr)++];
		memset(c, 0, sizeof(*c));
		c->before_mode = (unsigned)strtoul(meta + 1, NULL, 8);
		oid_or_empty(sp2 + 1, (size_t)(sp3 - sp2 - 1), c->before);
		oid_or_empty(sp3 + 1, (size_t)(sp4 - sp3 - 1), c->after);
		c->path = xstrdup(path);
		p = path + strlen(path) + 1;
	}
	strbuf_release(&out);
	return 0;
}

/* The object id the file at path has now ("" when there is none; "-"
 * when it is neither a file nor a link we can judge). */
static void current_oid(struct checkpoint *cp, const char *path, char *out)
{
	struct strbuf full = STRBUF_INIT, id = STRBUF_INIT, e = STRBUF_INIT;
	struct stat st;

	out[0] = '\0';
	file_join(&full, cp->root, path);
	if (lstat(full.buf, &st)) {
		strbuf_release(&full);
		return;
	}
	if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlink(full.buf, target, sizeof(target));
		const char *args[] = { "hash-object", "--stdin", NULL };

		if (n < 0 || git(cp, args, target, (size_t)n, &id, &e))
			strbuf_addch(&id, '-');
	} else if (S_ISREG(st.st_mode)) {
		const char *args[] = { "hash-object", "--no-filters", "--", full.buf, NULL };

		if (git(cp, args, NULL, 0, &id, &e))
			strbuf_addch(&id, '-');
	} else {
		strbuf_addch(&id, '-');
	}
	chomp(&id);
	snprintf(out, CHECKPOINT_OID_MAX, "%s", id.buf);
	strbuf_release(&full);
	strbuf_release(&id);
	strbuf_release(&e);
}

/* Writes the before content of c back (a file with its mode, or a link). */
static int put_back(struct checkpoint *cp, const struct checkpoint_change *c, struct strbuf *err)
{
	const char *args[] = { "cat-file", "blob", c->before, NULL };
	struct strbuf data = STRBUF_INIT, full = STRBUF_INIT;
	int rc = -1;

	file_join(&full, cp->root, c->path);
	if (git(cp, args, NULL, 0, &data, err) || file_mkdirs_parent(full.buf, 0755, err))
		goto out;
	if (c->before_mode == 0120000) {
		unlink(full.buf);
		if (symlink(data.buf, full.buf)) {
			strbuf_seterr(err, "cannot make the link %s: %s", c->path, strerror(errno));
			goto out;
		}
	} else if (file_write_atomic(full.buf, data.buf, data.len,
				     c->before_mode == 0100755 ? 0755 : 0644, err)) {
		goto out;
	}
	rc = 0;
out:
	strbuf_release(&data);
	strbuf_release(&full);
	return rc;
}

int checkpoint_restore(struct checkpoint *cp, const struct checkpoint_change *v, size_t nr,
		       struct strbuf *report)
{
	size_t i;
	int done = 0;

	for (i = 0; i < nr; i++) {
		const struct checkpoint_change *c = &v[i];
		char now[CHECKPOINT_OID_MAX];
		struct strbuf why = STRBUF_INIT;

		current_oid(cp, c->path, now);
		if (strcmp(now, c->after)) {
			strbuf_addf(report, "left %s: changed since the agent's change (yours?); not touched\n",
				    c->path);
			continue;
		}
		if (!c->before[0]) {
			struct strbuf full = STRBUF_INIT;

			file_join(&full, cp->root, c->path);
			if (unlink(full.buf) && errno != ENOENT)
				strbuf_addf(report, "could not remove %s: %s\n", c->path, strerror(errno));
			else {
				strbuf_addf(report, "removed %s (the agent created it)\n", c->path);
				done++;
			}
			strbuf_release(&full);
			continue;
		}
		if (put_back(cp, c, &why)) {
			strbuf_addf(report, "could not restore %s: %s\n", c->path, why.buf);
		} else {
			strbuf_addf(report, "restored %s%s\n", c->path, c->after[0] ? "" : " (the agent deleted it)");
			done++;
		}
		strbuf_release(&why);
	}
	return done;
}

int checkpoint_forget(struct checkpoint *cp, const char *session, struct strbuf *err)
{
	struct strbuf ref = STRBUF_INIT;
	const char *del[] = { "update-ref", "-d", NULL, NULL };
	static const char *const gc[] = { "gc", "--prune=now", "--quiet", NULL };
	int rc;

	strbuf_addf(&ref, "refs/archie/%s", session);
	del[2] = ref.buf;
	pthread_mutex_lock(&cp->lock);
	rc = ensure(cp, err) || git(cp, del, NULL, 0, NULL, err) || git(cp, (const char **)gc, NULL, 0, NULL, err) ? -1 : 0;
	pthread_mutex_unlock(&cp->lock);
	strbuf_release(&ref);
	return rc;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

/* One shadow repository: the refs of sessions that are gone, removed,
 * and what only they kept, collected. */
static int prune_one(struct checkpoint *cp, int (*exists)(void *ud, const char *session),
		     void *ud, struct strbuf *err)
{
	static const char *const list[] = { "for-each-ref", "--format=%(refname)", "refs/archie/", NULL };
	static const char *const gc[] = { "gc", "--prune=now", "--quiet", NULL };
	struct strbuf refs = STRBUF_INIT;
	char *line, *next;
	int gone = 0, rc = -1;

	if (git(cp, (const char **)list, NULL, 0, &refs, err))
		goto out;
	for (line = refs.buf; line && *line; line = next) {
		const char *del[] = { "update-ref", "-d", line, NULL };

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (strncmp(line, "refs/archie/", 12) || exists(ud, line + 12))
			continue;
		if (git(cp, del, NULL, 0, NULL, err))
			goto out;
		gone++;
	}
	/* no session left: the repository (its index holds the workspace's
	 * contents) goes too */
	strbuf_reset(&refs);
	if (git(cp, (const char **)list, NULL, 0, &refs, err))
		goto out;
	if (!refs.len) {
		if (nftw(cp->gitdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS))
			goto out;
	} else if (gone && git(cp, (const char **)gc, NULL, 0, NULL, err)) {
		goto out;
	}
	rc = gone;
out:
	strbuf_release(&refs);
	return rc;
}

int checkpoint_prune(const char *state_dir, int (*exists)(void *ud, const char *session),
		     void *ud, struct strbuf *err)
{
	struct strbuf dir = STRBUF_INIT, rootfile = STRBUF_INIT, root = STRBUF_INIT;
	struct dirent *de;
	DIR *d;
	int total = 0;

	strbuf_addf(&dir, "%s/checkpoints", state_dir);
	if (!(d = opendir(dir.buf))) {
		strbuf_release(&dir);
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		struct checkpoint *cp;
		int n;

		if (!strstr(de->d_name, ".git"))
			continue;
		strbuf_reset(&rootfile);
		strbuf_reset(&root);
		strbuf_addf(&rootfile, "%s/%s/archie-root", dir.buf, de->d_name);
		if (file_read(rootfile.buf, 8192, &root, err))
			continue;
		cp = checkpoint_open(root.buf, state_dir);
		cp->ready = 1;
		n = prune_one(cp, exists, ud, err);
		checkpoint_close(cp);
		if (n < 0) {
			total = -1;
			break;
		}
		total += n;
	}
	closedir(d);
	strbuf_release(&dir);
	strbuf_release(&rootfile);
	strbuf_release(&root);
	return total;
}
