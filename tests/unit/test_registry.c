/*
 * Unit tests for agent/registry: the search path order, overrides by name,
 * duplicates within one directory, the project root, and the built-ins.
 */
#include "testutil.h"

#include "agent/agent.h"
#include "agent/registry.h"
#include "core/strbuf.h"

static const char *agent_file(const char *name, const char *desc)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "---\nname: %s\ndescription: %s\n---\nPrompt for %s.\n",
		 name, desc, name);
	return buf;
}

static void load(struct agent_registry *reg, const char *root, const char *home,
		 const struct strvec *extra, int builtin)
{
	struct agent_search s;
	struct strbuf err = STRBUF_INIT;
	char cwd[4200];

	memset(&s, 0, sizeof(s));
	snprintf(cwd, sizeof(cwd), "%s/sub/dir", root);
	s.cwd = cwd;
	s.home = home;
	s.config_home = "";
	s.extra_dirs = extra;
	s.no_builtin = !builtin;
	agent_registry_init(reg);
	assert_int_equal(agent_registry_load(reg, &s, &err), 0);
	strbuf_release(&err);
}

static void test_override_order(void **state)
{
	char *root = tu_mkdtemp(), home[4200], flagdir[4200];
	struct strvec extra = STRVEC_INIT;
	struct agent_registry reg;
	const struct agent_entry *e;

	(void)state;
	snprintf(home, sizeof(home), "%s/home", root);
	snprintf(flagdir, sizeof(flagdir), "%s/flagdir", root);
	tu_write_str(root, "project/.git/HEAD", "ref: refs/heads/main\n");
	tu_write_str(root, "project/sub/dir/.keep", "");
	/* "shared" is defined everywhere; each later one wins */
	tu_write_str(root, "home/.config/archie/agents/shared.md", agent_file("shared", "user"));
	tu_write_str(root, "home/.config/archie/agents/user-only.md", agent_file("user-only", "user"));
	tu_write_str(root, "project/.claude/agents/shared.md", agent_file("shared", "claude"));
	tu_write_str(root, "project/.claude/agents/claude-only.md", agent_file("claude-only", "claude"));
	tu_write_str(root, "project/.opencode/agent/shared.md", agent_file("shared", "opencode"));
	tu_write_str(root, "project/.opencode/agents/shared.md", agent_file("shared", "opencode-plural"));
	tu_write_str(root, "project/.gemini/agents/shared.md", agent_file("shared", "gemini"));
	tu_write_str(root, "project/.gemini/agents/gemini-only.md", agent_file("gemini-only", "gemini"));
	tu_write_str(root, "project/.archie/agents/shared.md", agent_file("shared", "archie"));
	/* a project agent overriding a built-in */
	tu_write_str(root, "project/.claude/agents/backend-architect.md",
		     agent_file("backend-architect", "project override"));
	{
		char proj[4200];

		snprintf(proj, sizeof(proj), "%s/project", root);
		load(&reg, proj, home, NULL, 1);
	}
	e = agent_registry_entry(&reg, "shared");
	assert_non_null(e);
	assert_string_equal(e->agent->description, "archie");
	assert_int_equal(e->shadowed_nr, 5);
	assert_string_equal(e->shadowed[0]->description, "user");
	assert_string_equal(e->shadowed[1]->description, "claude");
	assert_string_equal(e->shadowed[2]->description, "opencode");
	assert_string_equal(e->shadowed[3]->description, "opencode-plural");
	assert_string_equal(e->shadowed[4]->description, "gemini");
	assert_string_equal(agent_registry_find(&reg, "user-only")->description, "user");
	assert_string_equal(agent_registry_find(&reg, "claude-only")->description, "claude");
	assert_string_equal(agent_registry_find(&reg, "gemini-only")->description, "gemini");
	e = agent_registry_entry(&reg, "backend-architect");
	assert_string_equal(e->agent->description, "project override");
	assert_int_equal(e->shadowed_nr, 1);
	assert_true(e->shadowed[0]->builtin);
	assert_non_null(agent_registry_find(&reg, "security-auditor"));
	assert_null(agent_registry_find(&reg, "nope"));
	/* sorted by name */
	assert_string_equal(reg.entries[0].agent->name, "api-designer");
	assert_int_equal(reg.diags.errors, 0);
	agent_registry_release(&reg);

	/* --agents-dir beats everything */
	tu_write_str(root, "flagdir/shared.md", agent_file("shared", "flag"));
	strvec_push(&extra, flagdir);
	{
		char proj[4200];

		snprintf(proj, sizeof(proj), "%s/project", root);
		load(&reg, proj, home, &extra, 0);
	}
	assert_string_equal(agent_registry_find(&reg, "shared")->description, "flag");
	assert_int_equal(agent_registry_entry(&reg, "shared")->shadowed_nr, 6);
	/* no_builtin: only files */
	assert_null(agent_registry_find(&reg, "security-auditor"));
	agent_registry_release(&reg);
	strvec_release(&extra);
	tu_rmrf(root);
	free(root);
}

