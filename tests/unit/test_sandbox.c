/*
 * Sandbox tests, Landlock backend (bubblewrap, which hides the test's
 * /tmp from commands, is tested end to end by tests/e2e/t_sandbox.sh
 * through `archie sandbox check`): the same commands fail inside the
 * sandbox and succeed with it off — writing outside the workspace
 * (through a .. path and into a fake HOME), reading a planted key in the
 * fake HOME's ~/.ssh, and a TCP connection to a loopback listener.
 * Skipped (with a note) on kernels without Landlock.
 */
#include "testutil.h"
#include "fakellm.h"

#include "core/strbuf.h"
#include "core/xalloc.h"
#include "policy/sandbox.h"
#include "tools/tool.h"

static char *root, *ws, *home;
static char etc_probe[256];

static int setup(void **state)
{
	(void)state;
	setenv("ARCHIE_SANDBOX", "landlock", 1);
	tu_workspace(&root, &ws, &home);
	tu_write_str(root, "ws/src/a.c", "int a;\n");
	tu_write_str(root, "ws/.env", "SECRET=1\n");
	tu_write_str(root, "home/.ssh/id_rsa", "-----BEGIN FAKE KEY-----\n");
	tu_write_str(root, "home/notes.txt", "not secret\n");
	snprintf(etc_probe, sizeof(etc_probe), "/etc/archie-sandbox-test-%d", (int)getpid());
	return chdir(ws);
}

static int teardown(void **state)
{
	(void)state;
	unlink(etc_probe);
	if (chdir("/"))
		return -1;
	tu_rmrf(root);
	free(root);
	free(ws);
	free(home);
	return 0;
}

static int run_bash(struct sandbox *sb, const char *cmd, struct strbuf *out)
{
	struct tool_env env;
	json_t *a = json_pack("{s:s}", "command", cmd);
	char *args = json_dumps(a, 0);
	int rc;

	memset(&env, 0, sizeof(env));
	env.root = ws;
	env.cwd = ws;
	env.sandbox = sb;
	strbuf_reset(out);
	rc = tool_call(tool_find("Bash"), &env, args, out);
	free(args);
	json_decref(a);
	return rc;
}

static void make_sandbox(struct sandbox *sb, enum sandbox_mode mode)
{
	struct strbuf p = STRBUF_INIT;

	sandbox_init(sb, mode, ws);
	/* the test's HOME is under the system temp dir: give the sandbox
	 * another one so HOME is really outside what it may write */
	free(sb->tmpdir);
	strbuf_addf(&p, "%s/tmp", root);
	mkdir(p.buf, 0700);
	sb->tmpdir = strbuf_detach(&p, NULL);
	/* the secrets to hide are found by name: ~/.ssh in this HOME, .env */
	free(sb->home);
	sb->home = xstrdup(home);
	strbuf_release(&p);
}

static void test_confinement(void **state)
{
	struct sandbox on, off;
	struct strbuf out = STRBUF_INIT, cmd = STRBUF_INIT, err = STRBUF_INIT;
	struct fakellm f;
	size_t i;
	struct { const char *what; const char *fmt; } cases[] = {
		{ "write outside the workspace through ..", "touch /tmp/../%s" },
		{ "write into HOME", "echo x > %s/outside.txt" },
		{ "read a key in ~/.ssh", "cat %s/.ssh/id_rsa" },
		{ "read the workspace .env", "cat .env%s" },
		{ "connect to a loopback TCP listener", "exec 3<>/dev/tcp/127.0.0.1/%s" },
	};
	char port[16];

	(void)state;
	make_sandbox(&on, SANDBOX_WORKSPACE_WRITE);
	assert_int_equal(sandbox_prepare(&on, &err), 0);
	if (on.unavailable) {
		print_message("sandbox unavailable here: %s\n", on.unavailable);
		sandbox_release(&on);
		skip();
	}
	make_sandbox(&off, SANDBOX_OFF);
	fakellm_start(&f, "{\"responses\":[]}");
	snprintf(port, sizeof(port), "%d", f.port);
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const char *arg = i == 0 ? etc_probe + 1 : i == 3 ? "" : i == 4 ? port : home;

		strbuf_reset(&cmd);
		strbuf_addf(&cmd, cases[i].fmt, arg);
		if (!run_bash(&on, cmd.buf, &out))
			fail_msg("sandboxed, '%s' (%s) succeeded:\n%s", cmd.buf, cases[i].what, out.buf);
		/* the refusal is explained in plain words */
		if (!strstr(out.buf, "ran in archie's sandbox"))
			fail_msg("no explanation for '%s':\n%s", cmd.buf, out.buf);
		if (run_bash(&off, cmd.buf, &out))
			fail_msg("unsandboxed, '%s' (%s) failed:\n%s", cmd.buf, cases[i].what, out.buf);
	}
	/* what a command may do in the sandbox still works */
	if (run_bash(&on, "echo ok > src/b.txt && cat src/b.txt src/a.c && ls / >/dev/null && "
		     "cat /etc/hostname >/dev/null && echo tmp > ../tmp/t && rm ../tmp/t", &out))
		fail_msg("allowed work failed in the sandbox:\n%s", out.buf);
	assert_non_null(strstr(out.buf, "ok\nint a;"));
	{
		char p[4300];

		snprintf(p, sizeof(p), "cat %s/notes.txt && ls %s", home, home);
		assert_int_equal(run_bash(&on, p, &out), 0);
		assert_non_null(strstr(out.buf, "not secret"));
	}
	/* read-only: not even the workspace */
	{
		struct sandbox ro;

		make_sandbox(&ro, SANDBOX_READ_ONLY);
		assert_int_equal(sandbox_prepare(&ro, &err), 0);
		assert_int_not_equal(run_bash(&ro, "touch src/new.txt", &out), 0);
		assert_int_equal(run_bash(&ro, "cat src/a.c", &out), 0);
		sandbox_release(&ro);
	}
	/* network allowed */
	{
		struct sandbox net;

		make_sandbox(&net, SANDBOX_WORKSPACE_WRITE);
		net.network = 1;
		assert_int_equal(sandbox_prepare(&net, &err), 0);
		strbuf_reset(&cmd);
		strbuf_addf(&cmd, "exec 3<>/dev/tcp/127.0.0.1/%s", port);
		assert_int_equal(run_bash(&net, cmd.buf, &out), 0);
		sandbox_release(&net);
	}
	fakellm_stop(&f);
	sandbox_release(&on);
	sandbox_release(&off);
	strbuf_release(&out);
	strbuf_release(&cmd);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_confinement, setup, teardown),
	};

	return cmocka_run_group_tests_name("sandbox", tests, NULL, NULL);
}
