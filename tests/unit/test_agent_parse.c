/*
 * Unit tests for agent/agent_parse and agent/frontmatter: one fixture of
 * each format users have (tests/data/agents/), every resolved field
 * asserted, and every kind of malformed input giving a located error.
 */
#include "testutil.h"
#include "core/fileio.h"

#include "agent/agent.h"
#include "core/diag.h"
#include "core/strbuf.h"
#include "core/strvec.h"
#include "core/utf8.h"

static struct agent *load(const char *rel, struct diag_list *dl)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/agents/%s", TEST_DATA_DIR, rel);
	return agent_load_file(path, dl);
}

static struct agent *parse_str(const char *path, const char *s,
			       struct diag_list *dl)
{
	return agent_parse(path, s, strlen(s), dl);
}

static void assert_tools(const struct agent *a, const char *expected_enabled,
			 const char *expected_mcp, const char *expected_unavail)
{
	struct agent_tools t;
	struct strbuf en = STRBUF_INIT, mcp = STRBUF_INIT, un = STRBUF_INIT;
	size_t i;

	agent_tools_init(&t);
	agent_resolve_tools(a, &t);
	for (i = 0; i < t.enabled.nr; i++)
		strbuf_addf(&en, "%s%s", i ? "," : "", t.enabled.v[i]);
	for (i = 0; i < t.mcp.nr; i++)
		strbuf_addf(&mcp, "%s%s", i ? "," : "", t.mcp.v[i]);
	for (i = 0; i < t.unavailable.nr; i++)
		strbuf_addf(&un, "%s%s", i ? "," : "", t.unavailable.v[i]);
	assert_string_equal(en.buf, expected_enabled);
	assert_string_equal(mcp.buf, expected_mcp);
	assert_string_equal(un.buf, expected_unavail);
	strbuf_release(&en);
	strbuf_release(&mcp);
	strbuf_release(&un);
	agent_tools_release(&t);
}

/* The single diagnostic of dl, formatted without the directory. */
static void assert_one_diag(const struct diag_list *dl, enum diag_severity sev,
			    int line, int col, const char *msg_part)
{
	assert_int_equal(dl->nr, 1);
	assert_int_equal(dl->v[0].severity, sev);
	assert_int_equal(dl->v[0].line, line);
	assert_int_equal(dl->v[0].col, col);
	if (!strstr(dl->v[0].msg, msg_part))
		fail_msg("message '%s' lacks '%s'", dl->v[0].msg, msg_part);
}

static void test_claude_code(void **state)
{
	struct diag_list dl = DIAG_LIST_INIT;
	struct agent *a = load("claude/db-reviewer.md", &dl);

	(void)state;
	assert_non_null(a);
	assert_string_equal(a->name, "db-reviewer");
	assert_string_equal(a->description,
			    "Reviews database migrations for locking and index problems. Use after any schema change.");
	assert_string_equal(a->format, "claude");
	assert_int_equal(a->mode, AGENT_MODE_ALL);
	assert_string_equal(a->model, "sonnet");
	assert_string_equal(a->color, "green");
	assert_false(a->has_temperature);
	assert_int_equal(a->tools_spec, AGENT_TOOLS_LIST);
	assert_int_equal(a->tools_nr, 6);
	assert_string_equal(a->tools[5].name, "NotebookEdit");
	assert_int_equal(a->tools[5].line, 4);
	assert_int_equal(a->tools[5].col, 43);
	assert_tools(a, "Read,Glob,Grep,Bash,BashOutput,KillShell,WebSearch", "", "NotebookEdit");
	assert_int_equal(a->rules_nr, 0);
	assert_int_equal(json_object_size(a->extra), 0);
	assert_true(!strncmp(a->prompt, "You are a database reviewer.", 28));
	assert_non_null(strstr(a->prompt, "- missing indexes on foreign keys"));
	/* a tool archie lacks is reported, not silently dropped */
	assert_one_diag(&dl, DIAG_WARNING, 4, 43, "tool 'NotebookEdit' is not provided");
	agent_free(a);
	diag_list_release(&dl);
}

