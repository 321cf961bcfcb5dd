/*
 * mcphost: the loop's side of MCP — what a call of a server's tool lends
 * the server (the loop's model for sampling, the user for elicitation,
 * the tool's line for progress), and the tools that open resources
 * (ReadMcpResource, ListMcpResources, Claude Code's names).
 *
 * Sampling spends the user's tokens on a request a server wrote, so it is
 * a call like any other: decided by the policy as `McpSampling` (asks by
 * default, showing the request; denied headless unless allowed), counted
 * in the session's usage and cost, audited.  Elicitation asks the user
 * (the REPL's form), declines headless unless --elicit gave answers, and
 * is audited too.
 */
#include "loop/loop_int.h"

#include "core/clock.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "mcp/mcp.h"
#include "provider/conv.h"

#include <stdlib.h>
#include <string.h>

#define SAMPLE_MAX_TOKENS 4096

/* What one call lends the server it calls. */
struct host_call {
	struct loop *l;
	const struct tool_env *env;
	struct mcp_client client;
};

static void audit(struct loop *l, const char *tool, json_t *args, const char *verdict,
		  const char *by, const char *outcome, const char *error, long long ts)
{
	struct store_event ev;
	char *a = json_dumps(args, JSON_COMPACT);

	record_event_init(l, &ev, STORE_EV_TOOL, ts);
	ev.duration_ms = (long)(clock_wall_ms() - ts);
	ev.tool = tool;
	ev.arguments = a;
	ev.verdict = verdict;
	ev.decided_by = by;
	ev.outcome = outcome;
	ev.exit_code = -1;
	ev.error = error;
	record_event(l, &ev);
	free(a);
}

/* The policy's word on a server's request (tool McpSampling or
 * McpElicitation), the user asked where it asks.  1 allowed; 0 with why. */
static int allowed(struct loop *l, const char *tool, json_t *args, struct strbuf *why,
		   const char **by, const char **verdict)
{
	struct policy_decision d;
	enum policy_verdict v;
	char *text = json_dumps(args, JSON_COMPACT);

	policy_decision_init(&d);
	v = policy_decide(&l->policy, tool, args, l->o.cwd, &d);
	if (l->child.parent && v != POLICY_DENY)
		v = policy_bound(&l->policy, tool, args, l->o.cwd, &d);
	*verdict = policy_verdict_name(d.raw);
	*by = "policy";
	if (v == POLICY_ASK && !l->o.ui.approve) {
		*by = "headless";
		v = POLICY_DENY;
		strbuf_addf(why, "%s needs approval (%s) and no one can give it in a headless run; allow it with --allow %s",
			    tool, d.why, tool);
	} else if (v == POLICY_ASK) {
		struct loop_approval ap;
		int always = 0;

		memset(&ap, 0, sizeof(ap));
		ap.agent = l->o.agent->name;
		ap.subagent = l->child.depth > 0;
		ap.tool = tool;
		ap.args = text;
		ap.why = d.why;
		ap.root = l->o.root;
		*by = "user";
		v = l->o.ui.approve(l->o.ui.ud, &ap, &always, why);
		if (always && v == POLICY_ALLOW)
			policy_add_rule(&l->policy, "session approvals", tool, RULE_ALLOW, why);
		if (v == POLICY_ALLOW)
			strbuf_reset(why);
	} else if (v == POLICY_DENY) {
		strbuf_addf(why, "%s is denied: %s", tool, d.why);
	}
	policy_decision_release(&d);
	free(text);
	return v == POLICY_ALLOW;
}

/* sampling/createMessage's messages as a conversation. */
static void sample_conv(json_t *params, struct conv *c)
{
	const char *sys = json_string_value(json_object_get(params, "systemPrompt"));
	json_t *msg;
	size_t i;

	conv_init(c);
	conv_set_system(c, sys && *sys ? sys : "You answer a request an MCP server made on the user's behalf.");
	json_array_foreach(json_object_get(params, "messages"), i, msg) {
		const char *role = json_string_value(json_object_get(msg, "role"));
		json_t *content = json_object_get(msg, "content"), *one;
		struct conv_msg *m = conv_add_msg(c, role && !strcmp(role, "assistant") ? CONV_ASSISTANT
											: CONV_USER);
		size_t k;

		if (!json_is_array(content)) {
			json_t *wrap = json_array();

			json_array_append(wrap, content);
			content = wrap;
		} else {
			json_incref(content);
		}
		json_array_foreach(content, k, one) {
			const char *type = json_string_value(json_object_get(one, "type"));
			const char *text = json_string_value(json_object_get(one, "text"));

			if (type && !strcmp(type, "image") && json_string_value(json_object_get(one, "data")))
				conv_add_image(m, json_string_value(json_object_get(one, "mimeType")),
					       json_string_value(json_object_get(one, "data")));
			else
				conv_add_text(m, text ? text : "(content archie cannot pass on)",
					      strlen(text ? text : "(content archie cannot pass on)"));
		}
		json_decref(content);
	}
}

