/*
 * shell: a POSIX (and common bash) shell parser for policy decisions.
 * See shell.h.
 *
 * It is a single pass over the text that tracks only what decides which
 * commands run: word boundaries, quoting, operators, redirections,
 * reserved words, and nested command text ($(...), `...`, <(...), >(...),
 * subshells, expanding here-documents), which is parsed recursively.
 */
#include "policy/shell.h"

#include "core/strbuf.h"
#include "core/xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define DEPTH_MAX 32

struct heredoc {
	char *delim;
	int quoted;		/* the delimiter was quoted: no expansion */
	int strip_tabs;		/* <<- */
};

struct ctx {
	const char *s;
	size_t pos, len;
	int depth;
	struct shell_parse *out;
	struct heredoc *hd;
	size_t hd_nr, hd_alloc;
	int case_patterns;	/* inside case, reading patterns up to ')' */
	int case_depth;
};

/*
 * A word's text keeps its expansions as markers, so the policy can
 * substitute what it knows ($HOME, a variable set earlier in the line):
 * MARK_OPEN NAME MARK_CLOSE for $NAME and ${NAME}, MARK_OPEN MARK_CLOSE
 * for any other expansion.  A literal byte that is a marker is escaped
 * with MARK_ESC, so no quoting can forge one.  shell_word_text() strips
 * them for the command's words.
 */
#define MARK_OPEN '\x01'
#define MARK_CLOSE '\x02'
#define MARK_ESC '\x03'

struct word {
	struct strbuf text;
	int dynamic;
	int glob;		/* 1: unquoted * ? [; 2: unquoted { (brace expansion) */
	int quoted;		/* any part was quoted */
	int assign;		/* NAME=... in command position */
};

static int parse_seq(struct ctx *c, int endch);

/* Adds a literal byte to a word. */
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

/* Frees here-documents announced but never read (the text ended or the
 * parse failed before their bodies). */
static void ctx_release(struct ctx *c)
{
	while (c->hd_nr)
		free(c->hd[--c->hd_nr].delim);
	free(c->hd);
	c->hd = NULL;
	c->hd_alloc = 0;
}

void shell_parse_init(struct shell_parse *p)
{
	memset(p, 0, sizeof(*p));
}

static void cmd_release(struct shell_cmd *cmd)
{
	size_t i;

	strvec_release(&cmd->argv);
	strvec_release(&cmd->raw);
	strvec_release(&cmd->assigns);
	free(cmd->dynamic);
	free(cmd->glob);
	for (i = 0; i < cmd->redirs_nr; i++) {
		free(cmd->redirs[i].target);
		free(cmd->redirs[i].raw);
	}
	free(cmd->redirs);
}

void shell_parse_release(struct shell_parse *p)
{
	size_t i;

	for (i = 0; i < p->nr; i++)
		cmd_release(&p->cmds[i]);
	free(p->cmds);
	free(p->why);
	shell_parse_init(p);
}

static int fail(struct ctx *c, const char *why)
{
	if (!c->out->uncertain) {
		c->out->uncertain = 1;
		free(c->out->why);
		c->out->why = xstrdup(why);
	}
	return -1;
}

static void uncertain(struct ctx *c, const char *why)
{
	if (!c->out->uncertain) {
		c->out->uncertain = 1;
		c->out->why = xstrdup(why);
	}
}

static int peek(const struct ctx *c, size_t off)
{
	return c->pos + off < c->len ? (unsigned char)c->s[c->pos + off] : 0;
}

static int is_meta(int ch)
{
	return !ch || ch == ' ' || ch == '\t' || ch == '\n' || ch == ';' ||
	       ch == '&' || ch == '|' || ch == '(' || ch == ')' || ch == '<' ||
	       ch == '>';
}

/* ---- nested command text ----------------------------------------------- */

/* Parses s[start..] as commands one level deeper (used for backticks and
 * here-document bodies, whose text is not the current stream). */
static void parse_nested_text(struct ctx *c, const char *s, size_t len)
{
	struct ctx sub;

	memset(&sub, 0, sizeof(sub));
	sub.s = s;
	sub.len = len;
	sub.depth = c->depth + 1;
	sub.out = c->out;
	if (sub.depth > DEPTH_MAX) {
		uncertain(c, "commands nested too deeply");
		return;
	}
	parse_seq(&sub, 0);
	ctx_release(&sub);
}

