/*
 * agent_parse: turns an agent file (frontmatter + body) into a struct agent.
 *
 * Each known frontmatter key has a handler that checks its type and reports
 * a located error when it is wrong; every other key is kept, converted to
 * JSON, in agent->extra.  The handlers accept each runtime's spelling of the
 * same setting (a comma string, a YAML list or an OpenCode map for `tools`;
 * OpenCode's `permission:` map or Claude Code's `permissions:` lists).
 */
#include "agent/agent_parse_int.h"

#include "agent/frontmatter.h"
#include "agent/routing.h"
#include "core/diag.h"
#include "core/fileio.h"
#include "core/strbuf.h"
#include "core/utf8.h"
#include "core/xalloc.h"
#include "core/yamldoc.h"
#include "policy/rules.h"
#include "core/toolnames.h"

#include <ctype.h>
#include <errno.h>
#include <libfyaml.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define NAME_MAX_BYTES 128

/* ---- diagnostics ------------------------------------------------------ */

static int vreport(struct parse_ctx *pc, enum diag_severity sev,
		   struct fy_node *at, struct fy_node *fb, const char *fmt,
		   va_list ap)
{
	struct strbuf msg = STRBUF_INIT;
	int line, col;

	yamldoc_node_pos(&pc->fm->yd, at, fb, &line, &col);
	if (!line) {
		line = pc->fm->yaml_line;
		col = 1;
	}
	strbuf_vaddf(&msg, fmt, ap);
	diag_add(pc->diags, sev, pc->path, line, col, "%s", msg.buf);
	strbuf_release(&msg);
	return -1;
}

int perr(struct parse_ctx *pc, struct fy_node *at, struct fy_node *fb,
	 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(pc, DIAG_ERROR, at, fb, fmt, ap);
	va_end(ap);
	return -1;
}

int pwarn(struct parse_ctx *pc, struct fy_node *at, struct fy_node *fb,
	  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(pc, DIAG_WARNING, at, fb, fmt, ap);
	va_end(ap);
	return 0;
}

/* ---- field handlers --------------------------------------------------- */

/* A required string: sets *out (replacing) or reports and returns -1. */
int want_string(struct parse_ctx *pc, const char *key,
		       struct fy_node *k, struct fy_node *v, char **out)
{
	if (is_null(v))
		return 0;
	if (fy_node_get_type(v) != FYNT_SCALAR || fy_node_is_alias(v))
		return perr(pc, v, k, "'%s' must be a string, not %s", key,
			    type_name(v));
	free(*out);
	*out = scalar_dup(v);
	return 0;
}

static int check_name(struct parse_ctx *pc, const char *name,
		      struct fy_node *at, int line, int col)
{
	const char *bad = NULL;
	size_t i, len = strlen(name);

	if (!len)
		bad = "is empty";
	else if (len > NAME_MAX_BYTES)
		bad = "is longer than 128 bytes";
	else if (!utf8_valid(name, len, NULL))
		bad = "is not valid UTF-8";
	for (i = 0; !bad && i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c < 0x20 || c == 0x7f)
			bad = "contains a control character";
		/* a slash is allowed: Claude Code lists "Python DevOps/CI-CD
		 * Expert" under that name, and archie finds agents by name
		 * first (delegate_find_agent) */
	}
	if (!bad)
		return 0;
	if (at)
		return perr(pc, at, NULL, "agent name %s", bad);
	return diag_add(pc->diags, DIAG_ERROR, pc->path, line, col,
			"agent name %s", bad);
}

static int h_name(struct parse_ctx *pc, struct fy_node *k, struct fy_node *v)
{
	char *name = NULL;

	if (want_string(pc, "name", k, v, &name))
		return -1;
	if (!name) {
		pwarn(pc, k, NULL, "'name' is empty; the file name is used");
		return 0;
	}
	if (check_name(pc, name, v, 0, 0)) {
		free(name);
		return -1;
	}
	free(pc->a->name);
	pc->a->name = name;
	yamldoc_node_pos(&pc->fm->yd, v, k, &pc->a->name_line, &pc->a->name_col);
	return 0;
}

