/*
 * tool_edit: Edit and MultiEdit, exact string replacement in one file.
 *
 * old_string must occur exactly once (unless replace_all): an edit that
 * could land in two places is refused with the count, never guessed.
 * MultiEdit applies its edits in order to the file in memory and writes
 * only if every one of them applies.
 */
#include "tools/tool.h"

#include "core/fileio.h"
#include "core/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define EDIT_FILE_MAX ((size_t)16 << 20)

static size_t count(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	size_t n = 0;
	const char *p = hay, *end = hay + hlen;

	while ((size_t)(end - p) >= nlen && (p = memmem(p, (size_t)(end - p), needle, nlen))) {
		n++;
		p += nlen;
	}
	return n;
}

/* Applies one replacement to content.  Returns 0, or -1 with err. */
static int apply(struct strbuf *content, const char *old, size_t olen,
		 const char *new_, size_t nlen, int all, size_t *replaced,
		 size_t *first_at, struct strbuf *err)
{
	struct strbuf res = STRBUF_INIT_CAP(EDIT_FILE_MAX * 2);
	const char *p = content->buf, *end = content->buf + content->len, *hit;
	size_t n;

	if (!olen)
		return strbuf_seterr(err, "old_string is empty; to create a file use Write");
	if (olen == nlen && !memcmp(old, new_, olen))
		return strbuf_seterr(err, "old_string and new_string are the same; nothing to change");
	n = count(content->buf, content->len, old, olen);
	if (!n)
		return strbuf_seterr(err, "old_string was not found (it must match exactly, including whitespace and indentation; Read the file to copy it)");
	if (n > 1 && !all)
		return strbuf_seterr(err, "old_string occurs %zu times; add surrounding lines to make it unique, or set replace_all to replace every one", n);
	*replaced = n;
	*first_at = (size_t)((const char *)memmem(p, (size_t)(end - p), old, olen) - p);
	while ((hit = memmem(p, (size_t)(end - p), old, olen)) != NULL) {
		strbuf_add(&res, p, (size_t)(hit - p));
		strbuf_add(&res, new_, nlen);
		p = hit + olen;
		if (!all)
			break;
	}
	strbuf_add(&res, p, (size_t)(end - p));
	strbuf_release(content);
	*content = res;
	content->cap = EDIT_FILE_MAX * 2;
	return 0;
}

/* Numbered lines around byte offset at (3 before, 5 after), so the
 * model sees the result of its edit. */
static void snippet(const struct strbuf *c, size_t at, struct strbuf *out)
{
	size_t line = 1, first, pos = 0, i;

	for (i = 0; i < at && i < c->len; i++)
		line += c->buf[i] == '\n';
	first = line > 3 ? line - 3 : 1;
	for (i = 1; i < first && pos < c->len; i++) {
		const char *nl = memchr(c->buf + pos, '\n', c->len - pos);

		if (!nl)
			break;
		pos = (size_t)(nl - c->buf) + 1;
	}
	for (i = 0; i < 9 && pos < c->len; i++) {
		const char *nl = memchr(c->buf + pos, '\n', c->len - pos);
		size_t len = nl ? (size_t)(nl - c->buf) - pos : c->len - pos;

		strbuf_addf(out, "%6zu\t", first + i);
		strbuf_add(out, c->buf + pos, len > 300 ? 300 : len);
		strbuf_addch(out, '\n');
		pos += len + 1;
	}
}

static int load(const struct tool_env *env, const char *arg, struct strbuf *path,
		struct strbuf *content, mode_t *mode, struct strbuf *out)
{
	struct strbuf err = STRBUF_INIT;
	struct stat st;

	tool_path(env, arg, path);
	if (tool_refuse_link(path->buf, arg, out))
		return -1;
	if (stat(path->buf, &st) < 0) {
		strbuf_addf(out, "error: cannot edit %s: %s (use Write to create a file)",
			    arg, strerror(errno));
		return -1;
	}
	*mode = st.st_mode & 07777;
	if (file_read(path->buf, EDIT_FILE_MAX, content, &err)) {
		strbuf_addf(out, "error: %s", err.buf);
		strbuf_release(&err);
		return -1;
	}
	if (memchr(content->buf, '\0', content->len)) {
		strbuf_addf(out, "error: %s is a binary file; Edit changes text only", arg);
		return -1;
	}
	return 0;
}

static int save(const char *path, const struct strbuf *content, mode_t mode,
		struct strbuf *out)
{
	struct strbuf err = STRBUF_INIT;

	if (file_write_atomic(path, content->buf, content->len, mode, &err)) {
		strbuf_addf(out, "error: %s", err.buf);
		strbuf_release(&err);
		return -1;
	}
	return 0;
}

