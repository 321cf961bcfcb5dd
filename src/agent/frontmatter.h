/*
 * frontmatter: splits a Markdown file into its YAML frontmatter and body.
 *
 * This is where the outside world's bytes are first checked: NUL bytes,
 * invalid UTF-8, a frontmatter opened but never closed, and YAML syntax
 * errors all become located diagnostics (file:line:column) here, so the
 * layers above only see a well-formed YAML mapping and a text body.
 *
 * A file has frontmatter when its first line (after an optional UTF-8 BOM)
 * is `---`; the frontmatter ends at the next line that is `---` or `...`.
 * Both LF and CRLF line endings are accepted.
 *
 * Ownership: a frontmatter holds a YAML document (yd) and borrows the
 * caller's data; frontmatter_release() frees the document only.
 */
#ifndef ARCHIE_FRONTMATTER_H
#define ARCHIE_FRONTMATTER_H

#include "core/yamldoc.h"

#include <stddef.h>

struct diag_list;

struct frontmatter {
	int present;		/* the file opened a frontmatter block */
	struct yamldoc yd;	/* yd.root: the mapping, NULL if absent/empty */
	int yaml_line;		/* file line of the first YAML line */
	const char *body;	/* borrowed: the text after the frontmatter */
	size_t body_len;
	int body_line;		/* file line where the body starts */
};

/*
 * Checks and splits data.  Returns 0 when the file is usable (fm filled in;
 * release it with frontmatter_release), or -1 after adding at least one
 * error to diags, in which case fm holds nothing to release.
 */
int frontmatter_parse(const char *path, const char *data, size_t len,
		      struct frontmatter *fm, struct diag_list *diags);
void frontmatter_release(struct frontmatter *fm);

#endif
