/*
 * tool_memory: SaveMemory, a fact appended to the project memory file.
 */
#include "tools/tool.h"

#include "core/fileio.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#define MEMORY_HEADING "## archie memories"

static int run(const struct tool *self, const struct tool_env *env,
		   json_t *args, struct strbuf *out)
{
	const char *fact = json_string_value(json_object_get(args, "fact"));
	struct strbuf data = STRBUF_INIT, err = STRBUF_INIT;
	const char *file = env->memory_file;
	struct stat st;
	mode_t mode = 0644;
	int rc = -1;

	(void)self;
	if (!file) {
		strbuf_addstr(out, "error: no project memory file in this session");
		return -1;
	}
	while (*fact == ' ' || *fact == '-')
		fact++;
	if (!*fact || strchr(fact, '\n')) {
		strbuf_addstr(out, "error: a memory is one non-empty line");
		return -1;
	}
	if (!stat(file, &st)) {
		mode = st.st_mode & 07777;
		if (file_read(file, (size_t)1 << 20, &data, &err)) {
			strbuf_addf(out, "error: %s", err.buf);
			goto out;
		}
	}
	if (!strstr(data.buf, MEMORY_HEADING)) {
		if (data.len && data.buf[data.len - 1] != '\n')
			strbuf_addch(&data, '\n');
		strbuf_addf(&data, "%s" MEMORY_HEADING "\n\n", data.len ? "\n" : "");
	} else if (data.len && data.buf[data.len - 1] != '\n') {
		strbuf_addch(&data, '\n');
	}
	strbuf_addf(&data, "- %s\n", fact);
	if (file_write_atomic(file, data.buf, data.len, mode, &err)) {
		strbuf_addf(out, "error: %s", err.buf);
		goto out;
	}
	strbuf_addf(out, "saved to %s: %s", file, fact);
	rc = 0;
out:
	strbuf_release(&data);
	strbuf_release(&err);
	return rc;
}

const struct tool tool_savememory = {
	"SaveMemory",
	"Append one fact to the project's memory file (ARCHIE.md), which is "
	"read at the start of every session. Use it only when the user asks you "
	"to remember something.",
	"{\"type\":\"object\",\"properties\":{"
	"\"fact\":{\"type\":\"string\",\"description\":\"The fact, as one short line\"}},"
	"\"required\":[\"fact\"],\"additionalProperties\":false}",
	0, run, TOOL_BUILTIN, NULL,
};
