/*
 * toolset: what a loop offers the model.  See loop_int.h.
 */
#include "loop/loop_int.h"

#include "agent/agent.h"
#include "agent/registry.h"
#include "agent/routing.h"
#include "core/cancel.h"
#include "core/clock.h"
#include "core/fileio.h"
#include "core/headtail.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "delegate/delegate.h"
#include "hooks/hooks.h"
#include "mcp/mcp.h"
#include "core/glob.h"
#include "loop/prompt.h"
#include "provider/http.h"
#include "store/store.h"
#include "core/toolnames.h"
#include "custom/skill.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>


int toolset_depth_limit(const struct loop *l)
{
	return l->o.delegation.max_depth > 0 ? l->o.delegation.max_depth : DELEGATE_MAX_DEPTH;
}

/* 1 if this loop can start subagents: there are agents, and depth left. */
int toolset_can_delegate(const struct loop *l)
{
	return l->o.agents && l->child.depth < toolset_depth_limit(l);
}

/* 1 if the parent (if any) has the tool: a child never gets more. */
static int parent_has(const struct loop *l, const struct tool *t)
{
	const struct loop *p = l->child.parent;
	size_t i;

	if (!p)
		return 1;
	for (i = 0; i < p->tools_nr; i++)
		if (p->tools[i] == t || (t->kind == TOOL_DELEGATE && p->tools[i]->kind == TOOL_DELEGATE) ||
		    !strcmp(p->tools[i]->name, t->name))
			return 1;
	return 0;
}

static void offer(struct loop *l, const struct tool *t, const char *description)
{
	l->tools[l->tools_nr] = t;
	l->schemas[l->tools_nr].name = t->name;
	l->schemas[l->tools_nr].description = description;
	l->schemas[l->tools_nr].schema = tool_schema(t);
	l->schemas[l->tools_nr].server = NULL;
	l->tools_nr++;
}

/* Delegation: the Task tool, whose description lists the agents; or, for
 * an agent written for Gemini CLI, one tool per subagent, as there. */
static void offer_delegation(struct loop *l, size_t room)
{
	static const char agent_schema[] =
		"{\"type\":\"object\",\"properties\":{\"query\":{\"type\":\"string\","
		"\"description\":\"The job for this agent, complete and self-contained: it does not see this conversation\"}},"
		"\"required\":[\"query\"],\"additionalProperties\":false}";
	const struct agent_registry *reg = l->o.agents;
	struct strbuf d = STRBUF_INIT_CAP((size_t)64 << 10);
	size_t i, n = 0;

	if (!strcmp(l->o.agent->format, "gemini")) {
		l->agent_tools = xcalloc(reg->nr ? reg->nr : 1, sizeof(*l->agent_tools));
		for (i = 0; i < reg->nr && l->tools_nr < room; i++) {
			const struct agent *a = reg->entries[i].agent;
			struct tool *t = &l->agent_tools[n];

			if (a->mode == AGENT_MODE_PRIMARY || a == l->o.agent)
				continue;
			t->name = a->name;
			strbuf_reset(&d);
			strbuf_addstr(&d, "Delegate a self-contained job to the ");
			strbuf_addstr(&d, a->name);
			strbuf_addstr(&d, " agent, which returns one report: ");
			agent_short_description(a, 400, &d);
			t->description = strvec_push(&l->owned, d.buf);
			t->schema = agent_schema;
			t->kind = TOOL_DELEGATE;
			offer(l, t, t->description);
			n++;
		}
		l->agent_tools_nr = n;
	} else {
		strbuf_addstr(&d, tool_task.description);
		strbuf_addstr(&d, "\n\nThe agents (subagent_type):");
		delegate_list_agents(reg, l->o.agent, &d);
		offer(l, &tool_task, strvec_push(&l->owned, d.buf));
	}
	strbuf_release(&d);
}

/* The verdict on a call of tool with args (may be NULL), a subagent's
 * bounded by its ancestors', as calls_vet weighs it before anyone is
 * asked. */
static enum policy_verdict bounded_verdict(struct loop *l, const char *tool, json_t *args)
{
	struct policy_decision d;
	enum policy_verdict v;

	policy_decision_init(&d);
	v = policy_decide(&l->policy, tool, args, l->o.cwd, &d);
	if (v != POLICY_DENY && l->child.depth) {
		policy_decision_release(&d);
		policy_decision_init(&d);
		v = policy_bound(&l->policy, tool, args, l->o.cwd, &d);
	}
	policy_decision_release(&d);
	return v;
}

