/*
 * tool_grep: Grep, a regular-expression search of the workspace.
 *
 * PCRE2 with its JIT, run inside the walker's threads: each thread has its
 * own match data and read buffer, matches a whole file buffer at once (not
 * line by line), and only locates line boundaries around a match.  Files
 * with a NUL byte in their first 8 KiB are binary and skipped.  Results
 * are sorted by path so the output does not depend on thread timing.
 */
#include "tools/tool.h"

#include "core/glob.h"
#include "core/strvec.h"
#include "core/xalloc.h"
#include "tools/walk.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define GREP_FILE_MAX ((size_t)64 << 20)
#define GREP_DEFAULT_LIMIT 1000
#define GREP_LINE_MAX 500
#define MAX_THREADS 64

enum mode { MODE_FILES, MODE_CONTENT, MODE_COUNT };

struct result {
	char *path;
	char *text;		/* content lines, or NULL */
	size_t count;
};

struct per_thread {
	pcre2_match_data *md;
	char *buf;
	size_t cap;
};

struct grep {
	pcre2_code *re;
	enum mode mode;
	int line_numbers;
	long before, after;
	struct strvec globs;	/* file filters, braces expanded */
	const char *const *types;	/* extension globs of the type filter */
	pthread_mutex_t lock;
	struct result *res;
	size_t nr, alloc;
	struct per_thread th[MAX_THREADS];
};

static const struct { const char *name; const char *globs[12]; } types[] = {
	{ "c", { "*.c", "*.h", NULL } },
	{ "cpp", { "*.cpp", "*.cc", "*.cxx", "*.hpp", "*.hh", "*.hxx", "*.h", NULL } },
	{ "go", { "*.go", NULL } },
	{ "rust", { "*.rs", NULL } },
	{ "py", { "*.py", "*.pyi", NULL } },
	{ "js", { "*.js", "*.mjs", "*.cjs", "*.jsx", NULL } },
	{ "ts", { "*.ts", "*.tsx", "*.mts", "*.cts", NULL } },
	{ "java", { "*.java", NULL } },
	{ "kotlin", { "*.kt", "*.kts", NULL } },
	{ "ruby", { "*.rb", "Gemfile", "*.rake", NULL } },
	{ "php", { "*.php", NULL } },
	{ "cs", { "*.cs", NULL } },
	{ "swift", { "*.swift", NULL } },
	{ "scala", { "*.scala", NULL } },
	{ "sql", { "*.sql", NULL } },
	{ "sh", { "*.sh", "*.bash", "*.zsh", NULL } },
	{ "yaml", { "*.yaml", "*.yml", NULL } },
	{ "json", { "*.json", NULL } },
	{ "toml", { "*.toml", NULL } },
	{ "md", { "*.md", "*.markdown", NULL } },
	{ "html", { "*.html", "*.htm", NULL } },
	{ "css", { "*.css", "*.scss", "*.sass", "*.less", NULL } },
	{ "proto", { "*.proto", NULL } },
	{ "docker", { "Dockerfile", "*.dockerfile", "Dockerfile.*", NULL } },
	{ "make", { "Makefile", "*.mk", "makefile", "GNUmakefile", NULL } },
	{ "tf", { "*.tf", "*.tfvars", NULL } },
};

/* "*.{ts,tsx}" -> "*.ts", "*.tsx" (one level of braces). */
static void expand_braces(const char *g, struct strvec *out)
{
	const char *open = strchr(g, '{'), *close = open ? strchr(open, '}') : NULL;
	const char *p;

	if (!open || !close) {
		strvec_push(out, g);
		return;
	}
	for (p = open + 1; p <= close; ) {
		const char *end = p;

		while (end < close && *end != ',')
			end++;
		strvec_pushf(out, "%.*s%.*s%s", (int)(open - g), g, (int)(end - p), p,
			     close + 1);
		p = end + 1;
	}
}

static int wanted(const struct grep *g, const struct walk_entry *e)
{
	size_t i;

	if (g->globs.nr) {
		int ok = 0;

		for (i = 0; i < g->globs.nr && !ok; i++)
			ok = glob_match(g->globs.v[i], strchr(g->globs.v[i], '/') ? e->rel : e->name, 0);
		if (!ok)
			return 0;
	}
	if (g->types) {
		int ok = 0;

		for (i = 0; g->types[i] && !ok; i++)
			ok = glob_match(g->types[i], e->name, 0);
		if (!ok)
			return 0;
	}
	return 1;
}

