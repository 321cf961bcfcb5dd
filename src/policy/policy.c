/*
 * policy: subjects, rules, defaults, floors and the decision.
 * See policy.h.
 */
#include "policy/policy.h"

#include "core/glob.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "policy/policy_int.h"
#include "policy/rules.h"
#include "policy/sensitive.h"
#include "core/toolnames.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>


/* ---- setup ------------------------------------------------------------------ */

void policy_init(struct policy *p, const char *root)
{
	char real[PATH_MAX];
	const char *home = getenv("HOME");

	memset(p, 0, sizeof(*p));
	p->root = xstrdup(realpath(root, real) ? real : root);
	p->home = xstrdup(home && *home ? home : "/nonexistent-home");
	strvec_init(&p->extra_roots);
}

static void free_rules(struct policy_rule *r, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		free(r[i].tool);
		free(r[i].pattern);
	}
	free(r);
}

void policy_release(struct policy *p)
{
	size_t i;

	for (i = 0; i < p->nr; i++) {
		free(p->src[i].name);
		free_rules(p->src[i].rules, p->src[i].nr);
	}
	free(p->src);
	free(p->root);
	free(p->home);
	strvec_release(&p->extra_roots);
	memset(p, 0, sizeof(*p));
}

static struct policy_source *source(struct policy *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->nr; i++)
		if (!strcmp(p->src[i].name, name))
			return &p->src[i];
	ALLOC_GROW(p->src, p->nr + 1, p->alloc);
	memset(&p->src[p->nr], 0, sizeof(p->src[p->nr]));
	p->src[p->nr].name = xstrdup(name);
	return &p->src[p->nr++];
}

static void add_rule(struct policy_source *s, const struct policy_rule *r)
{
	struct policy_rule *n;

	ALLOC_GROW(s->rules, s->nr + 1, s->alloc);
	n = &s->rules[s->nr++];
	*n = *r;
	n->tool = xstrdup(r->tool);
	n->pattern = xstrdup_or_null(r->pattern);
}

void policy_add_source(struct policy *p, const char *name,
		       const struct policy_rule *rules, size_t nr)
{
	struct policy_source *s = source(p, name);
	size_t i;

	for (i = 0; i < nr; i++)
		add_rule(s, &rules[i]);
}

void policy_add_root(struct policy *p, const char *dir)
{
	char real[PATH_MAX];

	strvec_push(&p->extra_roots, realpath(dir, real) ? real : dir);
}

void policy_remove_source(struct policy *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->nr; i++)
		if (!strcmp(p->src[i].name, name)) {
			free(p->src[i].name);
			free_rules(p->src[i].rules, p->src[i].nr);
			memmove(&p->src[i], &p->src[i + 1], (p->nr - i - 1) * sizeof(*p->src));
			p->nr--;
			return;
		}
}

int policy_add_rule(struct policy *p, const char *src, const char *spec,
		    enum rule_action act, struct strbuf *err)
{
	struct policy_rule r;

	if (rules_parse_string(spec, act, &r, err))
		return -1;
	add_rule(source(p, src), &r);
	free(r.tool);
	free(r.pattern);
	return 0;
}

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

const char *policy_mode_name(enum policy_mode m)
{
	return m == POLICY_MODE_ACCEPT ? "accept" : m == POLICY_MODE_PLAN ? "plan" : "default";
}

const char *policy_verdict_name(enum policy_verdict v)
{
	return v == POLICY_ALLOW ? "allow" : v == POLICY_DENY ? "deny" : "ask";
}

const char *policy_subject_kind_name(enum policy_subject_kind k)
{
	static const char *const n[] = { "tool", "command", "read", "write", "host" };

	return (size_t)k < sizeof(n) / sizeof(*n) ? n[k] : "?";
}

