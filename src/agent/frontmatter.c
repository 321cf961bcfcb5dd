/*
 * frontmatter: byte-level checks, delimiter splitting and YAML parsing of
 * an agent file's frontmatter.  See frontmatter.h.
 */
#include "agent/frontmatter.h"

#include "core/diag.h"
#include "core/strbuf.h"
#include "core/utf8.h"

#include <libfyaml.h>
#include <string.h>

/* 1-based line and column (in code points) of byte offset off. */
static void offset_pos(const char *data, size_t off, int *line, int *col)
{
	size_t i, bol = 0;
	int l = 1;

	for (i = 0; i < off; i++)
		if (data[i] == '\n') {
			l++;
			bol = i + 1;
		}
	*line = l;
	*col = (int)utf8_width(data + bol, off - bol) + 1;
}

static int check_bytes(const char *path, const char *data, size_t len,
		       struct diag_list *diags)
{
	const char *nul = memchr(data, '\0', len);
	size_t bad;
	int line, col;

	if (nul) {
		offset_pos(data, (size_t)(nul - data), &line, &col);
		return diag_add(diags, DIAG_ERROR, path, line, col,
				"binary file: NUL byte found; an agent file must be Markdown text");
	}
	if (!utf8_valid(data, len, &bad)) {
		offset_pos(data, bad, &line, &col);
		return diag_add(diags, DIAG_ERROR, path, line, col,
				"invalid UTF-8 (byte 0x%02x); save the file as UTF-8",
				(unsigned char)data[bad]);
	}
	return 0;
}

/*
 * If the line at data[pos] is exactly `mark` (followed by optional spaces
 * or tabs, then LF, CRLF or the end), returns the offset just after it;
 * otherwise 0.
 */
static size_t delimiter_line(const char *data, size_t len, size_t pos,
			     const char *mark)
{
	size_t n = strlen(mark);

	if (len - pos < n || memcmp(data + pos, mark, n))
		return 0;
	pos += n;
	while (pos < len && (data[pos] == ' ' || data[pos] == '\t'))
		pos++;
	if (pos < len && data[pos] == '\r')
		pos++;
	if (pos == len)
		return pos;
	return data[pos] == '\n' ? pos + 1 : 0;
}

/* First diagnostic libfyaml collected, as a located error. */
static int yaml_error(const char *path, struct fy_diag *diag, int line_base,
		      struct diag_list *diags)
{
	struct fy_diag_error *e;
	void *it = NULL;

	while ((e = fy_diag_errors_iterate(diag, &it)) != NULL) {
		if (e->type < FYET_ERROR)
			continue;
		/* libfyaml's collected positions count from 1 (its
		 * struct fy_mark counts from 0). */
		return diag_add(diags, DIAG_ERROR, path,
				line_base + (e->line > 0 ? e->line - 1 : 0),
				e->column > 0 ? e->column : 1,
				"invalid YAML in frontmatter: %s", e->msg);
	}
	return diag_add(diags, DIAG_ERROR, path, line_base, 1,
			"invalid YAML in frontmatter");
}

/*
 * YAML forbids tabs in indentation, and a tab there makes libfyaml report
 * something obscure on another line ("invalid multiline plain key").  When
 * the parse fails, a line indented with a tab is the likely cause: point at
 * the tab itself.
 */
static int tab_indent_error(const char *path, const char *yaml, size_t len,
			    int line_base, struct diag_list *diags)
{
	size_t i = 0;
	int line = 0;

	while (i < len) {
		size_t j = i;

		while (j < len && yaml[j] == ' ')
			j++;
		if (j < len && yaml[j] == '\t')
			return diag_add(diags, DIAG_ERROR, path, line_base + line,
					(int)(j - i) + 1,
					"invalid YAML in frontmatter: a tab is used for indentation; indent with spaces");
		while (i < len && yaml[i] != '\n')
			i++;
		i++;
		line++;
	}
	return 0;
}

static int parse_yaml(const char *path, const char *yaml, size_t len,
		      struct frontmatter *fm, struct diag_list *diags)
{
	struct fy_diag_cfg dcfg;
	struct fy_parse_cfg cfg;
	struct fy_diag *diag;
	struct fy_node *root;
	int rc = -1;

	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
	dcfg.colorize = false;
	diag = fy_diag_create(&dcfg);
	if (!diag)
		return diag_add(diags, DIAG_ERROR, path, 0, 0,
				"cannot create the YAML diagnostics object");
	fy_diag_set_collect_errors(diag, true);

