/*
 * policy: may this tool call run?
 *
 * Every call passes policy_decide() before it runs; this is the hook the
 * permissions engine fills in (rules from every source, shell commands
 * parsed into their real parts, paths resolved, the sandbox).  Until then
 * the decision is by mode alone: read-only tools are allowed; tools that
 * change things are allowed with --yes (and in headless runs), asked about
 * interactively, and denied in plan mode.
 */
#ifndef ARCHIE_POLICY_H
#define ARCHIE_POLICY_H

#include <jansson.h>

struct strbuf;
struct tool;

enum policy_mode {
	POLICY_MODE_DEFAULT,	/* ask before changes */
	POLICY_MODE_ACCEPT,	/* --yes: allow every call */
	POLICY_MODE_PLAN,	/* read-only: deny changes */
};

enum policy_verdict { POLICY_ALLOW, POLICY_ASK, POLICY_DENY };

struct policy {
	enum policy_mode mode;
};

/* Parses "default", "accept" (also "acceptEdits", "bypassPermissions",
 * "yes") and "plan"; -1 if unknown. */
int policy_mode_parse(const char *s, enum policy_mode *out);
const char *policy_verdict_name(enum policy_verdict v);

/* The verdict for calling t with args; why says which rule decided. */
enum policy_verdict policy_decide(const struct policy *p, const struct tool *t,
				  json_t *args, struct strbuf *why);

#endif
