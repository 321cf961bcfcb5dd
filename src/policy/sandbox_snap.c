/*
 * sandbox_snap: protected files kept as they were, under Landlock.
 *
 * Landlock grants rights on whole directory trees, so inside a writable
 * workspace it cannot keep .git/config or .claude/settings.json read-only.
 * Under that backend the files whose contents run code later are read
 * before each command and compared after it: a changed or removed file is
 * put back, a new one (a hook, an agent file) is taken out, and what the
 * command wrote is moved to quarantine, so nothing it planted runs outside
 * the sandbox.  bubblewrap binds these paths read-only and needs none of
 * this.  Sizes are bounded: a protected tree larger than the bounds is
 * reported, not silently trusted.
 */
#include "policy/sandbox_int.h"

#include "core/fileio.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SNAP_FILE_MAX ((size_t)1 << 20)
#define SNAP_TOTAL_MAX ((size_t)16 << 20)
#define SNAP_FILES_MAX 4000

struct snap_file {
	char *path;
	char *data;
	size_t len;
	mode_t mode;
};

struct sandbox_snapshot {
	struct snap_file *v;
	size_t nr, alloc, total;
	struct strvec dirs;	/* directories whose new entries are taken out */
	int overflow;
};

static void add_file(struct sandbox_snapshot *sn, const char *path, const struct stat *st)
{
	struct strbuf data = STRBUF_INIT, err = STRBUF_INIT;
	struct snap_file *f;

	if (sn->nr >= SNAP_FILES_MAX || (size_t)st->st_size > SNAP_FILE_MAX ||
	    sn->total + (size_t)st->st_size > SNAP_TOTAL_MAX) {
		sn->overflow = 1;
		return;
	}
	if (file_read(path, SNAP_FILE_MAX, &data, &err)) {
		strbuf_release(&err);
		strbuf_release(&data);
		return;
	}
	ALLOC_GROW(sn->v, sn->nr + 1, sn->alloc);
	f = &sn->v[sn->nr++];
	f->path = xstrdup(path);
	f->len = data.len;
	f->data = strbuf_detach(&data, NULL);
	f->mode = st->st_mode & 07777;
	sn->total += f->len;
	strbuf_release(&err);
}

/* Every regular file under dir (links are not followed). */
static void add_tree(struct sandbox_snapshot *sn, const char *dir, int depth)
{
	struct dirent *de;
	DIR *d;

	if (depth > 32 || !(d = opendir(dir)))
		return;
	strvec_push(&sn->dirs, dir);
	while ((de = readdir(d)) != NULL) {
		struct strbuf p = STRBUF_INIT;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) {
			continue;
		}
		file_join(&p, dir, de->d_name);
		if (!lstat(p.buf, &st)) {
			if (S_ISDIR(st.st_mode))
				add_tree(sn, p.buf, depth + 1);
			else if (S_ISREG(st.st_mode))
				add_file(sn, p.buf, &st);
		}
		strbuf_release(&p);
	}
	closedir(d);
}

struct sandbox_snapshot *sandbox_snapshot_take(const struct strvec *protected_paths)
{
	static const char *const git_parts[] = {
		"config", "config.worktree", "hooks", "info", "commondir", "HEAD", NULL,
	};
	struct sandbox_snapshot *sn = xcalloc(1, sizeof(*sn));
	size_t i, k;

	strvec_init(&sn->dirs);
	for (i = 0; i < protected_paths->nr; i++) {
		const char *p = protected_paths->v[i];
		const char *base = strrchr(p, '/');
		struct stat st;

		base = base ? base + 1 : p;
		if (lstat(p, &st))
			continue;
		if (S_ISREG(st.st_mode)) {
			add_file(sn, p, &st);
		} else if (S_ISDIR(st.st_mode) && !strcmp(base, ".git")) {
			/* what git runs or reads as settings, not its objects */
			for (k = 0; git_parts[k]; k++) {
				struct strbuf q = STRBUF_INIT;

				file_join(&q, p, git_parts[k]);
				if (!lstat(q.buf, &st)) {
					if (S_ISDIR(st.st_mode))
						add_tree(sn, q.buf, 0);
					else if (S_ISREG(st.st_mode))
						add_file(sn, q.buf, &st);
				}
				strbuf_release(&q);
			}
		} else if (S_ISDIR(st.st_mode)) {
			add_tree(sn, p, 0);
		}
	}
	return sn;
}