static void test_claude_permissions(void **state)
{
	struct diag_list dl = DIAG_LIST_INIT;
	struct agent *a = load("claude/permissions.md", &dl);

	(void)state;
	assert_non_null(a);
	assert_int_equal(dl.nr, 0);
	assert_string_equal(a->name, "careful-builder");
	assert_string_equal(a->model, "inherit");
	/* "Bash(npm run *)" in tools is the Bash tool */
	assert_tools(a, "Read,Edit,Bash,BashOutput,KillShell", "", "");
	assert_int_equal(a->rules_nr, 6);
	assert_string_equal(a->rules[0].tool, "Bash");
	assert_string_equal(a->rules[0].pattern, "npm run test:*");
	assert_int_equal(a->rules[0].action, RULE_ALLOW);
	assert_string_equal(a->rules[0].syntax, "claude");
	assert_int_equal(a->rules[0].line, 8);
	assert_string_equal(a->rules[1].tool, "Read");
	assert_string_equal(a->rules[1].pattern, "./src/**");
	assert_string_equal(a->rules[2].pattern, "git push:*");
	assert_int_equal(a->rules[2].action, RULE_ASK);
	assert_string_equal(a->rules[3].tool, "Read");
	assert_string_equal(a->rules[3].pattern, "./.env");
	assert_int_equal(a->rules[3].action, RULE_DENY);
	assert_string_equal(a->rules[4].pattern, "curl *");
	assert_string_equal(a->rules[5].tool, "mcp__github");
	assert_null(a->rules[5].pattern);
	assert_int_equal(a->rules[5].action, RULE_DENY);
	agent_free(a);
	diag_list_release(&dl);
}

static void test_opencode(void **state)
{
	struct diag_list dl = DIAG_LIST_INIT;
	struct agent *a = load("opencode/reviewer.md", &dl);
	json_t *v;

	(void)state;
	assert_non_null(a);
	assert_int_equal(dl.nr, 0);
	/* no name key: the file name names it */
	assert_string_equal(a->name, "reviewer");
	assert_int_equal(a->name_line, 0);
	assert_string_equal(a->description, "Reviews code for quality and best practices");
	assert_string_equal(a->format, "opencode");
	assert_int_equal(a->mode, AGENT_MODE_SUBAGENT);
	assert_string_equal(a->model, "anthropic/claude-sonnet-4-20250514");
	assert_true(a->has_temperature);
	assert_true(a->temperature > 0.099 && a->temperature < 0.101);
	assert_int_equal(a->tools_spec, AGENT_TOOLS_MAP);
	assert_int_equal(a->tools_nr, 4);
	assert_false(a->tools[0].enabled);
	assert_true(a->tools[2].enabled);
	/* the defaults less every editing tool: OpenCode's write and edit
	 * switch its one `edit` permission */
	assert_tools(a, "Read,LS,Glob,Grep,ReadManyFiles,Bash,BashOutput,KillShell,TodoWrite,TodoRead,WebFetch,WebSearch,SaveMemory,CheckDesign,Task",
		     "", "");
	/* permission map, in file order: last matching pattern wins later */
	assert_int_equal(a->rules_nr, 5);
	assert_string_equal(a->rules[0].tool, "Edit");
	assert_null(a->rules[0].pattern);
	assert_int_equal(a->rules[0].action, RULE_DENY);
	assert_string_equal(a->rules[1].tool, "Bash");
	assert_string_equal(a->rules[1].pattern, "*");
	assert_int_equal(a->rules[1].action, RULE_ASK);
	assert_int_equal(a->rules[1].line, 14);
	assert_int_equal(a->rules[1].col, 5);
	assert_string_equal(a->rules[2].pattern, "npm*");
	assert_int_equal(a->rules[2].action, RULE_ALLOW);
	assert_string_equal(a->rules[3].pattern, "git push --force*");
	assert_int_equal(a->rules[3].action, RULE_ASK);
	assert_string_equal(a->rules[4].tool, "WebFetch");
	assert_int_equal(a->rules[4].action, RULE_DENY);
	assert_string_equal(a->rules[4].syntax, "opencode");
	/* unknown keys are kept, typed */
	assert_int_equal(json_object_size(a->extra), 2);
	v = json_object_get(a->extra, "hidden");
	assert_true(json_is_false(v));
	v = json_object_get(a->extra, "top_p");
	assert_true(json_is_real(v));
	agent_free(a);
	diag_list_release(&dl);
}