static int host_sample(void *ud, const char *server, json_t *params, json_t **result,
		       struct strbuf *err)
{
	struct host_call *h = ud;
	struct loop *l = h->l;
	struct provider_reply reply;
	struct conv c;
	long max;
	long long ts = clock_wall_ms();
	json_t *shown = json_pack("{s:s, s:O}", "server", server, "request", params);
	json_int_t want = json_integer_value(json_object_get(params, "maxTokens"));
	const char *by, *verdict;
	int rc;

	if (!allowed(l, "McpSampling", shown, err, &by, &verdict)) {
		audit(l, "McpSampling", shown, verdict, by, "denied", err->buf, ts);
		json_decref(shown);
		return -1;
	}
	sample_conv(params, &c);
	max = want > 0 && want < SAMPLE_MAX_TOKENS ? (long)want : SAMPLE_MAX_TOKENS;
	if (l->limits.max_output > 0 && max > l->limits.max_output)
		max = l->limits.max_output;
	provider_reply_init(&reply);
	rc = loop_side_request(l, &c, max, ts, &reply, err);
	audit(l, "McpSampling", shown, verdict, by, rc ? "error" : "ok", rc ? err->buf : NULL, ts);
	if (!rc)
		*result = json_pack("{s:s, s:{s:s, s:s%}, s:s, s:s}", "role", "assistant", "content",
				    "type", "text", "text", reply.text.buf, reply.text.len,
				    "model", l->model.id,
				    "stopReason", reply.stop_reason && !strcmp(reply.stop_reason, "max_tokens")
						  ? "maxTokens" : "endTurn");
	provider_reply_release(&reply);
	conv_release(&c);
	json_decref(shown);
	return rc;
}

static int host_elicit(void *ud, const char *server, json_t *params, json_t **result,
		       struct strbuf *err)
{
	struct host_call *h = ud;
	struct loop *l = h->l;
	long long ts = clock_wall_ms();
	json_t *shown = json_pack("{s:s, s:O}", "server", server, "request", params);
	json_t *content = NULL;
	const char *action = "decline", *by = "headless";

	(void)err;
	if (l->o.ui.elicit) {
		by = "user";
		action = l->o.ui.elicit(l->o.ui.ud, server,
					json_string_value(json_object_get(params, "message")),
					json_object_get(params, "requestedSchema"), &content);
	} else if (l->o.elicit_answers) {
		/* --elicit: answers given on the command line */
		by = "flags";
		action = "accept";
		content = json_incref(l->o.elicit_answers);
	}
	*result = json_pack("{s:s}", "action", action);
	if (content && !strcmp(action, "accept"))
		json_object_set(*result, "content", content);
	json_decref(content);
	audit(l, "McpElicitation", shown, "ask", by, action, NULL, ts);
	json_decref(shown);
	return 0;
}

static void host_progress(void *ud, const char *line)
{
	struct host_call *h = ud;
	struct strbuf sb = STRBUF_INIT;

	if (!h->env->on_output)
		return;
	strbuf_addf(&sb, "[%s]\n", line);
	h->env->on_output(h->env->ud, sb.buf, sb.len);
	strbuf_release(&sb);
}

/* A server's log message during a call, in the session's record
 * (`archie audit --kind mcp`). */
static void host_log(void *ud, const char *server, const char *level, const char *text)
{
	struct host_call *h = ud;
	struct store_event ev;

	record_event_init(h->l, &ev, STORE_EV_MCP, clock_wall_ms());
	ev.tool = server;
	ev.outcome = level;
	ev.error = text;
	ev.exit_code = -1;
	record_event(h->l, &ev);
}

static void host_notice(void *ud, const char *msg)
{
	struct host_call *h = ud;

	if (h->l->o.ui.notice)
		h->l->o.ui.notice(h->l->o.ui.ud, msg);
	else
		log_warn("mcp", "%s", msg);
}

static void host_init(struct host_call *h, const struct tool_env *env)
{
	memset(h, 0, sizeof(*h));
	h->l = env->ud;
	h->env = env;
	h->client.sample = host_sample;
	h->client.elicit = host_elicit;
	h->client.progress = host_progress;
	h->client.notice = host_notice;
	h->client.log = host_log;
	h->client.ud = h;
	h->client.cancel = env->cancel;
}

/* An MCP tool's run: the server it came from runs the call. */
int mcphost_run(const struct tool *t, const struct tool_env *env, json_t *args,
		struct strbuf *out)
{
	char *text = json_dumps(args, JSON_COMPACT);
	json_t *images = NULL, *img;
	struct host_call h;
	int is_error = 0, rc;
	size_t i;

