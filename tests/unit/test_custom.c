/*
 * Custom commands (custom/command.c): every format loads from the
 * fixtures in tests/data/commands/, and expansion fills arguments and
 * includes files and command output through the io it is given.
 */
#include "testutil.h"

#include "custom/command.h"
#include "custom/skill.h"

#include <stdlib.h>
#include <string.h>

static int fake_read(void *ud, const char *path, struct strbuf *out)
{
	(void)ud;
	if (!strcmp(path, ".env")) {
		strbuf_addstr(out, "permission denied");
		return -1;
	}
	strbuf_addf(out, "content of %s", path);
	return 0;
}

static int fake_run(void *ud, const char *cmd, struct strbuf *out)
{
	(*(int *)ud)++;
	strbuf_addf(out, "[ran %s]", cmd);
	return 0;
}

static void expand_text(const char *path, const char *runtime, const char *args,
			const char *want)
{
	struct command_set cs;
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	char full[4096];
	int runs = 0;
	struct command_io io = { fake_read, fake_run, &runs };

	command_set_init(&cs);
	snprintf(full, sizeof(full), "%s/commands/%s", TEST_DATA_DIR, path);
	assert_int_equal(command_set_add_file(&cs, full, "x", runtime), 0);
	assert_int_equal(command_expand(&cs.v[0], args, &io, &out, &err), 0);
	if (strcmp(out.buf, want))
		fail_msg("%s: got\n%s\nwant\n%s", path, out.buf, want);
	command_set_release(&cs);
	strbuf_release(&out);
	strbuf_release(&err);
}

static void test_formats(void **state)
{
	(void)state;
	expand_text("claude/review.md", "claude", "src/api \"error paths\"",
		    "Review src/api with a focus on error paths.\n\nRepository state: [ran git status --short]\n\nAll arguments: src/api \"error paths\"");
	expand_text("gemini/git/commit.toml", "gemini", "fix",
		    "Write a commit message for these changes (fix):\n\n[ran git diff --staged --stat]\n\nFollow @{docs/style.md}.\n\n\n<file path=\"docs/style.md\">\ncontent of docs/style.md\n</file>");
	expand_text("codex/explain.md", "codex", "a.c b.c", "Explain a.c to a new team member.");
	/* no placeholder: the arguments follow */
	expand_text("claude/frontend/component.md", "claude", "Button",
		    "Create the component Button following @docs/style.md.\n\n<file path=\"docs/style.md\">\ncontent of docs/style.md\n</file>");
}

static void test_frontmatter_and_errors(void **state)
{
	struct command_set cs;
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	char dir[4096];
	const struct command *c;
	int runs = 0;
	struct command_io io = { fake_read, fake_run, &runs };
	char *root = tu_mkdtemp();

	(void)state;
	command_set_init(&cs);
	snprintf(dir, sizeof(dir), "%s/commands/claude/review.md", TEST_DATA_DIR);
	command_set_add_file(&cs, dir, "review", "claude");
	c = command_find(&cs, "review");
	assert_non_null(c);
	assert_string_equal(c->description, "Review a path for bugs");
	assert_string_equal(c->argument_hint, "PATH [FOCUS]");
	assert_int_equal(c->allowed_tools.nr, 2);
	assert_string_equal(c->allowed_tools.v[1], "Bash(git log:*)");
	/* a denied read fails the expansion, saying why */
	tu_write_str(root, "leak.md", "See @.env and mail me@example.com.\n");
	snprintf(dir, sizeof(dir), "%s/leak.md", root);
	command_set_add_file(&cs, dir, "leak", "archie");
	assert_int_equal(command_expand(command_find(&cs, "leak"), "", &io, &out, &err), -1);
	assert_non_null(strstr(err.buf, "@.env in it could not be read: permission denied"));
	/* an e-mail address is not a file; $10 is $1 then 0 */
	tu_write_str(root, "mail.md", "Write to me@example.com about $1 and $10.\n");
	snprintf(dir, sizeof(dir), "%s/mail.md", root);
	command_set_add_file(&cs, dir, "mail", "archie");
	strbuf_reset(&out);
	assert_int_equal(command_expand(command_find(&cs, "mail"), "x", &io, &out, &err), 0);
	assert_string_equal(out.buf, "Write to me@example.com about x and $10.");
	/* a TOML command without a prompt is a located error */
	tu_write_str(root, "bad.toml", "description = \"no prompt\"\n");
	snprintf(dir, sizeof(dir), "%s/bad.toml", root);
	assert_int_equal(command_set_add_file(&cs, dir, "bad", "gemini"), -1);
	assert_non_null(strstr(cs.diags.v[cs.diags.nr - 1].msg, "needs a string 'prompt'"));
	tu_write_str(root, "broken.toml", "prompt = \"\"\"never closed\n");
	snprintf(dir, sizeof(dir), "%s/broken.toml", root);
	assert_int_equal(command_set_add_file(&cs, dir, "broken", "gemini"), -1);
	assert_int_equal(cs.diags.v[cs.diags.nr - 1].line, 2);
	command_set_release(&cs);
	strbuf_release(&out);
	strbuf_release(&err);
	tu_rmrf(root);
	free(root);
}

