/*
 * toolnames: the alias table from every runtime's tool names to archie's
 * canonical tools.  See toolnames.h.
 */
#include "core/toolnames.h"

#include <string.h>
#include <strings.h>

/* archie's canonical tools.  The order is the one shown to users. */
static const char *const canonical_tools[] = {
	"Read", "Write", "Edit", "MultiEdit", "ApplyPatch", "LS", "Glob",
	"Grep", "ReadManyFiles", "Bash", "TodoWrite", "TodoRead", "WebFetch",
	"SaveMemory", "CheckDesign", "Task", NULL,
};

struct alias {
	const char *name;
	const char *canonical;
	const char *runtime;
	int available;
};

/*
 * Every runtime's names.  Exact spellings come from each runtime's
 * documentation; a name may appear under several runtimes (e.g. `glob`), in
 * which case the first row wins, which only affects the `runtime` label.
 */
static const struct alias aliases[] = {
	/* Claude Code */
	{ "Read", "Read", "claude", 1 },
	{ "Write", "Write", "claude", 1 },
	{ "Edit", "Edit", "claude", 1 },
	{ "MultiEdit", "MultiEdit", "claude", 1 },
	{ "Glob", "Glob", "claude", 1 },
	{ "Grep", "Grep", "claude", 1 },
	{ "LS", "LS", "claude", 1 },
	{ "Bash", "Bash", "claude", 1 },
	{ "TodoWrite", "TodoWrite", "claude", 1 },
	{ "TodoRead", "TodoRead", "claude", 1 },
	{ "WebFetch", "WebFetch", "claude", 1 },
	{ "Task", "Task", "claude", 1 },
	{ "Agent", "Task", "claude", 1 },
	{ "WebSearch", "WebSearch", "claude", 0 },
	{ "NotebookRead", "NotebookRead", "claude", 0 },
	{ "NotebookEdit", "NotebookEdit", "claude", 0 },
	{ "BashOutput", "BashOutput", "claude", 0 },
	{ "KillShell", "KillShell", "claude", 0 },
	{ "KillBash", "KillShell", "claude", 0 },
	{ "ExitPlanMode", "ExitPlanMode", "claude", 0 },
	{ "SlashCommand", "SlashCommand", "claude", 0 },
	{ "Skill", "Skill", "claude", 0 },
	/* archie's own names not covered above */
	{ "ApplyPatch", "ApplyPatch", "archie", 1 },
	{ "ReadManyFiles", "ReadManyFiles", "archie", 1 },
	{ "SaveMemory", "SaveMemory", "archie", 1 },
	{ "CheckDesign", "CheckDesign", "archie", 1 },
	/* OpenCode */
	{ "read", "Read", "opencode", 1 },
	{ "write", "Write", "opencode", 1 },
	{ "edit", "Edit", "opencode", 1 },
	{ "multiedit", "MultiEdit", "opencode", 1 },
	{ "patch", "ApplyPatch", "opencode", 1 },
	{ "grep", "Grep", "opencode", 1 },
	{ "glob", "Glob", "opencode", 1 },
	{ "list", "LS", "opencode", 1 },
	{ "bash", "Bash", "opencode", 1 },
	{ "todowrite", "TodoWrite", "opencode", 1 },
	{ "todoread", "TodoRead", "opencode", 1 },
	{ "webfetch", "WebFetch", "opencode", 1 },
	{ "task", "Task", "opencode", 1 },
	{ "lsp", "lsp", "opencode", 0 },
	{ "skill", "Skill", "opencode", 0 },
	/* Gemini CLI: display names and function names */
	{ "ReadFile", "Read", "gemini", 1 },
	{ "read_file", "Read", "gemini", 1 },
	{ "ReadFolder", "LS", "gemini", 1 },
	{ "list_directory", "LS", "gemini", 1 },
	{ "FindFiles", "Glob", "gemini", 1 },
	{ "SearchText", "Grep", "gemini", 1 },
	{ "search_file_content", "Grep", "gemini", 1 },
	{ "grep_search", "Grep", "gemini", 1 },
	{ "ReadManyFiles", "ReadManyFiles", "gemini", 1 },
	{ "read_many_files", "ReadManyFiles", "gemini", 1 },
	{ "replace", "Edit", "gemini", 1 },
	{ "WriteFile", "Write", "gemini", 1 },
	{ "write_file", "Write", "gemini", 1 },
	{ "Shell", "Bash", "gemini", 1 },
	{ "run_shell_command", "Bash", "gemini", 1 },
	{ "save_memory", "SaveMemory", "gemini", 1 },
	{ "web_fetch", "WebFetch", "gemini", 1 },
	{ "write_todos", "TodoWrite", "gemini", 1 },
	{ "GoogleSearch", "WebSearch", "gemini", 0 },
	{ "google_web_search", "WebSearch", "gemini", 0 },
	/* Codex CLI */
	{ "shell", "Bash", "codex", 1 },
	{ "apply_patch", "ApplyPatch", "codex", 1 },
	{ "update_plan", "TodoWrite", "codex", 1 },
	{ "local_shell", "Bash", "codex", 1 },
	{ "view_image", "view_image", "codex", 0 },
	{ "web_search", "WebSearch", "codex", 0 },
};

static size_t base_len(const char *name)
{
	const char *paren = strchr(name, '(');

	return paren ? (size_t)(paren - name) : strlen(name);
}

int toolname_split_mcp(const char *name, size_t *server_len, const char **tool)
{
	const char *server, *sep;

	if (strncmp(name, "mcp__", 5))
		return -1;
	server = name + 5;
	sep = strstr(server, "__");
	/* An empty server is malformed; an empty tool part means "all tools of
	 * the server" in Claude Code's permission syntax (mcp__server). */
	if (!sep || sep == server) {
		if (!sep && *server) {
			*server_len = strlen(server);
			*tool = server + *server_len;
			return 0;
		}
		return -1;
	}
	*server_len = (size_t)(sep - server);
	*tool = sep + 2;
	return 0;
}

struct toolname_info toolname_lookup(const char *name)
{
	struct toolname_info info = { TOOLNAME_UNKNOWN, NULL, NULL };
	size_t n = base_len(name), i, slen;
	const char *tool;

	if (!toolname_split_mcp(name, &slen, &tool)) {
		info.kind = TOOLNAME_MCP;
		info.runtime = "mcp";
		return info;
	}
	for (i = 0; i < sizeof(aliases) / sizeof(*aliases); i++)
		if (strlen(aliases[i].name) == n &&
		    !strncmp(aliases[i].name, name, n))
			goto found;
	for (i = 0; i < sizeof(aliases) / sizeof(*aliases); i++)
		if (strlen(aliases[i].name) == n &&
		    !strncasecmp(aliases[i].name, name, n))
			goto found;
	return info;
found:
	info.kind = aliases[i].available ? TOOLNAME_CANONICAL
					 : TOOLNAME_UNAVAILABLE;
	info.canonical = aliases[i].canonical;
	info.runtime = aliases[i].runtime;
	return info;
}

const char *const *toolname_defaults(void)
{
	return canonical_tools;
}

int toolname_is_canonical(const char *name)
{
	size_t i;

	for (i = 0; canonical_tools[i]; i++)
		if (!strcmp(canonical_tools[i], name))
			return 1;
	return 0;
}