static int read_file(struct per_thread *t, const char *path, size_t *len)
{
	struct stat st;
	size_t have = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0) {
		/* O_NOFOLLOW refuses links; a link to a file is still searched */
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size > GREP_FILE_MAX) {
		close(fd);
		return -1;
	}
	if ((size_t)st.st_size + 1 > t->cap) {
		t->cap = (size_t)st.st_size + 1 > 65536 ? (size_t)st.st_size + 1 : 65536;
		free(t->buf);
		t->buf = xmalloc(t->cap);
	}
	for (;;) {
		ssize_t n = read(fd, t->buf + have, t->cap - 1 - have);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
		if (have == t->cap - 1)
			break;
	}
	close(fd);
	*len = have;
	return 0;
}

/* Appends "path:N:text" (or "path-N-text" for context) for one line. */
static void emit_line(const struct grep *g, struct strbuf *sb, const char *path,
		      const char *buf, size_t start, size_t end, size_t lineno,
		      char sep)
{
	size_t len = end - start;

	strbuf_addstr(sb, path);
	if (g->line_numbers)
		strbuf_addf(sb, "%c%zu", sep, lineno);
	strbuf_addch(sb, sep);
	if (len > GREP_LINE_MAX) {
		strbuf_add(sb, buf + start, GREP_LINE_MAX);
		strbuf_utf8_trim_partial(sb);
		strbuf_addstr(sb, " [...]");
	} else {
		strbuf_add(sb, buf + start, len);
	}
	strbuf_addch(sb, '\n');
}

static size_t line_start(const char *buf, size_t pos)
{
	while (pos > 0 && buf[pos - 1] != '\n')
		pos--;
	return pos;
}

static size_t line_end(const char *buf, size_t len, size_t pos)
{
	const char *nl = memchr(buf + pos, '\n', len - pos);

	return nl ? (size_t)(nl - buf) : len;
}

static size_t count_nl(const char *p, size_t n)
{
	size_t c = 0;
	const char *end = p + n;

	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		c++;
		p++;
	}
	return c;
}

static int on_file(void *ud, const struct walk_entry *e)
{
	struct grep *g = ud;
	struct per_thread *t = &g->th[e->thread];
	struct strbuf text = STRBUF_INIT_CAP((size_t)4 << 20);
	size_t len, pos = 0, lineno = 1, counted_to = 0, count = 0;
	size_t printed_to = 0;	/* the first line not yet printed (offset) */
	int rc;

	if (!wanted(g, e) || read_file(t, e->path, &len))
		return 0;
	if (memchr(t->buf, '\0', len < 8192 ? len : 8192))
		return 0;	/* binary */
	while (pos <= len) {
		PCRE2_SIZE *ov;
		size_t ms, ls, le;

		rc = pcre2_jit_match(g->re, (PCRE2_SPTR)t->buf, len, pos, 0, t->md, NULL);
		if (rc == PCRE2_ERROR_JIT_BADOPTION)
			rc = pcre2_match(g->re, (PCRE2_SPTR)t->buf, len, pos, 0, t->md, NULL);
		if (rc < 0)
			break;
		count++;
		if (g->mode == MODE_FILES)
			break;
		ov = pcre2_get_ovector_pointer(t->md);
		ms = ov[0];
		ls = line_start(t->buf, ms);
		le = line_end(t->buf, len, ms);
		if (g->mode == MODE_CONTENT) {
			size_t i, s;
			size_t first_line;

			lineno += count_nl(t->buf + counted_to, ls - counted_to);
			counted_to = ls;
			/* context before */
			first_line = lineno > (size_t)g->before ? lineno - (size_t)g->before : 1;
			s = ls;
			for (i = lineno; i > first_line && s > printed_to; i--)
				s = line_start(t->buf, s - 1);
			if (printed_to && s > printed_to && (g->before || g->after))
				strbuf_addstr(&text, "--\n");
			while (s < ls) {
				size_t se = line_end(t->buf, len, s);

				emit_line(g, &text, e->path, t->buf, s, se, i++, '-');
				s = se + 1;
			}
			emit_line(g, &text, e->path, t->buf, ls, le, lineno, ':');
			printed_to = le + 1;
			/* context after */
			for (i = 0, s = le + 1; (long)i < g->after && s < len; i++) {
				size_t se = line_end(t->buf, len, s);

				/* a following line that matches is printed as a match */
				if (pcre2_jit_match(g->re, (PCRE2_SPTR)t->buf, se, s, 0, t->md, NULL) >= 0)
					break;
				emit_line(g, &text, e->path, t->buf, s, se, lineno + 1 + i, '-');
				printed_to = se + 1;
				s = se + 1;
			}
		}
		/* one result per line: go on after this line */
		pos = le + 1;
		if (le >= len)
			break;
	}
	if (count) {
		pthread_mutex_lock(&g->lock);
		ALLOC_GROW(g->res, g->nr + 1, g->alloc);
		g->res[g->nr].path = xstrdup(e->path);
		g->res[g->nr].text = text.len ? strbuf_detach(&text, NULL) : NULL;
		g->res[g->nr].count = count;
		g->nr++;
		pthread_mutex_unlock(&g->lock);
	}
	strbuf_release(&text);
	return 0;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct result *)a)->path, ((const struct result *)b)->path);
}