json_t *policy_decision_json(const struct policy_decision *d)
{
	json_t *subs = json_array();
	size_t i, j;

	for (i = 0; i < d->nr; i++) {
		const struct policy_subject *s = &d->subj[i];
		json_t *notes = json_array();

		for (j = 0; j < s->notes.nr; j++)
			json_array_append_new(notes, json_string(s->notes.v[j]));
		json_array_append_new(subs, json_pack("{s:s, s:s, s:s, s:b, s:s, s:o}",
			"kind", policy_subject_kind_name(s->kind), "text", s->text,
			"as_written", s->shown ? s->shown : s->text,
			"outside_workspace", s->outside,
			"verdict", policy_verdict_name(s->verdict), "rules", notes));
	}
	return json_pack("{s:s, s:s, s:s, s:o}", "verdict", policy_verdict_name(d->verdict),
			 "before_mode", policy_verdict_name(d->raw),
			 "why", d->why ? d->why : "", "subjects", subs);
}

json_t *policy_args_from_text(const char *tool, const char *text)
{
	json_error_t jerr;
	json_t *j;

	if (text[0] == '{' && (j = json_loads(text, 0, &jerr)) != NULL)
		return j;
	if (!strcmp(tool, "Bash"))
		return json_pack("{s:s}", "command", text);
	if (!strcmp(tool, "WebFetch"))
		return json_pack("{s:s}", "url", text);
	if (!strcmp(tool, "ApplyPatch"))
		return json_pack("{s:s}", "patch", text);
	return json_pack("{s:s}", "path", text);
}

void policy_decision_init(struct policy_decision *d)
{
	memset(d, 0, sizeof(*d));
	strvec_init(&d->approvals);
}

void policy_decision_release(struct policy_decision *d)
{
	size_t i;

	for (i = 0; i < d->nr; i++) {
		free(d->subj[i].text);
		free(d->subj[i].shown);
		strvec_release(&d->subj[i].notes);
	}
	free(d->subj);
	free(d->why);
	strvec_release(&d->approvals);
	policy_decision_init(d);
}

/* ---- secrets and protected paths (floors) --------------------------------------- */

int policy_is_secret(const struct policy *p, const char *resolved)
{
	return sensitive_secret(p->home, resolved);
}

int policy_is_protected(const struct policy *p, const char *resolved)
{
	return sensitive_protected(p->home, p->root, resolved);
}

/* ---- matching -------------------------------------------------------------------- */

static int is_family(const char *tool, enum policy_subject_kind k)
{
	switch (k) {
	case POLICY_SUBJ_COMMAND:
		return !strcmp(tool, "Bash");
	case POLICY_SUBJ_READ:
		return !strcmp(tool, "Read");
	case POLICY_SUBJ_WRITE:
		return !strcmp(tool, "Edit") || !strcmp(tool, "Write") ||
		       !strcmp(tool, "MultiEdit") || !strcmp(tool, "ApplyPatch");
	case POLICY_SUBJ_HOST:
		/* domains: what a fetch reaches, what a search is limited to */
		return !strcmp(tool, "WebFetch") || !strcmp(tool, "WebSearch");
	default:
		return 0;
	}
}

/* Claude Code's command patterns: "npm run test:*" is a prefix at a
 * word boundary; a trailing " *" also matches the bare command; otherwise
 * * and ? are globs over the whole command text. */
static int command_match(const char *pat, const char *text)
{
	size_t n = strlen(pat), tn = strlen(text);

	if (n >= 2 && !strcmp(pat + n - 2, ":*")) {
		size_t k = n - 2;

		return !strncmp(text, pat, k) && (tn == k || text[k] == ' ');
	}
	if (n >= 2 && !strcmp(pat + n - 2, " *") && tn == n - 2 && !strncmp(text, pat, n - 2))
		return 1;
	return glob_match(pat, text, GLOB_NOPATHNAME);
}

/* Gitignore-style path patterns: "//abs", "~/x", "./x" and "/x" (from the
 * project root), "a/b" (from the root), "name" (any component). */
