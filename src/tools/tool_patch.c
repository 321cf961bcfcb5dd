/*
 * tool_patch: ApplyPatch, the `*** Begin Patch` format Codex models write.
 *
 *   *** Begin Patch
 *   *** Add File: path          then lines starting with '+'
 *   *** Delete File: path
 *   *** Update File: path
 *   *** Move to: new/path       (optional, right after Update File)
 *   @@ optional anchor line      then ' ' context, '-' removed, '+' added
 *   *** End of File             (optional: the hunk is at the end)
 *   *** End Patch
 *
 * Every file's new content is computed before anything is written, so a
 * patch with one hunk that does not apply changes nothing.  Context is
 * matched exactly first, then ignoring trailing whitespace, then ignoring
 * leading and trailing whitespace, as models often get indentation wrong.
 */
#include "tools/tool.h"

#include "core/fileio.h"
#include "core/strvec.h"
#include "core/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PATCH_FILE_MAX ((size_t)16 << 20)

enum op { OP_ADD, OP_DELETE, OP_UPDATE };

struct hunk {
	char *anchor;		/* the @@ line's text, or NULL */
	struct strvec old;	/* context and removed lines */
	struct strvec new_;	/* context and added lines */
	struct strbuf kinds;	/* ' ', '-' or '+' for each line, in order */
	int at_eof;
};

struct change {
	enum op op;
	char *path;
	char *move_to;
	struct strbuf add;	/* OP_ADD content */
	struct hunk *hunks;
	size_t nr, alloc;
	/* computed */
	struct strvec lines;	/* the file, for OP_UPDATE */
	int had_final_newline;
	char *abs, *abs_to;
};

struct patch {
	struct change *c;
	size_t nr, alloc;
};

static void patch_release(struct patch *p)
{
	size_t i, j;

	for (i = 0; i < p->nr; i++) {
		struct change *c = &p->c[i];

		free(c->path);
		free(c->move_to);
		free(c->abs);
		free(c->abs_to);
		strbuf_release(&c->add);
		strvec_release(&c->lines);
		for (j = 0; j < c->nr; j++) {
			free(c->hunks[j].anchor);
			strvec_release(&c->hunks[j].old);
			strvec_release(&c->hunks[j].new_);
			strbuf_release(&c->hunks[j].kinds);
		}
		free(c->hunks);
	}
	free(p->c);
}

static const char *after(const char *line, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(line, prefix, n) ? NULL : line + n;
}

static struct change *new_change(struct patch *p, enum op op, const char *path)
{
	struct change *c;

	ALLOC_GROW(p->c, p->nr + 1, p->alloc);
	c = &p->c[p->nr++];
	memset(c, 0, sizeof(*c));
	c->op = op;
	c->path = xstrdup(path);
	strbuf_init(&c->add, PATCH_FILE_MAX);
	strvec_init(&c->lines);
	return c;
}

static struct hunk *new_hunk(struct change *c, const char *anchor)
{
	struct hunk *h;

	ALLOC_GROW(c->hunks, c->nr + 1, c->alloc);
	h = &c->hunks[c->nr++];
	memset(h, 0, sizeof(*h));
	h->anchor = anchor && *anchor ? xstrdup(anchor) : NULL;
	strvec_init(&h->old);
	strvec_init(&h->new_);
	strbuf_init(&h->kinds, (size_t)16 << 20);
	return h;
}

