/*
 * shell_word: words as the shell reads them — quoting ('...', "...",
 * $'...', backslashes), expansions ($NAME, ${...}, $(...), `...`,
 * $((...))) and the command text nested in them, which is parsed one
 * level deeper.  See shell.h; shell.c reads the commands these words make.
 */
#include "policy/shell_int.h"

#include "core/xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static void lit(struct word *w, int ch)
{
	if (ch == MARK_OPEN || ch == MARK_CLOSE || ch == MARK_ESC)
		strbuf_addch(&w->text, MARK_ESC);
	strbuf_addch(&w->text, ch);
}

/* Adds an expansion marker: $NAME (name, n bytes), or an unknown one. */
static void mark(struct word *w, const char *name, size_t n)
{
	strbuf_addch(&w->text, MARK_OPEN);
	strbuf_add(&w->text, name, n);
	strbuf_addch(&w->text, MARK_CLOSE);
	w->dynamic = 1;
}

/* ---- nested command text ----------------------------------------------- */

/* Parses s[start..] as commands one level deeper (used for backticks and
 * here-document bodies, whose text is not the current stream). */
void shell_parse_nested_text(struct ctx *c, const char *s, size_t len)
{
	struct ctx sub;

	memset(&sub, 0, sizeof(sub));
	sub.s = s;
	sub.len = len;
	sub.depth = c->depth + 1;
	sub.out = c->out;
	if (sub.depth > DEPTH_MAX) {
		shell_uncertain(c, "commands nested too deeply");
		return;
	}
	shell_parse_seq(&sub, 0);
	shell_ctx_release(&sub);
}

/* $( ... ): the inner commands are parsed in place, one level deeper. */
int shell_command_subst(struct ctx *c)
{
	int rc;

	if (c->depth + 1 > DEPTH_MAX)
		return shell_fail(c, "commands nested too deeply");
	c->depth++;
	rc = shell_parse_seq(c, ')');
	c->depth--;
	return rc;
}

/* `...`: the text up to the closing backtick, with \` \\ \$ unescaped. */
static int backtick(struct ctx *c)
{
	struct strbuf inner = STRBUF_INIT;

	for (;;) {
		int ch = shell_peek(c, 0);

		if (!ch) {
			strbuf_release(&inner);
			return shell_fail(c, "unterminated backquote");
		}
		c->pos++;
		if (ch == '`')
			break;
		if (ch == '\\' && (shell_peek(c, 0) == '`' || shell_peek(c, 0) == '\\' || shell_peek(c, 0) == '$')) {
			strbuf_addch(&inner, shell_peek(c, 0));
			c->pos++;
			continue;
		}
		strbuf_addch(&inner, ch);
	}
	shell_parse_nested_text(c, inner.buf, inner.len);
	strbuf_release(&inner);
	return 0;
}

/* Skips a balanced ${...} or $((...)); notes substitutions inside. */
int shell_skip_balanced(struct ctx *c, int open, int close, const char *what)
{
	int level = 1;

	while (level) {
		int ch = shell_peek(c, 0);

		if (!ch) {
			struct strbuf sb = STRBUF_INIT;

			strbuf_addf(&sb, "unterminated %s", what);
			shell_fail(c, sb.buf);
			strbuf_release(&sb);
			return -1;
		}
		c->pos++;
		if (ch == '\\') {
			if (shell_peek(c, 0))
				c->pos++;
		} else if (ch == '\'' ) {
			while (shell_peek(c, 0) && shell_peek(c, 0) != '\'')
				c->pos++;
			if (shell_peek(c, 0))
				c->pos++;
		} else if (ch == '$' && shell_peek(c, 0) == '(' && shell_peek(c, 1) != '(') {
			c->pos++;
			if (shell_command_subst(c))
				return -1;
		} else if (ch == '`') {
			if (backtick(c))
				return -1;
		} else if (ch == open) {
			level++;
		} else if (ch == close) {
			level--;
		}
	}
	return 0;
}

/* ---- words ----------------------------------------------------------------- */