static void test_gemini(void **state)
{
	struct diag_list dl = DIAG_LIST_INIT;
	struct agent *a = load("gemini/api-checker.md", &dl);

	(void)state;
	assert_non_null(a);
	assert_string_equal(a->name, "api-checker");
	assert_string_equal(a->format, "gemini");
	assert_string_equal(a->model, "gemini-2.5-pro");
	assert_int_equal(a->max_turns, 10);
	assert_true(a->timeout_mins > 4.99 && a->timeout_mins < 5.01);
	assert_int_equal(a->tools_spec, AGENT_TOOLS_LIST);
	assert_int_equal(a->tools_nr, 12);
	assert_tools(a, "Read,Write,Edit,LS,Glob,Grep,ReadManyFiles,Bash,BashOutput,KillShell,WebFetch,WebSearch,SaveMemory",
		     "mcp__context7__get-library-docs", "");
	assert_string_equal(json_string_value(json_object_get(a->extra, "kind")), "local");
	/* google_web_search is WebSearch: nothing to warn about */
	assert_int_equal(dl.nr, 0);
	agent_free(a);
	diag_list_release(&dl);
}

static void test_plain_markdown(void **state)
{
	struct diag_list dl = DIAG_LIST_INIT;
	struct agent *a = load("plain/schema-reviewer.md", &dl);

	(void)state;
	assert_non_null(a);
	assert_int_equal(dl.nr, 0);
	assert_string_equal(a->name, "schema-reviewer");
	assert_string_equal(a->format, "markdown");
	assert_string_equal(a->description,
			    "Reviews relational schemas for normalisation problems, missing constraints and index coverage.");
	assert_null(a->model);
	assert_int_equal(a->tools_spec, AGENT_TOOLS_ALL);
	assert_tools(a, "Read,Write,Edit,MultiEdit,ApplyPatch,LS,Glob,Grep,ReadManyFiles,Bash,BashOutput,KillShell,TodoWrite,TodoRead,WebFetch,WebSearch,SaveMemory,CheckDesign,Task",
		     "", "");
	/* the whole text is the prompt, heading included */
	assert_true(!strncmp(a->prompt, "# Schema Reviewer\n", 18));
	assert_non_null(strstr(a->prompt, "2. Report findings."));
	agent_free(a);
	diag_list_release(&dl);
}

/* BashOutput and KillShell come and go with Bash; each can be disallowed. */
static void test_background_companions(void **state)
{
	struct diag_list dl = DIAG_LIST_INIT;
	struct agent *a;

	(void)state;
	a = parse_str("/p/.claude/agents/a.md", "---\nname: a\ndescription: d\ntools: Read, Bash\ndisallowedTools: KillShell\n---\nx\n", &dl);
	assert_non_null(a);
	assert_tools(a, "Read,Bash,BashOutput", "", "");
	agent_free(a);
	a = parse_str("/p/.claude/agents/b.md", "---\nname: b\ndescription: d\ntools: Read, BashOutput, TaskStop\n---\nx\n", &dl);
	assert_non_null(a);
	assert_tools(a, "Read", "", "");
	agent_free(a);
	diag_list_release(&dl);
}

static void test_codex_names(void **state)
{
	struct diag_list dl = DIAG_LIST_INIT;
	struct agent *a = load("codex/patcher.md", &dl);

	(void)state;
	assert_non_null(a);
	assert_tools(a, "ApplyPatch,Bash,BashOutput,KillShell,TodoWrite", "", "view_image");
	assert_one_diag(&dl, DIAG_WARNING, 4, 42, "'view_image'");
	agent_free(a);
	diag_list_release(&dl);
}

static void test_frontmatter_wins(void **state)
{
	struct diag_list dl = DIAG_LIST_INIT;
	struct agent *a = parse_str("x/file-name.md",
		"---\nname: from-frontmatter\ndescription: from frontmatter\n---\n"
		"# Heading Name\n\nBody paragraph.\n", &dl);

	(void)state;
	assert_non_null(a);
	assert_string_equal(a->name, "from-frontmatter");
	assert_int_equal(a->name_line, 2);
	assert_int_equal(a->name_col, 7);
	assert_string_equal(a->description, "from frontmatter");
	agent_free(a);

	/* no frontmatter name, no usable file name: the first heading */
	a = parse_str("-", "# My Great Agent\n\nDoes things.\n", &dl);
	assert_non_null(a);
	assert_string_equal(a->name, "my-great-agent");
	assert_string_equal(a->description, "Does things.");
	agent_free(a);
	assert_int_equal(dl.nr, 0);
	diag_list_release(&dl);
}

