/*
 * tool_readmany: ReadManyFiles, several files (paths, directories or
 * globs) in one call, each under a header.
 */
#include "tools/tool.h"

#include "core/fileio.h"
#include "core/glob.h"
#include "core/strvec.h"
#include "tools/walk.h"

#include <pthread.h>
#include <string.h>
#include <sys/stat.h>

#define PER_FILE_MAX ((size_t)64 << 10)
#define TOTAL_MAX ((size_t)512 << 10)
#define FILES_MAX 200

struct rm_state {
	pthread_mutex_t lock;
	const char *pattern;	/* NULL: every file */
	json_t *exclude;
	struct strvec files;
};

static int excluded(json_t *exclude, const char *rel)
{
	size_t i;

	for (i = 0; i < json_array_size(exclude); i++)
		if (glob_match(json_string_value(json_array_get(exclude, i)), rel, 0))
			return 1;
	return 0;
}

static int on_file(void *ud, const struct walk_entry *e)
{
	struct rm_state *st = ud;

	if (st->pattern && !glob_match(st->pattern, e->rel, 0))
		return 0;
	if (excluded(st->exclude, e->path))
		return 0;
	pthread_mutex_lock(&st->lock);
	strvec_push(&st->files, e->path);
	pthread_mutex_unlock(&st->lock);
	return 0;
}

static int run(const struct tool *self, const struct tool_env *env,
		   json_t *args, struct strbuf *out)
{
	json_t *paths = json_object_get(args, "paths");
	struct rm_state st;
	struct strbuf err = STRBUF_INIT, data = STRBUF_INIT, abs = STRBUF_INIT;
	size_t i, total = 0, skipped = 0, secrets = 0;

	(void)self;
	memset(&st, 0, sizeof(st));
	pthread_mutex_init(&st.lock, NULL);
	strvec_init(&st.files);
	st.exclude = json_object_get(args, "exclude");
	for (i = 0; i < json_array_size(paths); i++) {
		const char *p = json_string_value(json_array_get(paths, i));
		struct walk_opts o;
		struct stat sb;

		strbuf_reset(&abs);
		tool_path(env, p, &abs);
		memset(&o, 0, sizeof(o));
		o.fn = on_file;
		o.ud = &st;
		o.threads = env->walk_threads;
		o.cancel = env->cancel;
		o.skip_secrets = 1;
		st.pattern = NULL;
		if (!glob_has_magic(p) && !stat(abs.buf, &sb)) {
			if (S_ISDIR(sb.st_mode)) {
				o.root = p;
				walk_run(&o, &err);
			} else if (tool_is_secret(abs.buf)) {
				secrets++;
			} else {
				strvec_push(&st.files, p);
			}
		} else if (glob_has_magic(p)) {
			o.root = ".";
			st.pattern = p;
			walk_run(&o, &err);
		} else {
			strbuf_addf(out, "--- %s ---\n(not found)\n\n", p);
		}
		secrets += o.secrets_skipped;
	}
	strvec_sort(&st.files);
	for (i = 0; i < st.files.nr; i++) {
		if (i && !strcmp(st.files.v[i], st.files.v[i - 1]))
			continue;
		if (i >= FILES_MAX || total >= TOTAL_MAX) {
			skipped++;
			continue;
		}
		strbuf_reset(&data);
		strbuf_reset(&abs);
		tool_path(env, st.files.v[i], &abs);
		strbuf_addf(out, "--- %s ---\n", st.files.v[i]);
		if (file_read(abs.buf, (size_t)64 << 20, &data, &err)) {
			strbuf_addf(out, "(%s)\n\n", err.buf);
			continue;
		}
		if (memchr(data.buf, '\0', data.len < 8192 ? data.len : 8192)) {
			strbuf_addf(out, "(binary file, %zu bytes, not shown)\n\n", data.len);
			continue;
		}
		if (data.len > PER_FILE_MAX) {
			strbuf_add(out, data.buf, PER_FILE_MAX);
			strbuf_utf8_trim_partial(out);
			strbuf_addf(out, "\n[... %zu more bytes; use Read with offset for the rest]\n",
				    data.len - PER_FILE_MAX);
			total += PER_FILE_MAX;
		} else {
			strbuf_add(out, data.buf, data.len);
			total += data.len;
		}
		strbuf_addstr(out, "\n\n");
	}
	if (!st.files.nr && !out->len && !secrets)
		strbuf_addstr(out, "no files matched\n");
	if (secrets)
		strbuf_addf(out, "[%zu secret file%s (.env, keys...) left out: archie never shows their contents]\n",
			    secrets, secrets == 1 ? "" : "s");
	if (skipped)
		strbuf_addf(out, "[... %zu more files not shown (limits: %d files, %zu KB); ask for fewer]\n",
			    skipped, FILES_MAX, TOTAL_MAX >> 10);
	strvec_release(&st.files);
	pthread_mutex_destroy(&st.lock);
	strbuf_release(&err);
	strbuf_release(&data);
	strbuf_release(&abs);
	return 0;
}

const struct tool tool_readmany = {
	"ReadManyFiles",
	"Read several files at once: each entry of paths is a file, a directory "
	"(all its files) or a glob such as 'src/**/*.sql'. Each file is shown "
	"under a '--- path ---' header; binary and ignored files are skipped.",
	"{\"type\":\"object\",\"properties\":{"
	"\"paths\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"description\":\"Files, directories or glob patterns\"},"
	"\"exclude\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"description\":\"Glob patterns to leave out\"}},"
	"\"required\":[\"paths\"],\"additionalProperties\":false}",
	1, run, TOOL_BUILTIN, NULL,
};
