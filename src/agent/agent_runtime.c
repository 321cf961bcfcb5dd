/*
 * agent_runtime: each runtime's own rules for the files in its directory.
 *
 * A user's .claude/agents/ holds what Claude Code loads, .gemini/agents/
 * what Gemini CLI loads: archie must load the same files and refuse, with
 * a located error that says why, the ones their runtime refuses, or an
 * agent would run in archie that never ran where it was written (or the
 * other way round).  The rules are read from the runtimes' code (Claude
 * Code 2.1, OpenCode 1.18, Gemini CLI 0.61; tests/data/agents/corpus/
 * reference.mjs replays them on the corpus):
 *
 *  - Claude Code: a frontmatter with a string `name` (not starting with
 *    '-') and a non-empty string `description`; YAML retried with values
 *    quoted (frontmatter.h); a key given twice takes its last value; a
 *    literal \n in the description is a newline.
 *  - OpenCode: YAML retried its own way (frontmatter.h); the name is the
 *    file's unless `name:` says; typed keys checked by agent_parse.c.
 *  - Gemini CLI: strict YAML and a strict schema: only its keys, a slug
 *    name, a description, tools as a list of its tool names (or MCP ones).
 */
#include "agent/agent_parse_int.h"

#include "core/diag.h"

#include <stdlib.h>
#include <string.h>

enum runtime_dir agent_runtime_dir(const char *path)
{
	static const struct { const char *dir; enum runtime_dir rt; } dirs[] = {
		{ ".claude/agents/", RUNTIME_CLAUDE },
		{ ".opencode/agent/", RUNTIME_OPENCODE },
		{ ".opencode/agents/", RUNTIME_OPENCODE },
		{ "opencode/agent/", RUNTIME_OPENCODE },	/* ~/.config/opencode/agent/ */
		{ "opencode/agents/", RUNTIME_OPENCODE },
		{ ".gemini/agents/", RUNTIME_GEMINI },
	};
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		const char *hit = strstr(path, dirs[i].dir);

		if (hit && (hit == path || hit[-1] == '/' || dirs[i].dir[0] != '.'))
			return dirs[i].rt;
	}
	return RUNTIME_NONE;
}

enum frontmatter_dialect agent_runtime_dialect(const char *path)
{
	switch (agent_runtime_dir(path)) {
	case RUNTIME_GEMINI:
		return FRONTMATTER_STRICT;
	case RUNTIME_OPENCODE:
		return FRONTMATTER_OPENCODE;
	default:
		/* most agent files anywhere were written for Claude Code */
		return FRONTMATTER_CLAUDE;
	}
}

/* Gemini CLI 0.61's built-in tools (ALL_BUILTIN_TOOL_NAMES and the legacy
 * alias search_file_content). */
static const char *const gemini_tools[] = {
	"glob", "write_todos", "write_file", "google_web_search", "web_fetch", "replace",
	"run_shell_command", "grep_search", "read_many_files", "read_file", "list_directory",
	"activate_skill", "ask_user", "tracker_create_task", "tracker_update_task",
	"tracker_get_task", "tracker_list_tasks", "tracker_add_dependency", "tracker_visualize",
	"get_internal_docs", "enter_plan_mode", "exit_plan_mode", "update_topic", "complete_task",
	"invoke_agent", "read_mcp_resource", "list_mcp_resources", "search_file_content", NULL,
};

static const char *const gemini_keys[] = {
	"kind", "name", "description", "display_name", "tools", "mcp_servers", "model",
	"temperature", "max_turns", "timeout_mins", NULL,
};

static int in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (!strcmp(*list, s))
			return 1;
	return 0;
}

static int slug(const char *s, const char *extra)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || strchr(extra, *s)))
			return 0;
	return 1;
}

/* Gemini's isValidToolName: a built-in, discovered_tool_*, "*", or
 * mcp_SERVER_TOOL with slug parts. */
static int gemini_tool_ok(const char *t)
{
	const char *us;

	if (in_list(gemini_tools, t) || !strncmp(t, "discovered_tool_", 16) || !strcmp(t, "*") ||
	    !strcmp(t, "mcp_*"))
		return 1;
	if (strncmp(t, "mcp_", 4) || t[4] == '_' || !(us = strchr(t + 4, '_')) || us == t + 4)
		return 0;
	{
		char server[128];
		size_t n = (size_t)(us - (t + 4)), i;

		if (n >= sizeof(server))
			return 0;
		memcpy(server, t + 4, n);
		server[n] = '\0';
		for (i = 0; i < n; i++)
			if (server[i] >= 'A' && server[i] <= 'Z')
				server[i] = (char)(server[i] - 'A' + 'a');
		if (!slug(server, "_.:-"))
			return 0;
	}
	if (!strcmp(us + 1, "*"))
		return 1;
	if (strspn(us + 1, "_") == strlen(us + 1))
		return 0;
	{
		const char *p;

		for (p = us + 1; *p; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			      (*p >= '0' && *p <= '9') || strchr("_.:-", *p)))
				return 0;
	}
	return 1;
}

static struct fy_node *key_node(struct parse_ctx *pc, const char *key, struct fy_node **k)
{
	struct fy_node_pair *p;
	void *it = NULL;

