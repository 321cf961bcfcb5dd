/*
 * rules: parsing permission rules from YAML (agent frontmatter, config
 * files) and from strings (command-line flags, session approvals).
 *
 * Rules are `struct policy_rule` (below): a canonical tool (or as
 * written for unknown ones), an optional pattern, an action, the syntax
 * it came in, a group (one OpenCode map; "last match wins" applies within
 * a group) and its position in the file.
 *
 * Ownership: rules_ctx borrows everything; rules are appended to the
 * caller's array, which owns their strings.
 */
#ifndef ARCHIE_RULES_H
#define ARCHIE_RULES_H

#include <stddef.h>

enum rule_action { RULE_ALLOW, RULE_ASK, RULE_DENY };

/* One permission rule (evaluated by the policy engine; loaders only
 * record them, in file order). */
struct policy_rule {
	char *tool;		/* canonical tool when known, else as written */
	char *pattern;		/* NULL: every use of the tool */
	enum rule_action action;
	const char *syntax;	/* "opencode" (permission:) or "claude" (permissions:) */
	int group;		/* OpenCode: rules of one map share a group */
	int line, col;
};

/* "allow", "ask", "deny". */
const char *rule_action_name(enum rule_action a);

struct diag_list;
struct fy_node;
struct strbuf;
struct yamldoc;

struct rules_ctx {
	const struct yamldoc *yd;
	const char *path;
	struct diag_list *diags;
	struct policy_rule **v;
	size_t *nr, *alloc;
	int group;		/* the last OpenCode map's id */
};

/* OpenCode: `permission: ask`, or {tool: action | {pattern: action}}. */
int rules_yaml_opencode(struct rules_ctx *rc, struct fy_node *k, struct fy_node *v);
/* Claude Code: {allow: [...], ask: [...], deny: [...]}. */
/* One list of Claude Code rules (permissions.allow and the like: a list
 * of strings, or one string) as act rules. */
int rules_claude_list(struct rules_ctx *pc, struct fy_node *lk, struct fy_node *lv,
		      enum rule_action act);
int rules_yaml_claude(struct rules_ctx *rc, struct fy_node *k, struct fy_node *v);

/* One Claude-form rule ("Bash(git push:*)", "Read(./.env)", "WebFetch").
 * Returns 0, or -1 with err; out's strings are the caller's. */
int rules_parse_string(const char *spec, enum rule_action act,
		       struct policy_rule *out, struct strbuf *err);

/* "allow", "ask" or "deny" (any case); -1 otherwise. */
int rules_parse_action(const char *s, enum rule_action *out);

#endif