static int h_description(struct parse_ctx *pc, struct fy_node *k, struct fy_node *v)
{
	return want_string(pc, "description", k, v, &pc->a->description);
}

static int h_model(struct parse_ctx *pc, struct fy_node *k, struct fy_node *v)
{
	return want_string(pc, "model", k, v, &pc->a->model);
}

static int h_color(struct parse_ctx *pc, struct fy_node *k, struct fy_node *v)
{
	pc->claude = 1;
	return want_string(pc, "color", k, v, &pc->a->color);
}

static int h_mode(struct parse_ctx *pc, struct fy_node *k, struct fy_node *v)
{
	char *m = NULL;
	int rc = 0;

	pc->opencode = 1;
	if (want_string(pc, "mode", k, v, &m) || !m)
		return m ? -1 : 0;
	if (!strcmp(m, "primary"))
		pc->a->mode = AGENT_MODE_PRIMARY;
	else if (!strcmp(m, "subagent"))
		pc->a->mode = AGENT_MODE_SUBAGENT;
	else if (!strcmp(m, "all"))
		pc->a->mode = AGENT_MODE_ALL;
	else
		rc = perr(pc, v, k, "'mode' must be primary, subagent or all, not '%s'", m);
	free(m);
	return rc;
}

/* A number from a plain scalar; -1 with a report otherwise. */
static int want_number(struct parse_ctx *pc, const char *key, struct fy_node *k,
		       struct fy_node *v, int integer, double *out)
{
	enum yamldoc_scalar ys = fy_node_get_type(v) == FYNT_SCALAR && !fy_node_is_alias(v)
				  ? classify(v) : YS_STRING;
	char *s;

	*out = 0;
	if (ys != YS_INT && (integer || ys != YS_FLOAT))
		return perr(pc, v, k, "'%s' must be %s, not %s", key,
			    integer ? "a whole number" : "a number", type_name(v));
	s = scalar_dup(v);
	*out = ys == YS_INT && !strncmp(s, "0o", 2) ? (double)strtoll(s + 2, NULL, 8)
							: strtod(s, NULL);
	if (ys == YS_INT && !strncmp(s, "0x", 2))
		*out = (double)strtoll(s, NULL, 16);
	free(s);
	if (!isfinite(*out))
		return perr(pc, v, k, "'%s' must be a finite number", key);
	return 0;
}

static int h_temperature(struct parse_ctx *pc, struct fy_node *k, struct fy_node *v)
{
	double t;

	if (is_null(v))
		return 0;
	if (want_number(pc, "temperature", k, v, 0, &t))
		return -1;
	if (t < 0 || t > 2)
		return perr(pc, v, k, "'temperature' must be between 0 and 2, not %g", t);
	pc->a->temperature = t;
	pc->a->has_temperature = 1;
	return 0;
}

static int h_max_turns(struct parse_ctx *pc, struct fy_node *k, struct fy_node *v)
{
	double t;

	pc->gemini = 1;
	if (is_null(v))
		return 0;
	if (want_number(pc, "max_turns", k, v, 1, &t))
		return -1;
	if (t < 1 || t > 100000)
		return perr(pc, v, k, "'max_turns' must be between 1 and 100000, not %g", t);
	pc->a->max_turns = (long)t;
	return 0;
}

static int h_timeout_mins(struct parse_ctx *pc, struct fy_node *k, struct fy_node *v)
{
	double t;

	pc->gemini = 1;
	if (is_null(v))
		return 0;
	if (want_number(pc, "timeout_mins", k, v, 0, &t))
		return -1;
	if (t <= 0)
		return perr(pc, v, k, "'timeout_mins' must be greater than 0, not %g", t);
	pc->a->timeout_mins = t;
	return 0;
}

/* ---- tools -------------------------------------------------------------- */

