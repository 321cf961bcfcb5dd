/*
 * tool_glob: Glob, files matching a pattern, newest first.
 */
#include "tools/tool.h"

#include "core/glob.h"
#include "core/xalloc.h"
#include "tools/walk.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define GLOB_MAX 1000

struct hit {
	char *path;
	time_t mtime;
	long mtime_ns;
};

struct glob_state {
	pthread_mutex_t lock;
	const char *pattern;
	struct hit *hits;
	size_t nr, alloc;
};

static int on_file(void *ud, const struct walk_entry *e)
{
	struct glob_state *st = ud;
	struct stat sb;

	if (!glob_match(st->pattern, e->rel, 0))
		return 0;
	if (stat(e->path, &sb) < 0)
		memset(&sb, 0, sizeof(sb));
	pthread_mutex_lock(&st->lock);
	ALLOC_GROW(st->hits, st->nr + 1, st->alloc);
	st->hits[st->nr].path = xstrdup(e->path);
	st->hits[st->nr].mtime = sb.st_mtim.tv_sec;
	st->hits[st->nr].mtime_ns = sb.st_mtim.tv_nsec;
	st->nr++;
	pthread_mutex_unlock(&st->lock);
	return 0;
}

static int newest_first(const void *pa, const void *pb)
{
	const struct hit *a = pa, *b = pb;

	if (a->mtime != b->mtime)
		return a->mtime < b->mtime ? 1 : -1;
	if (a->mtime_ns != b->mtime_ns)
		return a->mtime_ns < b->mtime_ns ? 1 : -1;
	return strcmp(a->path, b->path);
}

static int run(const struct tool *self, const struct tool_env *env,
		   json_t *args, struct strbuf *out)
{
	const char *pattern = json_string_value(json_object_get(args, "pattern"));
	const char *arg = json_string_value(json_object_get(args, "path"));
	struct strbuf root = STRBUF_INIT, err = STRBUF_INIT;
	struct glob_state st;
	struct walk_opts o;
	size_t i;
	int rc = -1;

	(void)self;
	/* relative roots keep the results short */
	if (!arg || !*arg || !strcmp(arg, "."))
		strbuf_addstr(&root, ".");
	else
		strbuf_addstr(&root, arg);
	(void)env;
	memset(&st, 0, sizeof(st));
	pthread_mutex_init(&st.lock, NULL);
	/* "./x" means x */
	while (!strncmp(pattern, "./", 2))
		pattern += 2;
	st.pattern = pattern;
	memset(&o, 0, sizeof(o));
	o.root = root.buf;
	o.threads = env->walk_threads;
	o.fn = on_file;
	o.ud = &st;
	o.cancel = env->cancel;
	if (walk_run(&o, &err)) {
		strbuf_addf(out, "error: %s", err.buf);
		goto out;
	}
	if (st.nr > 1)
		qsort(st.hits, st.nr, sizeof(*st.hits), newest_first);
	for (i = 0; i < st.nr && i < GLOB_MAX; i++)
		strbuf_addf(out, "%s\n", st.hits[i].path);
	if (!st.nr)
		strbuf_addf(out, "no files match %s\n", pattern);
	if (st.nr > GLOB_MAX)
		strbuf_addf(out, "[... %zu more files; narrow the pattern or the path]\n",
			    st.nr - GLOB_MAX);
	rc = 0;
out:
	for (i = 0; i < st.nr; i++)
		free(st.hits[i].path);
	free(st.hits);
	pthread_mutex_destroy(&st.lock);
	strbuf_release(&root);
	strbuf_release(&err);
	return rc;
}

const struct tool tool_glob = {
	"Glob",
	"Find files whose path (relative to the search directory) matches a glob "
	"pattern: '*' within a name, '**' across directories, '?', [abc]. For "
	"example '**/*.go' or 'src/**/handler_*.ts'. Results are sorted newest "
	"first; ignored files (.gitignore, .ignore) and .git are left out.",
	"{\"type\":\"object\",\"properties\":{"
	"\"pattern\":{\"type\":\"string\",\"description\":\"The glob pattern\"},"
	"\"path\":{\"type\":\"string\",\"description\":\"The directory to search (default: the working directory)\"}},"
	"\"required\":[\"pattern\"],\"additionalProperties\":false}",
	1, run, TOOL_BUILTIN, NULL,
};