static void trim_path(char *s)
{
	size_t n = strlen(s);

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

static int parse(const char *text, struct patch *p, struct strbuf *err)
{
	struct strvec lines = STRVEC_INIT;
	const char *s = text;
	struct change *c = NULL;
	struct hunk *h = NULL;
	size_t i;
	int begun = 0, ended = 0, rc = -1;

	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);

		if (n && s[n - 1] == '\r')
			strvec_push_nodup(&lines, xmemdupz(s, n - 1));
		else
			strvec_push_nodup(&lines, xmemdupz(s, n));
		s += n + (nl ? 1 : 0);
	}
	for (i = 0; i < lines.nr; i++) {
		char *l = lines.v[i];
		const char *v;

		if (!begun) {
			if (!strcmp(l, "*** Begin Patch"))
				begun = 1;
			else if (*l) {
				strbuf_seterr(err, "line %zu: a patch must start with '*** Begin Patch'", i + 1);
				goto out;
			}
			continue;
		}
		if (!strcmp(l, "*** End Patch")) {
			ended = 1;
			break;
		}
		if ((v = after(l, "*** Add File: "))) {
			trim_path((char *)v);
			c = new_change(p, OP_ADD, v);
			h = NULL;
		} else if ((v = after(l, "*** Delete File: "))) {
			trim_path((char *)v);
			c = new_change(p, OP_DELETE, v);
			h = NULL;
		} else if ((v = after(l, "*** Update File: "))) {
			size_t k;

			trim_path((char *)v);
			/* a second section for the same file continues the
			 * first, so its hunks apply to the first's result */
			for (k = 0, c = NULL; k < p->nr; k++)
				if (p->c[k].op == OP_UPDATE && !p->c[k].move_to &&
				    !strcmp(p->c[k].path, v))
					c = &p->c[k];
			if (!c)
				c = new_change(p, OP_UPDATE, v);
			h = NULL;
		} else if ((v = after(l, "*** Move to: "))) {
			if (!c || c->op != OP_UPDATE) {
				strbuf_seterr(err, "line %zu: '*** Move to' must follow '*** Update File'", i + 1);
				goto out;
			}
			trim_path((char *)v);
			c->move_to = xstrdup(v);
		} else if (!strcmp(l, "*** End of File")) {
			if (h)
				h->at_eof = 1;
		} else if (!c) {
			strbuf_seterr(err, "line %zu: expected '*** Add File', '*** Delete File' or '*** Update File'", i + 1);
			goto out;
		} else if (c->op == OP_ADD) {
			if (l[0] != '+') {
				strbuf_seterr(err, "line %zu: lines of an added file must start with '+'", i + 1);
				goto out;
			}
			strbuf_addstr(&c->add, l + 1);
			strbuf_addch(&c->add, '\n');
		} else if (c->op == OP_DELETE) {
			if (*l) {
				strbuf_seterr(err, "line %zu: '*** Delete File' takes no lines", i + 1);
				goto out;
			}
		} else if (!strncmp(l, "@@", 2)) {
			const char *a = l + 2;

			while (*a == ' ')
				a++;
			h = new_hunk(c, a);
		} else if (l[0] == ' ' || l[0] == '-' || l[0] == '+' || !l[0]) {
			if (!h)
				h = new_hunk(c, NULL);
			/* an empty line is an empty context line */
			strbuf_addch(&h->kinds, l[0] ? l[0] : ' ');
			if (l[0] != '+')
				strvec_push(&h->old, l[0] ? l + 1 : "");
			if (l[0] != '-')
				strvec_push(&h->new_, l[0] ? l + 1 : "");
		} else {
			strbuf_seterr(err, "line %zu: a hunk line must start with ' ', '-' or '+': %.60s", i + 1, l);
			goto out;
		}
	}
	if (!begun)
		strbuf_seterr(err, "the patch is empty; it must start with '*** Begin Patch'");
	else if (!ended)
		strbuf_seterr(err, "the patch does not end with '*** End Patch'");
	else if (!p->nr)
		strbuf_seterr(err, "the patch changes no file");
	else
		rc = 0;
out:
	strvec_release(&lines);
	return rc;
}

static void load_lines(const struct strbuf *data, struct change *c)
{
	const char *s = data->buf, *end = data->buf + data->len;

	c->had_final_newline = data->len && data->buf[data->len - 1] == '\n';
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);

		strvec_push_nodup(&c->lines, xmemdupz(s, n));
		s += n + 1;
	}
}

/* Compares two lines at a strictness level: 0 exact, 1 without trailing
 * blanks, 2 without leading and trailing blanks. */
