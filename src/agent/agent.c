/*
 * agent: the agent structure, its effective tool set, and its JSON form.
 * Parsing lives in agent_parse.c.  See agent.h.
 */
#include "agent/agent.h"


#include "core/strbuf.h"
#include "core/xalloc.h"
#include "core/toolnames.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct agent *agent_new(void)
{
	struct agent *a = xcalloc(1, sizeof(*a));

	a->format = "archie";
	a->mode = AGENT_MODE_ALL;
	a->extra = json_object();
	strvec_init(&a->skills);
	return a;
}

static void free_refs(struct agent_tool_ref *v, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(v[i].name);
	free(v);
}

void agent_free(struct agent *a)
{
	size_t i;

	if (!a)
		return;
	free(a->name);
	free(a->description);
	free(a->path);
	free(a->model);
	free(a->color);
	free_refs(a->tools, a->tools_nr);
	free_refs(a->disallowed, a->disallowed_nr);
	for (i = 0; i < a->rules_nr; i++) {
		free(a->rules[i].tool);
		free(a->rules[i].pattern);
	}
	free(a->rules);
	for (i = 0; i < a->routes_nr; i++) {
		strvec_release(&a->routes[i].keywords);
		free(a->routes[i].agent);
		free(a->routes[i].ref);
	}
	free(a->routes);
	json_decref(a->extra);
	strvec_release(&a->skills);
	free(a->prompt);
	free(a);
}

void agent_tools_init(struct agent_tools *t)
{
	strvec_init(&t->enabled);
	strvec_init(&t->mcp);
	strvec_init(&t->unavailable);
}

void agent_tools_release(struct agent_tools *t)
{
	strvec_release(&t->enabled);
	strvec_release(&t->mcp);
	strvec_release(&t->unavailable);
}

static int has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static void push_unique(struct strvec *sv, const char *s)
{
	if (strvec_find(sv, s) < 0)
		strvec_push(sv, s);
}

/* Index of canonical tool name in the defaults table, or -1. */
static long default_index(const char *canonical)
{
	const char *const *d = toolname_defaults();
	long i;

	for (i = 0; d[i]; i++)
		if (!strcmp(d[i], canonical))
			return i;
	return -1;
}

int agent_wants_tool(const struct agent *a, const char *canonical)
{
	size_t i;
	int want = a->tools_spec != AGENT_TOOLS_LIST;

	for (i = 0; i < a->tools_nr; i++) {
		struct toolname_info info = toolname_lookup(a->tools[i].name);

		if (info.canonical && !strcmp(info.canonical, canonical))
			want = a->tools[i].enabled;
	}
	for (i = 0; i < a->disallowed_nr; i++) {
		struct toolname_info info = toolname_lookup(a->disallowed[i].name);

		if (info.canonical && !strcmp(info.canonical, canonical))
			want = 0;
	}
	return want;
}

/* The tools that change files: one switch in OpenCode's tools map. */
static const char *const edit_tools[] = { "Write", "Edit", "MultiEdit", "ApplyPatch", NULL };

static int is_edit_tool(const char *canonical)
{
	size_t i;

	for (i = 0; edit_tools[i]; i++)
		if (!strcmp(edit_tools[i], canonical))
			return 1;
	return 0;
}