	*k = NULL;
	if (!pc->fm->yd.root)
		return NULL;
	while ((p = fy_node_mapping_iterate(pc->fm->yd.root, &it)) != NULL) {
		char *name = scalar_dup(fy_node_pair_key(p));
		int hit = name && !strcmp(name, key);

		free(name);
		if (hit) {
			*k = fy_node_pair_key(p);
			return fy_node_pair_value(p);
		}
	}
	return NULL;
}

static void gemini_check(struct parse_ctx *pc)
{
	struct fy_node_pair *p;
	struct fy_node *k, *v, *item;
	void *it = NULL;
	char *s;

	if (!pc->fm->present) {
		diag_add(pc->diags, DIAG_ERROR, pc->path, 1, 1,
			 "Gemini CLI loads an agent only with YAML frontmatter (---, name:, description:, ---); add one or move the file out of .gemini/agents/");
		return;
	}
	while (pc->fm->yd.root && (p = fy_node_mapping_iterate(pc->fm->yd.root, &it)) != NULL) {
		s = scalar_dup(fy_node_pair_key(p));
		if (s && !in_list(gemini_keys, s))
			perr(pc, fy_node_pair_key(p), NULL,
			     "Gemini CLI refuses an agent with the key '%s' (its schema allows only kind, name, description, display_name, tools, mcp_servers, model, temperature, max_turns, timeout_mins); remove it, or move the file to .claude/agents/",
			     s);
		free(s);
	}
	v = key_node(pc, "kind", &k);
	if (v && (s = scalar_dup(v)) != NULL) {
		if (strcmp(s, "local") && strcmp(s, "remote"))
			perr(pc, v, k, "Gemini CLI's 'kind' is local or remote, not '%s'", s);
		else if (!strcmp(s, "remote"))
			perr(pc, v, k, "a remote (A2A) agent is not one archie can run; remove 'kind: remote'");
		free(s);
	}
	v = key_node(pc, "name", &k);
	s = v ? scalar_dup(v) : NULL;
	if (!v)
		diag_add(pc->diags, DIAG_ERROR, pc->path, pc->fm->yaml_line, 1,
			 "Gemini CLI needs 'name:' in an agent's frontmatter");
	else if (!s || !slug(s, "-_"))
		perr(pc, v, k, "Gemini CLI needs a name of lower-case letters, digits, '-' and '_', not '%s'",
		     s ? s : "(not a string)");
	free(s);
	v = key_node(pc, "description", &k);
	if (!v || classify(v) != YS_STRING || !fy_node_get_scalar_length(v))
		diag_add(pc->diags, DIAG_ERROR, pc->path, pc->fm->yaml_line, 1,
			 "Gemini CLI needs a non-empty 'description:' in an agent's frontmatter");
	v = key_node(pc, "tools", &k);
	if (v && fy_node_get_type(v) != FYNT_SEQUENCE) {
		perr(pc, v, k, "Gemini CLI takes tools as a list ([read_file, grep_search]), not %s",
		     type_name(v));
	} else if (v) {
		it = NULL;
		while ((item = fy_node_sequence_iterate(v, &it)) != NULL) {
			s = scalar_dup(item);
			if (!s || !gemini_tool_ok(s))
				perr(pc, item, k, "'%s' is not a Gemini CLI tool (read_file, write_file, replace, run_shell_command, grep_search, glob, list_directory, web_fetch, ...; MCP tools as mcp_SERVER_TOOL)",
				     s ? s : "(not a string)");
			free(s);
		}
	}
}

static void claude_check(struct parse_ctx *pc)
{
	struct fy_node *k, *v;
	char *s;

	if (!pc->fm->present) {
		diag_add(pc->diags, DIAG_ERROR, pc->path, 1, 1,
			 "Claude Code loads an agent from .claude/agents/ only with frontmatter giving its name and description (---, name: NAME, description: WHEN TO USE IT, ---); add one");
		return;
	}
	v = key_node(pc, "name", &k);
	if (!v || classify(v) != YS_STRING || !fy_node_get_scalar_length(v)) {
		if (v)
			perr(pc, v, k, "Claude Code needs 'name' to be a string, not %s; quote it",
			     type_name(v));
		else
			diag_add(pc->diags, DIAG_ERROR, pc->path, pc->fm->yaml_line, 1,
				 "Claude Code does not load an agent without 'name:' in its frontmatter; add one");
		return;
	}
	s = scalar_dup(v);
	if (s && s[0] == '-')
		perr(pc, v, k, "Claude Code does not load an agent whose name starts with '-'");
	free(s);
	v = key_node(pc, "description", &k);
	if (!v || classify(v) != YS_STRING || !fy_node_get_scalar_length(v))
		diag_add(pc->diags, DIAG_ERROR, pc->path, pc->fm->yaml_line, 1,
			 "Claude Code does not load an agent without a 'description:' (when to use it) in its frontmatter; add one");
}

/* Claude Code reads "\n" written in a description as a line break. */
static void unescape_newlines(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] == 'n') {
			*w++ = '\n';
			s++;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

void agent_runtime_check(struct parse_ctx *pc)
{
	switch (agent_runtime_dir(pc->path)) {
	case RUNTIME_CLAUDE:
		claude_check(pc);
		break;
	case RUNTIME_GEMINI:
		gemini_check(pc);
		break;
	default:
		break;
	}
	if (agent_runtime_dialect(pc->path) == FRONTMATTER_CLAUDE && pc->a->description)
		unescape_newlines(pc->a->description);
}
