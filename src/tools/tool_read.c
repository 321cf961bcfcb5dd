/*
 * tool_read: Read, a file's lines, numbered, from an offset.
 */
#include "tools/tool.h"

#include "core/xalloc.h"
#include "tools/image.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define READ_DEFAULT_LINES 2000
#define READ_LINE_MAX 2000
#define READ_MAX_BYTES ((size_t)256 << 10)

static int looks_binary(FILE *f)
{
	char buf[8192];
	size_t n = fread(buf, 1, sizeof(buf), f);

	rewind(f);
	return memchr(buf, '\0', n) != NULL;
}

/* The largest image file Read takes in to scale down. */
#define IMAGE_FILE_MAX ((size_t)64 << 20)

/* The image format by its first bytes, or NULL. */
static const char *image_type(FILE *f)
{
	unsigned char b[12];
	size_t n = fread(b, 1, sizeof(b), f);

	rewind(f);
	if (n >= 8 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8))
		return "image/png";
	if (n >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff)
		return "image/jpeg";
	if (n >= 6 && (!memcmp(b, "GIF87a", 6) || !memcmp(b, "GIF89a", 6)))
		return "image/gif";
	if (n >= 12 && !memcmp(b, "RIFF", 4) && !memcmp(b + 8, "WEBP", 4))
		return "image/webp";
	return NULL;
}

/* An image file: handed to the model as an image when it takes them
 * (scaled down to what a model takes, image.h); else a note that says
 * so.  0, or -1 with an error result. */
static int read_image(const struct tool_env *env, FILE *f, const char *type, const char *arg,
		      off_t size, struct strbuf *out)
{
	struct strbuf raw = STRBUF_INIT_CAP(IMAGE_FILE_MAX), fit = STRBUF_INIT_CAP(IMAGE_MAX_BYTES + 1);
	struct strbuf b64 = STRBUF_INIT_CAP((size_t)8 << 20), err = STRBUF_INIT;
	struct tool_image *img;
	const char *sent = type;
	char buf[65536];
	size_t n;
	int w, h, rc = -1;

	if (!env->vision || !env->attach) {
		strbuf_addf(out, "error: %s is an image (%s, %lld bytes), and this model does not take images; set vision: true for it in config.yaml if it does",
			    arg, type, (long long)size);
		return -1;
	}
	if ((size_t)size > IMAGE_FILE_MAX) {
		strbuf_addf(out, "error: %s is an image of %.0f MB, too large to take in; make a smaller copy and read that",
			    arg, (double)size / 1e6);
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&raw, buf, n);
	if (image_fit(&sent, (const unsigned char *)raw.buf, raw.len, IMAGE_MAX_BYTES,
		      IMAGE_MAX_EDGE, &w, &h, &fit, &err)) {
		strbuf_addf(out, "error: %s is an image (%s, %zu bytes), but %s", arg, type, raw.len,
			    err.buf);
		goto out;
	}
	strbuf_add_base64(&b64, (const unsigned char *)fit.buf, fit.len);
	ALLOC_GROW(env->attach->v, env->attach->nr + 1, env->attach->alloc);
	img = &env->attach->v[env->attach->nr++];
	img->media_type = xstrdup(sent);
	img->data = strbuf_detach(&b64, NULL);
	strbuf_addf(out, "%s: an image (%s, %zu bytes", arg, type, raw.len);
	if (fit.len != raw.len || strcmp(sent, type))
		strbuf_addf(out, "; scaled down to %dx%d, %s, %zu bytes, to fit what a model takes",
			    w, h, sent, fit.len);
	strbuf_addstr(out, "), attached for you to see");
	rc = 0;
out:
	strbuf_release(&raw);
	strbuf_release(&fit);
	strbuf_release(&b64);
	strbuf_release(&err);
	return rc;
}

