/*
 * frontmatter: splits a Markdown file into its YAML frontmatter and body.
 *
 * This is where the outside world's bytes are first checked: NUL bytes,
 * invalid UTF-8, a frontmatter opened but never closed, and YAML syntax
 * errors all become located diagnostics (file:line:column) here, so the
 * layers above only see a well-formed YAML mapping and a text body.
 *
 * A file has frontmatter when its first line (after an optional UTF-8 BOM)
 * is `---`; the frontmatter ends at the next line of three or more dashes
 * (`---`, `--------`, as Claude Code and OpenCode accept) or `...`.  Both
 * LF and CRLF line endings are accepted.
 *
 * What the user's runtime loads, archie loads: Claude Code and OpenCode
 * retry a frontmatter that is not valid YAML with the offending values
 * quoted (most often a one-line `description:` holding ": "), so their
 * dialects do the same, each with its runtime's rule, and warn at each
 * value they had to read that way.  Gemini CLI does not: its dialect is
 * strict YAML.
 *
 * Ownership: a frontmatter holds a YAML document (yd) and borrows the
 * caller's data; frontmatter_release() frees the document only.
 */
#ifndef ARCHIE_FRONTMATTER_H
#define ARCHIE_FRONTMATTER_H

#include "core/yamldoc.h"

#include <stddef.h>

struct diag_list;

/* How lenient to be with YAML that is not valid (see above). */
enum frontmatter_dialect {
	FRONTMATTER_STRICT,	/* Gemini CLI, archie's own files */
	FRONTMATTER_CLAUDE,	/* Claude Code: quote top-level values holding
				 * ": " or one of {}[]*&#!|>%@` and untab */
	FRONTMATTER_OPENCODE,	/* OpenCode: quote top-level values holding ':' */
};

struct frontmatter {
	int present;		/* the file opened a frontmatter block */
	struct yamldoc yd;	/* yd.root: the mapping, NULL if absent/empty */
	int yaml_line;		/* file line of the first YAML line */
	const char *body;	/* borrowed: the text after the frontmatter */
	size_t body_len;
	int body_line;		/* file line where the body starts */
	char *rewritten;	/* the YAML as the dialect retried it, or NULL */
};

/*
 * Checks and splits data.  Returns 0 when the file is usable (fm filled in;
 * release it with frontmatter_release), or -1 after adding at least one
 * error to diags, in which case fm holds nothing to release.
 */
int frontmatter_parse(const char *path, const char *data, size_t len,
		      enum frontmatter_dialect dialect, struct frontmatter *fm,
		      struct diag_list *diags);
void frontmatter_release(struct frontmatter *fm);

#endif
