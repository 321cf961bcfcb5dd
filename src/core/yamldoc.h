/*
 * yamldoc: YAML documents from user files, with located diagnostics.
 *
 * Agent frontmatter and configuration files are YAML written by hand, so
 * every error must say where: libfyaml's syntax errors, a tab used for
 * indentation, a top level that is not a mapping, and, for the layers
 * above, the position of any node (yamldoc_node_pos).  The scalar helpers
 * resolve plain scalars by the YAML 1.2 core schema, which is what the
 * runtimes whose files archie reads use: `yes` is a string, `true` a
 * boolean.
 *
 * Ownership: a yamldoc owns its libfyaml document; nodes borrowed from it
 * are valid until yamldoc_release().  Strings from yamldoc_scalar_dup and
 * JSON from yamldoc_to_json are the caller's.
 */
#ifndef ARCHIE_YAMLDOC_H
#define ARCHIE_YAMLDOC_H

#include <jansson.h>
#include <libfyaml.h>
#include <stddef.h>

struct diag_list;

struct yamldoc {
	struct fy_document *doc;
	struct fy_node *root;	/* the top-level mapping; NULL if empty */
	int line_base;		/* file line of the YAML's first line */
	const char *path;	/* borrowed, for diagnostics */
	const char *what;	/* "frontmatter", "config file" */
	char *text;		/* YAMLDOC_JSONC: the cleaned copy the document reads */
};

/*
 * Parses yaml (which starts at file line line_base of path).  The top level
 * must be a mapping or empty.  Returns 0, or -1 after adding a located
 * error to diags (then yd holds nothing to release).
 */
int yamldoc_parse(struct yamldoc *yd, const char *path, const char *what,
		  const char *yaml, size_t len, int line_base,
		  struct diag_list *diags);
void yamldoc_release(struct yamldoc *yd);

/* yamldoc_parse with options: YAMLDOC_LAST_KEY_WINS reads a top-level key
 * given twice as its last value (Claude Code's YAML parser does; strict
 * YAML refuses the document), with a warning at each earlier one. */
#define YAMLDOC_LAST_KEY_WINS 1u
/* The text is JSON (settings.json): read as JSON, positions kept. */
#define YAMLDOC_JSON 2u
/* ... with comments and trailing commas (JSONC: Gemini CLI's and
 * OpenCode's settings), dropped on a copy the document keeps. */
#define YAMLDOC_JSONC 6u
int yamldoc_parse_opts(struct yamldoc *yd, const char *path, const char *what,
		       const char *yaml, size_t len, int line_base, unsigned opts,
		       struct diag_list *diags);

/* 1-based file position of node: a scalar's own, a collection's first
 * scalar's, else fallback's; 0 when unknown. */
void yamldoc_node_pos(const struct yamldoc *yd, struct fy_node *node,
		      struct fy_node *fallback, int *line, int *col);

enum yamldoc_scalar {
	YAMLDOC_STRING, YAMLDOC_NULL, YAMLDOC_TRUE, YAMLDOC_FALSE,
	YAMLDOC_INT, YAMLDOC_FLOAT,
};

/* The YAML 1.2 core-schema type of a scalar (quoted ones are strings). */
enum yamldoc_scalar yamldoc_classify(struct fy_node *n);
int yamldoc_is_null(struct fy_node *n);
/* "a list", "an integer", ... for "must be X, not Y" messages. */
const char *yamldoc_type_name(struct fy_node *n);
/* A scalar's text, or NULL for collections and aliases. */
char *yamldoc_scalar_dup(struct fy_node *n);
/* A node as JSON, typed by the core schema; nesting is capped. */
json_t *yamldoc_to_json(struct fy_node *n);

#endif
