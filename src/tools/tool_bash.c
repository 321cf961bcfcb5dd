/*
 * tool_bash: Bash, a shell command in the workspace, with a timeout, or
 * in the background (run_in_background: a service to test against).
 *
 * The command runs in its own process group (a timeout or Ctrl-C kills
 * everything it started), with stdin from /dev/null, and its output is
 * kept head and tail so a flood costs bounded memory.  A background
 * command runs in the same sandbox and is the business of bgshell.h.
 */
#include "tools/tool.h"

#include "tools/bgshell.h"

#include "core/log.h"
#include "core/proc.h"
#include "policy/sandbox.h"

#include <string.h>
#include <unistd.h>

#define BASH_DEFAULT_TIMEOUT_MS 120000
#define BASH_MAX_TIMEOUT_MS 600000
#define STREAM_HEAD ((size_t)12 << 10)
#define STREAM_TAIL ((size_t)12 << 10)

static int enter_sandbox(void *ud)
{
	return sandbox_enter(ud);
}

/* No sandbox: the same scrubbed environment, no restrictions. */
static struct sandbox no_sandbox = { .mode = SANDBOX_OFF };

static int run(const struct tool *self, const struct tool_env *env,
		   json_t *args, struct strbuf *out)
{
	const char *cmd = json_string_value(json_object_get(args, "command"));
	const char *cwd = json_string_value(json_object_get(args, "cwd"));
	json_t *jt = json_object_get(args, "timeout");
	int background = json_is_true(json_object_get(args, "run_in_background"));
	struct strbuf err = STRBUF_INIT, dir = STRBUF_INIT;
	struct sandbox_run sr;
	struct sandbox *sb = env->sandbox ? env->sandbox : &no_sandbox;
	struct proc p;
	size_t i;

	proc_init(&p);
	memset(&sr, 0, sizeof(sr));
	sr.seccomp_fd = sr.ruleset_fd = -1;

	(void)self;
	long timeout = env->bash_default_timeout_ms > 0 ? env->bash_default_timeout_ms
							: BASH_DEFAULT_TIMEOUT_MS;
	int rc = -1;

	if (jt)
		timeout = (long)json_number_value(jt);
	if (timeout <= 0 || timeout > BASH_MAX_TIMEOUT_MS)
		timeout = timeout <= 0 ? BASH_DEFAULT_TIMEOUT_MS : BASH_MAX_TIMEOUT_MS;
	tool_path(env, cwd ? cwd : ".", &dir);
	if (background && !env->bg) {
		strbuf_addstr(out, "error: background commands are not available here (this run has no place to keep them); run it to its end, with a timeout");
		goto out_early;
	}

	if (sandbox_run_prepare(sb, dir.buf, cmd, NULL, &sr, &err)) {
		strbuf_addf(out, "error: the sandbox could not be set up: %s; the command was not run", err.buf);
		goto out;
	}
	if (sb->unavailable) {
		static int warned;

		if (!warned) {
			warned = 1;
			fprintf(stderr, "archie: %s\n", sb->unavailable);
		}
	}
	for (i = 0; i < sr.argv.nr; i++)
		strvec_push(&p.argv, sr.argv.v[i]);
	p.envp = (const char *const *)sr.env.v;
	p.cwd = dir.buf;
	p.timeout_ms = timeout;
	p.head_cap = STREAM_HEAD;
	p.tail_cap = STREAM_TAIL;
	p.cancel = env->cancel;
	p.setup = enter_sandbox;
	p.setup_ud = &sr;
	p.on_output = env->on_output;
	p.output_ud = env->ud;
	if (background) {
		struct strbuf id = STRBUF_INIT;

		if (bgshell_start(env->bg, &p, &sr, cmd, &id, &err)) {
			strbuf_addf(out, "error: %s", err.buf);
			goto out;
		}
		strbuf_addf(out, "Started in the background as %s. BashOutput {\"bash_id\": \"%s\"} "
			    "returns what it printed since the last read and whether it still runs "
			    "(wait_for: a regex, or wait_for_port: a port, waits until the service is ready); "
			    "KillShell {\"shell_id\": \"%s\"} stops it. It is stopped when the session ends.",
			    id.buf, id.buf, id.buf);
		strbuf_release(&id);
		rc = 0;
		goto out;
	}
	if (proc_run(&p, &err)) {
		strbuf_addf(out, "error: %s", err.buf);
		goto out;
	}
	headtail_render(&p.out_buf, "the middle of stdout was cut; redirect to a file and Read or Grep it", out);
	if (p.err_buf.total) {
		if (out->len && out->buf[out->len - 1] != '\n')
			strbuf_addch(out, '\n');
		strbuf_addstr(out, "[stderr]\n");
		headtail_render(&p.err_buf, "the middle of stderr was cut", out);
	}
	if (out->len && out->buf[out->len - 1] != '\n')
		strbuf_addch(out, '\n');
	if (p.timed_out)
		strbuf_addf(out, "[timed out after %ld ms: the command and everything it started were killed]", timeout);
	else if (p.cancelled)
		strbuf_addstr(out, "[interrupted by the user: the command was killed]");
	else if (p.exit_code < 0)
		strbuf_addf(out, "[killed by signal %d]", p.term_signal);
	else
		strbuf_addf(out, "[exit code %d]", p.exit_code);
	rc = p.exit_code == 0 && !p.timed_out && !p.cancelled ? 0 : -1;
	if (rc && env->sandbox) {
		strbuf_addch(out, '\n');
		sandbox_describe(env->sandbox, out);
	}
out:
	sandbox_run_finish(&sr, out);
	proc_release(&p);
out_early:
	strbuf_release(&err);
	strbuf_release(&dir);
	return rc;
}

const struct tool tool_bash = {
	"Bash",
	"Run a shell command (bash -c) in the working directory and return its "
	"stdout, stderr and exit code. timeout is in milliseconds (default "
	"120000, at most 600000); on timeout the command and everything it "
	"started are killed. stdin is empty: commands must not wait for input. "
	"Very long output keeps its beginning and end. With run_in_background: true "
	"the command starts (in the same sandbox) and the call returns at once with "
	"a shell id: for a server or watcher to test against; read it with "
	"BashOutput (which can wait until a port listens or a line appears), stop "
	"it with KillShell.",
	"{\"type\":\"object\",\"properties\":{"
	"\"command\":{\"type\":\"string\",\"description\":\"The command line\"},"
	"\"timeout\":{\"type\":\"integer\",\"minimum\":1,\"description\":\"Milliseconds before the command is killed\"},"
	"\"cwd\":{\"type\":\"string\",\"description\":\"Directory to run in (default: the working directory)\"},"
	"\"description\":{\"type\":\"string\",\"description\":\"What the command does, in a few words, for the user\"},"
	"\"run_in_background\":{\"type\":\"boolean\",\"description\":\"Start it and return at once with a shell id (a server, a watcher)\"}},"
	"\"required\":[\"command\"],\"additionalProperties\":false}",
	0, run, TOOL_BUILTIN, NULL,
};
