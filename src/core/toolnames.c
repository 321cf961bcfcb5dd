/*
 * toolnames: the alias table from every runtime's tool names to archie's
 * canonical tools.  See toolnames.h.
 */
#include "core/toolnames.h"

#include "core/glob.h"
#include "core/strbuf.h"
#include "core/strvec.h"
#include "core/xalloc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include <string.h>
#include <strings.h>

/* archie's canonical tools.  The order is the one shown to users. */
static const char *const canonical_tools[] = {
	"Read", "Write", "Edit", "MultiEdit", "ApplyPatch", "LS", "Glob",
	"Grep", "ReadManyFiles", "Bash", "BashOutput", "KillShell", "TodoWrite", "TodoRead", "WebFetch", "WebSearch",
	"SaveMemory", "CheckDesign", "Task", NULL,
};

struct alias {
	const char *name;
	const char *canonical;
	const char *runtime;
	int available;
	const char *instead;	/* for one archie lacks: what to use, or NULL */
};

#define PLAN_MODE "archie's plan mode (--permission-mode plan, or /mode in the REPL)"
#define ASK_IN_ANSWER "the agent asks its question in its answer"
#define USE_THE_PLAN "TodoWrite (the plan)"
#define SUBAGENTS "Task (subagents)"
#define RUN_TO_END "Bash (stdin is empty; a background command is read with BashOutput)"

/*
 * Every runtime's names: Claude Code 2.1, OpenCode 1.18, Gemini CLI 0.61
 * and Codex, read from their code.  A name may appear under several
 * runtimes (e.g. `glob`): the first row wins, which only affects the
 * `runtime` label.
 */
