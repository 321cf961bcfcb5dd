/*
 * tool_write: Write, a whole file, atomically, creating its directories.
 */
#include "tools/tool.h"

#include "core/fileio.h"
#include "core/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static size_t count_lines(const char *s, size_t len)
{
	size_t n = 0, i;

	for (i = 0; i < len; i++)
		n += s[i] == '\n';
	return n + (len && s[len - 1] != '\n');
}

static int run(const struct tool *self, const struct tool_env *env,
		   json_t *args, struct strbuf *out)
{
	const char *arg = json_string_value(json_object_get(args, "path"));
	json_t *content = json_object_get(args, "content");
	struct strbuf path = STRBUF_INIT, err = STRBUF_INIT;
	mode_t mode = 0644;
	struct stat st;
	int existed, rc = -1;

	(void)self;
	tool_path(env, arg, &path);
	if (tool_refuse_link(path.buf, arg, out))
		goto out;
	existed = !stat(path.buf, &st);
	if (existed && S_ISDIR(st.st_mode)) {
		strbuf_addf(out, "error: %s is a directory", arg);
		goto out;
	}
	if (existed)
		mode = st.st_mode & 07777;
	if (file_mkdirs_parent(path.buf, 0755, &err) ||
	    file_write_atomic(path.buf, json_string_value(content),
			      json_string_length(content), mode, &err)) {
		strbuf_addf(out, "error: %s", err.buf);
		goto out;
	}
	strbuf_addf(out, "%s %s: %zu bytes, %zu lines", existed ? "overwrote" : "created",
		    arg, json_string_length(content),
		    count_lines(json_string_value(content), json_string_length(content)));
	rc = 0;
out:
	strbuf_release(&path);
	strbuf_release(&err);
	return rc;
}

const struct tool tool_write = {
	"Write",
	"Write a whole file, replacing it if it exists and creating missing "
	"directories. The write is atomic. Prefer Edit for changing part of an "
	"existing file.",
	"{\"type\":\"object\",\"properties\":{"
	"\"path\":{\"type\":\"string\",\"description\":\"The file to write\"},"
	"\"content\":{\"type\":\"string\",\"description\":\"The complete new content\"}},"
	"\"required\":[\"path\",\"content\"],\"additionalProperties\":false}",
	0, run, TOOL_BUILTIN, NULL,
};