/* Gemini CLI names an MCP tool mcp_SERVER_TOOL (a server name has no
 * '_'), and all of a server's mcp_SERVER_*: archie's (and Claude Code's)
 * mcp__SERVER__TOOL and mcp__SERVER.  Other names are copied. */
static char *gemini_mcp_name(const char *name, size_t len)
{
	const char *us;
	struct strbuf sb = STRBUF_INIT;

	if (len < 6 || strncmp(name, "mcp_", 4) || name[4] == '_' ||
	    !(us = memchr(name + 4, '_', len - 4)) || us == name + 4 || us + 1 == name + len)
		return xmemdupz(name, len);
	strbuf_addf(&sb, "mcp__%.*s", (int)(us - (name + 4)), name + 4);
	if (!(us[1] == '*' && us + 2 == name + len))
		strbuf_addf(&sb, "__%.*s", (int)(name + len - us - 1), us + 1);
	return strbuf_detach(&sb, NULL);
}

static void push_ref(struct agent_tool_ref **v, size_t *nr, size_t *alloc,
		     const char *name, size_t len, int enabled, int line, int col)
{
	struct agent_tool_ref *r;

	ALLOC_GROW(*v, *nr + 1, *alloc);
	r = &(*v)[(*nr)++];
	r->name = gemini_mcp_name(name, len);
	r->enabled = enabled;
	r->line = line;
	r->col = col;
}

/* Warns about a tool name archie cannot give the agent. */
static void check_tool_name(struct parse_ctx *pc, const char *name, int line,
			    int col)
{
	struct toolname_info info;

	if (strpbrk(name, "*?["))
		return;
	info = toolname_lookup(name);
	if (info.kind == TOOLNAME_UNAVAILABLE) {
		/* the canonical name only when it says something more */
		diag_add(pc->diags, DIAG_WARNING, pc->path, line, col,
			 "tool '%s'%s%s%s is not provided by archie; the agent runs without it%s%s",
			 name, strcmp(name, info.canonical) ? " (" : "",
			 strcmp(name, info.canonical) ? info.canonical : "",
			 strcmp(name, info.canonical) ? ")" : "",
			 info.instead ? "; instead: " : "", info.instead ? info.instead : "");
	}
	else if (info.kind == TOOLNAME_UNKNOWN)
		diag_add(pc->diags, DIAG_WARNING, pc->path, line, col,
			 "unknown tool '%s': not a tool of archie, Claude Code, OpenCode, Gemini CLI or Codex; the agent runs without it",
			 name);
}

/*
 * Splits a tools string ("Read, Grep, Bash(git *)" or "Read Grep") into
 * refs.  Separators are commas and blanks outside parentheses.  Columns are
 * exact for plain and quoted one-line scalars.
 */
static void split_tool_string(struct parse_ctx *pc, struct fy_node *v,
			      struct agent_tool_ref **refs, size_t *nr,
			      size_t *alloc)
{
	size_t len, i = 0;
	const char *s = fy_node_get_scalar(v, &len);
	int line, col, quoted;

	yamldoc_node_pos(&pc->fm->yd, v, NULL, &line, &col);
	quoted = fy_node_get_style(v) == FYNS_SINGLE_QUOTED ||
		 fy_node_get_style(v) == FYNS_DOUBLE_QUOTED;
	while (i < len) {
		size_t start, depth = 0;

		while (i < len && (s[i] == ',' || isspace((unsigned char)s[i])))
			i++;
		start = i;
		while (i < len) {
			if (s[i] == '(')
				depth++;
			else if (s[i] == ')' && depth)
				depth--;
			else if (!depth && (s[i] == ',' || isspace((unsigned char)s[i])))
				break;
			i++;
		}
		if (i > start) {
			int c = col + quoted + (int)utf8_width(s, start);

			push_ref(refs, nr, alloc, s + start, i - start, 1, line, c);
		}
	}
}