static void test_duplicates_and_errors(void **state)
{
	char *root = tu_mkdtemp();
	struct agent_registry reg;
	size_t i, dup = 0, broken = 0;

	(void)state;
	tu_write_str(root, ".git/HEAD", "x");
	tu_write_str(root, ".claude/agents/a.md", agent_file("same", "first"));
	tu_write_str(root, ".claude/agents/nested/b.md", agent_file("same", "second"));
	tu_write_str(root, ".claude/agents/broken.md", "---\nname: broken\ndescription: d\ntools: 5\n---\nP\n");
	tu_write_str(root, ".claude/agents/README.md", "# Not an agent\n");
	tu_write_str(root, ".claude/agents/notes.txt", "not markdown");
	load(&reg, root, root, NULL, 0);
	assert_int_equal(reg.nr, 1);
	assert_string_equal(agent_registry_find(&reg, "same")->description, "first");
	for (i = 0; i < reg.diags.nr; i++) {
		if (strstr(reg.diags.v[i].msg, "duplicate agent name 'same'")) {
			dup++;
			assert_non_null(strstr(reg.diags.v[i].file, "nested/b.md"));
			assert_int_equal(reg.diags.v[i].line, 2);
			assert_int_equal(reg.diags.v[i].col, 7);
		}
		if (strstr(reg.diags.v[i].file, "broken.md"))
			broken++;
	}
	assert_int_equal(dup, 1);
	assert_int_equal(broken, 1);
	assert_int_equal(reg.files, 3);
	agent_registry_release(&reg);
	tu_rmrf(root);
	free(root);
}

static void test_project_root(void **state)
{
	char *root = tu_mkdtemp(), path[4200];
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	tu_write_str(root, "repo/.git/HEAD", "x");
	tu_write_str(root, "repo/a/b/.keep", "");
	snprintf(path, sizeof(path), "%s/repo/a/b", root);
	agent_project_root(path, &sb);
	snprintf(path, sizeof(path), "%s/repo", root);
	assert_string_equal(sb.buf, path);
	strbuf_reset(&sb);
	/* a worktree's .git is a file */
	tu_write_str(root, "wt/.git", "gitdir: /elsewhere\n");
	tu_write_str(root, "wt/x/.keep", "");
	snprintf(path, sizeof(path), "%s/wt/x", root);
	agent_project_root(path, &sb);
	snprintf(path, sizeof(path), "%s/wt", root);
	assert_string_equal(sb.buf, path);
	strbuf_release(&sb);
	tu_rmrf(root);
	free(root);
}