void agent_resolve_tools(const struct agent *a, struct agent_tools *out)
{
	const char *const *defs = toolname_defaults();
	size_t ndefs = 0, i, j;
	char *on;

	while (defs[ndefs])
		ndefs++;
	on = xcalloc(ndefs, 1);
	if (a->tools_spec != AGENT_TOOLS_LIST)
		memset(on, 1, ndefs);

	for (i = 0; i < a->tools_nr; i++) {
		const struct agent_tool_ref *r = &a->tools[i];
		struct toolname_info info;
		long idx;

		if (a->tools_spec != AGENT_TOOLS_MAP && !strcmp(r->name, "*"))
			continue;	/* "every tool": the defaults are on */
		if (a->tools_spec == AGENT_TOOLS_MAP && has_glob(r->name)) {
			for (j = 0; j < ndefs; j++)
				if (!fnmatch(r->name, defs[j], FNM_CASEFOLD))
					on[j] = (char)r->enabled;
			continue;
		}
		info = toolname_lookup(r->name);
		if (a->tools_spec == AGENT_TOOLS_MAP && info.kind == TOOLNAME_CANONICAL &&
		    is_edit_tool(info.canonical)) {
			/* OpenCode: write, edit and patch are one switch, its
			 * `edit` permission, for every editing tool (the last
			 * of them written wins): `edit: false` leaves no way
			 * to change a file */
			for (j = 0; edit_tools[j]; j++)
				if ((idx = default_index(edit_tools[j])) >= 0)
					on[idx] = (char)r->enabled;
			continue;
		}
		switch (info.kind) {
		case TOOLNAME_CANONICAL:
			idx = default_index(info.canonical);
			if (idx >= 0)
				on[idx] = (char)r->enabled;
			break;
		case TOOLNAME_MCP:
			if (r->enabled)
				push_unique(&out->mcp, r->name);
			break;
		default:
			if (r->enabled)
				push_unique(&out->unavailable, r->name);
			break;
		}
	}
	for (i = 0; i < a->disallowed_nr; i++) {
		struct toolname_info info = toolname_lookup(a->disallowed[i].name);
		long idx;

		if (info.kind == TOOLNAME_CANONICAL &&
		    (idx = default_index(info.canonical)) >= 0)
			on[idx] = 0;
	}
	{
		/* BashOutput and KillShell touch only what Bash started: they
		 * come with it, go without it, and can still be disallowed */
		long bash = default_index("Bash"), k;
		static const char *const companions[] = { "BashOutput", "KillShell" };

		for (i = 0; i < 2; i++) {
			int disallowed = 0;

			for (j = 0; j < a->disallowed_nr; j++) {
				struct toolname_info info = toolname_lookup(a->disallowed[j].name);

				disallowed |= info.canonical && !strcmp(info.canonical, companions[i]);
			}
			if ((k = default_index(companions[i])) >= 0 && bash >= 0)
				on[k] = (char)(on[bash] && !disallowed);
		}
	}
	for (j = 0; j < ndefs; j++)
		if (on[j])
			strvec_push(&out->enabled, defs[j]);
	free(on);
}

const char *agent_mode_name(enum agent_mode m)
{
	switch (m) {
	case AGENT_MODE_PRIMARY:
		return "primary";
	case AGENT_MODE_SUBAGENT:
		return "subagent";
	default:
		return "all";
	}
}

void agent_short_description(const struct agent *a, size_t max,
			     struct strbuf *out)
{
	const char *d = a->description ? a->description : "";
	size_t len = strcspn(d, "\r\n"), cut = len;

	if (len > max) {
		/* Back up to the start of a UTF-8 sequence. */
		cut = max;
		while (cut > 0 && ((unsigned char)d[cut] & 0xc0) == 0x80)
			cut--;
	}
	strbuf_add(out, d, cut);
	if (cut < len || d[len])
		strbuf_addstr(out, "\xe2\x80\xa6");
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* File names may hold bytes that are not UTF-8; JSON strings may not. */
static json_t *json_path(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *j;

	strbuf_add_printable(&sb, path, strlen(path));
	j = json_string(sb.buf);
	strbuf_release(&sb);
	return j;
}

static json_t *strvec_json(const struct strvec *sv)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < sv->nr; i++)
		json_array_append_new(arr, json_string(sv->v[i]));
	return arr;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	if (!*s)
		return 0;
	for (; *s; s++)
		n += *s == '\n';
	return n + 1;
}

static json_t *rules_json(const struct agent *a)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < a->rules_nr; i++) {
		const struct policy_rule *r = &a->rules[i];

		json_array_append_new(arr, json_pack("{s:s, s:o, s:s, s:s, s:i, s:i}",
			"tool", r->tool,
			"pattern", str_or_null(r->pattern),
			"action", rule_action_name(r->action),
			"syntax", r->syntax,
			"line", r->line, "column", r->col));
	}
	return arr;
}

static const char *const routing_names[] = { "default", "auto", "suggest", "off" };

int agent_routing_parse(const char *s, enum agent_routing *out)
{
	if (!strcasecmp(s, "auto") || !strcasecmp(s, "on") || !strcasecmp(s, "true")) {
		*out = AGENT_ROUTING_AUTO;
	} else if (!strcasecmp(s, "suggest")) {
		*out = AGENT_ROUTING_SUGGEST;
	} else if (!strcasecmp(s, "off") || !strcasecmp(s, "false") || !strcasecmp(s, "none")) {
		*out = AGENT_ROUTING_OFF;
	} else {
		return -1;
	}
	return 0;
}