/* A list of tool names, as a comma string or a YAML list. */
static int parse_tool_list(struct parse_ctx *pc, const char *key,
			   struct fy_node *k, struct fy_node *v,
			   struct agent_tool_ref **refs, size_t *nr,
			   size_t *alloc)
{
	void *it = NULL;
	struct fy_node *item;
	int rc = 0;

	if (fy_node_get_type(v) == FYNT_SCALAR && !fy_node_is_alias(v)) {
		if (classify(v) != YS_STRING)
			return perr(pc, v, k, "'%s' must be a comma-separated string, a list of tool names or a map of tool name to true/false, not %s",
				    key, type_name(v));
		pc->claude = 1;
		split_tool_string(pc, v, refs, nr, alloc);
		return 0;
	}
	if (fy_node_get_type(v) != FYNT_SEQUENCE)
		return perr(pc, v, k, "'%s' must be a comma-separated string, a list of tool names or a map of tool name to true/false, not %s",
			    key, type_name(v));
	pc->gemini = 1;
	while ((item = fy_node_sequence_iterate(v, &it)) != NULL) {
		size_t len;
		const char *s;
		int line, col;

		if (fy_node_get_type(item) != FYNT_SCALAR || fy_node_is_alias(item) ||
		    classify(item) != YS_STRING) {
			rc = perr(pc, item, k, "each entry of '%s' must be a tool name, not %s",
				  key, type_name(item));
			continue;
		}
		s = fy_node_get_scalar(item, &len);
		yamldoc_node_pos(&pc->fm->yd, item, k, &line, &col);
		push_ref(refs, nr, alloc, s, len, 1, line, col);
	}
	return rc;
}

static int h_tools(struct parse_ctx *pc, struct fy_node *k, struct fy_node *v)
{
	struct agent *a = pc->a;
	size_t i;
	int rc = 0;

	if (is_null(v))
		return 0;
	if (fy_node_get_type(v) == FYNT_MAPPING) {
		struct fy_node_pair *pr;
		void *it = NULL;

		pc->opencode = 1;
		a->tools_spec = AGENT_TOOLS_MAP;
		while ((pr = fy_node_mapping_iterate(v, &it)) != NULL) {
			struct fy_node *tk = fy_node_pair_key(pr);
			struct fy_node *tv = fy_node_pair_value(pr);
			enum yamldoc_scalar ys = tv && fy_node_get_type(tv) == FYNT_SCALAR &&
					  !fy_node_is_alias(tv) ? classify(tv) : YS_STRING;
			char *name = scalar_dup(tk);
			int line, col;

			if (!name) {
				rc = perr(pc, tk, k, "keys of the 'tools' map must be tool names");
				continue;
			}
			if (ys != YS_TRUE && ys != YS_FALSE) {
				rc = perr(pc, tv, tk, "'tools.%s' must be true or false, not %s",
					  name, type_name(tv));
				free(name);
				continue;
			}
			yamldoc_node_pos(&pc->fm->yd, tk, k, &line, &col);
			push_ref(&a->tools, &a->tools_nr, &a->tools_alloc, name,
				 strlen(name), ys == YS_TRUE, line, col);
			free(name);
		}
	} else {
		a->tools_spec = AGENT_TOOLS_LIST;
		rc = parse_tool_list(pc, "tools", k, v, &a->tools, &a->tools_nr,
				     &a->tools_alloc);
		for (i = 0; i < a->tools_nr; i++)
			if (!strcmp(a->tools[i].name, "*"))
				a->tools_spec = AGENT_TOOLS_ALL;
	}
	for (i = 0; i < a->tools_nr; i++)
		if (strcmp(a->tools[i].name, "*"))
			check_tool_name(pc, a->tools[i].name, a->tools[i].line,
					a->tools[i].col);
	return rc;
}

static int h_disallowed(struct parse_ctx *pc, struct fy_node *k, struct fy_node *v)
{
	struct agent *a = pc->a;
	size_t i, before = a->disallowed_nr;
	int rc;

	if (is_null(v))
		return 0;
	rc = parse_tool_list(pc, "disallowedTools", k, v, &a->disallowed,
			     &a->disallowed_nr, &a->disallowed_alloc);
	for (i = before; i < a->disallowed_nr; i++)
		check_tool_name(pc, a->disallowed[i].name, a->disallowed[i].line,
				a->disallowed[i].col);
	return rc;
}

