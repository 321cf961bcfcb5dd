/*
 * frontmatter: byte-level checks, delimiter splitting and YAML parsing of
 * an agent file's frontmatter.  See frontmatter.h.
 */
#include "agent/frontmatter.h"

#include "core/diag.h"
#include "core/strbuf.h"
#include "core/utf8.h"
#include "core/xalloc.h"

#include <ctype.h>
#include <stdlib.h>

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

/* A closing line: three or more dashes, then only blanks. */
static size_t dashes_line(const char *data, size_t len, size_t pos)
{
	size_t n = 0;

	while (pos + n < len && data[pos + n] == '-')
		n++;
	if (n < 3)
		return 0;
	return delimiter_line(data, len, pos + n - 3, "---");
}

/* Whether a flow sequence ("[Read, Grep]") is valid YAML as it is:
 * Claude Code leaves those alone. */
static int is_flow_list(const char *v, size_t n)
{
	struct fy_parse_cfg cfg;
	struct fy_document *d;
	int ok;

	memset(&cfg, 0, sizeof(cfg));
	cfg.flags = FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_2;
	d = fy_document_build_from_string(&cfg, v, n);
	ok = d && fy_document_root(d) && fy_node_get_type(fy_document_root(d)) == FYNT_SEQUENCE;
	fy_document_destroy(d);
	return ok;
}

/* Whether the dialect's runtime would quote this top-level value (the
 * text after "key: " to the end of its line, without the newline). */
static int needs_quoting(enum frontmatter_dialect d, const char *v, size_t n)
{
	size_t i;

	if (!n || ((v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0] && n > 1))
		return 0;
	if (d == FRONTMATTER_OPENCODE)
		return memchr(v, ':', n) && !(n == 1 && (v[0] == '>' || v[0] == '|')) &&
		       v[0] != '"' && v[0] != '\'';
	if (v[0] == '[' && v[n - 1] == ']' && is_flow_list(v, n))
		return 0;
	for (i = 0; i < n; i++)
		if (strchr("{}[]*&#!|>%@`", v[i]) || (v[i] == ':' && i + 1 < n && v[i + 1] == ' '))
			return 1;
	return 0;
}

/*
 * The frontmatter as the dialect's runtime retries it: each top-level
 * "key: value" line whose value needs it becomes key: "value" (its
 * backslashes and quotes escaped), on the same line so every position
 * stays true; Claude Code also turns leading tabs into two spaces each.
 * A warning says where each value was read that way.  NULL when nothing
 * changed.
 */
static char *retry_text(enum frontmatter_dialect d, const char *path, const char *yaml,
			size_t len, int line_base, struct diag_list *warnings)
{
	struct strbuf out = STRBUF_INIT_CAP(4 * len + 64);
	const char *p = yaml, *end = yaml + len;
	int line = line_base, changed = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p), k = 0, v;

		if (d == FRONTMATTER_CLAUDE && n && p[0] == '\t') {
			while (k < n && p[k] == '\t')
				k++;
			strbuf_addf(&out, "%*s", (int)(2 * k), "");
			changed = 1;
			p += k;
			n -= k;
			k = 0;
		}
		/* key: [a-zA-Z_-]+ (OpenCode: [a-zA-Z_][a-zA-Z0-9_]*) */
		while (k < n && (isalpha((unsigned char)p[k]) || p[k] == '_' ||
				 (d == FRONTMATTER_CLAUDE ? p[k] == '-' : k && isdigit((unsigned char)p[k]))))
			k++;
		v = k + 1;
		while (v < n && (p[v] == ' ' || p[v] == '\t'))
			v++;
		if (k && k < n && p[k] == ':' && v > k + 1 && v < n && p[n - 1] != '\r') {
			size_t vn = n - v;

			while (d == FRONTMATTER_OPENCODE && vn && isspace((unsigned char)p[v + vn - 1]))
				vn--;
			if (needs_quoting(d, p + v, vn)) {
				size_t i;

				strbuf_add(&out, p, k);
				strbuf_addstr(&out, ": \"");
				for (i = 0; i < vn; i++) {
					if (p[v + i] == '\\' || p[v + i] == '"')
						strbuf_addch(&out, '\\');
					strbuf_addch(&out, p[v + i]);
				}
				strbuf_addch(&out, '"');
				diag_add(warnings, DIAG_WARNING, path, line, (int)v + 1,
					 "'%.*s' is not valid YAML as written (a plain value holding %s); read as a quoted string, as %s does; quote the value to make the file valid YAML",
					 (int)k, p, d == FRONTMATTER_OPENCODE ? "':'" : "': ' or one of {}[]*&#!|>%@`",
					 d == FRONTMATTER_OPENCODE ? "OpenCode" : "Claude Code");
				changed = 1;
				goto next;
			}
		}
		strbuf_add(&out, p, n);
next:
		if (nl)
			strbuf_addch(&out, '\n');
		p = nl ? nl + 1 : end;
		line++;
	}
	if (!changed) {
		strbuf_release(&out);
		return NULL;
	}
	return strbuf_detach(&out, NULL);
}

/* The YAML, and when it is not valid, the dialect's retry (its warnings
 * kept only when the retry parses; else the first error stands). */
static int parse_yaml(struct frontmatter *fm, const char *path, const char *yaml, size_t len,
		      enum frontmatter_dialect dialect, struct diag_list *diags)
{
	struct diag_list first = DIAG_LIST_INIT, retry = DIAG_LIST_INIT;
	char *text;
	unsigned opts = dialect == FRONTMATTER_CLAUDE ? YAMLDOC_LAST_KEY_WINS : 0;
	int rc;

	rc = yamldoc_parse_opts(&fm->yd, path, "frontmatter", yaml, len, fm->yaml_line, opts,
				&first);
	if (!rc || dialect == FRONTMATTER_STRICT ||
	    !(text = retry_text(dialect, path, yaml, len, fm->yaml_line, &retry))) {
		diag_list_move(diags, &first);
		diag_list_release(&retry);
		return rc;
	}
	if (yamldoc_parse_opts(&fm->yd, path, "frontmatter", text, strlen(text), fm->yaml_line,
			       opts, &retry)) {
		free(text);
		diag_list_move(diags, &first);
		diag_list_release(&retry);
		return -1;
	}
	fm->rewritten = text;	/* the document points into it */
	diag_list_move(diags, &retry);
	diag_list_release(&first);
	return 0;
}

int frontmatter_parse(const char *path, const char *data, size_t len,
		      enum frontmatter_dialect dialect, struct frontmatter *fm,
		      struct diag_list *diags)
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
		size_t end = dashes_line(data, len, p);

		if (!end)
			end = delimiter_line(data, len, p, "...");
		if (end) {
			fm->body = data + end;
			fm->body_len = len - end;
			fm->body_line = line + 1;
			if (p == yaml_start)
				return 0;	/* empty frontmatter */
			return parse_yaml(fm, path, data + yaml_start, p - yaml_start, dialect,
					  diags);
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
	yamldoc_release(&fm->yd);
	free(fm->rewritten);
	fm->rewritten = NULL;
}
