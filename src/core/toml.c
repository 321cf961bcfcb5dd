/*
 * toml: a TOML 1.0 reader into JSON, for the files other runtimes write.
 * See toml.h for why it is hand-written.
 */
#include "core/toml.h"

#include "core/strbuf.h"
#include "core/strvec.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define TOML_MAX_DEPTH 64

struct tp {
	const char *p, *end;
	int line;
	const char *bol;	/* the current line's first byte */
	struct strbuf *err;
	int eline, ecol;
	json_t *root, *cur;
	int depth;
	struct strvec defined;	/* tables given a [header], as dotted paths */
};

static int fail(struct tp *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct tp *t, const char *fmt, ...)
{
	va_list ap;

	if (t->eline)
		return -1;
	t->eline = t->line;
	t->ecol = (int)(t->p - t->bol) + 1;
	va_start(ap, fmt);
	strbuf_vaddf(t->err, fmt, ap);
	va_end(ap);
	return -1;
}

static int at(const struct tp *t, const char *s)
{
	size_t n = strlen(s);

	return (size_t)(t->end - t->p) >= n && !memcmp(t->p, s, n);
}

static void newline(struct tp *t)
{
	if (*t->p == '\r')
		t->p++;
	t->p++;
	t->line++;
	t->bol = t->p;
}

static int is_newline(const struct tp *t)
{
	return t->p < t->end && (*t->p == '\n' || (*t->p == '\r' && t->p + 1 < t->end && t->p[1] == '\n'));
}

static void skip_ws(struct tp *t)
{
	while (t->p < t->end && (*t->p == ' ' || *t->p == '\t'))
		t->p++;
}

static void skip_comment(struct tp *t)
{
	if (t->p < t->end && *t->p == '#')
		while (t->p < t->end && !is_newline(t))
			t->p++;
}

/* White space, comments and newlines (inside arrays, between lines). */
static void skip_all(struct tp *t)
{
	for (;;) {
		skip_ws(t);
		skip_comment(t);
		if (!is_newline(t))
			return;
		newline(t);
	}
}

/* The end of a line: white space, a comment, then a newline or the end. */
static int end_of_line(struct tp *t)
{
	skip_ws(t);
	skip_comment(t);
	if (t->p == t->end)
		return 0;
	if (!is_newline(t))
		return fail(t, "unexpected '%c' after the value; one key = value per line", *t->p);
	newline(t);
	return 0;
}

static void put_utf8(struct strbuf *sb, unsigned long c)
{
	if (c < 0x80) {
		strbuf_addch(sb, (char)c);
	} else if (c < 0x800) {
		strbuf_addch(sb, (char)(0xC0 | (c >> 6)));
		strbuf_addch(sb, (char)(0x80 | (c & 0x3F)));
	} else if (c < 0x10000) {
		strbuf_addch(sb, (char)(0xE0 | (c >> 12)));
		strbuf_addch(sb, (char)(0x80 | ((c >> 6) & 0x3F)));
		strbuf_addch(sb, (char)(0x80 | (c & 0x3F)));
	} else {
		strbuf_addch(sb, (char)(0xF0 | (c >> 18)));
		strbuf_addch(sb, (char)(0x80 | ((c >> 12) & 0x3F)));
		strbuf_addch(sb, (char)(0x80 | ((c >> 6) & 0x3F)));
		strbuf_addch(sb, (char)(0x80 | (c & 0x3F)));
	}
}