static void test_line_endings_and_bom(void **state)
{
	struct diag_list dl = DIAG_LIST_INIT;
	struct agent *a = parse_str("crlf.md",
		"\xef\xbb\xbf---\r\nname: crlf\r\ntools: Read, Grep\r\n---\r\nPrompt\r\n", &dl);

	(void)state;
	assert_non_null(a);
	assert_int_equal(dl.nr, 0);
	assert_string_equal(a->name, "crlf");
	assert_tools(a, "Read,Grep", "", "");
	assert_string_equal(a->prompt, "Prompt");
	agent_free(a);

	/* "..." also closes, and an empty frontmatter is fine */
	a = parse_str("dots.md", "---\nname: dots\n...\nP\n", &dl);
	assert_non_null(a);
	assert_string_equal(a->name, "dots");
	agent_free(a);
	a = parse_str("emptyfm.md", "---\n---\nP\n", &dl);
	assert_non_null(a);
	assert_string_equal(a->name, "emptyfm");
	agent_free(a);
	assert_int_equal(dl.nr, 0);
	diag_list_release(&dl);
}

static void test_tools_forms(void **state)
{
	struct diag_list dl = DIAG_LIST_INIT;
	struct agent *a;

	(void)state;
	/* space-separated, "*", an empty list, flow list, disallowedTools */
	a = parse_str("a.md", "---\ntools: Read Grep\n---\nP", &dl);
	assert_tools(a, "Read,Grep", "", "");
	agent_free(a);
	a = parse_str("a.md", "---\ntools: \"*\"\ndisallowedTools: Bash, Write\n---\nP", &dl);
	assert_int_equal(a->tools_spec, AGENT_TOOLS_ALL);
	assert_tools(a, "Read,Edit,MultiEdit,ApplyPatch,LS,Glob,Grep,ReadManyFiles,TodoWrite,TodoRead,WebFetch,WebSearch,SaveMemory,CheckDesign,Task",
		     "", "");
	agent_free(a);
	a = parse_str("a.md", "---\ntools: []\n---\nP", &dl);
	assert_tools(a, "", "", "");
	agent_free(a);
	a = parse_str("a.md", "---\ntools: [Shell, ReadFile, SearchText, WriteFile, Edit, todoread, Agent]\n---\nP", &dl);
	assert_tools(a, "Read,Write,Edit,Grep,Bash,BashOutput,KillShell,TodoRead,Task", "", "");
	agent_free(a);
	/* OpenCode map with a glob switching everything off, then one on */
	a = parse_str("a.md", "---\ntools:\n  \"*\": false\n  read: true\n---\nP", &dl);
	assert_tools(a, "Read", "", "");
	agent_free(a);
	assert_int_equal(dl.nr, 0);
	diag_list_release(&dl);
}

struct bad_case {
	const char *name;
	const char *text;
	size_t len;		/* 0: strlen */
	int line, col;
	const char *msg;
};

static const struct bad_case bad_cases[] = {
	{ "unterminated.md", "---\nname: x\ndescription: y\n", 0, 1, 1, "never closed" },
	{ "tabs.md", "---\nname: x\n\tdescription: y\n---\nP\n", 0, 3, 1, "tab is used for indentation" },
	/* strict YAML where the runtime is strict (Gemini CLI); Claude Code's
	 * and OpenCode's retries are tested in test_runtime_leniency */
	{ ".gemini/agents/badyaml.md", "---\nname: [x\n---\nP\n", 0, 3, 1, "invalid YAML" },
	{ ".gemini/agents/dupkey.md", "---\nname: a\nname: b\n---\nP\n", 0, 3, 1, "duplicate key" },
	{ ".gemini/agents/quote.md", "---\nname: a\ndescription: \"open\n---\nP\n", 0, 3, 0, "invalid YAML" },
	{ "unfixable.md", "---\nname: x\n  - y: [\n---\nP\n", 0, 2, 0, "invalid YAML" },
	{ "list.md", "---\n- a\n---\nP\n", 0, 2, 3, "must be a mapping" },
	{ "scalar.md", "---\njust text\n---\nP\n", 0, 2, 1, "must be a mapping" },
	{ "tools-int.md", "---\ntools: 5\n---\nP\n", 0, 2, 8, "'tools' must be a comma-separated string, a list of tool names or a map of tool name to true/false, not an integer" },
	{ "tools-bool.md", "---\ntools: true\n---\nP\n", 0, 2, 8, "not a boolean" },
	{ "tools-item.md", "---\ntools:\n  - Read\n  - {a: b}\n---\nP\n", 0, 4, 6, "each entry of 'tools' must be a tool name, not a map" },
	{ "tools-map.md", "---\ntools:\n  write: yes\n---\nP\n", 0, 3, 10, "'tools.write' must be true or false" },
	{ "name-list.md", "---\nname: [a, b]\n---\nP\n", 0, 2, 8, "'name' must be a string, not a list" },
	{ "name-ctl.md", "---\nname: \"a\\tb\"\n---\nP\n", 0, 2, 7, "control character" },
	{ "mode.md", "---\nmode: boss\n---\nP\n", 0, 2, 7, "'mode' must be primary, subagent or all" },
	{ "temp.md", "---\ntemperature: hot\n---\nP\n", 0, 2, 14, "'temperature' must be a number" },
	{ "temp-range.md", "---\ntemperature: 7\n---\nP\n", 0, 2, 14, "between 0 and 2" },
	{ "turns.md", "---\nmax_turns: 2.5\n---\nP\n", 0, 2, 12, "whole number" },
	{ "perm.md", "---\npermission:\n  bash:\n    \"*\": maybe\n---\nP\n", 0, 4, 10, "must be allow, ask or deny, not 'maybe'" },
	{ "perm-list.md", "---\npermission: [a]\n---\nP\n", 0, 2, 14, "'permission' must be a map" },
	{ "perms.md", "---\npermissions:\n  deny:\n    - Bash(curl *\n---\nP\n", 0, 4, 7, "does not end with ')'" },
	{ "empty.md", "", 0, 1, 1, "empty file" },
	{ "blank.md", "  \n\n\t\n", 0, 1, 1, "empty file" },
	{ "binary.md", "abc\0def", 7, 1, 4, "binary file" },
	{ "latin1.md", "---\nname: y\ndescription: caf\xe9\n---\nP\n", 0, 3, 17, "invalid UTF-8 (byte 0xe9)" },
	{ "bad\xff.md", "just a prompt\n", 0, 1, 1, "file name is not valid UTF-8" },
};

