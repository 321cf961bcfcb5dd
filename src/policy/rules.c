/*
 * rules: permission rules as users write them, parsed into one form.
 *
 * Two syntaxes, both accepted in agent frontmatter and config files:
 * OpenCode's `permission:` map (a tool's action, or a map of glob pattern
 * to action where, within one map, the last matching pattern wins) and
 * Claude Code's `permissions:` lists (`allow`, `ask`, `deny` of strings
 * like "Bash(npm run *)" or "Read(./.env)").  Command-line flags and
 * session approvals use the Claude form.  See policy/policy.h for how
 * rules are matched and combined.
 */
#include "policy/rules.h"

#include "core/diag.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "core/yamldoc.h"
#include "core/toolnames.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define classify yamldoc_classify
#define is_null yamldoc_is_null
#define type_name yamldoc_type_name
#define scalar_dup yamldoc_scalar_dup
#define YS_STRING YAMLDOC_STRING

static int perr(struct rules_ctx *pc, struct fy_node *at, struct fy_node *fb,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int pwarn(struct rules_ctx *pc, struct fy_node *at, struct fy_node *fb,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void report(struct rules_ctx *pc, enum diag_severity sev,
		   struct fy_node *at, struct fy_node *fb, const char *fmt, va_list ap)
{
	struct strbuf msg = STRBUF_INIT;
	int line, col;

	yamldoc_node_pos(pc->yd, at, fb, &line, &col);
	strbuf_vaddf(&msg, fmt, ap);
	diag_add(pc->diags, sev, pc->path, line ? line : pc->yd->line_base,
		 col ? col : 1, "%s", msg.buf);
	strbuf_release(&msg);
}

static int perr(struct rules_ctx *pc, struct fy_node *at, struct fy_node *fb,
		const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(pc, DIAG_ERROR, at, fb, fmt, ap);
	va_end(ap);
	return -1;
}

static int pwarn(struct rules_ctx *pc, struct fy_node *at, struct fy_node *fb,
		 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(pc, DIAG_WARNING, at, fb, fmt, ap);
	va_end(ap);
	return 0;
}

int rules_parse_action(const char *s, enum rule_action *out)
{
	if (!strcasecmp(s, "allow"))
		*out = RULE_ALLOW;
	else if (!strcasecmp(s, "ask"))
		*out = RULE_ASK;
	else if (!strcasecmp(s, "deny"))
		*out = RULE_DENY;
	else
		return -1;
	return 0;
}

static char *canonical_tool(const char *name, size_t len)
{
	char *raw = xmemdupz(name, len);
	struct toolname_info info = toolname_lookup(raw);

	if (info.kind == TOOLNAME_CANONICAL) {
		free(raw);
		return xstrdup(info.canonical);
	}
	return raw;
}

static void push_rule(struct rules_ctx *pc, char *tool, char *pattern,
		      enum rule_action act, const char *syntax,
		      struct fy_node *at, struct fy_node *fb)
{
	struct policy_rule *r;

	ALLOC_GROW(*pc->v, *pc->nr + 1, *pc->alloc);
	r = &(*pc->v)[(*pc->nr)++];
	memset(r, 0, sizeof(*r));
	r->tool = tool;
	r->pattern = pattern;
	r->action = act;
	r->syntax = syntax;
	r->group = pc->group;
	yamldoc_node_pos(pc->yd, at, fb, &r->line, &r->col);
}

/* An action scalar; reports where it is not one. */
static int want_action(struct rules_ctx *pc, struct fy_node *v,
		       struct fy_node *fb, const char *what,
		       enum rule_action *act)
{
	char *s = scalar_dup(v);
	int rc = 0;

	*act = RULE_ASK;
	if (!s || classify(v) != YS_STRING || rules_parse_action(s, act))
		rc = perr(pc, v, fb, "%s must be allow, ask or deny, not %s%s%s",
			  what, s ? "'" : "", s ? s : type_name(v), s ? "'" : "");
	free(s);
	return rc;
}

/* OpenCode: permission: {edit: deny, bash: {"*": ask, "git *": allow}} */
int rules_yaml_opencode(struct rules_ctx *pc, struct fy_node *k, struct fy_node *v)
{
	struct fy_node_pair *pr;
	void *it = NULL;
	enum rule_action act;
	int rc = 0;

	if (is_null(v))
		return 0;
	if (fy_node_get_type(v) == FYNT_SCALAR) {
		if (want_action(pc, v, k, "'permission'", &act))
			return -1;
		push_rule(pc, xstrdup("*"), NULL, act, "opencode", v, k);
		return 0;
	}
	if (fy_node_get_type(v) != FYNT_MAPPING)
		return perr(pc, v, k, "'permission' must be a map of tool to action, not %s",
			    type_name(v));
	while ((pr = fy_node_mapping_iterate(v, &it)) != NULL) {
		struct fy_node *tk = fy_node_pair_key(pr);
		struct fy_node *tv = fy_node_pair_value(pr);
		char *tool = scalar_dup(tk);
		struct strbuf what = STRBUF_INIT;

		if (!tool) {
			rc = perr(pc, tk, k, "keys of 'permission' must be tool names");
			continue;
		}
		strbuf_addf(&what, "'permission.%s'", tool);
		pc->group++;
		if (tv && fy_node_get_type(tv) == FYNT_MAPPING) {
			struct fy_node_pair *pp;
			void *pit = NULL;

			while ((pp = fy_node_mapping_iterate(tv, &pit)) != NULL) {
				struct fy_node *pk = fy_node_pair_key(pp);
				struct fy_node *pv = fy_node_pair_value(pp);
				char *pat = scalar_dup(pk);

				strbuf_reset(&what);
				strbuf_addf(&what, "'permission.%s' pattern '%s'",
					    tool, pat ? pat : "?");
				if (!pat) {
					rc = perr(pc, pk, tk, "patterns under 'permission.%s' must be strings",
						  tool);
				} else if (want_action(pc, pv, pk, what.buf, &act)) {
					rc = -1;
				} else {
					push_rule(pc, canonical_tool(tool, strlen(tool)),
						  xstrdup(pat), act, "opencode", pk, tk);
				}
				free(pat);
			}
		} else if (want_action(pc, tv, tk, what.buf, &act)) {
			rc = -1;
		} else {
			push_rule(pc, canonical_tool(tool, strlen(tool)), NULL, act,
				  "opencode", tk, k);
		}
		strbuf_release(&what);
		free(tool);
	}
	return rc;
}

int rules_parse_string(const char *spec, enum rule_action act,
		       struct policy_rule *out, struct strbuf *err)
{
	char *s = xstrdup(spec), *paren;
	size_t len = strlen(s);
	int rc = -1;

	memset(out, 0, sizeof(*out));
	while (len && isspace((unsigned char)s[len - 1]))
		s[--len] = '\0';
	paren = strchr(s, '(');
	if (paren) {
		if (len < 2 || s[len - 1] != ')') {
			strbuf_seterr(err, "permission rule '%s' opens '(' but does not end with ')'", s);
			goto out;
		}
		out->pattern = xmemdupz(paren + 1, (size_t)(s + len - 1 - (paren + 1)));
		out->tool = canonical_tool(s, (size_t)(paren - s));
	} else {
		out->tool = canonical_tool(s, len);
	}
	if (!*out->tool) {
		free(out->tool);
		free(out->pattern);
		memset(out, 0, sizeof(*out));
		strbuf_seterr(err, "permission rule '%s' names no tool", s);
		goto out;
	}
	out->action = act;
	out->syntax = "claude";
	rc = 0;
out:
	free(s);
	return rc;
}

/* Claude Code: "Bash(npm run *)" or "Read" -> tool and pattern. */
static int claude_rule(struct rules_ctx *pc, struct fy_node *item,
		       enum rule_action act)
{
	struct strbuf err = STRBUF_INIT;
	struct policy_rule r;
	char *s = scalar_dup(item);
	int rc = 0;

	if (!s || classify(item) != YS_STRING) {
		rc = perr(pc, item, NULL, "permission rules must be strings like \"Bash(npm run *)\", not %s",
			  type_name(item));
	} else if (rules_parse_string(s, act, &r, &err)) {
		rc = perr(pc, item, NULL, "%s", err.buf);
	} else {
		push_rule(pc, r.tool, r.pattern, act, "claude", item, NULL);
	}
	free(s);
	strbuf_release(&err);
	return rc;
}

int rules_claude_list(struct rules_ctx *pc, struct fy_node *lk, struct fy_node *lv,
		      enum rule_action act)
{
	struct fy_node *item;
	void *lit = NULL;
	int rc = 0;

	if (is_null(lv))
		return 0;	/* an empty list */
	if (fy_node_get_type(lv) == FYNT_SCALAR)
		return claude_rule(pc, lv, act);
	if (fy_node_get_type(lv) != FYNT_SEQUENCE)
		return perr(pc, lv, lk, "'permissions.%s' must be a list of rules, not %s",
			    rule_action_name(act), type_name(lv));
	while ((item = fy_node_sequence_iterate(lv, &lit)) != NULL)
		rc |= claude_rule(pc, item, act);
	return rc;
}

/* Claude Code: permissions: {allow: [...], ask: [...], deny: [...]} */
int rules_yaml_claude(struct rules_ctx *pc, struct fy_node *k, struct fy_node *v)
{
	struct fy_node_pair *pr;
	void *it = NULL;
	int rc = 0;

	if (is_null(v))
		return 0;
	if (fy_node_get_type(v) != FYNT_MAPPING)
		return perr(pc, v, k, "'permissions' must be a map with allow, ask and deny lists, not %s",
			    type_name(v));
	while ((pr = fy_node_mapping_iterate(v, &it)) != NULL) {
		struct fy_node *lk = fy_node_pair_key(pr);
		struct fy_node *lv = fy_node_pair_value(pr);
		char *list = scalar_dup(lk);
		enum rule_action act;

		if (!list || rules_parse_action(list, &act))
			pwarn(pc, lk, k, "'permissions.%s' is not used in agent files (expected allow, ask or deny); ignored",
			      list ? list : "?");
		else
			rc |= rules_claude_list(pc, lk, lv, act);
		free(list);
	}
	return rc;
}

const char *rule_action_name(enum rule_action act)
{
	switch (act) {
	case RULE_ALLOW:
		return "allow";
	case RULE_DENY:
		return "deny";
	default:
		return "ask";
	}
}
