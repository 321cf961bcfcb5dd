/*
 * shell: a POSIX (and common bash) shell parser for policy decisions.
 * See shell.h.
 *
 * It is a single pass over the text that tracks only what decides which
 * commands run: word boundaries, quoting, operators, redirections,
 * reserved words, and nested command text ($(...), `...`, <(...), >(...),
 * subshells, expanding here-documents), which is parsed recursively.
 * This file reads commands, redirections and here-documents; the words
 * themselves (quoting, expansions) are shell_word.c's.
 */
#include "policy/shell_int.h"

#include "core/strbuf.h"
#include "core/xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Frees here-documents announced but never read (the text ended or the
 * parse failed before their bodies). */
void shell_ctx_release(struct ctx *c)
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

int shell_fail(struct ctx *c, const char *why)
{
	if (!c->out->uncertain) {
		c->out->uncertain = 1;
		free(c->out->why);
		c->out->why = xstrdup(why);
	}
	return -1;
}

void shell_uncertain(struct ctx *c, const char *why)
{
	if (!c->out->uncertain) {
		c->out->uncertain = 1;
		c->out->why = xstrdup(why);
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
			shell_uncertain(c, "a here-document larger than archie reads");
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
				shell_parse_nested_text(c, esc.buf, esc.len);
				strbuf_release(&esc);
			}
		}
		strbuf_release(&body);
		free(h->delim);
		if (!found)
			shell_uncertain(c, "here-document without its end line");
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
	while (isdigit(shell_peek(c, 0))) {
		if (fd > 99999)
			return shell_fail(c, "file descriptor number out of range");
		fd = (fd < 0 ? 0 : fd * 10) + shell_peek(c, 0) - '0';
		c->pos++;
	}
	ch = shell_peek(c, 0);
	if (ch == '&' && shell_peek(c, 1) == '>') {
		c->pos += 2;
		r.fd = -1;
		r.kind = SHELL_REDIR_WRITE;
		if (shell_peek(c, 0) == '>') {
			c->pos++;
			r.kind = SHELL_REDIR_APPEND;
		}
	} else if (ch == '<') {
		c->pos++;
		r.fd = fd >= 0 ? fd : 0;
		r.kind = SHELL_REDIR_READ;
		if (shell_peek(c, 0) == '<') {
			c->pos++;
			if (shell_peek(c, 0) == '<') {
				c->pos++;	/* <<< here-string: a word, no file */
				r.kind = SHELL_REDIR_HEREDOC;
			} else {
				struct heredoc h;

				memset(&h, 0, sizeof(h));
				if (shell_peek(c, 0) == '-') {
					c->pos++;
					h.strip_tabs = 1;
				}
				while (shell_peek(c, 0) == ' ' || shell_peek(c, 0) == '\t')
					c->pos++;
				memset(&w, 0, sizeof(w));
				strbuf_init(&w.text, 4096);
				if (shell_read_word(c, &w) || !w.text.len || w.text.truncated) {
					strbuf_release(&w.text);
					return shell_fail(c, "here-document without a delimiter");
				}
				h.delim = shell_word_text(w.text.buf);
				strbuf_release(&w.text);
				h.quoted = w.quoted;
				ALLOC_GROW(c->hd, c->hd_nr + 1, c->hd_alloc);
				c->hd[c->hd_nr++] = h;
				r.kind = SHELL_REDIR_HEREDOC;
				goto add;
			}
		} else if (shell_peek(c, 0) == '&') {
			c->pos++;
			r.kind = SHELL_REDIR_DUP;
			dup_in = 1;
		} else if (shell_peek(c, 0) == '>') {
			c->pos++;
			r.kind = SHELL_REDIR_WRITE;	/* <> opens for writing */
		}
	} else {		/* '>' */
		c->pos++;
		r.fd = fd >= 0 ? fd : 1;
		r.kind = SHELL_REDIR_WRITE;
		if (shell_peek(c, 0) == '>') {
			c->pos++;
			r.kind = SHELL_REDIR_APPEND;
		} else if (shell_peek(c, 0) == '|') {
			c->pos++;
		} else if (shell_peek(c, 0) == '&') {
			c->pos++;
			r.kind = SHELL_REDIR_DUP;
		}
	}
	while (shell_peek(c, 0) == ' ' || shell_peek(c, 0) == '\t')
		c->pos++;
	memset(&w, 0, sizeof(w));
	strbuf_init(&w.text, (size_t)1 << 20);
	if ((shell_peek(c, 0) == '<' || shell_peek(c, 0) == '>') && shell_peek(c, 1) == '(') {
		/* > >(cmd): process substitution as the target */
		c->pos += 2;
		strbuf_release(&w.text);
		if (shell_command_subst(c))
			return -1;
		r.dynamic = 1;
		r.target = xstrdup("/dev/fd/N");
		goto add;
	}
	if (shell_read_word(c, &w) || (!w.text.len && !w.dynamic) || w.text.truncated) {
		strbuf_release(&w.text);
		return shell_fail(c, "a redirection without a target");
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

	if (!isdigit(shell_peek(c, 0)) || (c->pos && !shell_is_meta((unsigned char)c->s[c->pos - 1])))
		return 0;
	while (isdigit(shell_peek(c, k)))
		k++;
	return shell_peek(c, k) == '<' || shell_peek(c, k) == '>';
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

/* Commands until endch (')' for subshells and $(...)), or the end.
 * (One function on purpose: it is the parser's state machine, and its
 * states — separators, case patterns, for-lists, function definitions —
 * read best side by side.) */
int shell_parse_seq(struct ctx *c, int endch)
{
	struct building b;
	int skip_for_words = 0;	/* after "for NAME in": the list is data */
	int skip_next_word = 0;	/* after "for", "case", "function": a name */

	building_init(&b);
	for (;;) {
		int ch;
		struct word w;
		size_t start;

		while (shell_peek(c, 0) == ' ' || shell_peek(c, 0) == '\t' ||
		       (shell_peek(c, 0) == '\\' && shell_peek(c, 1) == '\n'))
			c->pos += shell_peek(c, 0) == '\\' ? 2 : 1;
		ch = shell_peek(c, 0);
		if (!ch) {
			flush(c, &b);
			building_release(&b);
			if (c->hd_nr)
				read_heredocs(c);
			if (endch)
				return shell_fail(c, "a '(' or '$(' is never closed");
			return 0;
		}
		/* '#' starting a word begins a comment */
		if (ch == '#' && (!c->pos || shell_is_meta((unsigned char)c->s[c->pos - 1]))) {
			while (shell_peek(c, 0) && shell_peek(c, 0) != '\n')
				c->pos++;
			continue;
		}
		if (ch == ')' && !c->case_patterns) {
			c->pos++;
			flush(c, &b);
			building_release(&b);
			if (endch == ')')
				return 0;
			return shell_fail(c, "a ')' without its '('");
		}
		if (ch == '\n' || ch == ';' || (ch == '&' && shell_peek(c, 1) != '>') || ch == '|') {
			c->pos++;
			if (ch == ';' && shell_peek(c, 0) == ';') {
				c->pos++;
				if (shell_peek(c, 0) == '&')
					c->pos++;
				if (c->case_depth)
					c->case_patterns = 1;	/* ;; : next pattern */
			} else if (ch == ';' && shell_peek(c, 0) == '&' && c->case_depth) {
				c->pos++;
				c->case_patterns = 1;
			} else if ((ch == '&' || ch == '|') && (shell_peek(c, 0) == ch ||
				   (ch == '|' && shell_peek(c, 0) == '&'))) {
				c->pos++;
			}
			flush(c, &b);
			skip_for_words = 0;
			if (ch == '\n' && c->hd_nr)
				read_heredocs(c);
			continue;
		}
		if (ch == '(' && shell_peek(c, 1) == '(' && building_empty(&b)) {
			/* (( arithmetic )) */
			size_t st;

			c->pos += 2;
			st = c->pos;
			skip_next_word = 0;	/* for ((;;)) */
			if (shell_skip_balanced(c, '(', ')', "((...))"))
				break;
			if (!shell_plain_arith(c->s + st, c->pos - st))
				shell_uncertain(c, "arithmetic on a variable, whose value may run commands");
			if (shell_peek(c, 0) == ')')
				c->pos++;
			continue;
		}
		if (ch == '(' && !c->case_patterns) {
			c->pos++;
			if (b.argv.nr == 1 && !b.redirs_nr) {
				/* name() { ...; }: a function definition */
				while (shell_peek(c, 0) == ' ')
					c->pos++;
				if (shell_peek(c, 0) != ')') {
					building_release(&b);
					return shell_fail(c, "unexpected '(' after a word");
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
				return shell_fail(c, "unexpected '('");
			}
			if (shell_parse_seq(c, ')'))
				break;
			continue;
		}
		if ((ch == '<' || ch == '>') && shell_peek(c, 1) == '(' && !building_empty(&b)) {
			/* <(cmd) as an argument */
			c->pos += 2;
			if (shell_command_subst(c))
				break;
			strvec_push(&b.argv, "/dev/fd/N");
			strvec_push(&b.raw, "\x01\x02");
			strbuf_addch(&b.dyn, 1);
			strbuf_addch(&b.glob, 0);
			continue;
		}
		if (ch == '<' || ch == '>' || (ch == '&' && shell_peek(c, 1) == '>') ||
		    fd_redirection(c)) {
			if (redirection(c, &b))
				break;
			continue;
		}
		memset(&w, 0, sizeof(w));
		strbuf_init(&w.text, (size_t)1 << 20);
		start = c->pos;
		if (shell_read_word(c, &w)) {
			strbuf_release(&w.text);
			break;
		}
		if (w.text.truncated) {
			strbuf_release(&w.text);
			building_release(&b);
			return shell_fail(c, "a word longer than archie reads (1 MiB)");
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
			return shell_fail(c, "unexpected character");
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
			while (shell_peek(c, 0) == ' ' || shell_peek(c, 0) == '\t' || shell_peek(c, 0) == '|')
				c->pos++;
			if (shell_peek(c, 0) == ')') {
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
					while (shell_peek(c, 0) == ' ' || shell_peek(c, 0) == '\t')
						c->pos++;
					if (shell_peek(c, 0) == '-' && shell_peek(c, 1) == 'p' && shell_is_meta(shell_peek(c, 2)))
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
				while (shell_peek(c, 0) == ' ' || shell_peek(c, 0) == '\t')
					c->pos++;
				memset(&subj, 0, sizeof(subj));
				strbuf_init(&subj.text, (size_t)1 << 20);
				shell_read_word(c, &subj);
				strbuf_release(&subj.text);
				while (shell_peek(c, 0) == ' ' || shell_peek(c, 0) == '\t' || shell_peek(c, 0) == '\n')
					c->pos++;
				memset(&subj, 0, sizeof(subj));
				strbuf_init(&subj.text, 64);
				shell_read_word(c, &subj);	/* "in" */
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
	rc = shell_parse_seq(&c, 0);
	shell_ctx_release(&c);
	if (c.case_depth)
		shell_uncertain(&c, "a case without esac");
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