/* $( ... ): the inner commands are parsed in place, one level deeper. */
static int command_subst(struct ctx *c)
{
	int rc;

	if (c->depth + 1 > DEPTH_MAX)
		return fail(c, "commands nested too deeply");
	c->depth++;
	rc = parse_seq(c, ')');
	c->depth--;
	return rc;
}

/* `...`: the text up to the closing backtick, with \` \\ \$ unescaped. */
static int backtick(struct ctx *c)
{
	struct strbuf inner = STRBUF_INIT;

	for (;;) {
		int ch = peek(c, 0);

		if (!ch) {
			strbuf_release(&inner);
			return fail(c, "unterminated backquote");
		}
		c->pos++;
		if (ch == '`')
			break;
		if (ch == '\\' && (peek(c, 0) == '`' || peek(c, 0) == '\\' || peek(c, 0) == '$')) {
			strbuf_addch(&inner, peek(c, 0));
			c->pos++;
			continue;
		}
		strbuf_addch(&inner, ch);
	}
	parse_nested_text(c, inner.buf, inner.len);
	strbuf_release(&inner);
	return 0;
}

/* Skips a balanced ${...} or $((...)); notes substitutions inside. */
static int skip_balanced(struct ctx *c, int open, int close, const char *what)
{
	int level = 1;

	while (level) {
		int ch = peek(c, 0);

		if (!ch) {
			struct strbuf sb = STRBUF_INIT;

			strbuf_addf(&sb, "unterminated %s", what);
			fail(c, sb.buf);
			strbuf_release(&sb);
			return -1;
		}
		c->pos++;
		if (ch == '\\') {
			if (peek(c, 0))
				c->pos++;
		} else if (ch == '\'' ) {
			while (peek(c, 0) && peek(c, 0) != '\'')
				c->pos++;
			if (peek(c, 0))
				c->pos++;
		} else if (ch == '$' && peek(c, 0) == '(' && peek(c, 1) != '(') {
			c->pos++;
			if (command_subst(c))
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
		int ch = peek(c, 0), n, v;

		if (!ch)
			return fail(c, "unterminated $'...' quote");
		c->pos++;
		if (ch == '\'')
			return 0;
		if (ch != '\\') {
			lit(w, ch);
			continue;
		}
		ch = peek(c, 0);
		if (!ch)
			return fail(c, "unterminated $'...' quote");
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
			if (peek(c, 0)) {
				lit(w, peek(c, 0) & 0x1f);
				c->pos++;
			}
			break;
		case 'x':
			for (n = 0, v = 0; n < 2 && hexval(peek(c, 0)) >= 0; n++, c->pos++)
				v = v * 16 + hexval(peek(c, 0));
			lit(w, v);
			break;
		case 'u':
		case 'U': {
			unsigned long cp = 0;
			int max = ch == 'u' ? 4 : 8;

			for (n = 0; n < max && hexval(peek(c, 0)) >= 0; n++, c->pos++)
				cp = cp * 16 + (unsigned long)hexval(peek(c, 0));
			{ struct strbuf u8 = STRBUF_INIT; size_t q; add_utf8(&u8, cp); for (q = 0; q < u8.len; q++) lit(w, (unsigned char)u8.buf[q]); strbuf_release(&u8); }
			break;
		}
		default:
			if (ch >= '0' && ch <= '7') {
				v = ch - '0';
				for (n = 1; n < 3 && peek(c, 0) >= '0' && peek(c, 0) <= '7'; n++, c->pos++)
					v = v * 8 + peek(c, 0) - '0';
				lit(w, v & 0xff);
			} else {
				lit(w, ch);	/* \\ \' \" \? */
			}
		}
	}
}

/* 1 if arithmetic text only holds numbers and operators: a name in it is
 * evaluated, and a value such as 'a[$(cmd)]' runs cmd. */