	memset(&cfg, 0, sizeof(cfg));
	/* No RESOLVE: aliases stay aliases, so a billion-laughs frontmatter
	 * costs nothing, and an alias is reported as the wrong type. */
	cfg.flags = FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_2;
	cfg.diag = diag;
	fm->doc = fy_document_build_from_string(&cfg, yaml, len);
	if (!fm->doc) {
		if (!tab_indent_error(path, yaml, len, fm->yaml_line, diags))
			yaml_error(path, diag, fm->yaml_line, diags);
		goto out;
	}
	root = fy_document_root(fm->doc);
	if (root && fy_node_get_type(root) == FYNT_MAPPING) {
		fm->root = root;
	} else if (root && !(fy_node_get_type(root) == FYNT_SCALAR &&
			     fy_node_get_style(root) == FYNS_PLAIN &&
			     !fy_node_get_scalar(root, NULL)[0])) {
		int line, col;

		frontmatter_node_pos(fm, root, NULL, &line, &col);
		diag_add(diags, DIAG_ERROR, path, line ? line : fm->yaml_line,
			 col ? col : 1,
			 "frontmatter must be a mapping of keys to values (key: value), not a %s",
			 fy_node_get_type(root) == FYNT_SEQUENCE ? "list"
								 : "single value");
		goto out;
	}
	rc = 0;
out:
	if (rc)
		frontmatter_release(fm);
	fy_diag_destroy(diag);
	return rc;
}

int frontmatter_parse(const char *path, const char *data, size_t len,
		      struct frontmatter *fm, struct diag_list *diags)
{
	size_t pos = 0, yaml_start, p;
	int line;

	memset(fm, 0, sizeof(*fm));
	if (check_bytes(path, data, len, diags))
		return -1;
	if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3))
		pos = 3;

	fm->body = data + pos;
	fm->body_len = len - pos;
	fm->body_line = 1;
	yaml_start = delimiter_line(data, len, pos, "---");
	if (!yaml_start)
		return 0;

	fm->present = 1;
	fm->yaml_line = 2;
	line = 2;
	for (p = yaml_start; p < len; line++) {
		const char *nl = memchr(data + p, '\n', len - p);
		size_t end = delimiter_line(data, len, p, "---");

		if (!end)
			end = delimiter_line(data, len, p, "...");
		if (end) {
			fm->body = data + end;
			fm->body_len = len - end;
			fm->body_line = line + 1;
			if (p == yaml_start)
				return 0;	/* empty frontmatter */
			return parse_yaml(path, data + yaml_start,
					  p - yaml_start, fm, diags);
		}
		if (!nl)
			break;
		p = (size_t)(nl - data) + 1;
	}
	return diag_add(diags, DIAG_ERROR, path, 1, 1,
			"frontmatter opened with '---' here is never closed; add a line '---' after the last key");
}

void frontmatter_release(struct frontmatter *fm)
{
	if (fm->doc)
		fy_document_destroy(fm->doc);
	fm->doc = NULL;
	fm->root = NULL;
}

static struct fy_node *first_scalar(struct fy_node *n, int depth)
{
	void *it = NULL;

	if (!n || depth > 64)
		return NULL;
	if (fy_node_get_type(n) == FYNT_SCALAR)
		return n;
	if (fy_node_get_type(n) == FYNT_SEQUENCE) {
		struct fy_node *c, *s;

		while ((c = fy_node_sequence_iterate(n, &it)) != NULL)
			if ((s = first_scalar(c, depth + 1)) != NULL)
				return s;
	} else {
		struct fy_node_pair *pr;
		struct fy_node *s;

		while ((pr = fy_node_mapping_iterate(n, &it)) != NULL)
			if ((s = first_scalar(fy_node_pair_key(pr), depth + 1)) ||
			    (s = first_scalar(fy_node_pair_value(pr), depth + 1)))
				return s;
	}
	return NULL;
}

static int scalar_pos(const struct frontmatter *fm, struct fy_node *n,
		      int *line, int *col)
{
	struct fy_token *tok;
	const struct fy_mark *m;

	if (!n)
		return -1;
	tok = fy_node_get_scalar_token(n);
	if (!tok)
		return -1;
	m = fy_token_start_mark(tok);
	if (!m)
		return -1;
	*line = fm->yaml_line + m->line;
	*col = m->column + 1;
	/* libfyaml marks a quoted scalar after its opening quote; point at
	 * the quote, where the value starts for a reader. */
	if ((fy_node_get_style(n) == FYNS_SINGLE_QUOTED ||
	     fy_node_get_style(n) == FYNS_DOUBLE_QUOTED) && *col > 1)
		(*col)--;
	return 0;
}

void frontmatter_node_pos(const struct frontmatter *fm, struct fy_node *node,
			  struct fy_node *fallback, int *line, int *col)
{
	*line = *col = 0;
	if (!scalar_pos(fm, first_scalar(node, 0), line, col))
		return;
	scalar_pos(fm, first_scalar(fallback, 0), line, col);
}