static int escape(struct tp *t, struct strbuf *out)
{
	static const char from[] = "btnfr\"\\e", to[] = "\b\t\n\f\r\"\\\033";
	const char *hit;
	int digits = 0, i;
	unsigned long c = 0;

	t->p++;		/* the backslash */
	if (t->p == t->end)
		return fail(t, "a string ends in a backslash");
	if ((hit = strchr(from, *t->p)) != NULL && *t->p) {
		strbuf_addch(out, to[hit - from]);
		t->p++;
		return 0;
	}
	if (*t->p == 'u')
		digits = 4;
	else if (*t->p == 'U')
		digits = 8;
	else if (*t->p == 'x')
		digits = 2;
	else
		return fail(t, "unknown escape '\\%c' in a string; write \\\\ for a backslash", *t->p);
	t->p++;
	for (i = 0; i < digits; i++, t->p++) {
		if (t->p == t->end || !isxdigit((unsigned char)*t->p))
			return fail(t, "the escape needs %d hexadecimal digits", digits);
		c = c * 16 + (unsigned long)(isdigit((unsigned char)*t->p) ? *t->p - '0'
						: (tolower((unsigned char)*t->p) - 'a' + 10));
	}
	if (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return fail(t, "the escape is not a Unicode scalar value");
	put_utf8(out, c);
	return 0;
}

/* A string of any of the four forms, at its opening quote. */
static int string(struct tp *t, struct strbuf *out, int multiline_ok)
{
	char q = *t->p;
	int ml = multiline_ok && at(t, q == '"' ? "\"\"\"" : "'''");

	t->p += ml ? 3 : 1;
	if (ml && is_newline(t))
		newline(t);	/* a newline right after the opening is trimmed */
	for (;;) {
		if (t->p == t->end)
			return fail(t, "a string is never closed");
		if (*t->p == q && (!ml || at(t, q == '"' ? "\"\"\"" : "'''"))) {
			if (!ml) {
				t->p++;
				return 0;
			}
			t->p += 3;
			/* up to two more quotes belong to the string */
			if (t->p < t->end && *t->p == q) {
				strbuf_addch(out, q);
				t->p++;
				if (t->p < t->end && *t->p == q) {
					strbuf_addch(out, q);
					t->p++;
				}
			}
			return 0;
		}
		if (is_newline(t)) {
			if (!ml)
				return fail(t, "a newline in a one-line string; use \"\"\" for several lines");
			strbuf_addch(out, '\n');
			newline(t);
			continue;
		}
		if (q == '"' && *t->p == '\\') {
			const char *s = t->p + 1;

			/* a line-ending backslash: the newline and the white
			 * space after it are dropped */
			while (ml && s < t->end && (*s == ' ' || *s == '\t'))
				s++;
			if (ml && s < t->end && (*s == '\n' || *s == '\r')) {
				t->p = s;
				while (t->p < t->end && (is_newline(t) || *t->p == ' ' || *t->p == '\t')) {
					if (is_newline(t))
						newline(t);
					else
						t->p++;
				}
				continue;
			}
			if (escape(t, out))
				return -1;
			continue;
		}
		if ((unsigned char)*t->p < 0x20 && *t->p != '\t')
			return fail(t, "a control character in a string; escape it");
		strbuf_addch(out, *t->p++);
	}
}

static int bare_key_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-';
}

/* A dotted key into parts. */
static int key(struct tp *t, struct strvec *parts)
{
	for (;;) {
		struct strbuf k = STRBUF_INIT;

		skip_ws(t);
		if (t->p < t->end && (*t->p == '"' || *t->p == '\'')) {
			if (string(t, &k, 0)) {
				strbuf_release(&k);
				return -1;
			}
		} else {
			while (t->p < t->end && bare_key_char(*t->p))
				strbuf_addch(&k, *t->p++);
			if (!k.len) {
				strbuf_release(&k);
				return fail(t, "a key was expected (letters, digits, '-', '_', or a quoted key)");
			}
		}
		strvec_push(parts, k.buf);
		strbuf_release(&k);
		skip_ws(t);
		if (t->p < t->end && *t->p == '.') {
			t->p++;
			continue;
		}
		return 0;
	}
}

static json_t *value(struct tp *t);

/* The table a key's parent parts lead to in obj, made as needed; an
 * array of tables leads to its last table. */
static json_t *descend(struct tp *t, json_t *obj, const struct strvec *parts, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		json_t *next = json_object_get(obj, parts->v[i]);

		if (!next) {
			next = json_object();
			json_object_set_new(obj, parts->v[i], next);
		} else if (json_is_array(next) && json_array_size(next) &&
			   json_is_object(json_array_get(next, json_array_size(next) - 1))) {
			next = json_array_get(next, json_array_size(next) - 1);
		} else if (!json_is_object(next)) {
			fail(t, "'%s' is already a value, not a table", parts->v[i]);
			return NULL;
		}
		obj = next;
	}
	return obj;
}