static const struct alias aliases[] = {
	/* Claude Code */
	{ "Read", "Read", "claude", 1, NULL },
	{ "Write", "Write", "claude", 1, NULL },
	{ "Edit", "Edit", "claude", 1, NULL },
	{ "MultiEdit", "MultiEdit", "claude", 1, NULL },
	{ "Glob", "Glob", "claude", 1, NULL },
	{ "Grep", "Grep", "claude", 1, NULL },
	{ "LS", "LS", "claude", 1, NULL },
	{ "Bash", "Bash", "claude", 1, NULL },
	{ "TodoWrite", "TodoWrite", "claude", 1, NULL },
	{ "TodoRead", "TodoRead", "claude", 1, NULL },
	{ "WebFetch", "WebFetch", "claude", 1, NULL },
	{ "Task", "Task", "claude", 1, NULL },
	{ "Agent", "Task", "claude", 1, NULL },
	{ "WebSearch", "WebSearch", "claude", 1, NULL },
	{ "NotebookRead", "NotebookRead", "claude", 0, "Read" },
	{ "NotebookEdit", "NotebookEdit", "claude", 0, "Edit on the notebook's JSON" },
	{ "BashOutput", "BashOutput", "claude", 1, NULL },
	{ "TaskOutput", "BashOutput", "claude", 1, NULL },
	{ "KillShell", "KillShell", "claude", 1, NULL },
	{ "KillBash", "KillShell", "claude", 1, NULL },
	{ "TaskStop", "KillShell", "claude", 1, NULL },
	{ "PowerShell", "PowerShell", "claude", 0, "Bash" },
	{ "ExitPlanMode", "ExitPlanMode", "claude", 0, PLAN_MODE },
	{ "EnterPlanMode", "EnterPlanMode", "claude", 0, PLAN_MODE },
	{ "AskUserQuestion", "AskUserQuestion", "claude", 0, ASK_IN_ANSWER },
	{ "TaskCreate", "TaskCreate", "claude", 0, USE_THE_PLAN },
	{ "TaskList", "TaskList", "claude", 0, USE_THE_PLAN },
	{ "TaskGet", "TaskGet", "claude", 0, USE_THE_PLAN },
	{ "TaskUpdate", "TaskUpdate", "claude", 0, USE_THE_PLAN },
	{ "TeamCreate", "TeamCreate", "claude", 0, SUBAGENTS },
	{ "TeamDelete", "TeamDelete", "claude", 0, SUBAGENTS },
	{ "SendMessage", "SendMessage", "claude", 0, SUBAGENTS },
	{ "SlashCommand", "SlashCommand", "claude", 0, NULL },
	{ "Skill", "Skill", "claude", 1, NULL },
	{ "ToolSearch", "ToolSearch", "claude", 0, NULL },
	{ "LSP", "LSP", "claude", 0, "Grep" },
	{ "ListMcpResourcesTool", "ListMcpResourcesTool", "claude", 0, NULL },
	{ "ReadMcpResourceTool", "ReadMcpResourceTool", "claude", 0, NULL },
	{ "EnterWorktree", "EnterWorktree", "claude", 0, NULL },
	{ "ExitWorktree", "ExitWorktree", "claude", 0, NULL },
	{ "CronCreate", "CronCreate", "claude", 0, NULL },
	{ "CronDelete", "CronDelete", "claude", 0, NULL },
	{ "CronList", "CronList", "claude", 0, NULL },
	{ "Monitor", "Monitor", "claude", 0, NULL },
	{ "Workflow", "Workflow", "claude", 0, NULL },
	/* archie's own */
	{ "ApplyPatch", "ApplyPatch", "archie", 1, NULL },
	{ "ReadManyFiles", "ReadManyFiles", "archie", 1, NULL },
	{ "SaveMemory", "SaveMemory", "archie", 1, NULL },
	{ "CheckDesign", "CheckDesign", "archie", 1, NULL },
	/* OpenCode */
	{ "read", "Read", "opencode", 1, NULL },
	{ "write", "Write", "opencode", 1, NULL },
	{ "edit", "Edit", "opencode", 1, NULL },
	{ "multiedit", "MultiEdit", "opencode", 1, NULL },
	{ "patch", "ApplyPatch", "opencode", 1, NULL },
	{ "apply_patch", "ApplyPatch", "opencode", 1, NULL },
	{ "grep", "Grep", "opencode", 1, NULL },
	{ "glob", "Glob", "opencode", 1, NULL },
	{ "list", "LS", "opencode", 1, NULL },
	{ "bash", "Bash", "opencode", 1, NULL },
	{ "todowrite", "TodoWrite", "opencode", 1, NULL },
	{ "todoread", "TodoRead", "opencode", 1, NULL },
	{ "webfetch", "WebFetch", "opencode", 1, NULL },
	{ "task", "Task", "opencode", 1, NULL },
	{ "websearch", "WebSearch", "opencode", 1, NULL },
	{ "codesearch", "codesearch", "opencode", 0, "Grep" },
	{ "lsp", "lsp", "opencode", 0, "Grep" },
	{ "skill", "Skill", "opencode", 1, NULL },
	{ "question", "question", "opencode", 0, ASK_IN_ANSWER },
	{ "batch", "batch", "opencode", 0, "several calls in one answer (archie runs them together)" },
	{ "plan_enter", "plan_enter", "opencode", 0, PLAN_MODE },
	{ "plan_exit", "plan_exit", "opencode", 0, PLAN_MODE },
	/* Gemini CLI (old display names, then today's) */
	{ "ReadFile", "Read", "gemini", 1, NULL },
	{ "read_file", "Read", "gemini", 1, NULL },
	{ "ReadFolder", "LS", "gemini", 1, NULL },
	{ "list_directory", "LS", "gemini", 1, NULL },
	{ "FindFiles", "Glob", "gemini", 1, NULL },
	{ "SearchText", "Grep", "gemini", 1, NULL },
	{ "search_file_content", "Grep", "gemini", 1, NULL },
	{ "grep_search", "Grep", "gemini", 1, NULL },
	{ "read_many_files", "ReadManyFiles", "gemini", 1, NULL },
	{ "replace", "Edit", "gemini", 1, NULL },
	{ "WriteFile", "Write", "gemini", 1, NULL },
	{ "write_file", "Write", "gemini", 1, NULL },
	{ "Shell", "Bash", "gemini", 1, NULL },
	{ "run_shell_command", "Bash", "gemini", 1, NULL },
	{ "save_memory", "SaveMemory", "gemini", 1, NULL },
	{ "web_fetch", "WebFetch", "gemini", 1, NULL },
	{ "write_todos", "TodoWrite", "gemini", 1, NULL },
	{ "invoke_agent", "Task", "gemini", 1, NULL },
	{ "GoogleSearch", "WebSearch", "gemini", 1, NULL },
	{ "google_web_search", "WebSearch", "gemini", 1, NULL },
	{ "activate_skill", "Skill", "gemini", 1, NULL },
	{ "ask_user", "ask_user", "gemini", 0, ASK_IN_ANSWER },
	{ "tracker_create_task", "tracker_create_task", "gemini", 0, USE_THE_PLAN },
	{ "tracker_update_task", "tracker_update_task", "gemini", 0, USE_THE_PLAN },
	{ "tracker_get_task", "tracker_get_task", "gemini", 0, USE_THE_PLAN },
	{ "tracker_list_tasks", "tracker_list_tasks", "gemini", 0, USE_THE_PLAN },
	{ "tracker_add_dependency", "tracker_add_dependency", "gemini", 0, USE_THE_PLAN },
	{ "tracker_visualize", "tracker_visualize", "gemini", 0, USE_THE_PLAN },
	{ "enter_plan_mode", "enter_plan_mode", "gemini", 0, PLAN_MODE },
	{ "exit_plan_mode", "exit_plan_mode", "gemini", 0, PLAN_MODE },
	{ "get_internal_docs", "get_internal_docs", "gemini", 0, NULL },
	{ "update_topic", "update_topic", "gemini", 0, NULL },
	{ "complete_task", "complete_task", "gemini", 0, "the subagent's final answer" },
	{ "read_mcp_resource", "read_mcp_resource", "gemini", 0, NULL },
	{ "list_mcp_resources", "list_mcp_resources", "gemini", 0, NULL },
	/* Codex */
	{ "shell", "Bash", "codex", 1, NULL },
	{ "local_shell", "Bash", "codex", 1, NULL },
	{ "exec_command", "Bash", "codex", 1, NULL },
	{ "update_plan", "TodoWrite", "codex", 1, NULL },
	{ "write_stdin", "write_stdin", "codex", 0, RUN_TO_END },
	{ "view_image", "view_image", "codex", 0, "Read (it shows images to models that see them)" },
	{ "web_search", "WebSearch", "codex", 1, NULL },
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
	struct toolname_info info = { TOOLNAME_UNKNOWN, NULL, NULL, NULL };
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
	info.instead = aliases[i].instead;
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

void toolname_split_list(const char *s, struct strvec *out)
{
	const char *start = s, *p;
	int depth = 0;

	for (p = s;; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')' && depth)
			depth--;
		if (!*p || (!depth && (*p == ',' || isspace((unsigned char)*p)))) {
			if (p > start)
				strvec_pushf(out, "%.*s", (int)(p - start), start);
			if (!*p)
				break;
			start = p + 1;
		}
	}
}