/* tool_env.host_denied: the rules deny fetching from host. */
static int host_denied(void *ud, const char *host)
{
	struct loop *l = ud;
	struct strbuf url = STRBUF_INIT;
	json_t *args;
	enum policy_verdict v;

	strbuf_addf(&url, "https://%s/", host);
	args = json_pack("{s:s}", "url", url.buf);
	v = bounded_verdict(l, "WebFetch", args);
	json_decref(args);
	strbuf_release(&url);
	return v == POLICY_DENY;
}

/*
 * WebSearch's backend from `web_search:` (searxng, brave, tavily: the
 * tool; anthropic: the provider's own server tool, provider/anthropic.c).
 * With none, or without its key, the tool is not offered and the reason
 * is kept for the system prompt, so the agent knows why.
 */
static void search_setup(struct loop *l)
{
	const struct config_web_search *w = l->o.cfg ? &l->o.cfg->web_search : NULL;
	const char *key = NULL;

	free(l->search_missing);
	l->search_missing = NULL;
	memset(&l->search, 0, sizeof(l->search));
	l->env.search = NULL;
	l->env.host_denied = host_denied;
	if (!w || !w->backend) {
		l->search_missing = xstrdup("no web search service is configured (the user can set web_search in ~/.config/archie/config.yaml)");
		return;
	}
	if (!strcmp(w->backend, "anthropic")) {
		if (l->pcfg.api != PROVIDER_API_ANTHROPIC)
			l->search_missing = xstrfmt("web_search.backend is anthropic (%s), which only Anthropic's API runs, and this model is served by %s",
						    w->source, l->model.provider->name);
		return;
	}
	if (w->api_key_env && (!(key = getenv(w->api_key_env)) || !*key)) {
		l->search_missing = xstrfmt("the search service's key is missing: %s (web_search.api_key_env, %s) is not set",
					    w->api_key_env, w->source);
		return;
	}
	l->search.backend = w->backend;
	l->search.url = w->url;
	l->search.key = key;
	l->search.max_results = w->max_results;
	l->env.search = &l->search;
}

static int server_refused(const struct tool *t, const struct tool_env *env, json_t *args,
			  struct strbuf *out)
{
	(void)t;
	(void)env;
	(void)args;
	strbuf_addstr(out, "error: web_search is run by the provider, not as a call of yours; it was not run");
	return -1;
}

static const struct tool server_websearch = {
	.name = "web_search",
	.description = "Anthropic's web search, run by the provider",
	.schema = "{\"type\":\"object\"}",
	.read_only = 1,
	.run = server_refused,
	.kind = TOOL_BUILTIN,
};

/*
 * Anthropic's own web search (web_search.backend: anthropic, on its API):
 * the provider runs each search, so archie cannot ask first; it is
 * offered only where the rules allow WebSearch outright, and the rules'
 * denied domains go with it.
 */
static void offer_server_search(struct loop *l, size_t room)
{
	const struct config_web_search *w = l->o.cfg ? &l->o.cfg->web_search : NULL;
	json_t *def, *blocked;

	if (!w || !w->backend || strcmp(w->backend, "anthropic") ||
	    l->pcfg.api != PROVIDER_API_ANTHROPIC || l->tools_nr >= room || !l->wants_search)
		return;
	if (bounded_verdict(l, "WebSearch", NULL) != POLICY_ALLOW) {
		l->search_missing = xstrdup("Anthropic's web search runs at the provider, where archie cannot ask before each search, so it needs a rule that allows WebSearch (--allow WebSearch, or permissions in config.yaml)");
		return;
	}
	def = json_pack("{s:s, s:s, s:i}", "type", "web_search_20250305", "name", "web_search",
			"max_uses", w->max_results > 0 ? w->max_results : 5);
	blocked = json_array();
	policy_denied_hosts(&l->policy, blocked);
	if (json_array_size(blocked))
		json_object_set(def, "blocked_domains", blocked);
	json_decref(blocked);
	l->tools[l->tools_nr] = &server_websearch;
	l->schemas[l->tools_nr].name = "web_search";
	l->schemas[l->tools_nr].description = server_websearch.description;
	l->schemas[l->tools_nr].schema = json_object();
	l->schemas[l->tools_nr].server = def;
	l->tools_nr++;
}

