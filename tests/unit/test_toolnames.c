/* Unit tests for tools/toolnames: every runtime's vocabulary. */
#include "testutil.h"

#include "core/toolnames.h"

struct name_case {
	const char *name;
	enum toolname_kind kind;
	const char *canonical;
};

static const struct name_case cases[] = {
	/* Claude Code */
	{ "Read", TOOLNAME_CANONICAL, "Read" }, { "Write", TOOLNAME_CANONICAL, "Write" },
	{ "Edit", TOOLNAME_CANONICAL, "Edit" }, { "MultiEdit", TOOLNAME_CANONICAL, "MultiEdit" },
	{ "Glob", TOOLNAME_CANONICAL, "Glob" }, { "Grep", TOOLNAME_CANONICAL, "Grep" },
	{ "LS", TOOLNAME_CANONICAL, "LS" }, { "Bash", TOOLNAME_CANONICAL, "Bash" },
	{ "TodoWrite", TOOLNAME_CANONICAL, "TodoWrite" },
	{ "WebFetch", TOOLNAME_CANONICAL, "WebFetch" }, { "Task", TOOLNAME_CANONICAL, "Task" },
	{ "WebSearch", TOOLNAME_CANONICAL, "WebSearch" },
	{ "NotebookEdit", TOOLNAME_UNAVAILABLE, "NotebookEdit" },
	{ "Bash(git status:*)", TOOLNAME_CANONICAL, "Bash" },
	/* OpenCode */
	{ "read", TOOLNAME_CANONICAL, "Read" }, { "write", TOOLNAME_CANONICAL, "Write" },
	{ "edit", TOOLNAME_CANONICAL, "Edit" }, { "patch", TOOLNAME_CANONICAL, "ApplyPatch" },
	{ "grep", TOOLNAME_CANONICAL, "Grep" }, { "glob", TOOLNAME_CANONICAL, "Glob" },
	{ "list", TOOLNAME_CANONICAL, "LS" }, { "bash", TOOLNAME_CANONICAL, "Bash" },
	{ "todowrite", TOOLNAME_CANONICAL, "TodoWrite" },
	{ "todoread", TOOLNAME_CANONICAL, "TodoRead" },
	{ "webfetch", TOOLNAME_CANONICAL, "WebFetch" },
	/* Gemini CLI */
	{ "ReadFile", TOOLNAME_CANONICAL, "Read" }, { "read_file", TOOLNAME_CANONICAL, "Read" },
	{ "ReadFolder", TOOLNAME_CANONICAL, "LS" }, { "list_directory", TOOLNAME_CANONICAL, "LS" },
	{ "FindFiles", TOOLNAME_CANONICAL, "Glob" },
	{ "SearchText", TOOLNAME_CANONICAL, "Grep" },
	{ "search_file_content", TOOLNAME_CANONICAL, "Grep" },
	{ "grep_search", TOOLNAME_CANONICAL, "Grep" },
	{ "ReadManyFiles", TOOLNAME_CANONICAL, "ReadManyFiles" },
	{ "read_many_files", TOOLNAME_CANONICAL, "ReadManyFiles" },
	{ "replace", TOOLNAME_CANONICAL, "Edit" },
	{ "WriteFile", TOOLNAME_CANONICAL, "Write" }, { "write_file", TOOLNAME_CANONICAL, "Write" },
	{ "Shell", TOOLNAME_CANONICAL, "Bash" },
	{ "run_shell_command", TOOLNAME_CANONICAL, "Bash" },
	{ "SaveMemory", TOOLNAME_CANONICAL, "SaveMemory" },
	{ "save_memory", TOOLNAME_CANONICAL, "SaveMemory" },
	{ "web_fetch", TOOLNAME_CANONICAL, "WebFetch" },
	{ "GoogleSearch", TOOLNAME_CANONICAL, "WebSearch" },
	{ "google_web_search", TOOLNAME_CANONICAL, "WebSearch" },
	/* Codex */
	{ "shell", TOOLNAME_CANONICAL, "Bash" },
	{ "apply_patch", TOOLNAME_CANONICAL, "ApplyPatch" },
	{ "update_plan", TOOLNAME_CANONICAL, "TodoWrite" },
	/* case-insensitive fallback, MCP, unknown */
	{ "READ_FILE", TOOLNAME_CANONICAL, "Read" },
	{ "mcp__context7__get-library-docs", TOOLNAME_MCP, NULL },
	{ "mcp__github", TOOLNAME_MCP, NULL },
	{ "Frobnicate", TOOLNAME_UNKNOWN, NULL },
	{ "mcp__", TOOLNAME_UNKNOWN, NULL },
	{ "", TOOLNAME_UNKNOWN, NULL },
};

