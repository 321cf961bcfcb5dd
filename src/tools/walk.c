/*
 * walk: parallel directory traversal.  See walk.h.
 */
#include "tools/walk.h"

#include "core/cancel.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "policy/sensitive.h"
#include "tools/ignore.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct work {
	char *path;		/* to open */
	char *rel;		/* relative to the root; "" for the root */
	struct ignore_set *ign;	/* the rules in force in this directory */
	int depth;
};

struct walker {
	const struct walk_opts *o;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct work *stack;
	size_t nr, alloc;
	int busy;		/* threads working on a directory */
	int stop;
	size_t secrets;		/* secret files left out (under lock) */
};

/* 1 if the entry is a secret, or a link to one (the tools that read it
 * run outside the sandbox: the name decides, wherever the file is). */
static int secret_entry(const char *path, const char *name, int dir, unsigned char type)
{
	char real[PATH_MAX];
	const char *base;

	if (dir)
		return sensitive_secret_dir_name(name);
	if (sensitive_secret_name(name))
		return 1;
	if (type != DT_LNK && type != DT_UNKNOWN)
		return 0;
	if (!realpath(path, real))
		return 0;
	base = strrchr(real, '/');
	return sensitive_secret_name(base ? base + 1 : real) ||
	       sensitive_secret(getenv("HOME") ? getenv("HOME") : "", real);
}