/* What each runtime loads from its own directory, archie loads (with a
 * warning where it had to be lenient), and what it refuses, archie
 * refuses at the place (agent_runtime.c, frontmatter.c). */
struct runtime_case {
	const char *path;
	const char *text;
	int loads;
	int line, col;		/* the first diagnostic's place (0: none expected) */
	const char *msg;	/* ... and a part of its message */
	const char *name, *description;	/* when it loads */
};

static const struct runtime_case runtime_cases[] = {
	/* Claude Code quotes a value holding ": " and reads "\n" as a newline */
	{ "p/.claude/agents/a.md", "---\nname: a\ndescription: Use it: when asked.\\nThen go.\ntools: Read\n---\nP\n",
	  1, 3, 14, "read as a quoted string, as Claude Code does", "a", "Use it: when asked.\nThen go." },
	/* ... the unindented dialogue lines too (each a key of its own) */
	{ "p/.claude/agents/b.md", "---\nname: b\ndescription: D. Examples:\\n\\n<example>\nuser: \"hi\"\\nassistant: fine\nuser: \"x\" @ then\n---\nP\n",
	  1, 3, 14, "quoted string", "b", "D. Examples:\n\n<example>" },
	/* a key given twice: the last wins */
	{ "p/.claude/agents/c.md", "---\nname: c\ndescription: one\ndescription: two\n---\nP\n",
	  1, 3, 1, "is given again at line 4", "c", "two" },
	/* a frontmatter closed by a longer run of dashes; a name with spaces and a slash */
	{ "p/.claude/agents/d.md", "---\nname: Python DevOps/CI-CD Expert\ndescription: d\n--------\nP\n",
	  1, 0, 0, NULL, "Python DevOps/CI-CD Expert", "d" },
	/* Claude Code loads nothing without name and description */
	{ "p/.claude/agents/e.md", "Just a prompt.\n", 0, 1, 1, "only with frontmatter", NULL, NULL },
	{ "p/.claude/agents/f.md", "---\nname: f\n---\nP\n", 0, 2, 1, "without a 'description:'", NULL, NULL },
	{ "p/.claude/agents/g.md", "---\ndescription: g\n---\nP\n", 0, 2, 1, "without 'name:'", NULL, NULL },
	/* ... which archie's own directories do not need */
	{ "p/.archie/agents/h.md", "Just a prompt.\n", 1, 0, 0, NULL, "h", "Just a prompt." },
	/* OpenCode quotes a top-level value holding ':' */
	{ "p/.opencode/agent/i.md", "---\ndescription: Reviews code: finds bugs\nmode: subagent\n---\nP\n",
	  1, 2, 14, "as OpenCode does", "i", "Reviews code: finds bugs" },
	/* Gemini CLI is strict: YAML, keys, name, tools */
	{ "p/.gemini/agents/j.md", "---\nname: j\ndescription: Use it: when asked\n---\nP\n", 0, 3, 0, "invalid YAML", NULL, NULL },
	{ "p/.gemini/agents/k.md", "---\nname: k\ndescription: d\ncolor: blue\n---\nP\n", 0, 4, 1, "Gemini CLI refuses an agent with the key 'color'", NULL, NULL },
	{ "p/.gemini/agents/l.md", "---\nname: l\ndescription: d\ntools: read_file, glob\n---\nP\n", 0, 4, 8, "takes tools as a list", NULL, NULL },
	{ "p/.gemini/agents/m.md", "---\nname: m\ndescription: d\ntools: [read_file, search_files]\n---\nP\n", 0, 4, 20, "'search_files' is not a Gemini CLI tool", NULL, NULL },
	{ "p/.gemini/agents/n.md", "---\nname: My Agent\ndescription: d\n---\nP\n", 0, 2, 7, "lower-case letters", NULL, NULL },
	{ "p/.gemini/agents/o.md", "---\nname: o\ndescription: d\ntools: [read_file, mcp_github_create_issue, \"*\"]\nmax_turns: 5\n---\nP\n",
	  1, 0, 0, NULL, "o", "d" },
};