/*
 * Applies edits (an array of {old_string, new_string, replace_all}) to the
 * file in memory, in order, and writes it only if all of them apply.  Edit
 * is the case of one edit.
 */
static int edit_file(const struct tool_env *env, const char *arg, json_t *edits,
		     struct strbuf *out)
{
	struct strbuf path = STRBUF_INIT, content = STRBUF_INIT_CAP(EDIT_FILE_MAX * 2);
	struct strbuf err = STRBUF_INIT;
	size_t i, n = json_array_size(edits), total = 0, at = 0, first = (size_t)-1;
	mode_t mode;
	int rc = -1;

	if (!n) {
		strbuf_addstr(out, "error: edits is empty; nothing to change");
		goto out;
	}
	if (load(env, arg, &path, &content, &mode, out))
		goto out;
	for (i = 0; i < n; i++) {
		json_t *e = json_array_get(edits, i);
		json_t *old = json_object_get(e, "old_string");
		json_t *new_ = json_object_get(e, "new_string");
		size_t replaced = 0;

		if (apply(&content, json_string_value(old), json_string_length(old),
			  json_string_value(new_), json_string_length(new_),
			  json_is_true(json_object_get(e, "replace_all")),
			  &replaced, &at, &err)) {
			if (n == 1)
				strbuf_addf(out, "error: %s in %s; the file was not changed",
					    err.buf, arg);
			else
				strbuf_addf(out, "error: edit %zu of %zu: %s in %s; no edit was applied, the file was not changed",
					    i + 1, n, err.buf, arg);
			goto out;
		}
		if (first == (size_t)-1)
			first = at;
		total += replaced;
	}
	if (save(path.buf, &content, mode, out))
		goto out;
	if (n == 1)
		strbuf_addf(out, "edited %s: %zu replacement%s\n", arg, total,
			    total == 1 ? "" : "s");
	else
		strbuf_addf(out, "edited %s: %zu edits, %zu replacements\n", arg, n, total);
	snippet(&content, first, out);
	rc = 0;
out:
	strbuf_release(&path);
	strbuf_release(&content);
	strbuf_release(&err);
	return rc;
}

static int run_edit(const struct tool *self, const struct tool_env *env,
		   json_t *args, struct strbuf *out)
{
	(void)self;
	json_t *one = json_pack("[{s:O, s:O, s:b}]",
				"old_string", json_object_get(args, "old_string"),
				"new_string", json_object_get(args, "new_string"),
				"replace_all", json_is_true(json_object_get(args, "replace_all")));
	int rc = edit_file(env, json_string_value(json_object_get(args, "path")), one, out);

	json_decref(one);
	return rc;
}

static int run_multiedit(const struct tool *self, const struct tool_env *env,
		   json_t *args, struct strbuf *out)
{
	(void)self;
	return edit_file(env, json_string_value(json_object_get(args, "path")),
			 json_object_get(args, "edits"), out);
}

const struct tool tool_edit = {
	"Edit",
	"Replace an exact string in a file. old_string must match the file exactly "
	"(whitespace and indentation included) and occur exactly once, unless "
	"replace_all is true; otherwise the edit is refused and the number of "
	"matches is reported. Read the file first.",
	"{\"type\":\"object\",\"properties\":{"
	"\"path\":{\"type\":\"string\",\"description\":\"The file to change\"},"
	"\"old_string\":{\"type\":\"string\",\"description\":\"The exact text to replace\"},"
	"\"new_string\":{\"type\":\"string\",\"description\":\"The replacement text\"},"
	"\"replace_all\":{\"type\":\"boolean\",\"description\":\"Replace every occurrence (default false)\"}},"
	"\"required\":[\"path\",\"old_string\",\"new_string\"],\"additionalProperties\":false}",
	0, run_edit, TOOL_BUILTIN, NULL,
};

const struct tool tool_multiedit = {
	"MultiEdit",
	"Make several exact-string replacements in one file, in order. Each edit "
	"works like Edit on the result of the previous one. All or nothing: if any "
	"edit does not apply, the file is left unchanged.",
	"{\"type\":\"object\",\"properties\":{"
	"\"path\":{\"type\":\"string\",\"description\":\"The file to change\"},"
	"\"edits\":{\"type\":\"array\",\"description\":\"The edits, applied in order\",\"items\":{"
	"\"type\":\"object\",\"properties\":{"
	"\"old_string\":{\"type\":\"string\"},\"new_string\":{\"type\":\"string\"},"
	"\"replace_all\":{\"type\":\"boolean\"}},"
	"\"required\":[\"old_string\",\"new_string\"],\"additionalProperties\":false}}},"
	"\"required\":[\"path\",\"edits\"],\"additionalProperties\":false}",
	0, run_multiedit, TOOL_BUILTIN, NULL,
};