void toolset_missing_note(const struct loop *l, struct strbuf *out)
{
	if (l->search_missing && l->wants_search)
		strbuf_addf(out, "\n\nWebSearch is not available in this session: %s. Use WebFetch on URLs you know, and say what you could not look up.",
			    l->search_missing);
}

void toolset_offer(struct loop *l)
{
	const struct agent_registry *reg = l->o.agents;
	struct agent_tools at;
	size_t i, room;
	int task = 0;

	search_setup(l);
	agent_tools_init(&at);
	agent_resolve_tools(l->o.agent, &at);
	room = at.enabled.nr + 5 + (reg ? reg->nr : 0);
	l->tools = xcalloc(room, sizeof(*l->tools));
	l->schemas = xcalloc(room, sizeof(*l->schemas));
	for (i = 0; i < at.enabled.nr; i++) {
		const struct tool *t = tool_find(at.enabled.v[i]);

		if (!t || !parent_has(l, t))
			continue;
		if (t->kind == TOOL_DELEGATE) {
			task = 1;
			continue;
		}
		/* with Bash, below */
		if (t == &tool_bashoutput || t == &tool_killshell)
			continue;
		/* only with a search service (search_setup) */
		if (t == &tool_websearch) {
			l->wants_search = 1;
			if (!l->env.search)
				continue;
		}
		offer(l, t, t->description);
	}
	offer_server_search(l, room);
	/* BashOutput and KillShell come with Bash (they touch only what its
	 * run_in_background started), where there are background shells */
	if (l->o.bg && toolset_find(l, "Bash") && l->tools_nr + 2 <= room) {
		offer(l, &tool_bashoutput, tool_bashoutput.description);
		offer(l, &tool_killshell, tool_killshell.description);
	}
	if (task && toolset_can_delegate(l))
		offer_delegation(l, room);
	/* Skill: when there are skills this agent may use */
	if (l->o.skills && l->o.skills->nr && agent_wants_tool(l->o.agent, "Skill") &&
	    parent_has(l, &tool_skill) && l->tools_nr < room)
		offer(l, &tool_skill, tool_skill.description);
	l->base_tools_nr = l->tools_nr;
	l->mcp_all = l->o.agent->tools_spec == AGENT_TOOLS_ALL;
	for (i = 0; i < at.mcp.nr; i++)
		strvec_push(&l->mcp_refs, at.mcp.v[i]);
	agent_tools_release(&at);
}

const struct tool *toolset_find(const struct loop *l, const char *name)
{
	struct toolname_info info;
	size_t i;

	for (i = 0; i < l->tools_nr; i++)
		if (!strcmp(l->tools[i]->name, name))
			return l->tools[i];
	/* the model may use another runtime's name for an offered tool */
	info = toolname_lookup(name);
	if (info.kind == TOOLNAME_CANONICAL)
		for (i = 0; i < l->tools_nr; i++)
			if (!strcmp(l->tools[i]->name, info.canonical))
				return l->tools[i];
	return NULL;
}

/* 1 if this loop offers delegation (Task, or a tool per subagent). */
int toolset_delegation_offered(const struct loop *l)
{
	size_t i;

	for (i = 0; i < l->tools_nr; i++)
		if (l->tools[i]->kind == TOOL_DELEGATE)
			return 1;
	return 0;
}

void toolset_list(const struct loop *l, struct strbuf *out)
{
	size_t i;

	for (i = 0; i < l->tools_nr; i++)
		strbuf_addf(out, "%s%s", i ? ", " : "", l->tools[i]->name);
	if (!l->tools_nr)
		strbuf_addstr(out, "(none)");
}

static int mcp_wanted(const struct loop *l, const char *full)
{
	size_t i;

	if (l->mcp_all)
		return 1;
	/* a reference may use the server's own names (mcp__my.server__x)
	 * for a tool offered as mcp__my_server__x */
	for (i = 0; i < l->mcp_refs.nr; i++)
		if (toolname_mcp_match(l->mcp_refs.v[i], full))
			return 1;
	return 0;
}

/* The servers' instructions join the system prompt once, when they are
 * first known (servers start in the background), fenced as their words. */