/* ---- MCP names as the model APIs take them --------------------------------------- */

static int name_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* FNV-1a, 32 bits: a stable short hash (not for secrecy). */
static unsigned long name_hash(const char *s)
{
	unsigned long h = 2166136261UL;

	for (; *s; s++)
		h = ((h ^ (unsigned char)*s) * 16777619UL) & 0xffffffffUL;
	return h;
}

/* full ("mcp__S__T" as the server names it) made an offered name (a new
 * string): hashed, or longer than 64, it is cut and given the hash of the
 * whole; keep_glob: a rule's pattern, its glob characters kept, never cut. */
static char *offer_full(const char *full, int hashed, int keep_glob)
{
	size_t i, n = strlen(full);
	char *out = xmalloc(n + 10);

	for (i = 0; i < n; i++) {
		int c = (unsigned char)full[i];

		out[i] = (char)(name_char(c) || (keep_glob && strchr("*?[]", c)) ? c : '_');
	}
	out[n] = 0;
	if (!keep_glob && (hashed || n > TOOLNAME_MCP_MAX))
		snprintf(out + (n < 55 ? n : 55), 10, "_%08lx", name_hash(full));
	return out;
}

void toolname_mcp_offer(const char *server, const char *tool, int hashed, char *out)
{
	char *full = xstrfmt("mcp__%s__%s", server, tool), *o = offer_full(full, hashed, 0);

	memcpy(out, o, strlen(o) + 1);	/* (at most TOOLNAME_MCP_MAX) */
	free(o);
	free(full);
}

int toolname_mcp_match(const char *ref, const char *offered)
{
	char *pat, *o;
	int rc, all;

	if (!strcmp(ref, offered))
		return 1;
	if (strncmp(ref, "mcp__", 5) || !ref[5])
		return 0;
	/* no "__" after the server: Claude Code's mcp__server (split no
	 * further: a server's name may itself start or end with '_') */
	all = !strstr(ref + 5, "__");
	if (all || glob_has_magic(ref)) {
		/* Claude Code's mcp__server (all its tools), or a glob */
		char *g = all ? xstrfmt("%s__*", ref) : xstrdup(ref);

		pat = offer_full(g, 0, 1);
		rc = glob_match(pat, offered, 0);
		free(pat);
		free(g);
		return rc;
	}
	o = offer_full(ref, 0, 0);
	rc = !strcmp(o, offered);
	free(o);
	if (!rc) {
		o = offer_full(ref, 1, 0);
		rc = !strcmp(o, offered);
		free(o);
	}
	return rc;
}
