/*
 * agent_parse_int: what agent_parse.c (the frontmatter's keys, the body)
 * and agent_parse_routes.c (the `routing:` key) share.  Not for other
 * modules: they use agent.h.
 *
 * The short names below are these files' vocabulary for yamldoc.h.
 */
#ifndef ARCHIE_AGENT_PARSE_INT_H
#define ARCHIE_AGENT_PARSE_INT_H

#include "agent/agent.h"
#include "agent/frontmatter.h"
#include "core/yamldoc.h"

#include <libfyaml.h>

/* Short names for the YAML helpers this file uses everywhere. */
#define classify yamldoc_classify
#define is_null yamldoc_is_null
#define type_name yamldoc_type_name
#define scalar_dup yamldoc_scalar_dup
#define YS_STRING YAMLDOC_STRING
#define YS_NULL YAMLDOC_NULL
#define YS_TRUE YAMLDOC_TRUE
#define YS_FALSE YAMLDOC_FALSE
#define YS_INT YAMLDOC_INT
#define YS_FLOAT YAMLDOC_FLOAT

struct parse_ctx {
	const char *path;
	struct frontmatter *fm;
	struct agent *a;
	struct diag_list *diags;
	size_t errors_before;
	/* format hints, from the keys and value shapes seen */
	int opencode, gemini, claude;
};

/* A located error (returns -1) or warning (returns 0) at node at (or
 * fb when at has no position). */
int perr(struct parse_ctx *pc, struct fy_node *at, struct fy_node *fb,
	 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int pwarn(struct parse_ctx *pc, struct fy_node *at, struct fy_node *fb,
	  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* A string value for key (*out replaced), or a located error. */
int want_string(struct parse_ctx *pc, const char *key,
		       struct fy_node *k, struct fy_node *v, char **out);

/* agent_parse_routes.c: `routing:` (a mode, a list of routes, or both). */
int agent_parse_routing(struct parse_ctx *pc, struct fy_node *k, struct fy_node *v);

/* agent_runtime.c: the rules of the runtime whose directory holds the
 * file (.claude/agents/, .opencode/agent/, .gemini/agents/), so archie
 * loads what that runtime loads and refuses, with located errors, what it
 * refuses. */
enum runtime_dir { RUNTIME_NONE, RUNTIME_CLAUDE, RUNTIME_OPENCODE, RUNTIME_GEMINI };
enum runtime_dir agent_runtime_dir(const char *path);
enum frontmatter_dialect agent_runtime_dialect(const char *path);
/* After the keys are read: the runtime's own requirements (errors), and
 * its readings (Claude Code's "\n" in a description). */
void agent_runtime_check(struct parse_ctx *pc);

#endif