	host_init(&h, env);
	/* an image a server returns reaches a model that takes images, as
	 * a Read image does */
	rc = mcp_call(t->user, t->name, text ? text : "{}", out, &is_error,
		      env->vision && env->attach ? &images : NULL, &h.client);
	free(text);
	json_array_foreach(images, i, img) {
		struct tool_image *ti;

		if (!env->attach)
			break;	/* (images is only asked for with somewhere to put them) */
		ALLOC_GROW(env->attach->v, env->attach->nr + 1, env->attach->alloc);
		ti = &env->attach->v[env->attach->nr++];
		ti->media_type = xstrdup(json_string_value(json_object_get(img, "mimeType")));
		ti->data = xstrdup(json_string_value(json_object_get(img, "data")));
	}
	json_decref(images);
	return rc || is_error ? -1 : 0;
}

/* ---- resources ------------------------------------------------------------------------ */

static int read_resource(const struct tool *t, const struct tool_env *env, json_t *args,
			 struct strbuf *out)
{
	struct loop *l = env->ud;
	const char *server = json_string_value(json_object_get(args, "server"));
	const char *uri = json_string_value(json_object_get(args, "uri"));
	struct host_call h;

	(void)t;
	if (!uri || !*uri) {
		strbuf_addstr(out, "error: uri is required (a resource's URI, as a resource link or ListMcpResources gives it)");
		return -1;
	}
	host_init(&h, env);
	return mcp_read_resource(l->o.mcp, server && *server ? server : NULL, uri, &h.client, out);
}

static void list_one(struct loop *l, const char *server, struct host_call *h, struct strbuf *out)
{
	struct strbuf err = STRBUF_INIT;
	json_t *res = NULL, *r;
	size_t i;

	if (!mcp_request(l->o.mcp, server, "resources/list", NULL, "resources", &h->client, &res,
			 &err)) {
		json_array_foreach(json_object_get(res, "resources"), i, r) {
			const char *name = json_string_value(json_object_get(r, "name"));
			const char *desc = json_string_value(json_object_get(r, "description"));
			const char *mime = json_string_value(json_object_get(r, "mimeType"));

			strbuf_addf(out, "%s  %s%s%s%s%s%s\n", server,
				    json_string_value(json_object_get(r, "uri")) ? json_string_value(json_object_get(r, "uri")) : "?",
				    name ? "  " : "", name ? name : "", mime ? " (" : "", mime ? mime : "",
				    mime ? ")" : "");
			if (desc && *desc)
				strbuf_addf(out, "    %.200s\n", desc);
		}
		json_decref(res);
	} else {
		strbuf_addf(out, "%s  (resources/list failed: %s)\n", server, err.buf);
	}
	strbuf_reset(&err);
	if (!mcp_request(l->o.mcp, server, "resources/templates/list", NULL, "resourceTemplates",
			 &h->client, &res, &err)) {
		json_array_foreach(json_object_get(res, "resourceTemplates"), i, r)
			strbuf_addf(out, "%s  %s  (a template: fill in the {parts})\n", server,
				    json_string_value(json_object_get(r, "uriTemplate"))
				    ? json_string_value(json_object_get(r, "uriTemplate")) : "?");
		json_decref(res);
	}
	strbuf_release(&err);
}

static int list_resources(const struct tool *t, const struct tool_env *env, json_t *args,
			  struct strbuf *out)
{
	struct loop *l = env->ud;
	const char *server = json_string_value(json_object_get(args, "server"));
	struct mcp *m = l->o.mcp;
	struct host_call h;
	size_t i;

	(void)t;
	host_init(&h, env);
	strbuf_addstr(out, "<mcp-resources>\n");
	for (i = 0; i < m->nr; i++) {
		const char *name = m->v[i].name;	/* (names never change) */

		if ((server && *server && strcmp(name, server)) || !mcp_server_has(m, name, "resources"))
			continue;
		list_one(l, name, &h, out);
	}
	strbuf_addstr(out, "</mcp-resources>\n(Read one with ReadMcpResource {server, uri}.)");
	return 0;
}

const struct tool tool_readmcpresource = {
	"ReadMcpResource",
	"Reads a resource an MCP server offers, by its URI (from a resource link in a tool's result, "
	"from ListMcpResources, or a template filled in). Name the server when you know it.",
	"{\"type\":\"object\",\"properties\":{"
	"\"server\":{\"type\":\"string\",\"description\":\"The MCP server's name\"},"
	"\"uri\":{\"type\":\"string\",\"description\":\"The resource's URI\"}},"
	"\"required\":[\"uri\"],\"additionalProperties\":false}",
	1, read_resource, TOOL_BUILTIN, NULL,
};

const struct tool tool_listmcpresources = {
	"ListMcpResources",
	"Lists the resources (and resource templates) the MCP servers offer, or one server's.",
	"{\"type\":\"object\",\"properties\":{"
	"\"server\":{\"type\":\"string\",\"description\":\"Only this server's\"}},"
	"\"additionalProperties\":false}",
	1, list_resources, TOOL_BUILTIN, NULL,
};