/* key = value into obj. */
static int keyval(struct tp *t, json_t *obj)
{
	struct strvec parts = STRVEC_INIT;
	json_t *tab, *v;
	const char *kp, *kbol;
	int rc = -1, kline;

	skip_ws(t);
	kp = t->p;
	kbol = t->bol;
	kline = t->line;
	if (key(t, &parts))
		goto out;
	if (t->p == t->end || *t->p != '=') {
		fail(t, "'=' was expected after the key '%s'", parts.v[parts.nr - 1]);
		goto out;
	}
	t->p++;
	skip_ws(t);
	if (!(tab = descend(t, obj, &parts, parts.nr - 1)))
		goto out;
	if (json_object_get(tab, parts.v[parts.nr - 1])) {
		t->p = kp;	/* said at the key */
		t->bol = kbol;
		t->line = kline;
		fail(t, "the key '%s' is given twice", parts.v[parts.nr - 1]);
		goto out;
	}
	if (!(v = value(t)))
		goto out;
	json_object_set_new(tab, parts.v[parts.nr - 1], v);
	rc = 0;
out:
	strvec_release(&parts);
	return rc;
}

static json_t *array(struct tp *t)
{
	json_t *a = json_array(), *v;

	t->p++;
	for (;;) {
		skip_all(t);
		if (t->p < t->end && *t->p == ']') {
			t->p++;
			return a;
		}
		if (!(v = value(t)))
			break;
		json_array_append_new(a, v);
		skip_all(t);
		if (t->p < t->end && *t->p == ',') {
			t->p++;
			continue;
		}
		if (t->p < t->end && *t->p == ']') {
			t->p++;
			return a;
		}
		fail(t, "',' or ']' was expected in the array");
		break;
	}
	json_decref(a);
	return NULL;
}

static json_t *inline_table(struct tp *t)
{
	json_t *o = json_object();

	t->p++;
	skip_ws(t);
	if (t->p < t->end && *t->p == '}') {
		t->p++;
		return o;
	}
	for (;;) {
		skip_all(t);
		if (keyval(t, o))
			break;
		skip_all(t);
		if (t->p < t->end && *t->p == ',') {
			t->p++;
			continue;
		}
		if (t->p < t->end && *t->p == '}') {
			t->p++;
			return o;
		}
		fail(t, "',' or '}' was expected in the inline table");
		break;
	}
	json_decref(o);
	return NULL;
}

/* A number, boolean or date: the token's text classified. */
static json_t *scalar(struct tp *t)
{
	const char *s = t->p;
	char buf[128], *endp;
	size_t n, i, j = 0;

	while (t->p < t->end && (isalnum((unsigned char)*t->p) || strchr("+-._:", *t->p)))
		t->p++;
	/* a date and time may be written with a space: 1979-05-27 07:32:00 */
	if (t->p - s == 10 && s[4] == '-' && t->p + 1 < t->end && *t->p == ' ' &&
	    isdigit((unsigned char)t->p[1])) {
		t->p++;
		while (t->p < t->end && (isalnum((unsigned char)*t->p) || strchr("+-.:", *t->p)))
			t->p++;
	}
	n = (size_t)(t->p - s);
	if (!n) {
		fail(t, "a value was expected (a string, number, true, false, array or table)");
		return NULL;
	}
	if (n == 4 && !memcmp(s, "true", 4))
		return json_true();
	if (n == 5 && !memcmp(s, "false", 5))
		return json_false();
	if (n >= sizeof(buf)) {
		fail(t, "a value too long to be a number");
		return NULL;
	}
	for (i = 0; i < n; i++)
		if (s[i] != '_')
			buf[j++] = s[i];
	buf[j] = '\0';
	/* JSON has no infinity nor NaN: their text */
	if (!strcmp(buf + (*buf == '+' || *buf == '-'), "inf") ||
	    !strcmp(buf + (*buf == '+' || *buf == '-'), "nan"))
		return json_stringn(s, n);
	if (j >= 8 && isdigit((unsigned char)buf[0]) && (buf[4] == '-' || buf[2] == ':'))
		return json_stringn(s, n);	/* a date or time: its text */
	errno = 0;
	if (buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'o' || buf[1] == 'b')) {
		long long v = strtoll(buf + 2, &endp, buf[1] == 'x' ? 16 : buf[1] == 'o' ? 8 : 2);

		if (!*endp && !errno && endp != buf + 2)
			return json_integer(v);
	} else if (!strpbrk(buf, ".eE")) {
		long long v = strtoll(buf, &endp, 10);

		if (!*endp && !errno)
			return json_integer(v);
	} else {
		double v = strtod(buf, &endp);

		if (!*endp && !errno && isfinite(v))
			return json_real(v);
	}
	fail(t, "'%.*s' is not a value (strings are quoted: \"%.*s\")", (int)n, s, (int)n, s);
	return NULL;
}

