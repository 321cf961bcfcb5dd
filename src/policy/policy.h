/*
 * policy: may this tool call run?
 *
 * A call is broken into subjects — the tool itself; for Bash each simple
 * command found by the shell parser (wrappers such as sh -c, env, timeout,
 * xargs and find -exec looked through) and every file it reads or writes
 * (arguments and redirections); for file tools each path; for WebFetch the
 * host — and every path is resolved (the working directory, ~, .., and
 * symlinks, including the last component) before anything is matched.
 *
 * Each source of rules (built-in defaults, the user's and the project's
 * config, the agent's frontmatter, command-line flags, approvals given in
 * the session) gives its verdict for each subject: within one OpenCode map
 * the last matching pattern wins; among Claude-style lists the strictest
 * matching rule.  Across sources the strictest explicit verdict wins
 * (deny > ask > allow); a subject no rule names gets the built-in default;
 * and three floors hold whatever any file says: reading secrets is
 * denied, writing protected paths (git's config and hooks, the agent
 * runtimes' settings) asks even in accept mode, and git commands that
 * change state ask.  The call's verdict is the
 * strictest over its subjects.  The permission mode then answers `ask`:
 * accept (--yes) allows, plan denies, default leaves it to the user
 * (headless runs, with no user, deny).
 *
 * Ownership: a policy owns copies of its rules; a decision owns its
 * subjects and texts.
 */
#ifndef ARCHIE_POLICY_H
#define ARCHIE_POLICY_H

#include "policy/rules.h"
#include "core/strvec.h"

#include <jansson.h>

struct strbuf;

enum policy_mode {
	POLICY_MODE_DEFAULT,	/* ask the user (headless: deny) */
	POLICY_MODE_ACCEPT,	/* --yes: ask becomes allow */
	POLICY_MODE_PLAN,	/* read-only: ask becomes deny */
};

/* Ordered by strictness. */
enum policy_verdict { POLICY_ALLOW, POLICY_ASK, POLICY_DENY };

struct policy_source {
	char *name;		/* "built-in", "agent db-reviewer", "config", "flags", "session" */
	struct policy_rule *rules;
	size_t nr, alloc;
};

struct policy {
	enum policy_mode mode;
	char *root;		/* the workspace, resolved */
	char *home;
	struct policy_source *src;
	size_t nr, alloc;
	/* more directories that count as the workspace (Claude Code's
	 * additionalDirectories), resolved; policy_add_root */
	struct strvec extra_roots;
	/* A subagent's policy is bounded by its ancestors' (policy_bound);
	 * owner names the agent whose policy it is, for reasons. */
	struct policy *parent;
	const char *owner;
};

enum policy_subject_kind {
	POLICY_SUBJ_TOOL,	/* the call as a whole */
	POLICY_SUBJ_COMMAND,	/* one simple shell command */
	POLICY_SUBJ_READ,	/* a file read */
	POLICY_SUBJ_WRITE,	/* a file written, created or removed */
	POLICY_SUBJ_HOST,	/* a web host */
};

struct policy_subject {
	enum policy_subject_kind kind;
	char *text;		/* command text, resolved path, host, tool */
	char *shown;		/* as written in the call */
	int outside;		/* a path outside the workspace */
	enum policy_verdict verdict;
	struct strvec notes;	/* every rule that matched, and the default */
	int why;		/* the note that decided (the first strictest), or -1 */
	int why_verdict;	/* its verdict, while deciding */
	int uncertain;		/* could not be judged: asks, whatever the rules say */
	int read_only;		/* a command that only reads (its option table says so) */
	int is_git;		/* a git command (state changes always ask) */
	int pinned;		/* a protected path: its ask holds even in accept mode */
};

struct policy_decision {
	enum policy_verdict verdict;	/* after the mode */
	enum policy_verdict raw;	/* before the mode */
	struct policy_subject *subj;
	size_t nr, alloc;
	char *why;		/* the deciding subject and rule, in words */
	struct strvec approvals;	/* precise rules an "allow for this session" adds */
};

void policy_init(struct policy *p, const char *root);
void policy_release(struct policy *p);

/* Adds a source (rules are copied). */
void policy_add_source(struct policy *p, const char *name,
		       const struct policy_rule *rules, size_t nr);
/* Removes the named source and its rules (nothing if there is none). */
void policy_remove_source(struct policy *p, const char *name);
/* Adds one Claude-form rule to the named source (created if needed). */
int policy_add_rule(struct policy *p, const char *source, const char *spec,
		    enum rule_action act, struct strbuf *err);

/* Another directory that counts as the workspace: reads and writes there
 * are decided as in the project (its symbolic links resolved). */
void policy_add_root(struct policy *p, const char *dir);

int policy_mode_parse(const char *s, enum policy_mode *out);
/* "default", "accept", "plan". */
const char *policy_mode_name(enum policy_mode m);
const char *policy_verdict_name(enum policy_verdict v);

void policy_decision_init(struct policy_decision *d);
void policy_decision_release(struct policy_decision *d);

/* "tool", "command", "read", "write", "host". */
const char *policy_subject_kind_name(enum policy_subject_kind k);
/* The decision as JSON (a new reference): verdict, before_mode, why, and
 * each subject with every rule that matched.  Shared by `policy explain
 * --json`, stream-json events and the audit trail. */
json_t *policy_decision_json(const struct policy_decision *d);

/*
 * Decides a call of `tool` (canonical name) with arguments args (may be
 * NULL) made from directory cwd.
 */
enum policy_verdict policy_decide(const struct policy *p, const char *tool,
				  json_t *args, const char *cwd,
				  struct policy_decision *d);

/*
 * A subagent's decision bounded by its ancestors' (p->parent, theirs...):
 * each ancestor decides the same call, and the strictest decision
 * replaces d (its reason names the ancestor).  Returns the verdict that
 * stands.  Ancestors are shared with sibling threads: the walk and
 * policy_share_approvals hold the policies' lock.
 */
enum policy_verdict policy_bound(const struct policy *p, const char *tool, json_t *args,
				 const char *cwd, struct policy_decision *d);
/* The domains that deny rules (WebFetch(domain:X), WebSearch(domain:X))
 * name, this policy's and its ancestors', appended to out (a JSON array)
 * for a search the provider runs, where archie cannot vet each result. */
void policy_denied_hosts(const struct policy *p, json_t *out);
/* "Allow for this session" given to a subagent's call holds for its
 * ancestors too, so the same call is not asked again. */
void policy_share_approvals(const struct policy *p, const struct strvec *approvals);

/* A call's arguments from one piece of text, as `policy explain` and the
 * corpus give them: JSON given as is, else a command for Bash, a URL for
 * WebFetch, a patch for ApplyPatch, a path for the file tools.  A new
 * reference. */
json_t *policy_args_from_text(const char *tool, const char *text);

/* Resolves a path argument as the policy does (appended to out): ~, cwd,
 * lexical .., then symlinks for the part that exists. */
void policy_resolve_path(const struct policy *p, const char *cwd,
			 const char *arg, struct strbuf *out);
/* 1 if the resolved path names a secret (.env, keys, ~/.ssh...). */
int policy_is_secret(const struct policy *p, const char *resolved);
/* 1 if writing the resolved path could plant code run outside the
 * sandbox (.git/, .claude/, .mcp.json...: sensitive.h). */
int policy_is_protected(const struct policy *p, const char *resolved);

/* 1 if the resolved path is in the workspace. */
int policy_inside(const struct policy *p, const char *resolved);

#endif
