/*
 * Policy tests: the shell parser on its own, and the corpus in
 * tests/data/policy/corpus.tsv (every command and path with its expected
 * verdict, bypass attempts included) decided in a workspace built here.
 */
#include "testutil.h"

#include "core/fileio.h"
#include "core/strbuf.h"
#include "policy/policy.h"
#include "policy/rules.h"
#include "policy/shell.h"

#include <errno.h>
#include <limits.h>

static char *root, *ws, *home;

static int setup(void **state)
{
	char p[4200];

	(void)state;
	tu_workspace(&root, &ws, &home);
	tu_write_str(root, "ws/.git/HEAD", "ref: refs/heads/main\n");
	tu_write_str(root, "ws/src/main.c", "int main(void) { return 0; }\n");
	tu_write_str(root, "ws/.env", "SECRET=1\n");
	tu_write_str(root, "ws/.env.example", "SECRET=\n");
	tu_write_str(root, "ws/config/app.yaml", "a: 1\n");
	tu_write_str(root, "ws/config/prod.yaml", "a: 2\n");
	tu_write_str(root, "ws/secrets/server.pem", "-----BEGIN\n");
	tu_write_str(root, "ws/sub/deeper/.keep", "");
	tu_write_str(root, "ws/list.txt", "a\n");
	tu_write_str(root, "ws/notes.txt", "a\nb\n");
	tu_write_str(root, "ws/.git/config", "[core]\n");
	tu_write_str(root, "ws/a/b/c/d/e/f/g/.env", "DEEP=1\n");
	tu_write_str(root, "ws/opts/-delete", "");
	tu_write_str(root, "ws/opts/--compress-program=sh", "");
	tu_write_str(root, "ws/opts/notes.txt", "x\n");
	tu_write_str(root, "home/.ssh/id_rsa", "-----BEGIN OPENSSH PRIVATE KEY-----\n");
	tu_write_str(root, "home/.aws/credentials", "[default]\n");
	tu_write_str(root, "outside.txt", "x\n");
	tu_write_str(root, "extra/a.txt", "x\n");
	tu_write_str(root, "extra/.env", "SECRET=1\n");
	tu_write_str(root, "extra-evil/a.txt", "x\n");
	snprintf(p, sizeof(p), "%s/extra/link_out", root);
	if (symlink("/etc", p))
		return -1;
	snprintf(p, sizeof(p), "%s/link_etc", ws);
	if (symlink("/etc", p))
		return -1;
	snprintf(p, sizeof(p), "%s/link_src", ws);
	if (symlink("src", p))
		return -1;
	setenv("HOME", home, 1);
	return chdir(ws);
}

static int teardown(void **state)
{
	(void)state;
	if (chdir("/"))
		return -1;
	tu_rmrf(root);
	free(root);
	free(ws);
	free(home);
	return 0;
}