static void test_runtime_leniency(void **state)
{
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(runtime_cases) / sizeof(*runtime_cases); i++) {
		const struct runtime_case *c = &runtime_cases[i];
		struct diag_list dl = DIAG_LIST_INIT;
		struct agent *a = agent_parse(c->path, c->text, strlen(c->text), &dl);

		if (!!a != c->loads)
			fail_msg("%s: %s (%s)", c->path, a ? "loads" : "refused",
				 dl.nr ? dl.v[0].msg : "no diagnostic");
		for (k = 0; c->msg && k < dl.nr && !strstr(dl.v[k].msg, c->msg); k++)
			;
		if (c->msg && (k == dl.nr || dl.v[k].line != c->line ||
			       (c->col && dl.v[k].col != c->col)))
			fail_msg("%s: got %d:%d: %s; want %d:%d: ...%s...", c->path,
				 k < dl.nr ? dl.v[k].line : 0, k < dl.nr ? dl.v[k].col : 0,
				 k < dl.nr ? dl.v[k].msg : dl.nr ? dl.v[0].msg : "nothing",
				 c->line, c->col, c->msg);
		if (!c->msg && dl.nr)
			fail_msg("%s: unexpected %d:%d: %s", c->path, dl.v[0].line, dl.v[0].col,
				 dl.v[0].msg);
		if (a) {
			assert_string_equal(a->name, c->name);
			assert_string_equal(a->description, c->description);
		}
		agent_free(a);
		diag_list_release(&dl);
	}
}

