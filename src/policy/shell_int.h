/*
 * shell_int: what shell.c (commands, redirections, here-documents) and
 * shell_word.c (words, quoting, expansions, nested command text) share.
 * Not for other modules: they use shell.h.
 */
#ifndef ARCHIE_SHELL_INT_H
#define ARCHIE_SHELL_INT_H

#include "core/strbuf.h"
#include "policy/shell.h"

#include <stddef.h>

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

/* Commands until endch (')' for subshells and $(...)), or the end. */
int shell_parse_seq(struct ctx *c, int endch);
/* Frees here-documents announced but never read. */
void shell_ctx_release(struct ctx *c);
/* Marks the parse as failed (the first reason stays); returns -1. */
int shell_fail(struct ctx *c, const char *why);
/* Marks the parse as uncertain (the first reason stays). */
void shell_uncertain(struct ctx *c, const char *why);
/* Reads one word; 0 with w filled, or -1 on a syntax problem. */
int shell_read_word(struct ctx *c, struct word *w);
/* Parses text as commands one level deeper (backticks, here-documents). */
void shell_parse_nested_text(struct ctx *c, const char *s, size_t len);
/* $( ... ) at c->pos: the inner commands, one level deeper. */
int shell_command_subst(struct ctx *c);
/* Skips a balanced ${...} or $((...)), parsing substitutions inside. */
int shell_skip_balanced(struct ctx *c, int open, int close, const char *what);
/* 1 if arithmetic text only holds numbers and operators. */
int shell_plain_arith(const char *s, size_t n);

static inline int shell_peek(const struct ctx *c, size_t off)
{
	return c->pos + off < c->len ? (unsigned char)c->s[c->pos + off] : 0;
}

static inline int shell_is_meta(int ch)
{
	return !ch || ch == ' ' || ch == '\t' || ch == '\n' || ch == ';' ||
	       ch == '&' || ch == '|' || ch == '(' || ch == ')' || ch == '<' ||
	       ch == '>';
}

#endif