/* ---- permissions (parsed by policy/rules.c) ---------------------------- */

static struct rules_ctx rules_for(struct parse_ctx *pc)
{
	struct rules_ctx rc;

	memset(&rc, 0, sizeof(rc));
	rc.yd = &pc->fm->yd;
	rc.path = pc->path;
	rc.diags = pc->diags;
	rc.v = &pc->a->rules;
	rc.nr = &pc->a->rules_nr;
	rc.alloc = &pc->a->rules_alloc;
	return rc;
}

/* skills: the Agent Skills given to this agent (a list, or a comma string). */
static int h_skills(struct parse_ctx *pc, struct fy_node *k, struct fy_node *v)
{
	struct fy_node *item;
	void *it = NULL;
	char *s;

	pc->a->has_skills = 1;
	if (is_null(v))
		return 0;
	if (fy_node_get_type(v) == FYNT_SEQUENCE) {
		while ((item = fy_node_sequence_iterate(v, &it)) != NULL) {
			if (!(s = scalar_dup(item)))
				return perr(pc, item, k, "each entry of 'skills' must be a skill's name");
			strvec_push(&pc->a->skills, s);
			free(s);
		}
		return 0;
	}
	if (!(s = scalar_dup(v)))
		return perr(pc, v, k, "'skills' must be a list of skill names, not %s", type_name(v));
	{
		char *save = NULL, *tok;

		for (tok = strtok_r(s, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save))
			strvec_push(&pc->a->skills, tok);
	}
	free(s);
	return 0;
}

static int h_permission(struct parse_ctx *pc, struct fy_node *k, struct fy_node *v)
{
	struct rules_ctx rc = rules_for(pc);

	pc->opencode = 1;
	return rules_yaml_opencode(&rc, k, v);
}

static int h_permissions(struct parse_ctx *pc, struct fy_node *k, struct fy_node *v)
{
	struct rules_ctx rc = rules_for(pc);

	pc->claude = 1;
	return rules_yaml_claude(&rc, k, v);
}

static const struct key_handler {
	const char *key;
	int (*fn)(struct parse_ctx *pc, struct fy_node *k, struct fy_node *v);
} handlers[] = {
	{ "name", h_name },
	{ "description", h_description },
	{ "model", h_model },
	{ "color", h_color },
	{ "mode", h_mode },
	{ "temperature", h_temperature },
	{ "max_turns", h_max_turns },
	{ "maxTurns", h_max_turns },
	{ "timeout_mins", h_timeout_mins },
	{ "tools", h_tools },
	{ "disallowedTools", h_disallowed },
	{ "disallowed_tools", h_disallowed },
	{ "permission", h_permission },
	{ "permissions", h_permissions },
	{ "routing", agent_parse_routing },
	{ "skills", h_skills },
};

static void parse_keys(struct parse_ctx *pc)
{
	struct fy_node_pair *pr;
	void *it = NULL;
	size_t i;

	while ((pr = fy_node_mapping_iterate(pc->fm->yd.root, &it)) != NULL) {
		struct fy_node *k = fy_node_pair_key(pr);
		struct fy_node *v = fy_node_pair_value(pr);
		char *key = scalar_dup(k);

		if (!key || classify(k) != YS_STRING) {
			perr(pc, k, v, "frontmatter keys must be names, not %s",
			     type_name(k));
			free(key);
			continue;
		}
		for (i = 0; i < ARRAY_SIZE(handlers); i++)
			if (!strcmp(handlers[i].key, key))
				break;
		if (i < ARRAY_SIZE(handlers)) {
			handlers[i].fn(pc, k, v);
		} else {
			if (!strcmp(key, "kind"))
				pc->gemini = 1;
			json_object_set_new(pc->a->extra, key, yamldoc_to_json(v));
		}
		free(key);
	}
}