static void test_split(void **state)
{
	char a[] = "/review src/api  now", b[] = "/ x", c[] = "no";
	char *name, *args;

	(void)state;
	assert_int_equal(command_split(a, &name, &args), 1);
	assert_string_equal(name, "review");
	assert_string_equal(args, "src/api  now");
	assert_int_equal(command_split(b, &name, &args), 0);
	assert_int_equal(command_split(c, &name, &args), 0);
}

/* The Agent Skills standard's rules, each a located error; allowed-tools
 * in its three spellings; what a skill in use lets run. */
static void test_skills(void **state)
{
	static const struct { const char *dir, *text, *msg; int line; } bad[] = {
		{ "p/a--b", "---\nname: a--b\ndescription: d\n---\nB\n", "two hyphens in a row", 2 },
		{ "p/-ab", "---\nname: -ab\ndescription: d\n---\nB\n", "start or end with a hyphen", 2 },
		{ "p/x", "---\nname: x\ndescription: \"\"\n---\nB\n", "needs a 'description:'", 3 },
		{ "p/y", "---\nname: y\ndescription: d\nmetadata: [1]\n---\nB\n", "'metadata' must be a map", 4 },
		{ "p/z", "---\nname: z\ndescription: d\nmetadata:\n  k: [1]\n---\nB\n", "each 'metadata' value must be a string", 5 },
		{ "p/w", "No frontmatter.\n", "starts with YAML frontmatter", 1 },
		{ "p/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		  "---\nname: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\ndescription: d\n---\nB\n", "1 to 64 characters", 2 },
	};
	static const char good[] =
		"---\nname: a\ndescription: Use it: when asked\nallowed-tools: Read Bash(git log:*), Grep\n---\nDo $ARGUMENTS.\n";
	struct skill_set ss;
	struct strbuf body = STRBUF_INIT, err = STRBUF_INIT;
	const struct skill *sk;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		skill_set_init(&ss);
		if (!skill_set_add(&ss, "SKILL.md", bad[i].dir, bad[i].text, strlen(bad[i].text)))
			fail_msg("%s: accepted", bad[i].dir);
		if (!strstr(ss.diags.v[0].msg, bad[i].msg) || ss.diags.v[0].line != bad[i].line)
			fail_msg("%s: %d: %s", bad[i].dir, ss.diags.v[0].line, ss.diags.v[0].msg);
		skill_set_release(&ss);
	}
	skill_set_init(&ss);
	assert_int_equal(skill_set_add(&ss, "a/SKILL.md", "p/a", good, strlen(good)), 0);
	sk = skill_find(&ss, "a");
	assert_non_null(sk);
	assert_string_equal(sk->description, "Use it: when asked");	/* Claude's leniency */
	assert_int_equal(sk->allowed_tools.nr, 3);
	assert_string_equal(sk->allowed_tools.v[1], "Bash(git log:*)");
	assert_true(skill_allows(sk, "Read"));
	assert_true(skill_allows(sk, "Bash"));
	assert_true(skill_allows(sk, "Skill"));
	assert_false(skill_allows(sk, "Write"));
	/* progressive disclosure: the list has the description, not the body */
	skill_list_prompt(&ss, NULL, &body);
	assert_non_null(strstr(body.buf, "- a: Use it: when asked"));
	assert_null(strstr(body.buf, "Do "));
	strbuf_reset(&body);
	assert_int_equal(skill_body(sk, "it now", &body, &err), -1);	/* its file is gone */
	skill_set_release(&ss);
	strbuf_release(&body);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_frontmatter_and_errors),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_skills),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