static json_t *value(struct tp *t)
{
	json_t *v = NULL;

	if (t->p == t->end) {
		fail(t, "a value was expected");
		return NULL;
	}
	if (++t->depth > TOML_MAX_DEPTH) {
		fail(t, "arrays and tables nested deeper than %d", TOML_MAX_DEPTH);
		return NULL;
	}
	if (*t->p == '"' || *t->p == '\'') {
		struct strbuf s = STRBUF_INIT_CAP((size_t)16 << 20);

		if (!string(t, &s, 1)) {
			v = json_stringn(s.buf, s.len);
			if (!v)
				fail(t, "a string that is not valid UTF-8");
		}
		strbuf_release(&s);
	} else if (*t->p == '[') {
		v = array(t);
	} else if (*t->p == '{') {
		v = inline_table(t);
	} else {
		v = scalar(t);
	}
	t->depth--;
	return v;
}

/* [a.b] or [[a.b]] */
static int header(struct tp *t)
{
	struct strvec parts = STRVEC_INIT;
	struct strbuf path = STRBUF_INIT;
	int aot = at(t, "[["), rc = -1;
	json_t *parent, *x;
	size_t i;

	t->p += aot ? 2 : 1;
	if (key(t, &parts))
		goto out;
	if (!at(t, aot ? "]]" : "]")) {
		fail(t, "'%s' was expected to close the table's name", aot ? "]]" : "]");
		goto out;
	}
	t->p += aot ? 2 : 1;
	if (!(parent = descend(t, t->root, &parts, parts.nr - 1)))
		goto out;
	x = json_object_get(parent, parts.v[parts.nr - 1]);
	if (aot) {
		if (!x) {
			x = json_array();
			json_object_set_new(parent, parts.v[parts.nr - 1], x);
		} else if (!json_is_array(x)) {
			fail(t, "'%s' is already a table or value, not an array of tables",
			     parts.v[parts.nr - 1]);
			goto out;
		}
		t->cur = json_object();
		json_array_append_new(x, t->cur);
	} else {
		for (i = 0; i < parts.nr; i++)
			strbuf_addf(&path, "%s\x1f", parts.v[i]);
		for (i = 0; i < t->defined.nr; i++)
			if (!strcmp(t->defined.v[i], path.buf)) {
				fail(t, "the table [%s] is defined twice", parts.v[parts.nr - 1]);
				goto out;
			}
		strvec_push(&t->defined, path.buf);
		if (!x) {
			x = json_object();
			json_object_set_new(parent, parts.v[parts.nr - 1], x);
		} else if (!json_is_object(x)) {
			fail(t, "'%s' is already a value, not a table", parts.v[parts.nr - 1]);
			goto out;
		}
		t->cur = x;
	}
	rc = 0;
out:
	strvec_release(&parts);
	strbuf_release(&path);
	return rc;
}

json_t *toml_parse(const char *text, size_t len, int *line, int *col, struct strbuf *err)
{
	struct tp t;

	memset(&t, 0, sizeof(t));
	t.p = t.bol = text;
	t.end = text + len;
	t.line = 1;
	t.err = err;
	t.root = t.cur = json_object();
	strvec_init(&t.defined);
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		t.p = t.bol = text + 3;
	while (t.p < t.end) {
		skip_all(&t);
		if (t.p == t.end)
			break;
		if (*t.p == '[' ? header(&t) : keyval(&t, t.cur))
			break;
		if (end_of_line(&t))
			break;
	}
	strvec_release(&t.defined);
	if (line)
		*line = t.eline;
	if (col)
		*col = t.ecol;
	if (t.eline) {
		json_decref(t.root);
		return NULL;
	}
	return t.root;
}
