/*
 * tool_bgshell: BashOutput and KillShell, the model's hands on the
 * commands Bash started with run_in_background (tools/bgshell.h).
 * Claude Code's names and arguments (bash_id, filter; shell_id); its
 * later TaskOutput/TaskStop and their task_id arrive here too.
 */
#include "tools/tool.h"

#include "tools/bgshell.h"

#include <string.h>

#define WAIT_DEFAULT_MS 30000
#define WAIT_MAX_MS 600000
#define CAP_DEFAULT 30000

static int no_shells(const struct tool_env *env, struct strbuf *out)
{
	if (env->bg)
		return 0;
	strbuf_addstr(out, "error: there are no background shells here (this run has no place to keep them)");
	return -1;
}

static int run_output(const struct tool *t, const struct tool_env *env, json_t *args,
		      struct strbuf *out)
{
	struct bgshell_wait w;
	json_t *jt = json_object_get(args, "timeout");
	size_t cap = env->result_cap ? env->result_cap : CAP_DEFAULT;

	(void)t;
	if (no_shells(env, out))
		return -1;
	memset(&w, 0, sizeof(w));
	w.pattern = json_string_value(json_object_get(args, "wait_for"));
	w.port = (int)json_integer_value(json_object_get(args, "wait_for_port"));
	w.cancel = env->cancel;
	if (w.pattern || w.port) {
		w.timeout_ms = jt ? (long)json_number_value(jt) : WAIT_DEFAULT_MS;
		if (w.timeout_ms <= 0 || w.timeout_ms > WAIT_MAX_MS)
			w.timeout_ms = w.timeout_ms <= 0 ? WAIT_DEFAULT_MS : WAIT_MAX_MS;
	}
	return bgshell_read(env->bg, json_string_value(json_object_get(args, "bash_id")),
			    json_string_value(json_object_get(args, "filter")), &w, cap, out);
}

static int run_kill(const struct tool *t, const struct tool_env *env, json_t *args,
		    struct strbuf *out)
{
	(void)t;
	if (no_shells(env, out))
		return -1;
	return bgshell_kill(env->bg, json_string_value(json_object_get(args, "shell_id")), out);
}

const struct tool tool_bashoutput = {
	.name = "BashOutput",
	.description =
		"Read what a background command (Bash with run_in_background) printed since "
		"the last read, and whether it still runs (its exit code once it ended). "
		"filter keeps only the lines matching a regex. To wait until a service is "
		"ready instead of sleeping: wait_for (a regex that appears in its output) "
		"or wait_for_port (a TCP port it listens on), up to timeout milliseconds "
		"(default 30000).",
	.schema =
		"{\"type\":\"object\",\"properties\":{"
		"\"bash_id\":{\"type\":\"string\",\"description\":\"The shell id Bash returned (bash_1)\"},"
		"\"filter\":{\"type\":\"string\",\"description\":\"Only lines matching this regular expression\"},"
		"\"wait_for\":{\"type\":\"string\",\"description\":\"Wait until a line matching this regular expression appears\"},"
		"\"wait_for_port\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":65535,\"description\":\"Wait until something listens on this TCP port\"},"
		"\"timeout\":{\"type\":\"integer\",\"minimum\":1,\"description\":\"How long to wait, in milliseconds (default 30000, at most 600000)\"}"
		"},\"required\":[\"bash_id\"],\"additionalProperties\":false}",
	.read_only = 1,
	.run = run_output,
	.kind = TOOL_BUILTIN,
};

const struct tool tool_killshell = {
	.name = "KillShell",
	.description =
		"Stop a background command (Bash with run_in_background) and everything it "
		"started: SIGTERM, then SIGKILL after two seconds. Returns how it ended.",
	.schema =
		"{\"type\":\"object\",\"properties\":{"
		"\"shell_id\":{\"type\":\"string\",\"description\":\"The shell id Bash returned (bash_1)\"}"
		"},\"required\":[\"shell_id\"],\"additionalProperties\":false}",
	.read_only = 0,
	.run = run_kill,
	.kind = TOOL_BUILTIN,
};
