/*
 * routing: keyword routing tables, which send a prompt to specialists.
 *
 * Agent files describe routing two ways, and both become the same list of
 * routes (struct agent_route, in agent.h):
 *
 *   - frontmatter:  routing: [{keywords: [PostgreSQL, schema], agent: database-optimizer}]
 *     (or routing: {mode: suggest, routes: [...]}, or just routing: off)
 *   - a Markdown table in the body whose header names the keywords in one
 *     column and the specialist in another:
 *         | Keywords Detected | Invoke This Specialist |
 *         | PostgreSQL, MySQL | `subagents/05-data-ai/database-optimizer` |
 *
 * An agent reference is resolved by its last path component (without .md,
 * backticks, an @ or emphasis), so other runtimes' directory layouts work.
 *
 * Matching is case-insensitive, on whole words and phrases (the words of a
 * phrase may be separated by any white space), Unicode-aware (PCRE2 with
 * UCP), all keywords in one pass over the prompt.  A specialist is matched
 * on enough evidence: its keywords found weigh ROUTING_MIN_WEIGHT or more,
 * a common word 1, a phrase or a written-out name (PostgreSQL, CI/CD,
 * OAuth2) 2; so "idempotent" alone starts nobody, "idempotent retries" or
 * "PostgreSQL" does.  A keyword such as "CI/CD" or "C++" is bounded only where it
 * starts or ends with a word character.
 *
 * Ownership: routes belong to their agent; a routing_result owns its
 * keyword lists and borrows agent names from the routes.
 */
#ifndef ARCHIE_ROUTING_H
#define ARCHIE_ROUTING_H

#include "agent/agent.h"
#include "core/strvec.h"

struct strbuf;

/* Adds a route to a; ref is resolved to an agent name.  Returns 0, or -1
 * when ref names nothing (empty after cleaning). */
int routing_add(struct agent *a, const struct strvec *keywords, const char *ref,
		int line);

/* The agent name an agent reference resolves to (appended to out). */
void routing_ref_name(const char *ref, size_t len, struct strbuf *out);

/* Finds routing tables in an agent's body (fenced code is skipped) and
 * adds their rows as routes.  first_line is the body's line in the file. */
void routing_parse_table(struct agent *a, const char *body, size_t len,
			 int first_line);


#define ROUTING_MIN_WEIGHT 2

/* One matched specialist: every keyword of its routes the prompt has. */
struct routing_hit {
	const char *agent;		/* borrowed from the route */
	struct strvec keywords;		/* as written in the table */
	int weight;			/* of those keywords (see above) */
};

struct routing_result {
	struct routing_hit *v;
	size_t nr, alloc;
};

/* Matches prompt against a's routes: one hit per agent with enough
 * weight, in route order. */
void routing_match(const struct agent *a, const char *prompt,
		   struct routing_result *out);
void routing_result_release(struct routing_result *r);

/* 1 if text contains keyword as a whole word or phrase (see above). */
int routing_keyword_in(const char *keyword, const char *text, size_t len);

#endif