static int line_eq(const char *a, const char *b, int level)
{
	size_t la, lb;

	if (level == 0)
		return !strcmp(a, b);
	if (level == 2) {
		while (isspace((unsigned char)*a))
			a++;
		while (isspace((unsigned char)*b))
			b++;
	}
	la = strlen(a);
	lb = strlen(b);
	while (la && isspace((unsigned char)a[la - 1]))
		la--;
	while (lb && isspace((unsigned char)b[lb - 1]))
		lb--;
	return la == lb && !memcmp(a, b, la);
}

static long find_block(const struct strvec *lines, size_t from,
		       const struct strvec *block, int at_eof)
{
	int level;
	size_t i, j;

	if (!block->nr)
		return at_eof ? (long)lines->nr : (long)from;
	for (level = 0; level < 3; level++) {
		if (at_eof) {
			if (lines->nr >= block->nr) {
				i = lines->nr - block->nr;
				for (j = 0; j < block->nr && line_eq(lines->v[i + j], block->v[j], level); j++)
					;
				if (j == block->nr)
					return (long)i;
			}
			continue;
		}
		for (i = from; i + block->nr <= lines->nr; i++) {
			for (j = 0; j < block->nr && line_eq(lines->v[i + j], block->v[j], level); j++)
				;
			if (j == block->nr)
				return (long)i;
		}
	}
	return -1;
}

static int apply_hunks(struct change *c, struct strbuf *err)
{
	size_t pos = 0, k;

	for (k = 0; k < c->nr; k++) {
		struct hunk *h = &c->hunks[k];
		struct strvec res = STRVEC_INIT;
		long at;
		size_t i;

		if (h->anchor) {
			struct strvec one = STRVEC_INIT;
			long a;

			strvec_push(&one, h->anchor);
			a = find_block(&c->lines, pos, &one, 0);
			strvec_release(&one);
			if (a < 0)
				return strbuf_seterr(err, "%s: hunk %zu: the line '@@ %.80s' was not found",
						     c->path, k + 1, h->anchor);
			/* the anchor line itself may be part of the context */
			pos = (size_t)a;
		}
		at = find_block(&c->lines, pos, &h->old, h->at_eof);
		if (at < 0 && pos)	/* hunks out of order: search from the top */
			at = find_block(&c->lines, 0, &h->old, h->at_eof);
		if (at < 0)
			return strbuf_seterr(err, "%s: hunk %zu: its context and removed lines were not found in the file (starting '%.80s'); Read the file and write the hunk again",
					     c->path, k + 1, h->old.nr ? h->old.v[0] : "");
		for (i = 0; i < (size_t)at; i++)
			strvec_push(&res, c->lines.v[i]);
		{
			/* context lines keep the file's text (they may have
			 * matched loosely); added lines come from the patch */
			size_t o = (size_t)at, a = 0, q;

			for (q = 0; q < h->kinds.len; q++) {
				char kind = h->kinds.buf[q];

				if (kind == ' ') {
					strvec_push(&res, c->lines.v[o++]);
					a++;
				} else if (kind == '-') {
					o++;
				} else {
					strvec_push(&res, h->new_.v[a++]);
				}
			}
		}
		for (i = (size_t)at + h->old.nr; i < c->lines.nr; i++)
			strvec_push(&res, c->lines.v[i]);
		pos = (size_t)at + h->new_.nr;
		strvec_release(&c->lines);
		c->lines = res;
	}
	return 0;
}

static void render(const struct change *c, struct strbuf *out)
{
	size_t i;

	for (i = 0; i < c->lines.nr; i++) {
		strbuf_addstr(out, c->lines.v[i]);
		if (i + 1 < c->lines.nr || c->had_final_newline || !c->lines.nr)
			strbuf_addch(out, '\n');
	}
}