/* ---- the body ------------------------------------------------------------ */

/* The text of the first ATX heading ("# Title"), or NULL. */
static char *first_heading(const char *body, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t eol = i, s, e;

		while (eol < len && body[eol] != '\n')
			eol++;
		if (body[i] == '#') {
			s = i;
			while (s < eol && body[s] == '#')
				s++;
			if (s < eol && (body[s] == ' ' || body[s] == '\t')) {
				e = eol;
				while (e > s && (isspace((unsigned char)body[e - 1]) ||
						 body[e - 1] == '#'))
					e--;
				while (s < e && isspace((unsigned char)body[s]))
					s++;
				if (e > s)
					return xmemdupz(body + s, e - s);
			}
		}
		i = eol + 1;
	}
	return NULL;
}

/* The first paragraph that is not a heading, joined into one line. */
static char *first_paragraph(const char *body, size_t len)
{
	struct strbuf sb = STRBUF_INIT_CAP(512);
	size_t i = 0;

	while (i < len) {
		size_t eol = i, s = i, e;

		while (eol < len && body[eol] != '\n')
			eol++;
		while (s < eol && isspace((unsigned char)body[s]))
			s++;
		e = eol;
		while (e > s && isspace((unsigned char)body[e - 1]))
			e--;
		if (s == e || body[s] == '#' || !strncmp(body + s, "```", 3)) {
			/* a blank line, heading or fence ends the paragraph */
			if (sb.len)
				break;
		} else {
			if (sb.len)
				strbuf_addch(&sb, ' ');
			strbuf_add(&sb, body + s, e - s);
		}
		i = eol + 1;
	}
	if (!sb.len) {
		strbuf_release(&sb);
		return NULL;
	}
	if (sb.truncated) {
		strbuf_utf8_trim_partial(&sb);
		sb.cap += 3;
		strbuf_addstr(&sb, "\xe2\x80\xa6");
	}
	return strbuf_detach(&sb, NULL);
}

/* "My Agent" -> "my-agent" */
static char *slugify(const char *s)
{
	struct strbuf sb = STRBUF_INIT_CAP(NAME_MAX_BYTES);

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c))
			strbuf_addch(&sb, tolower(c));
		else if (sb.len && sb.buf[sb.len - 1] != '-')
			strbuf_addch(&sb, '-');
	}
	while (sb.len && sb.buf[sb.len - 1] == '-')
		strbuf_setlen(&sb, sb.len - 1);
	return strbuf_detach(&sb, NULL);
}

/* The file name without directories and without a .md/.markdown suffix. */
static char *file_stem(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	if (n > 3 && !strcasecmp(base + n - 3, ".md"))
		n -= 3;
	else if (n > 9 && !strcasecmp(base + n - 9, ".markdown"))
		n -= 9;
	return xmemdupz(base, n);
}

static int set_default_name(struct parse_ctx *pc, const char *body, size_t len)
{
	struct agent *a = pc->a;
	char *stem;

	if (a->name)
		return 0;
	stem = strcmp(pc->path, "-") ? file_stem(pc->path) : xstrdup("");
	if (*stem && !utf8_valid(stem, strlen(stem), NULL)) {
		free(stem);
		return diag_add(pc->diags, DIAG_ERROR, pc->path, 1, 1,
				"the file name is not valid UTF-8, so it cannot name the agent; rename the file or add 'name:' to the frontmatter");
	}
	if (!*stem) {
		char *h = first_heading(body, len);

		free(stem);
		stem = h ? slugify(h) : xstrdup("");
		free(h);
	}
	if (!*stem) {
		free(stem);
		return diag_add(pc->diags, DIAG_ERROR, pc->path, 1, 1,
				"the agent has no name; add 'name:' to the frontmatter");
	}
	if (check_name(pc, stem, NULL, 1, 1)) {
		free(stem);
		return -1;
	}
	a->name = stem;
	return 0;
}