static long opt_int(json_t *args, const char *key)
{
	json_t *v = json_object_get(args, key);

	return json_is_integer(v) ? (long)json_integer_value(v)
				  : json_is_real(v) ? (long)json_real_value(v) : -1;
}

/* The search's options from the call (ripgrep's, as Claude Code names
 * them).  0, or -1 with an error result in out. */
static int grep_options(struct grep *g, json_t *args, uint32_t *flags, struct strbuf *out)
{
	const char *mode = json_string_value(json_object_get(args, "output_mode"));
	const char *type = json_string_value(json_object_get(args, "type"));
	const char *gl = json_string_value(json_object_get(args, "glob"));
	long ctx = opt_int(args, "-C");
	size_t k;

	g->mode = !mode || !strcmp(mode, "files_with_matches") ? MODE_FILES
		 : !strcmp(mode, "count") ? MODE_COUNT : MODE_CONTENT;
	g->line_numbers = !json_is_false(json_object_get(args, "-n"));
	g->before = opt_int(args, "-B");
	g->after = opt_int(args, "-A");
	if (ctx > 0) {
		g->before = g->before < 0 ? ctx : g->before;
		g->after = g->after < 0 ? ctx : g->after;
	}
	if (g->before < 0)
		g->before = 0;
	if (g->after < 0)
		g->after = 0;
	if (json_is_true(json_object_get(args, "-i")))
		*flags |= PCRE2_CASELESS;
	if (json_is_true(json_object_get(args, "multiline")))
		*flags |= PCRE2_DOTALL;
	if (gl)
		expand_braces(gl, &g->globs);
	if (type) {
		for (k = 0; k < sizeof(types) / sizeof(*types); k++)
			if (!strcmp(types[k].name, type))
				g->types = types[k].globs;
		if (!g->types) {
			strbuf_addf(out, "error: unknown file type '%s'; known types:", type);
			for (k = 0; k < sizeof(types) / sizeof(*types); k++)
				strbuf_addf(out, " %s", types[k].name);
			return -1;
		}
	}
	return 0;
}

/* The results, sorted, as many as the limit lets through. */
static void grep_report(struct grep *g, const char *pattern, size_t secrets_skipped,
			long limit, struct strbuf *out)
{
	size_t k, shown = 0, total = 0;

	if (g->nr > 1)
		qsort(g->res, g->nr, sizeof(*g->res), by_path);
	for (k = 0; k < g->nr; k++)
		total += g->mode == MODE_FILES ? 1 : g->res[k].count;
	if (!g->nr)
		strbuf_addf(out, "no matches for /%s/\n", pattern);
	if (secrets_skipped)
		strbuf_addf(out, "[%zu secret file%s (.env, keys...) not searched: archie never shows their contents]\n",
			    secrets_skipped, secrets_skipped == 1 ? "" : "s");
	for (k = 0; k < g->nr && (long)shown < limit; k++) {
		if (g->mode == MODE_FILES) {
			strbuf_addf(out, "%s\n", g->res[k].path);
			shown++;
		} else if (g->mode == MODE_COUNT) {
			strbuf_addf(out, "%s:%zu\n", g->res[k].path, g->res[k].count);
			shown++;
		} else {
			const char *p = g->res[k].text;

			while (p && *p && (long)shown < limit) {
				const char *nl = strchr(p, '\n');
				size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);

				strbuf_add(out, p, len);
				p += len;
				shown++;
			}
		}
	}
	if (g->mode == MODE_COUNT && g->nr)
		strbuf_addf(out, "%zu matches in %zu files\n", total, g->nr);
	if ((long)shown >= limit && (g->mode != MODE_CONTENT ? g->nr > shown : 1) &&
	    total > shown)
		strbuf_addf(out, "[... stopped at head_limit %ld; %zu %s in %zu files in all]\n",
			    limit, total, g->mode == MODE_FILES ? "files" : "matching lines", g->nr);
}