static void test_vocabularies(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct toolname_info info = toolname_lookup(cases[i].name);

		if (info.kind != cases[i].kind)
			fail_msg("%s: kind %d, want %d", cases[i].name, info.kind,
				 cases[i].kind);
		if (cases[i].canonical)
			assert_string_equal(info.canonical, cases[i].canonical);
	}
}

static void test_defaults_are_canonical(void **state)
{
	const char *const *d = toolname_defaults();
	size_t i;

	(void)state;
	for (i = 0; d[i]; i++) {
		struct toolname_info info = toolname_lookup(d[i]);

		assert_true(toolname_is_canonical(d[i]));
		assert_int_equal(info.kind, TOOLNAME_CANONICAL);
		assert_string_equal(info.canonical, d[i]);
	}
	assert_true(i >= 15);
	assert_false(toolname_is_canonical("read"));
}

static void test_split_mcp(void **state)
{
	size_t slen;
	const char *tool;

	(void)state;
	assert_int_equal(toolname_split_mcp("mcp__srv__do_it", &slen, &tool), 0);
	assert_int_equal(slen, 3);
	assert_string_equal(tool, "do_it");
	assert_int_equal(toolname_split_mcp("mcp__srv", &slen, &tool), 0);
	assert_string_equal(tool, "");
	assert_int_equal(toolname_split_mcp("Read", &slen, &tool), -1);
	assert_int_equal(toolname_split_mcp("mcp____x", &slen, &tool), -1);
}

/* Every current tool of each runtime is known: provided (under archie's
 * name) or "not provided", with what to use instead where archie has it. */
/* MCP names as the model APIs take them: Claude Code's sanitising, a
 * stable hash for long or colliding ones, and rules written with either
 * name matching. */
static void test_mcp_offer(void **state)
{
	char out[TOOLNAME_MCP_MAX + 1], again[TOOLNAME_MCP_MAX + 1];
	char longname[200];

	(void)state;
	toolname_mcp_offer("context7", "get-library-docs", 0, out);
	assert_string_equal(out, "mcp__context7__get-library-docs");
	toolname_mcp_offer("my.server", "files/read all", 0, out);
	assert_string_equal(out, "mcp__my_server__files_read_all");
	memset(longname, 'x', 90);
	longname[90] = 0;
	toolname_mcp_offer("srv", longname, 0, out);
	assert_int_equal(strlen(out), 64);
	assert_memory_equal(out, "mcp__srv__xxxx", 14);
	assert_int_equal(out[55], '_');
	toolname_mcp_offer("srv", longname, 0, again);
	assert_string_equal(out, again);	/* stable */
	longname[89] = 'y';
	toolname_mcp_offer("srv", longname, 0, again);
	assert_string_not_equal(out, again);	/* the hash tells them apart */
	/* a collision: the hashed form, still short enough */
	toolname_mcp_offer("my_server", "x", 1, out);
	assert_true(strlen(out) <= 64);
	assert_memory_equal(out, "mcp__my_server__x_", 18);
	toolname_mcp_offer("s", "\xc3\xa9t\xc3\xa9", 0, out);	/* UTF-8: each byte made '_' */
	assert_string_equal(out, "mcp__s____t__");
}