/* Read-only, as each runtime says it: no tool that changes a file. */
static void test_read_only_each_runtime(void **state)
{
	static const struct { const char *path, *text, *tools; } cases[] = {
		/* OpenCode: `edit: false` (or `write: false`) turns off every
		 * editing tool, patch and multiedit too */
		{ "p/.opencode/agent/r1.md", "---\ndescription: d\ntools:\n  write: false\n  edit: false\n---\nP\n",
		  "Read,LS,Glob,Grep,ReadManyFiles,Bash,BashOutput,KillShell,TodoWrite,TodoRead,WebFetch,WebSearch,SaveMemory,CheckDesign,Task" },
		{ "p/.opencode/agent/r2.md", "---\ndescription: d\ntools:\n  edit: false\n---\nP\n",
		  "Read,LS,Glob,Grep,ReadManyFiles,Bash,BashOutput,KillShell,TodoWrite,TodoRead,WebFetch,WebSearch,SaveMemory,CheckDesign,Task" },
		{ "p/.opencode/agent/r3.md", "---\ndescription: d\ntools:\n  write: false\n  bash: false\n---\nP\n",
		  "Read,LS,Glob,Grep,ReadManyFiles,TodoWrite,TodoRead,WebFetch,WebSearch,SaveMemory,CheckDesign,Task" },
		/* ... and the last of write/edit/patch wins, as in OpenCode */
		{ "p/.opencode/agent/r4.md", "---\ndescription: d\ntools:\n  edit: false\n  patch: true\n---\nP\n",
		  "Read,Write,Edit,MultiEdit,ApplyPatch,LS,Glob,Grep,ReadManyFiles,Bash,BashOutput,KillShell,TodoWrite,TodoRead,WebFetch,WebSearch,SaveMemory,CheckDesign,Task" },
		/* Claude Code: an allowlist without the editing tools */
		{ "p/.claude/agents/r5.md", "---\nname: r5\ndescription: d\ntools: Read, Grep, Glob\n---\nP\n", "Read,Glob,Grep" },
		/* ... or disallowedTools */
		{ "p/.claude/agents/r6.md", "---\nname: r6\ndescription: d\ndisallowedTools: Write, Edit, MultiEdit\n---\nP\n",
		  "Read,ApplyPatch,LS,Glob,Grep,ReadManyFiles,Bash,BashOutput,KillShell,TodoWrite,TodoRead,WebFetch,WebSearch,SaveMemory,CheckDesign,Task" },
		/* Gemini CLI: a list of its read-only tools */
		{ "p/.gemini/agents/r7.md", "---\nname: r7\ndescription: d\ntools: [read_file, grep_search, list_directory]\n---\nP\n",
		  "Read,LS,Grep" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct diag_list dl = DIAG_LIST_INIT;
		struct agent *a = agent_parse(cases[i].path, cases[i].text, strlen(cases[i].text), &dl);

		if (!a)
			fail_msg("%s: %s", cases[i].path, dl.nr ? dl.v[0].msg : "refused");
		assert_tools(a, cases[i].tools, "", "");
		agent_free(a);
		diag_list_release(&dl);
	}
}

/*
 * The corpus of real agent files (../shared/corpora/agents/, 497 files
 * from 31 repositories): each read as if in its runtime's directory loads
 * in archie exactly when its own runtime loads it
 * (tests/data/agents/corpus/expected.tsv, from reference.mjs), under the
 * name its runtime gives it; each refused one has a located error.
 */
static void test_corpus(void **state)
{
	char path[4096], vpath[4096];
	FILE *f;
	char *line = NULL;
	size_t cap = 0, files = 0, loaded = 0, bad = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/agents/corpus/expected.tsv", TEST_DATA_DIR);
	f = fopen(path, "r");
	assert_non_null(f);
	while (getline(&line, &cap, f) > 0) {
		char *save = NULL, *fmt = strtok_r(line, "\t", &save), *rel = strtok_r(NULL, "\t", &save);
		char *verdict = strtok_r(NULL, "\t", &save), *name = strtok_r(NULL, "\n", &save);
		struct strbuf data = STRBUF_INIT_CAP((size_t)2 << 20), err = STRBUF_INIT;
		struct diag_list dl = DIAG_LIST_INIT;
		const char *dir = !strcmp(fmt, "claude") ? ".claude/agents"
				  : !strcmp(fmt, "opencode") ? ".opencode/agent" : ".gemini/agents";
		struct agent *a;
		int want = !strcmp(verdict, "loads");

		snprintf(path, sizeof(path), "%s/../corpora/agents/%s", tu_fixtures_dir(), rel);
		if (file_read(path, (size_t)2 << 20, &data, &err))
			fail_msg("cannot read %s (the corpus is ../shared/corpora): %s", path, err.buf);
		snprintf(vpath, sizeof(vpath), "/home/u/project/%s/%s", dir, strrchr(rel, '/') + 1);
		a = agent_parse(vpath, data.buf, data.len, &dl);
		files++;
		if (!!a != want) {
			fprintf(stderr, "%s: %s, but its runtime %s it (%s)\n", rel,
				a ? "loads" : "refused", want ? "loads" : "refuses",
				a ? (name ? name : "") : dl.nr ? dl.v[0].msg : "?");
			bad++;
		} else if (a && strcmp(a->name, name)) {
			fprintf(stderr, "%s: named '%s', its runtime says '%s'\n", rel, a->name, name);
			bad++;
		} else if (!a && (!dl.errors || dl.v[0].line < 1 || dl.v[0].col < 1)) {
			fprintf(stderr, "%s: refused without a located error\n", rel);
			bad++;
		}
		loaded += a != NULL;
		agent_free(a);
		diag_list_release(&dl);
		strbuf_release(&data);
		strbuf_release(&err);
	}
	free(line);
	fclose(f);
	assert_int_equal(files, 497);
	assert_int_equal(bad, 0);
	assert_int_equal(loaded, 429);
}

static void test_malformed(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(*bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct diag_list dl = DIAG_LIST_INIT;
		struct agent *a = agent_parse(c->name, c->text,
					      c->len ? c->len : strlen(c->text), &dl);

		if (a || !dl.errors)
			fail_msg("%s: expected an error", c->name);
		if (dl.v[0].line != c->line || (c->col && dl.v[0].col != c->col) ||
		    !strstr(dl.v[0].msg, c->msg))
			fail_msg("%s: got %d:%d: %s; want %d:%d: ...%s...", c->name,
				 dl.v[0].line, dl.v[0].col, dl.v[0].msg, c->line,
				 c->col, c->msg);
		assert_string_equal(dl.v[0].file, c->name);
		diag_list_release(&dl);
	}
}

static void test_every_error_reported(void **state)
{
	struct diag_list dl = DIAG_LIST_INIT;
	struct agent *a = parse_str("many.md",
		"---\nname: [x]\ntools: 3\nmode: boss\nunknown_key: {a: 1}\n---\nP\n", &dl);

	(void)state;
	assert_null(a);
	assert_int_equal(dl.errors, 3);
	assert_int_equal(dl.v[0].line, 2);
	assert_int_equal(dl.v[1].line, 3);
	assert_int_equal(dl.v[2].line, 4);
	diag_list_release(&dl);
}

static void test_size_limit(void **state)
{
	char *dir = tu_mkdtemp(), path[4200];
	struct diag_list dl = DIAG_LIST_INIT;
	size_t n = 10u << 20;
	char *big = malloc(n);

	(void)state;
	memset(big, 'a', n);
	memcpy(big, "---\nname: big\n---\n", 18);
	tu_write(dir, "big.md", big, n);
	snprintf(path, sizeof(path), "%s/big.md", dir);
	assert_null(agent_load_file(path, &dl));
	assert_int_equal(dl.errors, 1);
	assert_int_equal(dl.v[0].line, 1);
	assert_non_null(strstr(dl.v[0].msg, "limited to 1 MiB"));
	diag_list_release(&dl);

	/* just under the limit loads */
	tu_write(dir, "ok.md", big, AGENT_FILE_MAX);
	snprintf(path, sizeof(path), "%s/ok.md", dir);
	{
		struct agent *a = agent_load_file(path, &dl);

		assert_non_null(a);
		assert_string_equal(a->name, "big");
		agent_free(a);
	}
	free(big);
	diag_list_release(&dl);
	tu_rmrf(dir);
	free(dir);
}

static void test_json(void **state)
{
	struct diag_list dl = DIAG_LIST_INIT;
	struct agent *a = load("opencode/reviewer.md", &dl);
	json_t *j = agent_to_json(a, 1);

	(void)state;
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "name")), "reviewer");
	assert_string_equal(json_string_value(json_object_get(j, "mode")), "subagent");
	assert_int_equal(json_array_size(json_object_get(j, "permissions")), 5);
	assert_int_equal(json_array_size(json_object_get(j, "tools")), 15);
	assert_true(json_is_object(json_object_get(j, "extra")));
	assert_true(json_integer_value(json_object_get(j, "prompt_bytes")) > 0);
	json_decref(j);
	agent_free(a);
	diag_list_release(&dl);
}