const char *agent_routing_name(enum agent_routing m)
{
	return routing_names[m];
}

enum agent_routing agent_routing_effective(const struct agent *a)
{
	if (a->routing != AGENT_ROUTING_DEFAULT)
		return a->routing;
	return a->routes_nr ? AGENT_ROUTING_AUTO : AGENT_ROUTING_OFF;
}

static json_t *routing_json(const struct agent *a)
{
	json_t *routes = json_array(), *sources = json_array();
	size_t i;

	/* routes: what a route is, the same whichever way it was written;
	 * sources: where and how each was written, in the same order */
	for (i = 0; i < a->routes_nr; i++) {
		const struct agent_route *r = &a->routes[i];

		json_array_append_new(routes, json_pack("{s:s, s:o}", "agent", r->agent,
							"keywords", strvec_json(&r->keywords)));
		json_array_append_new(sources, json_pack("{s:s, s:o}", "ref", r->ref, "line",
							 r->line ? json_integer(r->line) : json_null()));
	}
	return json_pack("{s:s, s:o, s:o, s:o}", "mode", agent_routing_name(agent_routing_effective(a)),
			 "from", a->routes_from ? json_string(a->routes_from) : json_null(),
			 "routes", routes, "sources", sources);
}

json_t *agent_to_json(const struct agent *a, int full)
{
	struct agent_tools tools;
	json_t *o, *declared;
	size_t i;

	o = json_pack("{s:s, s:o, s:o, s:b, s:s, s:s, s:o}",
		      "name", a->name,
		      "description", str_or_null(a->description),
		      "source", json_path(a->path),
		      "builtin", a->builtin,
		      "format", a->format,
		      "mode", agent_mode_name(a->mode),
		      "model", str_or_null(a->model));
	if (!full)
		return o;

	agent_tools_init(&tools);
	agent_resolve_tools(a, &tools);
	json_object_set_new(o, "temperature",
			    a->has_temperature ? json_real(a->temperature)
					       : json_null());
	json_object_set_new(o, "color", str_or_null(a->color));
	json_object_set_new(o, "max_turns",
			    a->max_turns ? json_integer(a->max_turns) : json_null());
	json_object_set_new(o, "timeout_mins",
			    a->timeout_mins ? json_real(a->timeout_mins)
					    : json_null());
	json_object_set_new(o, "tools_spec",
			    json_string(a->tools_spec == AGENT_TOOLS_ALL ? "all"
					: a->tools_spec == AGENT_TOOLS_LIST ? "list"
									    : "map"));
	declared = json_array();
	for (i = 0; i < a->tools_nr; i++)
		json_array_append_new(declared, json_pack("{s:s, s:b}",
			"name", a->tools[i].name, "enabled", a->tools[i].enabled));
	json_object_set_new(o, "tools_declared", declared);
	declared = json_array();
	for (i = 0; i < a->disallowed_nr; i++)
		json_array_append_new(declared, json_string(a->disallowed[i].name));
	json_object_set_new(o, "tools_disallowed", declared);
	json_object_set_new(o, "tools", strvec_json(&tools.enabled));
	json_object_set_new(o, "mcp_tools", strvec_json(&tools.mcp));
	json_object_set_new(o, "unavailable_tools",
			    strvec_json(&tools.unavailable));
	json_object_set_new(o, "permissions", rules_json(a));
	json_object_set_new(o, "routing", routing_json(a));
	json_object_set_new(o, "extra", json_deep_copy(a->extra));
	json_object_set_new(o, "prompt_bytes", json_integer((json_int_t)strlen(a->prompt)));
	json_object_set_new(o, "prompt_lines",
			    json_integer((json_int_t)count_lines(a->prompt)));
	/* ~4 bytes a token is the usual rule of thumb for English text. */
	json_object_set_new(o, "prompt_tokens_estimate",
			    json_integer((json_int_t)(strlen(a->prompt) + 3) / 4));
	json_object_set_new(o, "prompt", json_string(a->prompt));
	agent_tools_release(&tools);
	return o;
}