static int path_match(const struct policy *p, const char *pat, const char *path)
{
	struct strbuf g = STRBUF_INIT;
	int r = 0;

	if (!strncmp(pat, "//", 2))
		strbuf_addstr(&g, pat + 1);
	else if (!strncmp(pat, "~/", 2))
		strbuf_addf(&g, "%s%s", p->home, pat + 1);
	else if (!strncmp(pat, "./", 2))
		strbuf_addf(&g, "%s%s", p->root, pat + 1);
	else if (pat[0] == '/')
		strbuf_addf(&g, "%s%s", p->root, pat);
	else if (strchr(pat, '/'))
		strbuf_addf(&g, "%s/%s", p->root, pat);
	if (g.len) {
		r = glob_match(g.buf, path, 0);
		if (!r) {
			/* a directory pattern covers what is inside */
			strbuf_addstr(&g, "/**");
			r = glob_match(g.buf, path, 0);
		}
	} else {
		const char *s = path;

		/* any component of the path */
		while (*s && !r) {
			const char *e;
			char comp[NAME_MAX + 1];
			size_t n;

			while (*s == '/')
				s++;
			e = strchr(s, '/');
			n = e ? (size_t)(e - s) : strlen(s);
			if (n && n <= NAME_MAX) {
				memcpy(comp, s, n);
				comp[n] = '\0';
				r = glob_match(pat, comp, 0);
			}
			s += n;
		}
	}
	strbuf_release(&g);
	return r;
}

static int host_match(const char *pat, const char *host)
{
	if (!strncmp(pat, "domain:", 7)) {
		const char *d = pat + 7;
		size_t hn = strlen(host), dn = strlen(d);

		return !strcmp(host, d) || (hn > dn && host[hn - dn - 1] == '.' &&
					    !strcmp(host + hn - dn, d));
	}
	return glob_match(pat, host, GLOB_CASEFOLD);
}

static int rule_matches(const struct policy *p, const struct policy_rule *r,
			const struct policy_subject *s, const char *tool)
{
	int family;

	if (strcmp(r->tool, "*")) {
		family = is_family(r->tool, s->kind);
		if (s->kind == POLICY_SUBJ_TOOL) {
			if (r->pattern)
				return 0;
			return !strcmp(r->tool, s->text) ||
			       (glob_has_magic(r->tool) && glob_match(r->tool, s->text, 0)) ||
			       /* an MCP tool is offered under a sanitised name; a
				* rule may use the server's own (mcp__my.server__x) */
			       (!strncmp(s->text, "mcp__", 5) && !strncmp(r->tool, "mcp__", 5) &&
				toolname_mcp_match(r->tool, s->text)) ||
			       (!strcmp(r->tool, "Edit") && is_family("Edit", POLICY_SUBJ_WRITE) &&
				is_family(s->text, POLICY_SUBJ_WRITE));
		}
		if (!family)
			return 0;
	}
	(void)tool;
	if (!r->pattern || !strcmp(r->pattern, "*"))
		return 1;
	switch (s->kind) {
	case POLICY_SUBJ_COMMAND:
		return command_match(r->pattern, s->text);
	case POLICY_SUBJ_READ:
	case POLICY_SUBJ_WRITE:
		return path_match(p, r->pattern, s->text);
	case POLICY_SUBJ_HOST:
		return host_match(r->pattern, s->text);
	default:
		return 0;
	}
}

static enum policy_verdict from_action(enum rule_action a)
{
	return a == RULE_ALLOW ? POLICY_ALLOW : a == RULE_DENY ? POLICY_DENY : POLICY_ASK;
}

/* A source's verdict for s, or -1 when no rule of it matches. */
static int source_verdict(const struct policy *p, const struct policy_source *src,
			  struct policy_subject *s, const char *tool)
{
	int best = -1;
	size_t i;