static void quarantine_copy(const char *home, const char *path, const char *data, size_t len)
{
	struct strbuf to = STRBUF_INIT, err = STRBUF_INIT;
	const char *base = strrchr(path, '/');

	sandbox_quarantine_dir(home, &to);
	strbuf_addf(&to, "/%s", base ? base + 1 : path);
	file_write_atomic(to.buf, data, len, 0600, &err);
	strbuf_release(&to);
	strbuf_release(&err);
}

static int known(const struct sandbox_snapshot *sn, const char *path)
{
	size_t i;

	for (i = 0; i < sn->nr; i++)
		if (!strcmp(sn->v[i].path, path))
			return 1;
	return 0;
}

/* New files in a watched directory: taken out (quarantined). */
static void new_entries(const struct sandbox_snapshot *sn, const char *home, const char *dir,
			struct strbuf *note)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		struct strbuf p = STRBUF_INIT, data = STRBUF_INIT, err = STRBUF_INIT;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) {
			continue;
		}
		file_join(&p, dir, de->d_name);
		if (!lstat(p.buf, &st) && !S_ISDIR(st.st_mode) && !known(sn, p.buf)) {
			if (S_ISREG(st.st_mode) && !file_read(p.buf, SNAP_FILE_MAX, &data, &err))
				quarantine_copy(home, p.buf, data.buf, data.len);
			if (!unlink(p.buf))
				strbuf_addf(note, "\n[archie removed %s, which the command created in a protected directory; a copy is in quarantine]",
					    p.buf);
		}
		strbuf_release(&p);
		strbuf_release(&data);
		strbuf_release(&err);
	}
	closedir(d);
}

void sandbox_snapshot_restore(struct sandbox_snapshot *sn, const char *home, struct strbuf *note)
{
	struct strbuf quiet = STRBUF_INIT;
	size_t i;

	if (!sn)
		return;
	if (!note)
		note = &quiet;	/* restored all the same, said to no one */
	for (i = 0; i < sn->nr; i++) {
		struct snap_file *f = &sn->v[i];
		struct strbuf now = STRBUF_INIT, err = STRBUF_INIT;
		int missing = file_read(f->path, SNAP_FILE_MAX * 2, &now, &err) != 0;

		if (missing || now.len != f->len || memcmp(now.buf, f->data, f->len)) {
			if (!missing)
				quarantine_copy(home, f->path, now.buf, now.len);
			strbuf_reset(&err);
			if (!file_write_atomic(f->path, f->data, f->len, f->mode, &err))
				strbuf_addf(note, "\n[archie restored %s, which the command changed: a sandboxed command may not change files that run code outside the sandbox; what it wrote is in quarantine]",
					    f->path);
			else
				strbuf_addf(note, "\n[archie could not restore %s (%s): check it before running git or an agent here]",
					    f->path, err.buf);
		}
		strbuf_release(&now);
		strbuf_release(&err);
	}
	for (i = 0; i < sn->dirs.nr; i++)
		new_entries(sn, home, sn->dirs.v[i], note);
	if (sn->overflow)
		strbuf_addstr(note, "\n[archie could not keep a copy of every protected file (too many or too large); some were not checked]");
	for (i = 0; i < sn->nr; i++) {
		free(sn->v[i].path);
		free(sn->v[i].data);
	}
	free(sn->v);
	strvec_release(&sn->dirs);
	free(sn);
	strbuf_release(&quiet);
}