static void add_utf8(struct strbuf *sb, unsigned long cp)
{
	if (cp < 0x80) {
		strbuf_addch(sb, (int)cp);
	} else if (cp < 0x800) {
		strbuf_addch(sb, (int)(0xc0 | (cp >> 6)));
		strbuf_addch(sb, (int)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		strbuf_addch(sb, (int)(0xe0 | (cp >> 12)));
		strbuf_addch(sb, (int)(0x80 | ((cp >> 6) & 0x3f)));
		strbuf_addch(sb, (int)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x110000) {
		strbuf_addch(sb, (int)(0xf0 | (cp >> 18)));
		strbuf_addch(sb, (int)(0x80 | ((cp >> 12) & 0x3f)));
		strbuf_addch(sb, (int)(0x80 | ((cp >> 6) & 0x3f)));
		strbuf_addch(sb, (int)(0x80 | (cp & 0x3f)));
	}
}

static int hexval(int ch)
{
	return isdigit(ch) ? ch - '0' : isxdigit(ch) ? (tolower(ch) - 'a' + 10) : -1;
}

/* $'...': ANSI-C quoting, decoded (so $'\x67it' is git). */
static int ansi_c(struct ctx *c, struct word *w)
{
	for (;;) {
		int ch = shell_peek(c, 0), n, v;

		if (!ch)
			return shell_fail(c, "unterminated $'...' quote");
		c->pos++;
		if (ch == '\'')
			return 0;
		if (ch != '\\') {
			lit(w, ch);
			continue;
		}
		ch = shell_peek(c, 0);
		if (!ch)
			return shell_fail(c, "unterminated $'...' quote");
		c->pos++;
		switch (ch) {
		case 'n': lit(w, '\n'); break;
		case 't': lit(w, '\t'); break;
		case 'r': lit(w, '\r'); break;
		case 'a': lit(w, '\a'); break;
		case 'b': lit(w, '\b'); break;
		case 'f': lit(w, '\f'); break;
		case 'v': lit(w, '\v'); break;
		case 'e': case 'E': lit(w, 0x1b); break;
		case 'c':
			if (shell_peek(c, 0)) {
				lit(w, shell_peek(c, 0) & 0x1f);
				c->pos++;
			}
			break;
		case 'x':
			for (n = 0, v = 0; n < 2 && hexval(shell_peek(c, 0)) >= 0; n++, c->pos++)
				v = v * 16 + hexval(shell_peek(c, 0));
			lit(w, v);
			break;
		case 'u':
		case 'U': {
			unsigned long cp = 0;
			int max = ch == 'u' ? 4 : 8;

			for (n = 0; n < max && hexval(shell_peek(c, 0)) >= 0; n++, c->pos++)
				cp = cp * 16 + (unsigned long)hexval(shell_peek(c, 0));
			{ struct strbuf u8 = STRBUF_INIT; size_t q; add_utf8(&u8, cp); for (q = 0; q < u8.len; q++) lit(w, (unsigned char)u8.buf[q]); strbuf_release(&u8); }
			break;
		}
		default:
			if (ch >= '0' && ch <= '7') {
				v = ch - '0';
				for (n = 1; n < 3 && shell_peek(c, 0) >= '0' && shell_peek(c, 0) <= '7'; n++, c->pos++)
					v = v * 8 + shell_peek(c, 0) - '0';
				lit(w, v & 0xff);
			} else {
				lit(w, ch);	/* \\ \' \" \? */
			}
		}
	}
}

/* 1 if arithmetic text only holds numbers and operators: a name in it is
 * evaluated, and a value such as 'a[$(cmd)]' runs cmd. */
int shell_plain_arith(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (isalpha((unsigned char)s[i]) || s[i] == '_' || s[i] == '$' ||
		    s[i] == '[' || s[i] == '`')
			return 0;
	return 1;
}

/* ${...} whose evaluation may run commands hidden in a value: ${!x}
 * (indirection), ${x@P} (prompt expansion), ${a[i]} (an arithmetic
 * subscript). */
static int risky_brace(const char *s, size_t n)
{
	size_t i;

	if (n && s[0] == '!')
		return 1;
	for (i = 0; i + 1 < n; i++)
		if (s[i] == '@' && (s[i + 1] == 'P' || s[i + 1] == 'A' || s[i + 1] == 'K' ||
				    s[i + 1] == 'a'))
			return 1;
	for (i = 0; i < n && (isalnum((unsigned char)s[i]) || s[i] == '_'); i++)
		;
	if (i < n && s[i] == '[') {
		size_t j = i + 1;

		/* ${a[0]}, ${a[@]}, ${a[*]}: fixed subscripts are fine */
		while (j < n && (isdigit((unsigned char)s[j]) || s[j] == '@' || s[j] == '*'))
			j++;
		return j >= n || s[j] != ']';
	}
	return 0;
}

/* A $ expansion at c->pos (just after the '$'). */
static int dollar(struct ctx *c, struct word *w, int in_dquote)
{
	int ch = shell_peek(c, 0);
	size_t st;

	if (ch == '(' && shell_peek(c, 1) == '(') {
		c->pos += 2;
		st = c->pos;
		mark(w, "", 0);
		if (shell_skip_balanced(c, '(', ')', "$((...))"))
			return -1;
		if (!shell_plain_arith(c->s + st, c->pos - st))
			shell_uncertain(c, "arithmetic on a variable, whose value may run commands");
		return shell_peek(c, 0) == ')' ? (c->pos++, 0) : shell_fail(c, "unterminated $((...))");
	}
	if (ch == '[') {
		shell_uncertain(c, "$[...] arithmetic");
		c->pos++;
		mark(w, "", 0);
		return shell_skip_balanced(c, '[', ']', "$[...]");
	}
	if (ch == '(') {
		c->pos++;
		mark(w, "", 0);
		return shell_command_subst(c);
	}
	if (ch == '{') {
		size_t n;

		c->pos++;
		st = c->pos;
		if (shell_skip_balanced(c, '{', '}', "${...}"))
			return -1;
		n = c->pos - st - 1;
		if (risky_brace(c->s + st, n))
			shell_uncertain(c, "an indirect, prompt or subscripted expansion (${!x}, ${x@P}, ${a[i]}) may run commands");
		/* ${NAME} is $NAME; anything more (${x:-y}, ${#x}) is unknown */
		st += 0;
		{
			size_t k = 0;

			while (k < n && (isalnum((unsigned char)c->s[st + k]) || c->s[st + k] == '_'))
				k++;
			mark(w, c->s + st, k == n && n && !isdigit((unsigned char)c->s[st]) ? n : 0);
		}
		return 0;
	}
	if (!in_dquote && ch == '\'') {
		c->pos++;
		w->quoted = 1;
		return ansi_c(c, w);
	}
	if (!in_dquote && ch == '"')
		return 0;	/* $"..." is "..." */
	if (isalpha(ch) || ch == '_') {
		st = c->pos;
		while (isalnum(shell_peek(c, 0)) || shell_peek(c, 0) == '_')
			c->pos++;
		mark(w, c->s + st, c->pos - st);
		return 0;
	}
	if (isdigit(ch) || (ch && strchr("@*#?$!-", ch))) {
		c->pos++;
		mark(w, "", 0);
		return 0;
	}
	lit(w, '$');	/* a lone $ */
	return 0;
}

static int dquote(struct ctx *c, struct word *w)
{
	for (;;) {
		int ch = shell_peek(c, 0);

		if (!ch)
			return shell_fail(c, "unterminated double quote");
		c->pos++;
		if (ch == '"')
			return 0;
		if (ch == '\\') {
			int nx = shell_peek(c, 0);

			if (nx == '$' || nx == '`' || nx == '"' || nx == '\\') {
				lit(w, nx);
				c->pos++;
			} else if (nx == '\n') {
				c->pos++;
			} else {
				lit(w, '\\');
			}
		} else if (ch == '$') {
			if (dollar(c, w, 1))
				return -1;
		} else if (ch == '`') {
			mark(w, "", 0);
			if (backtick(c))
				return -1;
		} else {
			lit(w, ch);
		}
	}
}

/* Reads one word; returns 0 with w filled, or -1 on a syntax problem. */
int shell_read_word(struct ctx *c, struct word *w)
{
	for (;;) {
		int ch = shell_peek(c, 0);

		if (shell_is_meta(ch)) {
			/* bash arrays: NAME=( ... ) */
			if (ch == '(' && w->text.len && w->text.buf[w->text.len - 1] == '=' &&
			    !w->quoted) {
				c->pos++;
				w->dynamic = 1;
				if (shell_skip_balanced(c, '(', ')', "array"))
					return -1;
				continue;
			}
			/* process substitution inside a word is rare; at the
			 * start it is handled by the caller */
			return 0;
		}
		c->pos++;
		if (ch == '\\') {
			if (shell_peek(c, 0) == '\n') {
				c->pos++;	/* line continuation */
			} else if (shell_peek(c, 0)) {
				lit(w, shell_peek(c, 0));
				c->pos++;
				w->quoted = 1;
			}
		} else if (ch == '\'') {
			w->quoted = 1;
			while (shell_peek(c, 0) && shell_peek(c, 0) != '\'')
				lit(w, shell_peek(c, 0)), c->pos++;
			if (!shell_peek(c, 0))
				return shell_fail(c, "unterminated single quote");
			c->pos++;
		} else if (ch == '"') {
			w->quoted = 1;
			if (dquote(c, w))
				return -1;
		} else if (ch == '$') {
			if (dollar(c, w, 0))
				return -1;
		} else if (ch == '`') {
			mark(w, "", 0);
			if (backtick(c))
				return -1;
		} else {
			if (ch == '*' || ch == '?' || ch == '[')
				w->glob |= 1;
			if (ch == '{')
				w->glob |= 2;
			if (ch == '=' && !w->quoted && !w->dynamic && w->text.len &&
			    !w->assign && (isalpha((unsigned char)w->text.buf[0]) ||
					   w->text.buf[0] == '_')) {
				size_t i;
				int ident = 1;

				for (i = 0; i < w->text.len; i++)
					if (!isalnum((unsigned char)w->text.buf[i]) &&
					    w->text.buf[i] != '_')
						ident = 0;
				/* "+=" appends */
				w->assign = ident || (w->text.len > 1 &&
						      w->text.buf[w->text.len - 1] == '+');
			}
			lit(w, ch);
		}
	}
}