static void test_mcp_match(void **state)
{
	char out[TOOLNAME_MCP_MAX + 1], longname[200];

	(void)state;
	assert_true(toolname_mcp_match("mcp__my.server__echo", "mcp__my_server__echo"));
	assert_true(toolname_mcp_match("mcp__my_server__echo", "mcp__my_server__echo"));
	assert_true(toolname_mcp_match("mcp__my.server__*", "mcp__my_server__echo"));
	assert_true(toolname_mcp_match("mcp__my.server", "mcp__my_server__echo"));
	assert_false(toolname_mcp_match("mcp__my.server__echo", "mcp__my_server__echo2"));
	assert_false(toolname_mcp_match("mcp__other__*", "mcp__my_server__echo"));
	assert_false(toolname_mcp_match("Bash", "mcp__my_server__echo"));
	/* the hashed forms, long or colliding, from the original name */
	memset(longname, 'x', 90);
	longname[90] = 0;
	toolname_mcp_offer("srv", longname, 0, out);
	{
		char ref[256];

		snprintf(ref, sizeof(ref), "mcp__srv__%s", longname);
		assert_true(toolname_mcp_match(ref, out));
	}
	toolname_mcp_offer("my.server", "echo", 1, out);
	assert_true(toolname_mcp_match("mcp__my.server__echo", out));
	assert_true(toolname_mcp_match("mcp__my.server__*", out));
	assert_false(toolname_mcp_match("mcp__my_server__echo", out) &&
		     !strcmp(out, "mcp__my_server__echo"));
}

static void test_every_runtimes_tools(void **state)
{
	static const struct { const char *name; enum toolname_kind kind; const char *canonical, *instead; } rt_cases[] = {
		{ "TeamCreate", TOOLNAME_UNAVAILABLE, "TeamCreate", "Task (subagents)" },
		{ "TeamDelete", TOOLNAME_UNAVAILABLE, "TeamDelete", "Task (subagents)" },
		{ "SendMessage", TOOLNAME_UNAVAILABLE, "SendMessage", "Task (subagents)" },
		{ "TaskCreate", TOOLNAME_UNAVAILABLE, "TaskCreate", "TodoWrite (the plan)" },
		{ "TaskList", TOOLNAME_UNAVAILABLE, "TaskList", "TodoWrite (the plan)" },
		{ "TaskGet", TOOLNAME_UNAVAILABLE, "TaskGet", "TodoWrite (the plan)" },
		{ "TaskUpdate", TOOLNAME_UNAVAILABLE, "TaskUpdate", "TodoWrite (the plan)" },
		{ "AskUserQuestion", TOOLNAME_UNAVAILABLE, "AskUserQuestion", "the agent asks its question in its answer" },
		{ "question", TOOLNAME_UNAVAILABLE, "question", "the agent asks its question in its answer" },
		{ "codesearch", TOOLNAME_UNAVAILABLE, "codesearch", "Grep" },
		{ "invoke_agent", TOOLNAME_CANONICAL, "Task", NULL },
		{ "apply_patch", TOOLNAME_CANONICAL, "ApplyPatch", NULL },
		{ "exec_command", TOOLNAME_CANONICAL, "Bash", NULL },
		{ "tracker_create_task", TOOLNAME_UNAVAILABLE, "tracker_create_task", "TodoWrite (the plan)" },
		{ "ToolSearch", TOOLNAME_UNAVAILABLE, "ToolSearch", NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rt_cases) / sizeof(*rt_cases); i++) {
		struct toolname_info info = toolname_lookup(rt_cases[i].name);

		if (info.kind != rt_cases[i].kind)
			fail_msg("%s: kind %d, want %d", rt_cases[i].name, info.kind, rt_cases[i].kind);
		assert_string_equal(info.canonical, rt_cases[i].canonical);
		if (rt_cases[i].instead)
			assert_string_equal(info.instead, rt_cases[i].instead);
		else
			assert_null(info.instead);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vocabularies),
		cmocka_unit_test(test_defaults_are_canonical),
		cmocka_unit_test(test_split_mcp),
		cmocka_unit_test(test_mcp_offer),
		cmocka_unit_test(test_mcp_match),
		cmocka_unit_test(test_every_runtimes_tools),
	};

	return cmocka_run_group_tests_name("toolnames", tests, NULL, NULL);
}
