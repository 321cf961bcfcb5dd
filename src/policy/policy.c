/*
 * policy: the decision hook for tool calls (mode-based until the rules
 * engine lands).  See policy.h.
 */
#include "policy/policy.h"

#include "core/strbuf.h"
#include "tools/tool.h"

#include <string.h>

int policy_mode_parse(const char *s, enum policy_mode *out)
{
	if (!strcmp(s, "default") || !strcmp(s, "ask"))
		*out = POLICY_MODE_DEFAULT;
	else if (!strcmp(s, "accept") || !strcmp(s, "acceptEdits") ||
		 !strcmp(s, "bypassPermissions") || !strcmp(s, "yes"))
		*out = POLICY_MODE_ACCEPT;
	else if (!strcmp(s, "plan"))
		*out = POLICY_MODE_PLAN;
	else
		return -1;
	return 0;
}

const char *policy_verdict_name(enum policy_verdict v)
{
	return v == POLICY_ALLOW ? "allow" : v == POLICY_DENY ? "deny" : "ask";
}

enum policy_verdict policy_decide(const struct policy *p, const struct tool *t,
				  json_t *args, struct strbuf *why)
{
	(void)args;
	if (t->read_only) {
		strbuf_addstr(why, "built-in default: read-only tools are allowed");
		return POLICY_ALLOW;
	}
	switch (p->mode) {
	case POLICY_MODE_ACCEPT:
		strbuf_addstr(why, "permission mode: accept");
		return POLICY_ALLOW;
	case POLICY_MODE_PLAN:
		strbuf_addstr(why, "permission mode: plan (read-only)");
		return POLICY_DENY;
	default:
		strbuf_addstr(why, "built-in default: changes are asked about");
		return POLICY_ASK;
	}
}
