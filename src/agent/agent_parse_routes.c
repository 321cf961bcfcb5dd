/*
 * agent_parse_routes: an agent file's `routing:` key — a mode (auto,
 * suggest, off, or a boolean), a list of routes {keywords, agent}, or a
 * map with both — each problem located.  See agent_parse_int.h and
 * routing.h (which also reads routing tables in the body).
 */
#include "agent/agent_parse_int.h"

#include "agent/routing.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* A list of keywords: a YAML list of strings or one comma string. */
static int route_keywords(struct parse_ctx *pc, struct fy_node *k, struct fy_node *v,
			  struct strvec *out)
{
	if (fy_node_get_type(v) == FYNT_SCALAR && !fy_node_is_alias(v)) {
		char *s = scalar_dup(v), *p = s;

		while (p && *p) {
			size_t n = strcspn(p, ","), a = 0;

			while (a < n && isspace((unsigned char)p[a]))
				a++;
			while (n > a && isspace((unsigned char)p[n - 1]))
				n--;
			if (n > a)
				strvec_push_nodup(out, xmemdupz(p + a, n - a));
			p += strcspn(p, ",");
			p += *p == ',';
		}
		free(s);
	} else if (fy_node_get_type(v) == FYNT_SEQUENCE) {
		struct fy_node *it;
		void *iter = NULL;

		while ((it = fy_node_sequence_iterate(v, &iter)) != NULL) {
			char *s;

			if (fy_node_get_type(it) != FYNT_SCALAR || fy_node_is_alias(it))
				return perr(pc, it, k, "each keyword must be a string, not %s",
					    type_name(it));
			s = scalar_dup(it);
			if (s && *s)
				strvec_push(out, s);
			free(s);
		}
	} else {
		return perr(pc, v, k, "'keywords' must be a list of strings or a comma-separated string, not %s",
			    type_name(v));
	}
	if (!out->nr)
		return perr(pc, v, k, "'keywords' is empty: a route needs at least one keyword");
	return 0;
}

/* One route: {keywords: [...], agent: NAME} (or agents: [NAME...]). */
static int route_entry(struct parse_ctx *pc, struct fy_node *item)
{
	struct strvec words = STRVEC_INIT, agents = STRVEC_INIT;
	struct fy_node *kwn = NULL, *agn = NULL;
	struct fy_node_pair *pr;
	void *it = NULL;
	int rc = 0, line, col;
	size_t i;

	if (fy_node_get_type(item) != FYNT_MAPPING)
		return perr(pc, item, NULL, "each route must be a map such as {keywords: [PostgreSQL, schema], agent: database-optimizer}, not %s",
			    type_name(item));
	while ((pr = fy_node_mapping_iterate(item, &it)) != NULL) {
		struct fy_node *k = fy_node_pair_key(pr), *v = fy_node_pair_value(pr);
		char *key = scalar_dup(k);

		if (key && (!strcmp(key, "keywords") || !strcmp(key, "keyword") ||
			    !strcmp(key, "match"))) {
			kwn = k;
			if (route_keywords(pc, k, v, &words))
				rc = -1;
		} else if (key && (!strcmp(key, "agent") || !strcmp(key, "agents") ||
				   !strcmp(key, "specialist") || !strcmp(key, "subagent"))) {
			agn = k;
			if (fy_node_get_type(v) == FYNT_SEQUENCE) {
				struct fy_node *a;
				void *ai = NULL;

				while ((a = fy_node_sequence_iterate(v, &ai)) != NULL) {
					char *s = NULL;

					if (want_string(pc, key, k, a, &s))
						rc = -1;
					else if (s)
						strvec_push_nodup(&agents, s);
				}
			} else {
				char *s = NULL;

				if (want_string(pc, key, k, v, &s))
					rc = -1;
				else if (s)
					strvec_push_nodup(&agents, s);
			}
		} else {
			pwarn(pc, k, item, "unknown route key '%s' (a route has 'keywords' and 'agent'); ignored",
			      key ? key : "?");
		}
		free(key);
	}
	if (!kwn && !rc)
		rc = perr(pc, item, NULL, "this route has no 'keywords'");
	if (!agn && !rc)
		rc = perr(pc, item, NULL, "this route has no 'agent' to send matching prompts to");
	yamldoc_node_pos(&pc->fm->yd, item, NULL, &line, &col);
	for (i = 0; !rc && i < agents.nr; i++)
		if (routing_add(pc->a, &words, agents.v[i], line))
			rc = perr(pc, agn, item, "the route's agent '%s' names no agent", agents.v[i]);
	strvec_release(&words);
	strvec_release(&agents);
	return rc;
}

static int routing_scalar(struct parse_ctx *pc, struct fy_node *k, struct fy_node *v)
{
	enum yamldoc_scalar ys = classify(v);
	char *s;
	int rc = 0;

	if (ys == YS_TRUE || ys == YS_FALSE) {
		pc->a->routing = ys == YS_TRUE ? AGENT_ROUTING_AUTO : AGENT_ROUTING_OFF;
		return 0;
	}
	s = scalar_dup(v);
	if (!s || agent_routing_parse(s, &pc->a->routing))
		rc = perr(pc, v, k, "'routing' must be auto, suggest, off or a list of routes, not '%s'",
			  s ? s : "?");
	free(s);
	return rc;
}

int agent_parse_routing(struct parse_ctx *pc, struct fy_node *k, struct fy_node *v)
{
	struct fy_node *item, *routes = NULL;
	void *it = NULL;
	int rc = 0;

	if (is_null(v))
		return 0;
	switch (fy_node_get_type(v)) {
	case FYNT_SCALAR:
		return routing_scalar(pc, k, v);
	case FYNT_MAPPING: {
		struct fy_node_pair *pr;

		while ((pr = fy_node_mapping_iterate(v, &it)) != NULL) {
			struct fy_node *mk = fy_node_pair_key(pr), *mv = fy_node_pair_value(pr);
			char *key = scalar_dup(mk);

			if (key && !strcmp(key, "mode")) {
				if (fy_node_get_type(mv) != FYNT_SCALAR || routing_scalar(pc, mk, mv))
					rc = fy_node_get_type(mv) != FYNT_SCALAR
					     ? perr(pc, mv, mk, "'routing.mode' must be auto, suggest or off")
					     : -1;
			} else if (key && (!strcmp(key, "routes") || !strcmp(key, "table"))) {
				routes = mv;
			} else {
				pwarn(pc, mk, v, "unknown 'routing' key '%s' (it has 'mode' and 'routes'); ignored",
				      key ? key : "?");
			}
			free(key);
		}
		if (!routes || is_null(routes))
			return rc;
		if (fy_node_get_type(routes) != FYNT_SEQUENCE)
			return perr(pc, routes, k, "'routing.routes' must be a list of routes, not %s",
				    type_name(routes));
		v = routes;
		break;
	}
	case FYNT_SEQUENCE:
		break;
	default:
		return perr(pc, v, k, "'routing' must be auto, suggest, off or a list of routes");
	}
	it = NULL;
	while ((item = fy_node_sequence_iterate(v, &it)) != NULL)
		if (route_entry(pc, item))
			rc = -1;
	if (pc->a->routes_nr)
		pc->a->routes_from = "frontmatter";
	return rc;
}
