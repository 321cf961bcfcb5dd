/*
 * frontmatter: byte-level checks, delimiter splitting and YAML parsing of
 * an agent file's frontmatter.  See frontmatter.h.
 */
#include "agent/frontmatter.h"

#include "core/diag.h"
#include "core/strbuf.h"
#include "core/utf8.h"

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
			return yamldoc_parse(&fm->yd, path, "frontmatter",
					     data + yaml_start, p - yaml_start,
					     fm->yaml_line, diags);
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
}