static int run(const struct tool *self, const struct tool_env *env,
		   json_t *args, struct strbuf *out)
{
	const char *pattern = json_string_value(json_object_get(args, "pattern"));
	const char *arg = json_string_value(json_object_get(args, "path"));
	long limit = opt_int(args, "head_limit");
	struct grep g;
	struct walk_opts o;
	struct strbuf err = STRBUF_INIT, root = STRBUF_INIT;
	uint32_t flags = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_MULTILINE;
	PCRE2_SIZE erroff;
	int errcode, i, n, rc = -1;
	size_t k;
	struct stat st;

	(void)self;
	memset(&g, 0, sizeof(g));
	strvec_init(&g.globs);
	pthread_mutex_init(&g.lock, NULL);
	if (limit <= 0)
		limit = GREP_DEFAULT_LIMIT;
	if (grep_options(&g, args, &flags, out))
		goto out;
	g.re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, flags,
			     &errcode, &erroff, NULL);
	if (!g.re) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(errcode, msg, sizeof(msg));
		strbuf_addf(out, "error: invalid regular expression at offset %zu: %s",
			    (size_t)erroff, (const char *)msg);
		goto out;
	}
	pcre2_jit_compile(g.re, PCRE2_JIT_COMPLETE);

	/* relative, as given, so results are short (the session runs in
	 * env->cwd) */
	strbuf_addstr(&root, arg && *arg ? arg : ".");
	memset(&o, 0, sizeof(o));
	o.root = root.buf;
	o.threads = env->walk_threads;
	o.fn = on_file;
	o.ud = &g;
	o.cancel = env->cancel;
	o.skip_secrets = 1;
	n = walk_threads(&o);
	if (n > MAX_THREADS)
		o.threads = n = MAX_THREADS;
	for (i = 0; i < n; i++)
		g.th[i].md = pcre2_match_data_create_from_pattern(g.re, NULL);

	if (!stat(root.buf, &st) && S_ISREG(st.st_mode) && tool_is_secret(root.buf)) {
		strbuf_addf(out, "error: %s is a secret file; archie never shows its contents", root.buf);
		goto out;
	} else if (!stat(root.buf, &st) && S_ISREG(st.st_mode)) {
		/* a single file: search it directly */
		const char *name = strrchr(root.buf, '/');
		struct walk_entry e = { root.buf, root.buf, name ? name + 1 : root.buf, DT_REG, 0 };

		strvec_release(&g.globs);
		g.types = NULL;
		on_file(&g, &e);
	} else if (walk_run(&o, &err)) {
		strbuf_addf(out, "error: %s", err.buf);
		goto out;
	}
	grep_report(&g, pattern, o.secrets_skipped, limit, out);
	rc = 0;
out:
	for (k = 0; k < g.nr; k++) {
		free(g.res[k].path);
		free(g.res[k].text);
	}
	free(g.res);
	for (i = 0; i < MAX_THREADS; i++) {
		pcre2_match_data_free(g.th[i].md);
		free(g.th[i].buf);
	}
	pcre2_code_free(g.re);
	strvec_release(&g.globs);
	pthread_mutex_destroy(&g.lock);
	strbuf_release(&err);
	strbuf_release(&root);
	return rc;
}

const struct tool tool_grep = {
	"Grep",
	"Search file contents with a regular expression (PCRE2 syntax). "
	"output_mode: 'files_with_matches' (default: the matching files), "
	"'content' (matching lines as path:line:text, with -A/-B/-C context), or "
	"'count'. Filter files with glob (e.g. '*.{ts,tsx}') or type (go, py, js, "
	"ts, java, rust, c, cpp, sql, yaml, json, ...). Ignored files and .git are "
	"skipped, as are binary files.",
	"{\"type\":\"object\",\"properties\":{"
	"\"pattern\":{\"type\":\"string\",\"description\":\"The regular expression\"},"
	"\"path\":{\"type\":\"string\",\"description\":\"A file or directory to search (default: the working directory)\"},"
	"\"glob\":{\"type\":\"string\",\"description\":\"Only files matching this glob\"},"
	"\"type\":{\"type\":\"string\",\"description\":\"Only files of this type\"},"
	"\"output_mode\":{\"type\":\"string\",\"enum\":[\"content\",\"files_with_matches\",\"count\"]},"
	"\"-i\":{\"type\":\"boolean\",\"description\":\"Case-insensitive\"},"
	"\"-n\":{\"type\":\"boolean\",\"description\":\"Line numbers in content mode (default true)\"},"
	"\"-A\":{\"type\":\"integer\",\"minimum\":0,\"description\":\"Lines of context after each match\"},"
	"\"-B\":{\"type\":\"integer\",\"minimum\":0,\"description\":\"Lines of context before each match\"},"
	"\"-C\":{\"type\":\"integer\",\"minimum\":0,\"description\":\"Lines of context around each match\"},"
	"\"multiline\":{\"type\":\"boolean\",\"description\":\"Let . match newlines, so a pattern can span lines\"},"
	"\"head_limit\":{\"type\":\"integer\",\"minimum\":1,\"description\":\"At most this many lines or files (default 1000)\"}},"
	"\"required\":[\"pattern\"],\"additionalProperties\":false}",
	1, run, TOOL_BUILTIN, NULL,
};