static int run(const struct tool *self, const struct tool_env *env,
		   json_t *args, struct strbuf *out)
{
	const char *arg = json_string_value(json_object_get(args, "path"));
	json_int_t offset = json_integer_value(json_object_get(args, "offset"));
	json_int_t limit = json_integer_value(json_object_get(args, "limit"));
	struct strbuf path = STRBUF_INIT;
	char *line = NULL;
	size_t cap = 0, lineno = 0, shown = 0, bytes = 0, more = 0;
	ssize_t n;
	struct stat st;
	FILE *f = NULL;
	int rc = -1;

	(void)self;
	if (offset < 1)
		offset = 1;
	if (limit < 1)
		limit = READ_DEFAULT_LINES;
	tool_path(env, arg, &path);
	if (stat(path.buf, &st) < 0) {
		strbuf_addf(out, "error: cannot read %s: %s", arg, strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		strbuf_addf(out, "error: %s is a directory; use LS to list it", arg);
		goto out;
	}
	{
		/* O_NOFOLLOW: the path the policy approved cannot be swapped
		 * for a link to somewhere else between the check and here */
		int fd = open(path.buf, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

		if (fd < 0 && errno == ELOOP) {
			char real[PATH_MAX];

			strbuf_addf(out, "error: %s is a symbolic link%s%s; read the target itself",
				    arg, realpath(path.buf, real) ? " to " : "",
				    realpath(path.buf, real) ? real : "");
			goto out;
		}
		if (fd >= 0) {
			/* what was opened, through any directory link: never a secret */
			char fdp[64];

			snprintf(fdp, sizeof(fdp), "/proc/self/fd/%d", fd);
			if (tool_is_secret(fdp)) {
				strbuf_addf(out, "error: %s is a secret file; archie never shows its contents", arg);
				close(fd);
				goto out;
			}
		}
		f = fd >= 0 ? fdopen(fd, "r") : NULL;
		if (!f) {
			strbuf_addf(out, "error: cannot read %s: %s", arg, strerror(errno));
			if (fd >= 0)
				close(fd);
			goto out;
		}
	}
	{
		const char *type = image_type(f);

		if (type) {
			rc = read_image(env, f, type, arg, st.st_size, out);
			goto out;
		}
	}
	if (looks_binary(f)) {
		strbuf_addf(out, "error: %s is a binary file (%lld bytes); Read shows text only",
			    arg, (long long)st.st_size);
		goto out;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		lineno++;
		if ((json_int_t)lineno < offset)
			continue;
		if ((json_int_t)shown >= limit || bytes >= READ_MAX_BYTES) {
			more++;
			continue;
		}
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if (n && line[n - 1] == '\r')
			line[--n] = '\0';
		strbuf_addf(out, "%6zu\t", lineno);
		if (n > READ_LINE_MAX) {
			strbuf_add(out, line, READ_LINE_MAX);
			strbuf_utf8_trim_partial(out);
			strbuf_addf(out, " [... line cut at %d characters]", READ_LINE_MAX);
		} else {
			strbuf_add(out, line, (size_t)n);
		}
		strbuf_addch(out, '\n');
		bytes += (size_t)n;
		shown++;
	}
	if (!lineno)
		strbuf_addf(out, "(%s is empty)\n", arg);
	else if (!shown)
		strbuf_addf(out, "(%s has %zu lines; offset %lld is past the end)\n",
			    arg, lineno, (long long)offset);
	if (more)
		strbuf_addf(out, "[... %zu more lines; read on with offset=%lld]\n",
			    more, (long long)(offset + (json_int_t)shown));
	rc = 0;
out:
	if (f)
		fclose(f);
	free(line);
	strbuf_release(&path);
	return rc;
}

const struct tool tool_read = {
	"Read",
	"Read a text file. Returns its lines numbered from 1 (number, tab, text). "
	"Use offset and limit to read part of a long file; by default up to 2000 "
	"lines are returned. Binary files are refused. Read a file before editing it.",
	"{\"type\":\"object\",\"properties\":{"
	"\"path\":{\"type\":\"string\",\"description\":\"The file to read (relative to the working directory, or absolute)\"},"
	"\"offset\":{\"type\":\"integer\",\"minimum\":1,\"description\":\"The line number to start at (from 1)\"},"
	"\"limit\":{\"type\":\"integer\",\"minimum\":1,\"description\":\"How many lines to return\"}},"
	"\"required\":[\"path\"],\"additionalProperties\":false}",
	1, run, TOOL_BUILTIN, NULL,
};