static void test_builtins_are_clean(void **state)
{
	char *root = tu_mkdtemp();
	struct agent_registry reg;
	static const char *const specialists[] = {
		"database-optimizer", "security-auditor", "api-designer",
		"performance-engineer", "devops-engineer",
	};
	const struct agent *ba;
	size_t i;

	(void)state;
	load(&reg, root, root, NULL, 1);
	/* every built-in parses with no diagnostic at all */
	for (i = 0; i < reg.diags.nr; i++)
		fail_msg("%s:%d: %s", reg.diags.v[i].file, reg.diags.v[i].line,
			 reg.diags.v[i].msg);
	ba = agent_registry_find(&reg, "backend-architect");
	assert_non_null(ba);
	assert_true(ba->builtin);
	assert_int_equal(ba->mode, AGENT_MODE_PRIMARY);
	/* the prompt carries the method and the seven sections */
	assert_non_null(strstr(ba->prompt, "TodoWrite"));
	assert_non_null(strstr(ba->prompt, "Task tool"));
	assert_non_null(strstr(ba->prompt, "Executive Summary"));
	assert_non_null(strstr(ba->prompt, "Architecture Overview"));
	assert_non_null(strstr(ba->prompt, "Service Definitions"));
	assert_non_null(strstr(ba->prompt, "API Contracts"));
	assert_non_null(strstr(ba->prompt, "Data Schema"));
	assert_non_null(strstr(ba->prompt, "Technology Stack Rationale"));
	assert_non_null(strstr(ba->prompt, "Key Considerations"));
	assert_non_null(strstr(ba->prompt, "10x"));
	for (i = 0; i < sizeof(specialists) / sizeof(*specialists); i++) {
		const struct agent *s = agent_registry_find(&reg, specialists[i]);

		assert_non_null(s);
		assert_int_equal(s->mode, AGENT_MODE_SUBAGENT);
		/* the architect's prompt says when to use each */
		assert_non_null(strstr(ba->prompt, specialists[i]));
	}
	agent_registry_release(&reg);
	tu_rmrf(root);
	free(root);
}

/* A directory of hundreds of agents is parsed by several threads: the
 * result is the same as one thread's (every agent, in name order; each
 * duplicate and each broken file reported once, at its place). */
static void test_many_agents(void **state)
{
	char *root = tu_mkdtemp();
	struct agent_registry reg;
	char rel[64], text[256];
	size_t i, dup = 0, broken = 0;

	(void)state;
	tu_write_str(root, ".git/HEAD", "x");
	for (i = 0; i < 300; i++) {
		snprintf(rel, sizeof(rel), ".claude/agents/a%03zu.md", i);
		snprintf(text, sizeof(text), "---\nname: agent-%03zu\ndescription: d%zu\n---\nP%zu\n", i, i, i);
		tu_write_str(root, rel, text);
	}
	tu_write_str(root, ".claude/agents/z-dup.md", "---\nname: agent-007\ndescription: again\n---\nP\n");
	tu_write_str(root, ".claude/agents/z-broken.md", "---\nname: b\ndescription: d\ntools: 5\n---\nP\n");
	load(&reg, root, root, NULL, 0);
	assert_int_equal(reg.nr, 300);
	for (i = 0; i < reg.nr; i++) {
		snprintf(rel, sizeof(rel), "agent-%03zu", i);
		assert_string_equal(reg.entries[i].agent->name, rel);
	}
	assert_string_equal(agent_registry_find(&reg, "agent-007")->description, "d7");
	for (i = 0; i < reg.diags.nr; i++) {
		dup += strstr(reg.diags.v[i].msg, "duplicate agent name 'agent-007'") != NULL;
		broken += strstr(reg.diags.v[i].file, "z-broken.md") != NULL;
	}
	assert_int_equal(dup, 1);
	assert_int_equal(broken, 1);
	agent_registry_release(&reg);
	tu_rmrf(root);
	free(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_override_order),
		cmocka_unit_test(test_duplicates_and_errors),
		cmocka_unit_test(test_project_root),
		cmocka_unit_test(test_builtins_are_clean),
		cmocka_unit_test(test_many_agents),
	};

	return cmocka_run_group_tests_name("registry", tests, NULL, NULL);
}