static void push(struct walker *w, char *path, char *rel,
		 struct ignore_set *ign, int depth)
{
	pthread_mutex_lock(&w->lock);
	ALLOC_GROW(w->stack, w->nr + 1, w->alloc);
	w->stack[w->nr].path = path;
	w->stack[w->nr].rel = rel;
	w->stack[w->nr].ign = ign;
	w->stack[w->nr].depth = depth;
	w->nr++;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

static void join(struct strbuf *sb, const char *a, const char *b)
{
	strbuf_reset(sb);
	if (*a && strcmp(a, ".")) {
		strbuf_addstr(sb, a);
		if (sb->buf[sb->len - 1] != '/')
			strbuf_addch(sb, '/');
	}
	strbuf_addstr(sb, b);
}

static int is_dir_entry(const char *dirpath, struct dirent *de)
{
	struct stat st;
	struct strbuf p = STRBUF_INIT;
	int r = 0;

	if (de->d_type == DT_DIR)
		return 1;
	if (de->d_type != DT_UNKNOWN)
		return 0;
	join(&p, dirpath, de->d_name);
	/* lstat: a link to a directory is not followed */
	r = !lstat(p.buf, &st) && S_ISDIR(st.st_mode);
	strbuf_release(&p);
	return r;
}

static void do_dir(struct walker *w, struct work *wk, int thread)
{
	const struct walk_opts *o = w->o;
	struct strbuf path = STRBUF_INIT, rel = STRBUF_INIT;
	struct ignore_set *ign = wk->ign;
	struct dirent *de;
	DIR *d;

	/* the root's rules were loaded with its ancestors' */
	if (!o->no_ignore && *wk->rel)
		ign = ignore_load_dir(wk->ign, wk->path, wk->rel, 0);
	d = opendir(wk->path);
	if (!d)
		goto out;
	while ((de = readdir(d)) != NULL && !w->stop) {
		const char *n = de->d_name;
		int dir;

		if (n[0] == '.' && (!n[1] || (n[1] == '.' && !n[2])))
			continue;
		if (!strcmp(n, ".git"))
			continue;
		dir = is_dir_entry(wk->path, de);
		strbuf_reset(&rel);
		if (*wk->rel) {
			strbuf_addstr(&rel, wk->rel);
			strbuf_addch(&rel, '/');
		}
		strbuf_addstr(&rel, n);
		if (ign && ignore_match(ign, rel.buf, dir))
			continue;
		join(&path, o->root, rel.buf);
		if (o->skip_secrets && secret_entry(path.buf, n, dir, de->d_type)) {
			pthread_mutex_lock(&w->lock);
			w->secrets++;
			pthread_mutex_unlock(&w->lock);
			continue;
		}
		if (dir) {
			if (o->dirs_too) {
				struct walk_entry e = { path.buf, rel.buf, n, DT_DIR, thread };

				if (o->fn(o->ud, &e))
					w->stop = 1;
			}
			if (!o->max_depth || wk->depth + 1 < o->max_depth)
				push(w, xstrdup(path.buf), xstrdup(rel.buf),
				     ignore_ref(ign), wk->depth + 1);
			continue;
		}
		{
			struct walk_entry e = { path.buf, rel.buf, n, de->d_type, thread };

			if (o->fn(o->ud, &e))
				w->stop = 1;
		}
		if (cancel_requested(o->cancel))
			w->stop = 1;
	}
	closedir(d);
out:
	ignore_unref(ign);
	strbuf_release(&path);
	strbuf_release(&rel);
}

struct thread_arg {
	struct walker *w;
	int id;
	int started;		/* its thread was created */
};

static void *worker(void *arg)
{
	struct thread_arg *ta = arg;
	struct walker *w = ta->w;

	for (;;) {
		struct work wk;

		pthread_mutex_lock(&w->lock);
		while (!w->nr && w->busy && !w->stop)
			pthread_cond_wait(&w->cond, &w->lock);
		if (!w->nr || w->stop) {
			/* no work and nobody who could make more: done */
			pthread_cond_broadcast(&w->cond);
			pthread_mutex_unlock(&w->lock);
			break;
		}
		wk = w->stack[--w->nr];
		w->busy++;
		pthread_mutex_unlock(&w->lock);

		do_dir(w, &wk, ta->id);
		free(wk.path);
		free(wk.rel);

		pthread_mutex_lock(&w->lock);
		w->busy--;
		pthread_cond_broadcast(&w->cond);
		pthread_mutex_unlock(&w->lock);
	}
	return NULL;
}

int walk_threads(const struct walk_opts *o)
{
	long n = o->threads;

	if (n <= 0) {
		n = sysconf(_SC_NPROCESSORS_ONLN);
		if (n < 1)
			n = 1;
		if (n > 8)
			n = 8;
	}
	return (int)n;
}

int walk_run(struct walk_opts *o, struct strbuf *err)
{
	struct walker w;
	struct thread_arg *args;
	pthread_t *tids;
	struct stat st;
	int i, n = walk_threads(o);

	if (stat(o->root, &st) < 0)
		return strbuf_seterr(err, "cannot read %s: %s", o->root, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return strbuf_seterr(err, "%s is not a directory", o->root);
	memset(&w, 0, sizeof(w));
	w.o = o;
	pthread_mutex_init(&w.lock, NULL);
	pthread_cond_init(&w.cond, NULL);
	push(&w, xstrdup(o->root), xstrdup(""),
	     o->no_ignore ? NULL : ignore_load_chain(o->root), 0);

	tids = xcalloc((size_t)n, sizeof(*tids));
	args = xcalloc((size_t)n, sizeof(*args));
	/* the calling thread is worker 0; a thread that cannot start is one
	 * worker fewer (the walk ends when no worker is busy, not when all
	 * of them are) */
	for (i = 1; i < n; i++) {
		args[i].w = &w;
		args[i].id = i;
		args[i].started = !pthread_create(&tids[i], NULL, worker, &args[i]);
	}
	args[0].w = &w;
	worker(&args[0]);
	for (i = 1; i < n; i++)
		if (args[i].started)
			pthread_join(tids[i], NULL);
	/* a stopped walk leaves work behind */
	while (w.nr) {
		w.nr--;
		free(w.stack[w.nr].path);
		free(w.stack[w.nr].rel);
		ignore_unref(w.stack[w.nr].ign);
	}
	free(w.stack);
	free(tids);
	free(args);
	o->secrets_skipped += w.secrets;
	pthread_mutex_destroy(&w.lock);
	pthread_cond_destroy(&w.cond);
	return 0;
}
