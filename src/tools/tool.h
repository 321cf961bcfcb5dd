/*
 * tool: the tools an agent calls, and the one interface they share.
 *
 * Each tool is a `struct tool` in its own tool_*.c: its canonical name,
 * the description and JSON Schema the model sees, whether it only reads,
 * and its run function.  tool_call() is the single entry point the loop
 * uses: it normalises argument names other runtimes use (file_path ->
 * path), validates the arguments against the schema, and only then runs
 * the tool, so a malformed call becomes an error result that says what
 * was wrong and is never run.
 *
 * Ownership: tools borrow the environment and the arguments; results are
 * written into the caller's strbuf.
 */
#ifndef ARCHIE_TOOL_H
#define ARCHIE_TOOL_H

#include "core/strbuf.h"

#include <jansson.h>
#include <signal.h>

struct bgshell_set;
struct sandbox;
struct skill;
struct skill_set;
struct strvec;

struct todo_item {
	char *content;
	char *status;		/* pending, in_progress, completed */
	char *active_form;
};

struct todo_list {
	struct todo_item *items;
	size_t nr, alloc;
};

void todo_list_release(struct todo_list *t);
/* The list as the user and the model see it. */
void todo_list_render(const struct todo_list *t, struct strbuf *out);
/* A TodoWrite call's "todos" array as a list (out is the caller's):
 * returns how many items are in_progress. */
size_t todo_list_from_json(json_t *todos, struct todo_list *out);

/* Images a call hands the model besides its text result (Read of an
 * image, for a model that takes them). */
struct tool_image {
	char *media_type;		/* image/png, image/jpeg, image/gif, image/webp */
	char *data;			/* base64 */
};

struct tool_attachments {
	struct tool_image *v;
	size_t nr, alloc;
};

void tool_attachments_release(struct tool_attachments *a);

/* Where WebSearch sends queries (config `web_search:`; docs/web-search.md). */
struct tool_search_backend {
	const char *backend;		/* searxng, brave, tavily */
	const char *url;		/* NULL: the service's own API */
	const char *key;		/* brave, tavily: the key itself */
	int max_results;		/* 0: 8 */
};

struct tool_env {
	const char *root;		/* the workspace (project root) */
	const char *cwd;		/* where relative paths start */
	const char *memory_file;	/* SaveMemory's file */
	volatile sig_atomic_t *cancel;
	struct todo_list *todos;	/* the session's plan */
	/* called when the plan changes, so the user sees it */
	void (*on_todos)(void *ud, const struct todo_list *t);
	void *ud;
	long bash_default_timeout_ms;	/* 0: 120 s */
	struct sandbox *sandbox;	/* Bash runs in it; NULL: none */
	int walk_threads;		/* 0: the CPUs */
	int vision;			/* the model takes images */
	struct tool_attachments *attach;	/* this call's images; NULL: none wanted */
	/* a running command's output as it comes (Bash), with ud; may be NULL */
	void (*on_output)(void *ud, const char *data, size_t n);
	/* Skill: the skills, those the agent may use (NULL: all), and who
	 * hears that one was loaded (it is active for the turn) */
	const struct skill_set *skills;
	const struct strvec *skills_only;
	void (*on_skill)(void *ud, const struct skill *s);
	/* background shells (Bash run_in_background, BashOutput,
	 * KillShell); NULL: commands run to their end only */
	struct bgshell_set *bg;
	size_t result_cap;		/* BashOutput's share of a result; 0: 30000 */
	/* WebSearch: the backend (NULL: none), and whether the policy denies
	 * fetching from a host (its results from such hosts are dropped) */
	const struct tool_search_backend *search;
	int (*host_denied)(void *ud, const char *host);
};

/* What a tool is: built into archie, one an MCP server lists (its run
 * forwards the call; user is the server registry), or one that starts a
 * subagent (the loop runs those together, in parallel; user is the loop). */
enum tool_kind { TOOL_BUILTIN, TOOL_MCP, TOOL_DELEGATE };

struct tool {
	const char *name;
	const char *description;
	const char *schema;		/* JSON Schema, as text */
	int read_only;			/* may run in parallel with other reads */
	/* Returns 0 with the result in out, or -1 with an error message in
	 * out (sent to the model as an error result).  t is the tool itself,
	 * so one run serves many tools (MCP's, a subagent's per-agent tool). */
	int (*run)(const struct tool *t, const struct tool_env *env, json_t *args,
		   struct strbuf *out);
	enum tool_kind kind;
	void *user;			/* the run function's (MCP: the registry) */
};

/* Every implemented tool, NULL-terminated, in display order. */
const struct tool *const *tool_all(void);
const struct tool *tool_find(const char *canonical);
/* The tool's schema, parsed (a new reference). */
json_t *tool_schema(const struct tool *t);

/*
 * Runs a call: arguments_json is the model's raw argument text.  Returns
 * 0 (out: the result) or -1 (out: an error result for the model).
 */
int tool_call(const struct tool *t, const struct tool_env *env,
	      const char *arguments_json, struct strbuf *out);

/* Validates value against a JSON Schema (the subset tools use: type,
 * properties, required, additionalProperties, enum, items, minimum).
 * Returns 0, or -1 with err naming the argument and the problem. */
int tool_schema_validate(json_t *schema, json_t *value, const char *where,
			 struct strbuf *err);

/* -1 with an error in out when path is a symbolic link: the writing
 * tools replace files by rename, which would replace the link itself, and
 * a link swapped in after the policy check must not redirect a write. */
int tool_refuse_link(const char *path, const char *arg, struct strbuf *out);

/* 1 if path (any form) really is a secret file once links are followed:
 * the tools that return contents check what they open, not only what
 * the policy saw, so a link swapped in after the check reveals nothing. */
int tool_is_secret(const char *path);

/* Resolves a path argument against env->cwd (appended to out). */
void tool_path(const struct tool_env *env, const char *arg, struct strbuf *out);

extern const struct tool tool_read, tool_write, tool_edit, tool_multiedit,
	tool_applypatch, tool_ls, tool_glob, tool_grep, tool_readmany, tool_bash,
	tool_todowrite, tool_todoread, tool_webfetch, tool_savememory, tool_checkdesign, tool_task,
	tool_skill, tool_bashoutput, tool_killshell, tool_websearch;

#endif