static int plain_arith(const char *s, size_t n)
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
	int ch = peek(c, 0);
	size_t st;

	if (ch == '(' && peek(c, 1) == '(') {
		c->pos += 2;
		st = c->pos;
		mark(w, "", 0);
		if (skip_balanced(c, '(', ')', "$((...))"))
			return -1;
		if (!plain_arith(c->s + st, c->pos - st))
			uncertain(c, "arithmetic on a variable, whose value may run commands");
		return peek(c, 0) == ')' ? (c->pos++, 0) : fail(c, "unterminated $((...))");
	}
	if (ch == '[') {
		uncertain(c, "$[...] arithmetic");
		c->pos++;
		mark(w, "", 0);
		return skip_balanced(c, '[', ']', "$[...]");
	}
	if (ch == '(') {
		c->pos++;
		mark(w, "", 0);
		return command_subst(c);
	}
	if (ch == '{') {
		size_t n;

		c->pos++;
		st = c->pos;
		if (skip_balanced(c, '{', '}', "${...}"))
			return -1;
		n = c->pos - st - 1;
		if (risky_brace(c->s + st, n))
			uncertain(c, "an indirect, prompt or subscripted expansion (${!x}, ${x@P}, ${a[i]}) may run commands");
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
		while (isalnum(peek(c, 0)) || peek(c, 0) == '_')
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
		int ch = peek(c, 0);

		if (!ch)
			return fail(c, "unterminated double quote");
		c->pos++;
		if (ch == '"')
			return 0;
		if (ch == '\\') {
			int nx = peek(c, 0);

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
static int read_word(struct ctx *c, struct word *w)
{
	for (;;) {
		int ch = peek(c, 0);

		if (is_meta(ch)) {
			/* bash arrays: NAME=( ... ) */
			if (ch == '(' && w->text.len && w->text.buf[w->text.len - 1] == '=' &&
			    !w->quoted) {
				c->pos++;
				w->dynamic = 1;
				if (skip_balanced(c, '(', ')', "array"))
					return -1;
				continue;
			}
			/* process substitution inside a word is rare; at the
			 * start it is handled by the caller */
			return 0;
		}
		c->pos++;
		if (ch == '\\') {
			if (peek(c, 0) == '\n') {
				c->pos++;	/* line continuation */
			} else if (peek(c, 0)) {
				lit(w, peek(c, 0));
				c->pos++;
				w->quoted = 1;
			}
		} else if (ch == '\'') {
			w->quoted = 1;
			while (peek(c, 0) && peek(c, 0) != '\'')
				lit(w, peek(c, 0)), c->pos++;
			if (!peek(c, 0))
				return fail(c, "unterminated single quote");
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

/* ---- commands ------------------------------------------------------------------ */

static struct shell_cmd *new_cmd(struct ctx *c)
{
	struct shell_parse *p = c->out;
	struct shell_cmd *cmd;

	ALLOC_GROW(p->cmds, p->nr + 1, p->alloc);
	cmd = &p->cmds[p->nr++];
	memset(cmd, 0, sizeof(*cmd));
	strvec_init(&cmd->argv);
	strvec_init(&cmd->raw);
	strvec_init(&cmd->assigns);
	cmd->depth = c->depth;
	return cmd;
}

/* The command being built: created on its first word or redirection,
 * so that substitutions inside it are listed before it (they run first). */
struct building {
	struct strvec argv, raw, assigns;
	struct strbuf dyn, glob;
	struct shell_redir *redirs;
	size_t redirs_nr, redirs_alloc;
};

static void building_init(struct building *b)
{
	memset(b, 0, sizeof(*b));
	strvec_init(&b->argv);
	strvec_init(&b->raw);
	strvec_init(&b->assigns);
	strbuf_init(&b->dyn, (size_t)1 << 20);
	strbuf_init(&b->glob, (size_t)1 << 20);
}

static int building_empty(const struct building *b)
{
	return !b->argv.nr && !b->assigns.nr && !b->redirs_nr;
}

static void flush(struct ctx *c, struct building *b)
{
	struct shell_cmd *cmd;

	if (building_empty(b)) {
		strbuf_release(&b->dyn);
		strbuf_release(&b->glob);
		building_init(b);
		return;
	}
	cmd = new_cmd(c);
	cmd->argv = b->argv;
	cmd->raw = b->raw;
	cmd->assigns = b->assigns;
	cmd->redirs = b->redirs;
	cmd->redirs_nr = b->redirs_nr;
	cmd->redirs_alloc = b->redirs_alloc;
	cmd->dynamic = (unsigned char *)strbuf_detach(&b->dyn, NULL);
	cmd->glob = (unsigned char *)strbuf_detach(&b->glob, NULL);
	building_init(b);
}

static void building_release(struct building *b)
{
	size_t i;

	strvec_release(&b->argv);
	strvec_release(&b->raw);
	strvec_release(&b->assigns);
	strbuf_release(&b->dyn);
	strbuf_release(&b->glob);
	for (i = 0; i < b->redirs_nr; i++) {
		free(b->redirs[i].target);
		free(b->redirs[i].raw);
	}
	free(b->redirs);
}

static const char *const separators[] = {
	"{", "}", "!", "then", "else", "elif", "do", "done", "fi", "if",
	"while", "until", "time",
};

static int is_word(const struct word *w, const char *s)
{
	return !w->quoted && !w->dynamic && !strcmp(w->text.buf, s);
}

/* Reads the lines of pending here-documents after a newline. */
static int read_heredocs(struct ctx *c)
{
	size_t i;

	for (i = 0; i < c->hd_nr; i++) {
		struct heredoc *h = &c->hd[i];
		struct strbuf body = STRBUF_INIT;
		int found = 0;

		while (c->pos < c->len) {
			const char *line = c->s + c->pos, *nl;
			size_t n;

			nl = memchr(line, '\n', c->len - c->pos);
			n = nl ? (size_t)(nl - line) : c->len - c->pos;
			c->pos += n + (nl ? 1 : 0);
			if (h->strip_tabs)
				while (n && *line == '\t')
					line++, n--;
			if (n == strlen(h->delim) && !memcmp(line, h->delim, n)) {
				found = 1;
				break;
			}
			strbuf_add(&body, line, n);
			strbuf_addch(&body, '\n');
		}
		if (body.truncated)
			uncertain(c, "a here-document larger than archie reads");
		/* an unquoted delimiter means the body expands: commands in
		 * $(...) and `...` there run */
		if (!h->quoted) {
			if (memchr(body.buf, '$', body.len) || memchr(body.buf, '`', body.len)) {
				/* escape the quotes of the body so it reads as one word */
				struct strbuf esc = STRBUF_INIT;
				size_t k;

				strbuf_addstr(&esc, ": \"");
				for (k = 0; k < body.len; k++) {
					if (body.buf[k] == '"')
						strbuf_addch(&esc, '\\');
					strbuf_addch(&esc, body.buf[k]);
				}
				strbuf_addch(&esc, '"');
				parse_nested_text(c, esc.buf, esc.len);
				strbuf_release(&esc);
			}
		}
		strbuf_release(&body);
		free(h->delim);
		if (!found)
			uncertain(c, "here-document without its end line");
	}
	c->hd_nr = 0;
	return 0;
}

static int redirection(struct ctx *c, struct building *b)
{
	struct shell_redir r;
	struct word w;
	int fd = -2, dup_in = 0;
	int ch;

	memset(&r, 0, sizeof(r));
	while (isdigit(peek(c, 0))) {
		if (fd > 99999)
			return fail(c, "file descriptor number out of range");
		fd = (fd < 0 ? 0 : fd * 10) + peek(c, 0) - '0';
		c->pos++;
	}
	ch = peek(c, 0);
	if (ch == '&' && peek(c, 1) == '>') {
		c->pos += 2;
		r.fd = -1;
		r.kind = SHELL_REDIR_WRITE;
		if (peek(c, 0) == '>') {
			c->pos++;
			r.kind = SHELL_REDIR_APPEND;
		}
	} else if (ch == '<') {
		c->pos++;
		r.fd = fd >= 0 ? fd : 0;
		r.kind = SHELL_REDIR_READ;
		if (peek(c, 0) == '<') {
			c->pos++;
			if (peek(c, 0) == '<') {
				c->pos++;	/* <<< here-string: a word, no file */
				r.kind = SHELL_REDIR_HEREDOC;
			} else {
				struct heredoc h;

				memset(&h, 0, sizeof(h));
				if (peek(c, 0) == '-') {
					c->pos++;
					h.strip_tabs = 1;
				}
				while (peek(c, 0) == ' ' || peek(c, 0) == '\t')
					c->pos++;
				memset(&w, 0, sizeof(w));
				strbuf_init(&w.text, 4096);
				if (read_word(c, &w) || !w.text.len || w.text.truncated) {
					strbuf_release(&w.text);
					return fail(c, "here-document without a delimiter");
				}
				h.delim = shell_word_text(w.text.buf);
				strbuf_release(&w.text);
				h.quoted = w.quoted;
				ALLOC_GROW(c->hd, c->hd_nr + 1, c->hd_alloc);
				c->hd[c->hd_nr++] = h;
				r.kind = SHELL_REDIR_HEREDOC;
				goto add;
			}
		} else if (peek(c, 0) == '&') {
			c->pos++;
			r.kind = SHELL_REDIR_DUP;
			dup_in = 1;
		} else if (peek(c, 0) == '>') {
			c->pos++;
			r.kind = SHELL_REDIR_WRITE;	/* <> opens for writing */
		}
	} else {		/* '>' */
		c->pos++;
		r.fd = fd >= 0 ? fd : 1;
		r.kind = SHELL_REDIR_WRITE;
		if (peek(c, 0) == '>') {
			c->pos++;
			r.kind = SHELL_REDIR_APPEND;
		} else if (peek(c, 0) == '|') {
			c->pos++;
		} else if (peek(c, 0) == '&') {
			c->pos++;
			r.kind = SHELL_REDIR_DUP;
		}
	}
	while (peek(c, 0) == ' ' || peek(c, 0) == '\t')
		c->pos++;
	memset(&w, 0, sizeof(w));
	strbuf_init(&w.text, (size_t)1 << 20);
	if ((peek(c, 0) == '<' || peek(c, 0) == '>') && peek(c, 1) == '(') {
		/* > >(cmd): process substitution as the target */
		c->pos += 2;
		strbuf_release(&w.text);
		if (command_subst(c))
			return -1;
		r.dynamic = 1;
		r.target = xstrdup("/dev/fd/N");
		goto add;
	}
	if (read_word(c, &w) || (!w.text.len && !w.dynamic) || w.text.truncated) {
		strbuf_release(&w.text);
		return fail(c, "a redirection without a target");
	}
	/* >&2, 2>&1, >&- duplicate descriptors: no file; but >&FILE and
	 * <&FILE with a word that is not a number name a file (bash: >&FILE
	 * is &>FILE) */
	if (r.kind == SHELL_REDIR_DUP) {
		if (!w.dynamic && (!strcmp(w.text.buf, "-") ||
				   (w.text.len && strspn(w.text.buf, "0123456789") == w.text.len))) {
			strbuf_release(&w.text);
			goto add;
		}
		r.kind = dup_in ? SHELL_REDIR_READ : SHELL_REDIR_WRITE;
		r.fd = -1;
	}
	r.raw = strbuf_detach(&w.text, NULL);
	r.target = shell_word_text(r.raw);
	r.dynamic = w.dynamic || w.glob;
add:
	ALLOC_GROW(b->redirs, b->redirs_nr + 1, b->redirs_alloc);
	b->redirs[b->redirs_nr++] = r;
	return 0;
}

/* "2>file", "10<&0": digits starting a word, then a redirection. */
static int fd_redirection(const struct ctx *c)
{
	size_t k = 0;

	if (!isdigit(peek(c, 0)) || (c->pos && !is_meta((unsigned char)c->s[c->pos - 1])))
		return 0;
	while (isdigit(peek(c, k)))
		k++;
	return peek(c, k) == '<' || peek(c, k) == '>';
}

char *shell_word_text(const char *raw)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p;

	for (p = raw; *p; p++) {
		if (*p == MARK_ESC && p[1]) {
			strbuf_addch(&sb, *++p);
		} else if (*p == MARK_OPEN) {
			while (p[1] && p[1] != MARK_CLOSE)
				p++;
			if (p[1])
				p++;
		} else {
			strbuf_addch(&sb, *p);
		}
	}
	return strbuf_detach(&sb, NULL);
}

static void push_word(struct strvec *argv, struct strvec *raw, struct word *w)
{
	strvec_push_nodup(argv, shell_word_text(w->text.buf));
	strvec_push_nodup(raw, strbuf_detach(&w->text, NULL));
}

/* Commands until endch (')' for subshells and $(...)), or the end. */
static int parse_seq(struct ctx *c, int endch)
{
	struct building b;
	int skip_for_words = 0;	/* after "for NAME in": the list is data */
	int skip_next_word = 0;	/* after "for", "case", "function": a name */

	building_init(&b);
	for (;;) {
		int ch;
		struct word w;
		size_t start;

		while (peek(c, 0) == ' ' || peek(c, 0) == '\t' ||
		       (peek(c, 0) == '\\' && peek(c, 1) == '\n'))
			c->pos += peek(c, 0) == '\\' ? 2 : 1;
		ch = peek(c, 0);
		if (!ch) {
			flush(c, &b);
			building_release(&b);
			if (c->hd_nr)
				read_heredocs(c);
			if (endch)
				return fail(c, "a '(' or '$(' is never closed");
			return 0;
		}
		/* '#' starting a word begins a comment */
		if (ch == '#' && (!c->pos || is_meta((unsigned char)c->s[c->pos - 1]))) {
			while (peek(c, 0) && peek(c, 0) != '\n')
				c->pos++;
			continue;
		}
		if (ch == ')' && !c->case_patterns) {
			c->pos++;
			flush(c, &b);
			building_release(&b);
			if (endch == ')')
				return 0;
			return fail(c, "a ')' without its '('");
		}
		if (ch == '\n' || ch == ';' || (ch == '&' && peek(c, 1) != '>') || ch == '|') {
			c->pos++;
			if (ch == ';' && peek(c, 0) == ';') {
				c->pos++;
				if (peek(c, 0) == '&')
					c->pos++;
				if (c->case_depth)
					c->case_patterns = 1;	/* ;; : next pattern */
			} else if (ch == ';' && peek(c, 0) == '&' && c->case_depth) {
				c->pos++;
				c->case_patterns = 1;
			} else if ((ch == '&' || ch == '|') && (peek(c, 0) == ch ||
				   (ch == '|' && peek(c, 0) == '&'))) {
				c->pos++;
			}
			flush(c, &b);
			skip_for_words = 0;
			if (ch == '\n' && c->hd_nr)
				read_heredocs(c);
			continue;
		}
		if (ch == '(' && peek(c, 1) == '(' && building_empty(&b)) {
			/* (( arithmetic )) */
			size_t st;

			c->pos += 2;
			st = c->pos;
			skip_next_word = 0;	/* for ((;;)) */
			if (skip_balanced(c, '(', ')', "((...))"))
				break;
			if (!plain_arith(c->s + st, c->pos - st))
				uncertain(c, "arithmetic on a variable, whose value may run commands");
			if (peek(c, 0) == ')')
				c->pos++;
			continue;
		}
		if (ch == '(' && !c->case_patterns) {
			c->pos++;
			if (b.argv.nr == 1 && !b.redirs_nr) {
				/* name() { ...; }: a function definition */
				while (peek(c, 0) == ' ')
					c->pos++;
				if (peek(c, 0) != ')') {
					building_release(&b);
					return fail(c, "unexpected '(' after a word");
				}
				c->pos++;
				strvec_release(&b.argv);
				strvec_release(&b.raw);
				strbuf_reset(&b.dyn);
				strbuf_reset(&b.glob);
				continue;
			}
			if (!building_empty(&b)) {
				building_release(&b);
				return fail(c, "unexpected '('");
			}
			if (parse_seq(c, ')'))
				break;
			continue;
		}
		if ((ch == '<' || ch == '>') && peek(c, 1) == '(' && !building_empty(&b)) {
			/* <(cmd) as an argument */
			c->pos += 2;
			if (command_subst(c))
				break;
			strvec_push(&b.argv, "/dev/fd/N");
			strvec_push(&b.raw, "\x01\x02");
			strbuf_addch(&b.dyn, 1);
			strbuf_addch(&b.glob, 0);
			continue;
		}
		if (ch == '<' || ch == '>' || (ch == '&' && peek(c, 1) == '>') ||
		    fd_redirection(c)) {
			if (redirection(c, &b))
				break;
			continue;
		}
		memset(&w, 0, sizeof(w));
		strbuf_init(&w.text, (size_t)1 << 20);
		start = c->pos;
		if (read_word(c, &w)) {
			strbuf_release(&w.text);
			break;
		}
		if (w.text.truncated) {
			strbuf_release(&w.text);
			building_release(&b);
			return fail(c, "a word longer than archie reads (1 MiB)");
		}
		if (c->pos == start) {
			/* Nothing consumed: a case pattern's optional '(' is
			 * skipped; anything else is a character no rule above
			 * understands. Either way the loop must make progress. */
			strbuf_release(&w.text);
			if (c->case_patterns && ch == '(') {
				c->pos++;
				continue;
			}
			building_release(&b);
			return fail(c, "unexpected character");
		}
		if (c->case_patterns) {
			/* case patterns up to ')' are data */
			int esac = is_word(&w, "esac");

			strbuf_release(&w.text);
			if (esac) {
				c->case_patterns = 0;
				c->case_depth--;
				continue;
			}
			while (peek(c, 0) == ' ' || peek(c, 0) == '\t' || peek(c, 0) == '|')
				c->pos++;
			if (peek(c, 0) == ')') {
				c->pos++;
				c->case_patterns = 0;
			}
			continue;
		}
		if (skip_next_word) {
			skip_next_word = 0;
			strbuf_release(&w.text);
			continue;
		}
		if (skip_for_words) {
			/* "for x do ...": no "in" list, the body starts here */
			if (is_word(&w, "do"))
				skip_for_words = 0;
			strbuf_release(&w.text);
			continue;
		}
		if (building_empty(&b)) {
			size_t k;
			int sep = 0;

			for (k = 0; k < sizeof(separators) / sizeof(*separators); k++)
				sep |= is_word(&w, separators[k]);
			if (sep) {
				/* time -p CMD: the keyword's own option */
				if (is_word(&w, "time")) {
					while (peek(c, 0) == ' ' || peek(c, 0) == '\t')
						c->pos++;
					if (peek(c, 0) == '-' && peek(c, 1) == 'p' && is_meta(peek(c, 2)))
						c->pos += 2;
				}
				strbuf_release(&w.text);
				continue;
			}
			if (is_word(&w, "for") || is_word(&w, "select") || is_word(&w, "function")) {
				skip_next_word = 1;
				if (!is_word(&w, "function"))
					skip_for_words = 1;	/* "in a b c" up to ; */
				strbuf_release(&w.text);
				continue;
			}
			if (is_word(&w, "case")) {
				/* case WORD in: the word may run substitutions
				 * (already parsed); then patterns */
				struct word subj;

				strbuf_release(&w.text);
				while (peek(c, 0) == ' ' || peek(c, 0) == '\t')
					c->pos++;
				memset(&subj, 0, sizeof(subj));
				strbuf_init(&subj.text, (size_t)1 << 20);
				read_word(c, &subj);
				strbuf_release(&subj.text);
				while (peek(c, 0) == ' ' || peek(c, 0) == '\t' || peek(c, 0) == '\n')
					c->pos++;
				memset(&subj, 0, sizeof(subj));
				strbuf_init(&subj.text, 64);
				read_word(c, &subj);	/* "in" */
				strbuf_release(&subj.text);
				c->case_depth++;
				c->case_patterns = 1;
				continue;
			}
		}
		if (w.assign && !b.argv.nr) {
			strvec_push_nodup(&b.assigns, strbuf_detach(&w.text, NULL));
			continue;
		}
		if (c->case_depth && building_empty(&b) && is_word(&w, "esac")) {
			strbuf_release(&w.text);
			c->case_depth--;
			continue;
		}
		strbuf_addch(&b.dyn, w.dynamic);
		strbuf_addch(&b.glob, w.glob);
		push_word(&b.argv, &b.raw, &w);
	}
	building_release(&b);
	return -1;
}

int shell_parse(const char *src, struct shell_parse *p)
{
	struct ctx c;
	int rc;

	memset(&c, 0, sizeof(c));
	c.s = src;
	c.len = strlen(src);
	c.out = p;
	rc = parse_seq(&c, 0);
	ctx_release(&c);
	if (c.case_depth)
		uncertain(&c, "a case without esac");
	return rc ? -1 : 0;
}

void shell_cmd_text(const struct shell_cmd *c, size_t from, struct strbuf *out)
{
	size_t i;

	for (i = from; i < c->argv.nr; i++) {
		if (i > from)
			strbuf_addch(out, ' ');
		strbuf_addstr(out, c->argv.v[i]);
	}
}
