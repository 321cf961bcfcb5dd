/*
 * ignore: gitignore-style rules.  See ignore.h.
 */
#include "tools/ignore.h"

#include "core/fileio.h"
#include "core/glob.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define IGNORE_FILE_MAX ((size_t)1 << 20)

struct ignore_rule {
	char *pattern;
	int negate;
	int dir_only;
	int anchored;		/* matched against the whole relative path */
};

struct ignore_set {
	char *base;		/* directory relative to the walk root; "" at the top */
	size_t base_len;
	struct ignore_rule *rules;
	size_t nr, alloc;
	struct ignore_set *parent;
	int refs;
};

struct ignore_set *ignore_ref(struct ignore_set *s)
{
	if (s)
		__atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
	return s;
}

void ignore_unref(struct ignore_set *s)
{
	while (s && __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		struct ignore_set *parent = s->parent;
		size_t i;

		for (i = 0; i < s->nr; i++)
			free(s->rules[i].pattern);
		free(s->rules);
		free(s->base);
		free(s);
		s = parent;
	}
}

static void add_line(struct ignore_set *s, char *line)
{
	struct ignore_rule r;
	size_t n;

	memset(&r, 0, sizeof(r));
	n = strlen(line);
	if (n && line[n - 1] == '\r')
		line[--n] = '\0';
	/* trailing blanks are ignored unless escaped */
	while (n && line[n - 1] == ' ' && !(n > 1 && line[n - 2] == '\\'))
		line[--n] = '\0';
	if (!n || line[0] == '#')
		return;
	if (line[0] == '!') {
		r.negate = 1;
		line++;
		n--;
	} else if (line[0] == '\\' && (line[1] == '#' || line[1] == '!')) {
		line++;
		n--;
	}
	if (n && line[n - 1] == '/') {
		r.dir_only = 1;
		line[--n] = '\0';
	}
	if (!n)
		return;
	if (line[0] == '/') {
		r.anchored = 1;
		line++;
	} else if (strchr(line, '/')) {
		r.anchored = 1;
	}
	r.pattern = xstrdup(line);
	ALLOC_GROW(s->rules, s->nr + 1, s->alloc);
	s->rules[s->nr++] = r;
}

static void read_rules(struct ignore_set *s, const char *path)
{
	struct strbuf data = STRBUF_INIT, err = STRBUF_INIT;
	char *line, *save = NULL;

	if (access(path, R_OK) || file_read(path, IGNORE_FILE_MAX, &data, &err))
		goto out;
	for (line = strtok_r(data.buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		add_line(s, line);
out:
	strbuf_release(&data);
	strbuf_release(&err);
}

struct ignore_set *ignore_load_dir(struct ignore_set *parent, const char *dir,
				   const char *rel, int git_root)
{
	static const char *const names[] = { ".gitignore", ".ignore" };
	struct strbuf path = STRBUF_INIT;
	struct ignore_set *s = xcalloc(1, sizeof(*s));
	size_t i;

	s->base = xstrdup(rel);
	s->base_len = strlen(rel);
	if (git_root) {
		file_join(&path, dir, ".git/info/exclude");
		read_rules(s, path.buf);
	}
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		strbuf_reset(&path);
		file_join(&path, dir, names[i]);
		read_rules(s, path.buf);
	}
	strbuf_release(&path);
	if (!s->nr) {
		free(s->base);
		free(s);
		return parent;		/* the caller's reference passes back */
	}
	s->parent = parent;		/* takes over the caller's reference */
	s->refs = 1;
	return s;
}

struct ignore_set *ignore_load_chain(const char *dir)
{
	char real[PATH_MAX];
	struct strbuf probe = STRBUF_INIT, cur = STRBUF_INIT;
	struct ignore_set *set = NULL;
	char *p;
	size_t root_len;

	if (!realpath(dir, real))
		return ignore_load_dir(NULL, dir, "", 0);
	/* find the repository root above dir */
	strbuf_addstr(&cur, real);
	for (;;) {
		strbuf_reset(&probe);
		file_join(&probe, cur.buf, ".git");
		if (!access(probe.buf, F_OK))
			break;
		p = strrchr(cur.buf, '/');
		if (!p || p == cur.buf) {
			/* not in a repository: only dir's own files */
			strbuf_release(&probe);
			strbuf_release(&cur);
			return ignore_load_dir(NULL, dir, "", 0);
		}
		strbuf_setlen(&cur, (size_t)(p - cur.buf));
	}
	/* load from the root down; rules of ancestors are expressed relative
	 * to the walk root by giving them a negative base: they are matched
	 * with the ancestor's path prefix prepended (see ignore_match). */
	root_len = cur.len;
	for (;;) {
		const char *rest = real + cur.len;
		int is_root = cur.len == root_len;

		/* base: the walk root relative to this ancestor, marked by a
		 * leading '\x01' so ignore_match knows to prepend it */
		strbuf_reset(&probe);
		if (*rest)
			strbuf_addf(&probe, "\x01%s/", rest + 1);
		else
			strbuf_addstr(&probe, "");
		set = ignore_load_dir(set, cur.buf, probe.buf, is_root);
		if (!*rest)
			break;
		p = strchr(rest + 1, '/');
		strbuf_setlen(&cur, cur.len);
		strbuf_add(&cur, rest, p ? (size_t)(p - rest) : strlen(rest));
	}
	strbuf_release(&probe);
	strbuf_release(&cur);
	return set;
}

static int rule_matches(const struct ignore_rule *r, const char *rel,
			int is_dir)
{
	const char *base;

	if (r->dir_only && !is_dir)
		return 0;
	if (r->anchored)
		return glob_match(r->pattern, rel, 0);
	base = strrchr(rel, '/');
	return glob_match(r->pattern, base ? base + 1 : rel, 0);
}

int ignore_match(const struct ignore_set *s, const char *rel, int is_dir)
{
	struct strbuf tmp = STRBUF_INIT;
	int result = 0, decided = 0;

	for (; s && !decided; s = s->parent) {
		const char *sub = rel;
		size_t i;

		strbuf_reset(&tmp);
		if (s->base_len && s->base[0] == '\x01') {
			/* an ancestor of the walk root: prefix the path */
			strbuf_addstr(&tmp, s->base + 1);
			strbuf_addstr(&tmp, rel);
			sub = tmp.buf;
		} else if (s->base_len) {
			if (strncmp(rel, s->base, s->base_len) || rel[s->base_len] != '/')
				continue;
			sub = rel + s->base_len + 1;
		}
		for (i = s->nr; i-- > 0;)
			if (rule_matches(&s->rules[i], sub, is_dir)) {
				result = !s->rules[i].negate;
				decided = 1;
				break;
			}
	}
	strbuf_release(&tmp);
	return result;
}