static void unescape_newlines(char *s)
{
	char *r = s, *w = s;

	while (*r) {
		if (r[0] == '\\' && r[1] == 'n') {
			*w++ = '\n';
			r += 2;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

/* Splits the first k-1 tabs of line into f[0..k-1]; the last field keeps
 * any further tabs.  Returns the number of fields found. */
static int split(char *line, int k, char **f)
{
	int n = 0;

	while (n < k - 1) {
		char *t = strchr(line, '\t');

		f[n++] = line;
		if (!t)
			return n;
		*t = '\0';
		line = t + 1;
	}
	f[n++] = line;
	return n;
}

static void test_corpus(void **state)
{
	struct strbuf data = STRBUF_INIT, err = STRBUF_INIT, failures = STRBUF_INIT;
	struct policy p;
	char path[4200], *line, *save = NULL;
	size_t cases = 0, failed = 0;
	int group = 0, lineno = 0;
	char last_map[256] = "";

	(void)state;
	snprintf(path, sizeof(path), "%s/policy/corpus.tsv", TEST_DATA_DIR);
	if (file_read(path, 1 << 20, &data, &err))
		fail_msg("%s", err.buf);
	policy_init(&p, ws);
	for (line = strtok_r(data.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[5] = { 0 };
		int n, is_mode;

		lineno++;
		if (!*line || line[0] == '#')
			continue;
		is_mode = !strncmp(line, "mode\t", 5) || !strncmp(line, "root\t", 5);
		n = split(line, !strncmp(line, "rule\t", 5) ? 4 : !strncmp(line, "opencode\t", 9) ? 5 :
				is_mode ? 2 : 3, f);
		if (n < (is_mode ? 2 : 3))
			fail_msg("corpus line %d: too few columns", lineno);
		if (!strcmp(f[0], "rule")) {
			enum rule_action act;

			assert_int_equal(rules_parse_action(f[2], &act), 0);
			if (policy_add_rule(&p, f[1], f[3], act, &err))
				fail_msg("line %d: %s", lineno, err.buf);
			continue;
		}
		if (!strcmp(f[0], "root")) {
			/* a directory that counts as the workspace too */
			char dir[4300];

			snprintf(dir, sizeof(dir), "%s/%s", ws, f[1]);
			policy_add_root(&p, dir);
			continue;
		}
		if (!strcmp(f[0], "mode")) {
			/* the cases below: the verdict after this mode */
			assert_int_equal(policy_mode_parse(f[1], &p.mode), 0);
			continue;
		}
		if (!strcmp(f[0], "opencode")) {
			struct policy_rule r;
			char key[256];

			snprintf(key, sizeof(key), "%s/%s", f[1], f[2]);
			if (strcmp(key, last_map)) {
				group++;
				snprintf(last_map, sizeof(last_map), "%s", key);
			}
			memset(&r, 0, sizeof(r));
			r.tool = !strcmp(f[2], "bash") ? "Bash" : f[2];
			r.pattern = f[3];
			assert_int_equal(rules_parse_action(f[4], &r.action), 0);
			r.syntax = "opencode";
			r.group = group;
			r.line = lineno;
			policy_add_source(&p, f[1], &r, 1);
			continue;
		}
		{
			struct policy_decision d;
			json_t *args;
			const char *want = f[0];

			unescape_newlines(f[2]);
			args = policy_args_from_text(f[1], f[2]);
			policy_decision_init(&d);
			policy_decide(&p, f[1], args, ws, &d);
			cases++;
			if (strcmp(policy_verdict_name(p.mode == POLICY_MODE_DEFAULT ? d.raw : d.verdict), want)) {
				char *nl;

				while ((nl = strchr(f[2], '\n')) != NULL)
					*nl = '|';
				failed++;
				strbuf_addf(&failures, "line %d: %s %s: got %s, want %s (%s)\n",
					    lineno, f[1], f[2], policy_verdict_name(p.mode == POLICY_MODE_DEFAULT ? d.raw : d.verdict), want, d.why);
			}
			policy_decision_release(&d);
			json_decref(args);
		}
	}
	if (failed) {
		fputs(failures.buf, stderr);
		fail_msg("%zu of %zu cases wrong (listed above)", failed, cases);
	}
	assert_true(cases >= 450);
	policy_release(&p);
	strbuf_release(&data);
	strbuf_release(&err);
	strbuf_release(&failures);
}

static void test_modes(void **state)
{
	struct policy p;
	struct policy_decision d;
	json_t *a = json_pack("{s:s}", "command", "rm x");

	(void)state;
	policy_init(&p, ws);
	policy_decision_init(&d);
	assert_int_equal(policy_decide(&p, "Bash", a, ws, &d), POLICY_ASK);
	/* "allow for this session" is per command and subcommand */
	assert_int_equal(d.approvals.nr, 2);
	assert_string_equal(d.approvals.v[0], "Bash(rm x:*)");
	policy_decision_release(&d);
	p.mode = POLICY_MODE_ACCEPT;
	assert_int_equal(policy_decide(&p, "Bash", a, ws, &d), POLICY_ALLOW);
	assert_int_equal(d.raw, POLICY_ASK);
	policy_decision_release(&d);
	p.mode = POLICY_MODE_PLAN;
	assert_int_equal(policy_decide(&p, "Bash", a, ws, &d), POLICY_DENY);
	policy_decision_release(&d);
	json_decref(a);
	/* a denial stays a denial in accept mode */
	p.mode = POLICY_MODE_ACCEPT;
	a = json_pack("{s:s}", "path", ".env");
	assert_int_equal(policy_decide(&p, "Read", a, ws, &d), POLICY_DENY);
	policy_decision_release(&d);
	json_decref(a);
	policy_release(&p);
}

static void test_resolve(void **state)
{
	struct policy p;
	struct strbuf out = STRBUF_INIT;
	char want[4200];

	(void)state;
	policy_init(&p, ws);
	policy_resolve_path(&p, ws, "link_src/main.c", &out);
	snprintf(want, sizeof(want), "%s/src/main.c", p.root);
	assert_string_equal(out.buf, want);
	strbuf_reset(&out);
	policy_resolve_path(&p, ws, "link_etc/not-there/x", &out);
	assert_string_equal(out.buf, "/etc/not-there/x");
	assert_false(policy_inside(&p, out.buf));
	strbuf_reset(&out);
	policy_resolve_path(&p, ws, "~/.ssh/id_rsa", &out);
	assert_non_null(strstr(out.buf, "/home/.ssh/id_rsa"));
	strbuf_reset(&out);
	policy_resolve_path(&p, ws, "new/dir/../file", &out);
	snprintf(want, sizeof(want), "%s/new/file", p.root);
	assert_string_equal(out.buf, want);
	assert_true(policy_inside(&p, out.buf));
	strbuf_release(&out);
	policy_release(&p);
}

static void expect_cmds(const char *src, const char *want)
{
	struct shell_parse sp;
	struct strbuf got = STRBUF_INIT;
	size_t i;

	shell_parse_init(&sp);
	shell_parse(src, &sp);
	for (i = 0; i < sp.nr; i++) {
		strbuf_addf(&got, "%s[", i ? "|" : "");
		shell_cmd_text(&sp.cmds[i], 0, &got);
		strbuf_addch(&got, ']');
	}
	if (sp.uncertain)
		strbuf_addstr(&got, "?");
	if (strcmp(got.buf, want))
		fail_msg("%s: got %s, want %s", src, got.buf, want);
	strbuf_release(&got);
	shell_parse_release(&sp);
}

static void test_shell(void **state)
{
	(void)state;
	expect_cmds("git status && rm -rf x", "[git status]|[rm -rf x]");
	expect_cmds("echo $(cat .env)", "[cat .env]|[echo ]");
	expect_cmds("g\"\"it push", "[git push]");
	expect_cmds("\\git push", "[git push]");
	expect_cmds("$'\\x67it' push", "[git push]");
	expect_cmds("echo 'a;b' \"c|d\"", "[echo a;b c|d]");
	expect_cmds("a=1 b=2 make", "[make]");
	expect_cmds("ls # rm x", "[ls]");
	expect_cmds("echo a#b", "[echo a#b]");
	expect_cmds("x && { y; z; } || (w)", "[x]|[y]|[z]|[w]");
	expect_cmds("if a; then b; elif c; then d; else e; fi", "[a]|[b]|[c]|[d]|[e]");
	expect_cmds("for i in 1 2; do echo $i; done", "[echo ]");
	expect_cmds("case x in a|b) one;; *) two;; esac", "[one]|[two]");
	expect_cmds("cat <<EOF\n$(id)\nEOF\nnext", "[cat]|[id]|[: \n]|[next]");
	expect_cmds("cat <<'EOF'\n$(id)\nEOF", "[cat]");
	expect_cmds("diff <(a) >(b)", "[a]|[b]|[diff /dev/fd/N /dev/fd/N]");
	expect_cmds("echo \"unterminated", "?");
	expect_cmds("ls )", "[ls]?");
	expect_cmds("$(( 1 + 2 ))", "[]");	/* an empty, dynamic command: asks */
	expect_cmds("f() { body; }", "[body]");
	expect_cmds("a |& b", "[a]|[b]");
	expect_cmds("cmd &> out", "[cmd]");
	expect_cmds("echo x >&2", "[echo x]");
	expect_cmds("echo `a \\`b\\``", "[b]|[a ]|[echo ]");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shell),
		cmocka_unit_test_setup_teardown(test_corpus, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve, setup, teardown),
	};

	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