static void detect_format(struct parse_ctx *pc)
{
	static const struct { const char *dir; const char *fmt; } dirs[] = {
		{ "/.claude/agents/", "claude" },
		{ "/.opencode/agent/", "opencode" },
		{ "/.opencode/agents/", "opencode" },
		{ "/.gemini/agents/", "gemini" },
		{ "/.archie/agents/", "archie" },
	};
	size_t i;

	if (!pc->fm->present) {
		pc->a->format = "markdown";
		return;
	}
	if (pc->opencode + pc->gemini + pc->claude == 1) {
		pc->a->format = pc->opencode ? "opencode"
			      : pc->gemini   ? "gemini" : "claude";
		return;
	}
	for (i = 0; i < ARRAY_SIZE(dirs); i++)
		if (strstr(pc->path, dirs[i].dir) ||
		    !strncmp(pc->path, dirs[i].dir + 1, strlen(dirs[i].dir) - 1)) {
			pc->a->format = dirs[i].fmt;
			return;
		}
	pc->a->format = pc->opencode ? "opencode" : pc->gemini ? "gemini"
			: pc->claude ? "claude" : "archie";
}

static int only_space(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!isspace((unsigned char)s[i]))
			return 0;
	return 1;
}

struct agent *agent_parse(const char *path, const char *data, size_t len,
			  struct diag_list *diags)
{
	struct frontmatter fm;
	struct parse_ctx pc;
	struct strbuf body = STRBUF_INIT;
	struct agent *a;

	memset(&pc, 0, sizeof(pc));
	pc.errors_before = diags->errors;
	if (only_space(data, len)) {
		diag_add(diags, DIAG_ERROR, path, 1, 1,
			 "empty file: an agent file needs a prompt (Markdown text), optionally after YAML frontmatter");
		return NULL;
	}
	if (frontmatter_parse(path, data, len, agent_runtime_dialect(path), &fm, diags))
		return NULL;

	a = agent_new();
	a->path = xstrdup(path);
	pc.path = path;
	pc.fm = &fm;
	pc.a = a;
	pc.diags = diags;
	if (fm.yd.root)
		parse_keys(&pc);

	/* a routing table in the body, where the frontmatter gave none */
	if (!a->routes_from)
		routing_parse_table(a, fm.body, fm.body_len, fm.body_line);
	strbuf_add(&body, fm.body, fm.body_len);
	strbuf_trim(&body);
	set_default_name(&pc, body.buf, body.len);
	if (!a->description) {
		a->description = first_paragraph(body.buf, body.len);
		if (!a->description)
			a->description = first_heading(body.buf, body.len);
	}
	if (!body.len)
		diag_add(diags, DIAG_WARNING, path, fm.body_line, 1,
			 "the prompt (the text after the frontmatter) is empty");
	a->prompt = strbuf_detach(&body, NULL);
	detect_format(&pc);
	agent_runtime_check(&pc);
	frontmatter_release(&fm);

	if (diags->errors > pc.errors_before) {
		agent_free(a);
		return NULL;
	}
	return a;
}

struct agent *agent_load_file(const char *path, struct diag_list *diags)
{
	struct strbuf data = STRBUF_INIT_CAP(AGENT_FILE_MAX);
	struct strbuf err = STRBUF_INIT;
	struct agent *a = NULL;
	struct stat st;

	if (!stat(path, &st) && S_ISREG(st.st_mode) &&
	    (size_t)st.st_size > AGENT_FILE_MAX) {
		diag_add(diags, DIAG_ERROR, path, 1, 1,
			 "file is %lld bytes; agent files are limited to 1 MiB (%zu bytes)",
			 (long long)st.st_size, AGENT_FILE_MAX);
		goto out;
	}
	if (file_read(path, AGENT_FILE_MAX, &data, &err)) {
		diag_add(diags, DIAG_ERROR, path, 0, 0, "%s", err.buf);
		goto out;
	}
	a = agent_parse(path, data.buf, data.len, diags);
out:
	strbuf_release(&data);
	strbuf_release(&err);
	return a;
}