	for (i = 0; i < src->nr; i++) {
		const struct policy_rule *r = &src->rules[i];
		int v, j, later = 0;

		if (!rule_matches(p, r, s, tool))
			continue;
		v = (int)from_action(r->action);
		/* OpenCode: a later matching rule of the same map wins */
		if (!strcmp(r->syntax, "opencode"))
			for (j = (int)i + 1; j < (int)src->nr && !later; j++)
				later = src->rules[j].group == r->group &&
					!strcmp(src->rules[j].syntax, "opencode") &&
					rule_matches(p, &src->rules[j], s, tool);
		if (r->line)
			strvec_pushf(&s->notes, "%s, line %d: %s(%s) -> %s%s", src->name,
				     r->line, r->tool, r->pattern ? r->pattern : "",
				     rule_action_name(r->action),
				     later ? " (overridden by a later pattern of the same map)" : "");
		else
			strvec_pushf(&s->notes, "%s: %s(%s) -> %s", src->name, r->tool,
				     r->pattern ? r->pattern : "", rule_action_name(r->action));
		if (later)
			continue;
		if (v > best)
			best = v;
		/* the reason cites the strictest rule, not the last one */
		if (v > s->why_verdict) {
			s->why_verdict = v;
			s->why = (int)s->notes.nr - 1;
		}
	}
	return best;
}

/* ---- defaults and floors ------------------------------------------------------------ */

static enum policy_verdict tool_default(const char *tool, int has_subjects)
{
	static const char *const allowed[] = {
		"Read", "LS", "Glob", "Grep", "ReadManyFiles", "TodoRead", "TodoWrite", "Task",
		"Skill",	/* reads only the skill the user installed */
	};
	size_t i;

	/* its commands, paths or host decide; a search's domains only narrow
	 * it (its query goes to the search service), so it still asks */
	if (has_subjects && strcmp(tool, "WebSearch"))
		return POLICY_ALLOW;
	for (i = 0; i < sizeof(allowed) / sizeof(*allowed); i++)
		if (!strcmp(tool, allowed[i]))
			return POLICY_ALLOW;
	return POLICY_ASK;
}

static enum policy_verdict subject_default(const struct policy_subject *s,
					   struct strbuf *why)
{
	switch (s->kind) {
	case POLICY_SUBJ_READ:
		if (s->outside) {
			strbuf_addstr(why, "built-in default: reading outside the workspace asks");
			return POLICY_ASK;
		}
		strbuf_addstr(why, "built-in default: reading in the workspace is allowed");
		return POLICY_ALLOW;
	case POLICY_SUBJ_WRITE:
		/* outside the workspace, accept mode (--yes) does not answer
		 * for the user: a session's workspace is its reach (Claude
		 * Code's acceptEdits stops there too) */
		strbuf_addstr(why, s->outside ? "built-in default: writing outside the workspace asks, even in accept mode"
					      : "built-in default: writes ask");
		return POLICY_ASK;
	case POLICY_SUBJ_HOST:
		strbuf_addstr(why, "built-in default: fetching from the web asks");
		return POLICY_ASK;
	case POLICY_SUBJ_COMMAND:
		if (!strcmp(s->text, "sudo") || !strcmp(s->text, "su") ||
		    !strcmp(s->text, "doas") || !strcmp(s->text, "pkexec") ||
		    !strcmp(s->text, "runuser")) {
			strbuf_addstr(why, "built-in default: running as another user is denied");
			return POLICY_DENY;
		}
		if (s->read_only) {
			strbuf_addstr(why, "built-in default: a read-only command is allowed");
			return POLICY_ALLOW;
		}
		strbuf_addstr(why, "built-in default: commands ask unless they only read");
		return POLICY_ASK;
	default:
		return POLICY_ALLOW;
	}
}