/* Found by the fuzzer: a long first paragraph cut inside a UTF-8
 * character made the JSON form fail. */
static void test_long_description_cut_on_utf8(void **state)
{
	struct diag_list dl = DIAG_LIST_INIT;
	char text[2048];
	struct agent *a;
	json_t *j;
	size_t i;

	(void)state;
	/* 3-byte characters: a 512-byte cut cannot land on a boundary */
	for (i = 0; i + 3 < 1500; i += 3)
		memcpy(text + i, "\xe2\x82\xac", 3);
	text[i] = '\0';
	a = parse_str("long.md", text, &dl);
	assert_non_null(a);
	assert_true(utf8_valid(a->description, strlen(a->description), NULL));
	j = agent_to_json(a, 1);
	assert_non_null(j);
	json_decref(j);
	agent_free(a);
	diag_list_release(&dl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_claude_code),
		cmocka_unit_test(test_claude_permissions),
		cmocka_unit_test(test_opencode),
		cmocka_unit_test(test_gemini),
		cmocka_unit_test(test_plain_markdown),
		cmocka_unit_test(test_codex_names), cmocka_unit_test(test_background_companions),
		cmocka_unit_test(test_frontmatter_wins),
		cmocka_unit_test(test_line_endings_and_bom),
		cmocka_unit_test(test_tools_forms),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_runtime_leniency),
		cmocka_unit_test(test_read_only_each_runtime),
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_every_error_reported),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_long_description_cut_on_utf8),
	};

	return cmocka_run_group_tests_name("agent_parse", tests, NULL, NULL);
}
