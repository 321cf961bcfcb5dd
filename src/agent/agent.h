/*
 * agent: an agent definition, as loaded from a Markdown file.
 *
 * An agent is a system prompt plus settings: which tools it may use, which
 * model, what permissions.  Files come in the formats of several runtimes
 * (Claude Code, OpenCode, Gemini CLI, plain Markdown); agent_parse()
 * understands them all and produces this one structure, so nothing past the
 * loader knows which format a file was written in.
 *
 * Ownership: an agent owns every string and array in it; agent_free()
 * releases them.  agent_parse() and agent_load_file() return a new agent
 * the caller frees, or NULL when the file has errors.  Diagnostics are
 * appended to the caller's diag_list (errors and warnings alike).
 */
#ifndef ARCHIE_AGENT_H
#define ARCHIE_AGENT_H

#include "core/strvec.h"
#include "policy/rules.h"

#include <jansson.h>
#include <stddef.h>

struct diag_list;
struct strbuf;

/* Files larger than this are refused: no real prompt is that long, and a
 * model's context could not hold it anyway. */
#define AGENT_FILE_MAX ((size_t)1 << 20)

enum agent_mode { AGENT_MODE_ALL, AGENT_MODE_PRIMARY, AGENT_MODE_SUBAGENT };

enum agent_tools_spec {
	AGENT_TOOLS_ALL,	/* no `tools` key (or "*"): every default tool */
	AGENT_TOOLS_LIST,	/* an allowlist (comma string or YAML list) */
	AGENT_TOOLS_MAP,	/* OpenCode: the defaults, switched by name: bool */
};


/* What archie does with an agent's routing table (see routing.h). */
enum agent_routing {
	AGENT_ROUTING_DEFAULT,	/* not set: auto where there are routes */
	AGENT_ROUTING_AUTO,	/* run the matched specialists first */
	AGENT_ROUTING_SUGGEST,	/* tell the model which ones matched */
	AGENT_ROUTING_OFF,
};

/* One row of a routing table: prompts with any of these keywords go to
 * that specialist. */
struct agent_route {
	struct strvec keywords;	/* as written, trimmed */
	char *agent;		/* the agent's name: the reference's last path component */
	char *ref;		/* the reference as written ("subagents/01-core/x") */
	int line;		/* where it was written (0: unknown) */
};

/* A tool name exactly as the file wrote it, with where. */
struct agent_tool_ref {
	char *name;
	int enabled;		/* the map's value; 1 in lists */
	int line, col;
};


struct agent {
	char *name;
	char *description;
	char *path;		/* the file, or "builtin:NAME" */
	const char *format;	/* "claude", "opencode", "gemini", "markdown", "archie" */
	int builtin;
	int name_line, name_col; /* where the name was given (0: file name) */

	enum agent_mode mode;
	char *model;		/* as written: "sonnet", "openai/gpt-4o", "inherit" */
	int has_temperature;
	double temperature;
	char *color;
	long max_turns;		/* 0: not set */
	double timeout_mins;	/* 0: not set */

	enum agent_tools_spec tools_spec;
	struct agent_tool_ref *tools;
	size_t tools_nr, tools_alloc;
	struct agent_tool_ref *disallowed; /* Claude Code's disallowedTools */
	size_t disallowed_nr, disallowed_alloc;

	struct policy_rule *rules;
	size_t rules_nr, rules_alloc;

	enum agent_routing routing;
	struct agent_route *routes;
	size_t routes_nr, routes_alloc;
	const char *routes_from;	/* "frontmatter", "table" or NULL */

	struct strvec skills;	/* `skills:` given to the agent (has_skills: the key was there) */
	int has_skills;

	json_t *extra;		/* unknown frontmatter keys, kept in order */

	char *prompt;		/* the body, trimmed */
};

/* Whether the agent gets a tool that is not one of the defaults (Skill):
 * all tools, or a list or map that names it, and no disallowedTools. */
int agent_wants_tool(const struct agent *a, const char *canonical);

/* The tool set an agent really gets. */
struct agent_tools {
	struct strvec enabled;	   /* canonical tools, in display order */
	struct strvec mcp;	   /* mcp__server__tool references */
	struct strvec unavailable; /* names archie cannot provide, as written */
};

struct agent *agent_new(void);
void agent_free(struct agent *a);

/*
 * Parses one agent file's bytes.  `path` is used in diagnostics and, when
 * the frontmatter has no name, gives the agent's name (file name without
 * its .md).  Returns NULL if any error was found.
 */
struct agent *agent_parse(const char *path, const char *data, size_t len,
			  struct diag_list *diags);

/* The agents of an OpenCode opencode.json(c)'s "agent" map, appended to
 * *out (agent_json.c); returns how many definitions it held. */
int agent_load_opencode_json(const char *file, struct agent ***out, size_t *nr, size_t *alloc,
			     struct diag_list *diags);

/* Reads (at most AGENT_FILE_MAX bytes) and parses path. */
struct agent *agent_load_file(const char *path, struct diag_list *diags);

void agent_tools_init(struct agent_tools *t);
void agent_tools_release(struct agent_tools *t);
/* Computes the effective tool set of a. */
void agent_resolve_tools(const struct agent *a, struct agent_tools *out);

const char *agent_mode_name(enum agent_mode m);

/* Short description for listings: first line, at most max bytes (cut on a
 * UTF-8 boundary, with an ellipsis).  Appended to out. */
void agent_short_description(const struct agent *a, size_t max,
			     struct strbuf *out);

/* JSON for `agents show --json` (full) or one `agents list --json` row. */
json_t *agent_to_json(const struct agent *a, int full);

int agent_routing_parse(const char *s, enum agent_routing *out);
const char *agent_routing_name(enum agent_routing m);
/* The mode that applies: the default is auto where there are routes. */
enum agent_routing agent_routing_effective(const struct agent *a);

#endif