/* Floors hold whatever the rules say.  -1: none. */
static int floor_verdict(const struct policy *p, struct policy_subject *s,
			 struct strbuf *why)
{
	if ((s->kind == POLICY_SUBJ_READ || s->kind == POLICY_SUBJ_WRITE) &&
	    sensitive_secret(p->home, s->text)) {
		strbuf_addstr(why, "built-in floor: secrets (.env files, keys, ~/.ssh, ~/.aws...) are never read or written");
		return POLICY_DENY;
	}
	if (s->kind == POLICY_SUBJ_WRITE && sensitive_protected(p->home, p->root, s->text)) {
		strbuf_addstr(why, "built-in floor: writing a protected path (git's config and hooks, agent and editor settings that run commands) always asks, even with --yes");
		s->pinned = 1;
		return POLICY_ASK;
	}
	if (s->kind == POLICY_SUBJ_COMMAND && s->is_git && !s->read_only) {
		strbuf_addstr(why, "built-in floor: git commands that change state always ask");
		return POLICY_ASK;
	}
	return -1;
}

/* ---- the decision ---------------------------------------------------------------------- */

enum policy_verdict policy_decide(const struct policy *p, const char *tool,
				  json_t *args, const char *cwd,
				  struct policy_decision *d)
{
	struct strbuf why = STRBUF_INIT;
	size_t i, j, deciding = 0;
	int worst = -1, pinned = 0;

	policy_build_subjects(p, tool, args, cwd, d);

	for (i = 0; i < d->nr; i++) {
		struct policy_subject *s = &d->subj[i];
		int best = -1, fl;

		if (s->uncertain) {	/* decided already */
			best = POLICY_ASK;
		} else {
			for (j = 0; j < p->nr; j++) {
				int v = source_verdict(p, &p->src[j], s, tool);

				if (v > best)
					best = v;
			}
			strbuf_reset(&why);
			if (best < 0) {
				best = s->kind == POLICY_SUBJ_TOOL
				       ? (int)tool_default(tool, d->nr > 1)
				       : (int)subject_default(s, &why);
				if (s->kind == POLICY_SUBJ_WRITE && s->outside)
					s->pinned = 1;
				if (s->kind == POLICY_SUBJ_TOOL)
					strbuf_addf(&why, "built-in default for %s: %s", tool,
						    policy_verdict_name((enum policy_verdict)best));
				strvec_push(&s->notes, why.buf);
				s->why = (int)s->notes.nr - 1;
			}
			strbuf_reset(&why);
			fl = floor_verdict(p, s, &why);
			if (fl >= 0) {
				strvec_push(&s->notes, why.buf);
				if (fl > best) {
					best = fl;
					s->why = (int)s->notes.nr - 1;
				}
			}
		}
		s->verdict = (enum policy_verdict)best;
		pinned |= s->pinned && best == POLICY_ASK;
		/* the deciding subject: the strictest; on a tie, the first
		 * that is more than the tool itself (a path, a command), so
		 * the reason names the rule that mattered */
		if (best > worst || (best == worst &&
				     d->subj[deciding].kind == POLICY_SUBJ_TOOL &&
				     s->kind != POLICY_SUBJ_TOOL)) {
			worst = best;
			deciding = i;
		}
	}
	d->raw = (enum policy_verdict)worst;
	d->verdict = d->raw;
	if (d->raw == POLICY_ASK && p->mode == POLICY_MODE_ACCEPT && !pinned)
		d->verdict = POLICY_ALLOW;
	else if (d->raw == POLICY_ASK && p->mode == POLICY_MODE_PLAN)
		d->verdict = POLICY_DENY;

	strbuf_reset(&why);
	{
		const struct policy_subject *s = &d->subj[deciding];

		strbuf_addf(&why, "%s", s->kind == POLICY_SUBJ_TOOL ? "the tool" :
			    s->kind == POLICY_SUBJ_COMMAND ? "command" :
			    s->kind == POLICY_SUBJ_READ ? "reading" :
			    s->kind == POLICY_SUBJ_WRITE ? "writing" : "host");
		if (s->kind != POLICY_SUBJ_TOOL)
			strbuf_addf(&why, " '%s'", s->shown);
		strbuf_addf(&why, ": %s", s->why >= 0 ? s->notes.v[s->why]
					  : s->notes.nr ? s->notes.v[s->notes.nr - 1] : "no rule");
		if (d->verdict != d->raw)
			strbuf_addf(&why, "; permission mode %s",
				    p->mode == POLICY_MODE_ACCEPT ? "accept" : "plan");
	}
	d->why = strbuf_detach(&why, NULL);

