/*
 * html: a tolerant HTML-to-text pass.  See html.h.
 */
#include "tools/html.h"

#include "core/strbuf.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const block_tags[] = {
	"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
	"tr", "table", "section", "article", "header", "footer", "nav", "pre",
	"blockquote", "hr", "dt", "dd", "title", "main", "aside", "form",
};

static const char *const skip_tags[] = { "script", "style", "noscript", "template", "svg" };

static void add_utf8(struct strbuf *out, unsigned long cp)
{
	if (cp < 0x80) {
		strbuf_addch(out, (int)cp);
	} else if (cp < 0x800) {
		strbuf_addch(out, (int)(0xc0 | (cp >> 6)));
		strbuf_addch(out, (int)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000 && (cp < 0xd800 || cp > 0xdfff)) {
		strbuf_addch(out, (int)(0xe0 | (cp >> 12)));
		strbuf_addch(out, (int)(0x80 | ((cp >> 6) & 0x3f)));
		strbuf_addch(out, (int)(0x80 | (cp & 0x3f)));
	} else if (cp >= 0x10000 && cp <= 0x10ffff) {
		strbuf_addch(out, (int)(0xf0 | (cp >> 18)));
		strbuf_addch(out, (int)(0x80 | ((cp >> 12) & 0x3f)));
		strbuf_addch(out, (int)(0x80 | ((cp >> 6) & 0x3f)));
		strbuf_addch(out, (int)(0x80 | (cp & 0x3f)));
	} else {
		strbuf_addstr(out, "\xef\xbf\xbd");
	}
}

/* Decodes the entity at s (after '&'); returns bytes consumed (0: none). */
static size_t entity(const char *s, const char *end, struct strbuf *out)
{
	static const struct { const char *name; const char *text; } named[] = {
		{ "amp", "&" }, { "lt", "<" }, { "gt", ">" }, { "quot", "\"" },
		{ "apos", "'" }, { "nbsp", " " }, { "mdash", "\xe2\x80\x94" },
		{ "ndash", "\xe2\x80\x93" }, { "hellip", "\xe2\x80\xa6" },
		{ "copy", "\xc2\xa9" }, { "rsquo", "\xe2\x80\x99" },
		{ "lsquo", "\xe2\x80\x98" }, { "rdquo", "\xe2\x80\x9d" },
		{ "ldquo", "\xe2\x80\x9c" },
	};
	const char *semi = memchr(s, ';', (size_t)(end - s) < 12 ? (size_t)(end - s) : 12);
	size_t i, n;

	if (!semi)
		return 0;
	n = (size_t)(semi - s);
	if (n > 1 && s[0] == '#') {
		char *e;
		unsigned long cp = (s[1] == 'x' || s[1] == 'X') ? strtoul(s + 2, &e, 16)
								 : strtoul(s + 1, &e, 10);

		if (e != semi)
			return 0;
		add_utf8(out, cp);
		return n + 1;
	}
	for (i = 0; i < sizeof(named) / sizeof(*named); i++)
		if (strlen(named[i].name) == n && !strncmp(s, named[i].name, n)) {
			strbuf_addstr(out, named[i].text);
			return n + 1;
		}
	return 0;
}

static int tag_is(const char *name, size_t n, const char *const *list, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (strlen(list[i]) == n && !strncasecmp(name, list[i], n))
			return 1;
	return 0;
}

static void newline(struct strbuf *out)
{
	while (out->len && out->buf[out->len - 1] == ' ')
		strbuf_setlen(out, out->len - 1);
	/* one line break between blocks: pages are read by a model, and
	 * blank lines cost tokens without adding meaning */
	if (out->len && out->buf[out->len - 1] != '\n')
		strbuf_addch(out, '\n');
}

void html_to_text(const char *html, size_t len, struct strbuf *out)
{
	const char *p = html, *end = html + len;
	int pre = 0;

	while (p < end) {
		if (*p == '<') {
			const char *q = p + 1, *name;
			size_t n;
			int closing = 0;

			if (end - p >= 4 && !strncmp(p, "<!--", 4)) {
				const char *c = memmem(p + 4, (size_t)(end - p - 4), "-->", 3);

				p = c ? c + 3 : end;
				continue;
			}
			if (q < end && *q == '/') {
				closing = 1;
				q++;
			}
			name = q;
			while (q < end && (isalnum((unsigned char)*q) || *q == '-'))
				q++;
			n = (size_t)(q - name);
			q = memchr(q, '>', (size_t)(end - q));
			if (!q) {
				strbuf_addch(out, '<');
				p++;
				continue;
			}
			if (!closing && tag_is(name, n, skip_tags, sizeof(skip_tags) / sizeof(*skip_tags))) {
				/* skip to the matching close tag */
				const char *c = q + 1;

				for (;;) {
					c = memmem(c, (size_t)(end - c), "</", 2);
					if (!c || (!strncasecmp(c + 2, name, n) && !isalnum((unsigned char)c[2 + n]))) {
						break;
					}
					c += 2;
				}
				p = c ? memchr(c, '>', (size_t)(end - c)) : NULL;
				p = p ? p + 1 : end;
				continue;
			}
			if (n == 3 && !strncasecmp(name, "pre", 3))
				pre = !closing;
			if (tag_is(name, n, block_tags, sizeof(block_tags) / sizeof(*block_tags))) {
				newline(out);
				if (!closing && n == 2 && !strncasecmp(name, "li", 2))
					strbuf_addstr(out, "- ");
			}
			p = q + 1;
			continue;
		}
		if (*p == '&') {
			size_t used = entity(p + 1, end, out);

			if (used) {
				p += used + 1;
				continue;
			}
		}
		if (!pre && isspace((unsigned char)*p)) {
			if (out->len && out->buf[out->len - 1] != ' ' && out->buf[out->len - 1] != '\n')
				strbuf_addch(out, ' ');
			p++;
			continue;
		}
		strbuf_addch(out, *p++);
	}
	strbuf_trim(out);
}
