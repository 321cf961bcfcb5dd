/*
 * tool_ls: LS, one directory's entries (ignored files left out).
 */
#include "tools/tool.h"

#include "core/glob.h"
#include "core/strvec.h"
#include "tools/walk.h"

#include <dirent.h>
#include <pthread.h>
#include <string.h>

#define LS_MAX 1000

struct ls_state {
	pthread_mutex_t lock;
	struct strvec names;
	json_t *ignore;
};

static int on_entry(void *ud, const struct walk_entry *e)
{
	struct ls_state *st = ud;
	size_t i;

	for (i = 0; i < json_array_size(st->ignore); i++)
		if (glob_match(json_string_value(json_array_get(st->ignore, i)), e->name, 0))
			return 0;
	pthread_mutex_lock(&st->lock);
	strvec_pushf(&st->names, "%s%s", e->name, e->d_type == DT_DIR ? "/" : "");
	pthread_mutex_unlock(&st->lock);
	return 0;
}

static int run(const struct tool *self, const struct tool_env *env,
		   json_t *args, struct strbuf *out)
{
	const char *arg = json_string_value(json_object_get(args, "path"));
	struct strbuf path = STRBUF_INIT, err = STRBUF_INIT;
	struct walk_opts o;
	struct ls_state st;
	size_t i;
	int rc = -1;

	(void)self;
	tool_path(env, arg ? arg : ".", &path);
	memset(&st, 0, sizeof(st));
	pthread_mutex_init(&st.lock, NULL);
	strvec_init(&st.names);
	st.ignore = json_object_get(args, "ignore");
	memset(&o, 0, sizeof(o));
	o.root = path.buf;
	o.threads = 1;
	o.max_depth = 1;
	o.dirs_too = 1;
	o.fn = on_entry;
	o.ud = &st;
	if (walk_run(&o, &err)) {
		strbuf_addf(out, "error: %s", err.buf);
		goto out;
	}
	strvec_sort(&st.names);
	strbuf_addf(out, "%s:\n", arg ? arg : ".");
	for (i = 0; i < st.names.nr && i < LS_MAX; i++)
		strbuf_addf(out, "  %s\n", st.names.v[i]);
	if (!st.names.nr)
		strbuf_addstr(out, "  (empty, or everything in it is ignored)\n");
	if (st.names.nr > LS_MAX)
		strbuf_addf(out, "[... %zu more entries]\n", st.names.nr - LS_MAX);
	rc = 0;
out:
	strvec_release(&st.names);
	pthread_mutex_destroy(&st.lock);
	strbuf_release(&path);
	strbuf_release(&err);
	return rc;
}

const struct tool tool_ls = {
	"LS",
	"List a directory's entries (directories end with '/'). Files ignored by "
	".gitignore, .ignore or .git/info/exclude are left out, and .git is never "
	"shown. Use Glob to find files by pattern across directories.",
	"{\"type\":\"object\",\"properties\":{"
	"\"path\":{\"type\":\"string\",\"description\":\"The directory (default: the working directory)\"},"
	"\"ignore\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"description\":\"Glob patterns of names to leave out\"}},"
	"\"additionalProperties\":false}",
	1, run, TOOL_BUILTIN, NULL,
};