static void mcp_instructions_once(struct loop *l)
{
	struct strbuf sb = STRBUF_INIT;

	if (l->mcp_instructed)
		return;
	l->mcp_instructed = 1;
	strbuf_addstr(&sb, l->conv.system ? l->conv.system : "");
	mcp_instructions(l->o.mcp, &sb);
	if (sb.len > (l->conv.system ? strlen(l->conv.system) : 0))
		conv_set_system(&l->conv, sb.buf);
	strbuf_release(&sb);
}

/* Offers the MCP tools this agent may use: waits (once, bounded) for
 * servers still starting, says once which failed, lists changed tools
 * again. */
void toolset_sync(struct loop *l)
{
	struct mcp *m = l->o.mcp;
	struct strbuf failed = STRBUF_INIT;
	struct mcp_tool *snap;
	size_t i, n = 0, total;
	unsigned long gen;

	if (!m || !m->nr)
		return;		/* no servers: nothing on the request path */
	if (!l->mcp_waited) {
		l->mcp_waited = 1;
		mcp_wait(m, l->o.mcp_wait_ms > 0 ? l->o.mcp_wait_ms
			    : m->start_timeout_ms > 0 ? m->start_timeout_ms : 10000);
	} else {
		mcp_wait(m, 0);
	}
	mcp_refresh(m);
	mcp_take_failures(m, &failed);
	if (failed.len) {
		if (l->o.ui.notice)
			l->o.ui.notice(l->o.ui.ud, failed.buf);
		else
			log_warn("mcp", "%s", failed.buf);
	}
	strbuf_release(&failed);
	/* the lists' generation says whether anything changed, even a schema
	 * that kept the count (a copy is taken: other threads' loops may
	 * list them again meanwhile) */
	if (l->mcp_tools && mcp_tools_generation(m) == l->mcp_gen)
		return;
	total = mcp_tools_copy(m, &snap, &gen);
	l->mcp_gen = gen;
	l->tools_gen++;		/* the provider encodes the tools again */
	/* rebuild: the built-in tools stay, the MCP ones are listed afresh */
	for (i = l->base_tools_nr; i < l->tools_nr; i++) {
		json_decref(l->schemas[i].schema);
		json_decref(l->schemas[i].server);
	}
	l->tools_nr = l->base_tools_nr;
	free(l->mcp_tools);
	mcp_tools_free(l->mcp_snap, l->mcp_snap_nr);
	l->mcp_snap = snap;
	l->mcp_snap_nr = total;
	l->mcp_tools = xcalloc(total ? total : 1, sizeof(*l->mcp_tools));
	l->tools = xrealloc(l->tools, (l->base_tools_nr + total + 3) * sizeof(*l->tools));
	l->schemas = xrealloc(l->schemas, (l->base_tools_nr + total + 3) * sizeof(*l->schemas));
	for (i = 0; i < total; i++) {
		const struct mcp_tool *mt = &snap[i];
		struct tool *t = &l->mcp_tools[n];

		/* a tool the server runs only as a task is never offered (mcp
		 * list says so): archie does not create and poll tasks */
		if (mt->task_required || !mcp_wanted(l, mt->full))
			continue;
		/* the strings are the snapshot's, which lives as long as these */
		t->name = mt->full;
		t->description = mt->description;
		t->schema = mt->schema;
		t->kind = TOOL_MCP;
		t->run = mcphost_run;
		t->user = m;
		if (!parent_has(l, t))
			continue;
		n++;
		l->tools[l->tools_nr] = t;
		l->schemas[l->tools_nr].name = t->name;
		l->schemas[l->tools_nr].description = t->description;
		l->schemas[l->tools_nr].schema = json_loads(t->schema, 0, NULL);
		l->schemas[l->tools_nr].server = NULL;
		if (!l->schemas[l->tools_nr].schema)
			l->schemas[l->tools_nr].schema = json_pack("{s:s}", "type", "object");
		l->tools_nr++;
	}
	l->mcp_tools_nr = n;
	/* resources: the tools that open them, where a server has some */
	if ((n || l->mcp_all) && mcp_server_has(m, NULL, "resources")) {
		if (parent_has(l, &tool_listmcpresources))
			offer(l, &tool_listmcpresources, tool_listmcpresources.description);
		if (parent_has(l, &tool_readmcpresource))
			offer(l, &tool_readmcpresource, tool_readmcpresource.description);
	}
	mcp_instructions_once(l);
}