static int prepare(const struct tool_env *env, struct patch *p, struct strbuf *err)
{
	size_t i;

	for (i = 0; i < p->nr; i++) {
		struct change *c = &p->c[i];
		struct strbuf path = STRBUF_INIT, data = STRBUF_INIT_CAP(PATCH_FILE_MAX);
		struct stat st;
		int exists;

		tool_path(env, c->path, &path);
		c->abs = strbuf_detach(&path, NULL);
		if (c->move_to) {
			tool_path(env, c->move_to, &path);
			c->abs_to = strbuf_detach(&path, NULL);
		}
		{
			struct strbuf msg = STRBUF_INIT;

			if (tool_refuse_link(c->abs, c->path, &msg) ||
			    (c->abs_to && tool_refuse_link(c->abs_to, c->move_to, &msg))) {
				strbuf_seterr(err, "%s", msg.buf + strlen("error: "));
				strbuf_release(&msg);
				return -1;
			}
			strbuf_release(&msg);
		}
		exists = !stat(c->abs, &st);
		if (c->op == OP_ADD && exists)
			return strbuf_seterr(err, "%s already exists; use '*** Update File' to change it", c->path);
		if (c->op != OP_ADD && !exists)
			return strbuf_seterr(err, "%s does not exist", c->path);
		if (c->op == OP_UPDATE) {
			if (file_read(c->abs, PATCH_FILE_MAX, &data, err))
				return -1;
			load_lines(&data, c);
			strbuf_release(&data);
			if (apply_hunks(c, err))
				return -1;
		}
	}
	return 0;
}

static int run(const struct tool *self, const struct tool_env *env,
		   json_t *args, struct strbuf *out)
{
	struct patch p;
	struct strbuf err = STRBUF_INIT, summary = STRBUF_INIT;
	size_t i;
	int rc = -1;

	(void)self;
	memset(&p, 0, sizeof(p));
	if (parse(json_string_value(json_object_get(args, "patch")), &p, &err) ||
	    prepare(env, &p, &err)) {
		strbuf_addf(out, "error: %s; no file was changed", err.buf);
		goto out;
	}
	for (i = 0; i < p.nr; i++) {
		struct change *c = &p.c[i];
		struct strbuf content = STRBUF_INIT;
		struct stat st;
		const char *dest = c->abs_to ? c->abs_to : c->abs;
		mode_t mode = !stat(c->abs, &st) ? st.st_mode & 07777 : 0644;

		switch (c->op) {
		case OP_DELETE:
			if (unlink(c->abs) < 0) {
				strbuf_addf(out, "error: cannot delete %s: %s", c->path, strerror(errno));
				goto out;
			}
			strbuf_addf(&summary, "D %s\n", c->path);
			break;
		case OP_ADD:
		case OP_UPDATE:
			if (c->op == OP_ADD)
				strbuf_add(&content, c->add.buf, c->add.len);
			else
				render(c, &content);
			if (file_mkdirs_parent(dest, 0755, &err) ||
			    file_write_atomic(dest, content.buf, content.len, mode, &err)) {
				strbuf_addf(out, "error: %s", err.buf);
				strbuf_release(&content);
				goto out;
			}
			if (c->abs_to && strcmp(c->abs_to, c->abs))
				unlink(c->abs);
			if (c->op == OP_ADD)
				strbuf_addf(&summary, "A %s\n", c->path);
			else if (c->move_to)
				strbuf_addf(&summary, "M %s -> %s\n", c->path, c->move_to);
			else
				strbuf_addf(&summary, "M %s\n", c->path);
			break;
		}
		strbuf_release(&content);
	}
	strbuf_addstr(out, "applied the patch:\n");
	strbuf_addstr(out, summary.buf);
	rc = 0;
out:
	patch_release(&p);
	strbuf_release(&err);
	strbuf_release(&summary);
	return rc;
}

const struct tool tool_applypatch = {
	"ApplyPatch",
	"Apply a patch in the '*** Begin Patch' format: '*** Add File: path' "
	"(lines start with '+'), '*** Delete File: path', '*** Update File: path' "
	"(optionally '*** Move to: path') with hunks of ' ' context, '-' removed "
	"and '+' added lines, each hunk optionally starting with '@@ <a line to "
	"find first>'; end with '*** End Patch'. All or nothing: if any hunk does "
	"not apply, no file is changed.",
	"{\"type\":\"object\",\"properties\":{"
	"\"patch\":{\"type\":\"string\",\"description\":\"The whole patch, from '*** Begin Patch' to '*** End Patch'\"}},"
	"\"required\":[\"patch\"],\"additionalProperties\":false}",
	0, run, TOOL_BUILTIN, NULL,
};