	/* what "allow for this session" would add: precise rules */
	for (i = 0; i < d->nr; i++) {
		const struct policy_subject *s = &d->subj[i];

		if (s->verdict != POLICY_ASK)
			continue;
		if (s->kind == POLICY_SUBJ_COMMAND) {
			/* the command and its subcommand: "git commit:*" */
			const char *sp = strchr(s->text, ' ');
			size_t n = sp && sp[1] && sp[1] != '-' ? (size_t)(strcspn(sp + 1, " ") + (size_t)(sp - s->text) + 1)
							     : (sp ? (size_t)(sp - s->text) : strlen(s->text));

			strvec_pushf(&d->approvals, "Bash(%.*s:*)", (int)n, s->text);
		} else if (s->kind == POLICY_SUBJ_WRITE) {
			strvec_pushf(&d->approvals, "Edit(//%s)", s->text + 1);
		} else if (s->kind == POLICY_SUBJ_READ) {
			strvec_pushf(&d->approvals, "Read(//%s)", s->text + 1);
		} else if (s->kind == POLICY_SUBJ_HOST) {
			strvec_pushf(&d->approvals, "WebFetch(domain:%s)", s->text);
		} else {
			strvec_push(&d->approvals, s->text);
		}
	}
	return d->verdict;
}

/* ---- ancestors ------------------------------------------------------------- */

/* Ancestors' policies are read by children on their threads while
 * siblings may add session approvals to them. */
static pthread_mutex_t ancestors_lock = PTHREAD_MUTEX_INITIALIZER;

enum policy_verdict policy_bound(const struct policy *p, const char *tool, json_t *args,
				 const char *cwd, struct policy_decision *d)
{
	const struct policy *up;

	pthread_mutex_lock(&ancestors_lock);
	for (up = p->parent; up; up = up->parent) {
		struct policy_decision pd;

		policy_decision_init(&pd);
		policy_decide(up, tool, args, cwd, &pd);
		if (pd.verdict > d->verdict || (pd.verdict == d->verdict && pd.raw > d->raw)) {
			struct strbuf why = STRBUF_INIT;

			strbuf_addf(&why, "its parent agent %s: %s", up->owner ? up->owner : "?",
				    pd.why);
			free(pd.why);
			pd.why = strbuf_detach(&why, NULL);
			policy_decision_release(d);
			*d = pd;
		} else {
			policy_decision_release(&pd);
		}
	}
	pthread_mutex_unlock(&ancestors_lock);
	return d->verdict;
}

void policy_share_approvals(const struct policy *p, const struct strvec *approvals)
{
	struct strbuf err = STRBUF_INIT;
	struct policy *up;
	size_t i;

	pthread_mutex_lock(&ancestors_lock);
	for (up = p->parent; up; up = up->parent)
		for (i = 0; i < approvals->nr; i++)
			policy_add_rule(up, "session approvals", approvals->v[i], RULE_ALLOW,
					&err);
	pthread_mutex_unlock(&ancestors_lock);
	strbuf_release(&err);
}

void policy_denied_hosts(const struct policy *p, json_t *out)
{
	const struct policy *q;
	size_t i, k;

	/* this policy's and its ancestors': a subagent can do no more */
	for (q = p; q; q = q->parent)
		for (i = 0; i < q->nr; i++)
			for (k = 0; k < q->src[i].nr; k++) {
				const struct policy_rule *r = &q->src[i].rules[k];

				if (r->action == RULE_DENY && r->pattern &&
				    !strncmp(r->pattern, "domain:", 7) && r->pattern[7] &&
				    (!strcmp(r->tool, "WebFetch") || !strcmp(r->tool, "WebSearch")))
					json_array_append_new(out, json_string(r->pattern + 7));
			}
}
