/*
 * shell: POSIX shell command lines, parsed into their simple commands.
 *
 * Permission rules must apply to what a command line really runs, not to
 * its first word: `git status && rm -rf x` runs rm, `echo $(cat .env)` runs
 * cat, `g""it push` is git.  shell_parse() finds every simple command
 * anywhere in the line — in lists, pipelines, subshells, groups, if/for/
 * while/case bodies, command and process substitutions, and here-documents
 * that expand — with quotes removed from its words and its redirections
 * listed.  What it cannot interpret with certainty (a parse error, an
 * unterminated quote, arithmetic, a word whose value is only known at run
 * time) is flagged, so the policy can ask instead of guessing.
 *
 * Ownership: a shell_parse owns its commands and their strings
 * (shell_parse_release).
 */
#ifndef ARCHIE_SHELL_H
#define ARCHIE_SHELL_H

#include "core/strvec.h"

#include <stddef.h>

struct strbuf;

enum shell_redir_kind { SHELL_REDIR_READ, SHELL_REDIR_WRITE, SHELL_REDIR_APPEND,
			SHELL_REDIR_DUP, SHELL_REDIR_HEREDOC };

struct shell_redir {
	enum shell_redir_kind kind;
	int fd;			/* the descriptor redirected (-1: both, as &>) */
	char *target;		/* the file (quote-removed); NULL for heredocs */
	char *raw;		/* the target with expansions marked (shell_word_text) */
	int dynamic;		/* the target depends on an expansion */
};

struct shell_cmd {
	struct strvec argv;	/* the words, quotes removed, expansions dropped */
	struct strvec raw;	/* the same words with expansions marked */
	unsigned char *dynamic;	/* per word: contains $VAR, $(...) or `...` */
	unsigned char *glob;	/* per word: 1 unquoted * ? [; 2 unquoted { */
	struct strvec assigns;	/* NAME=value prefixes, expansions marked */
	struct shell_redir *redirs;
	size_t redirs_nr, redirs_alloc;
	int depth;		/* 0: top level; more inside substitutions */
};

struct shell_parse {
	struct shell_cmd *cmds;
	size_t nr, alloc;
	int uncertain;		/* something could not be interpreted */
	char *why;		/* what, when uncertain */
};

void shell_parse_init(struct shell_parse *p);
void shell_parse_release(struct shell_parse *p);

/* Parses src (appending to p).  Returns 0, or -1 when the line is not
 * valid shell (p->uncertain is then set and p->why says why). */
int shell_parse(const char *src, struct shell_parse *p);

/*
 * Raw words mark each expansion as "\x01NAME\x02" ($NAME, ${NAME}) or
 * "\x01\x02" (anything else: $(...), ${x:-y}, $1); a literal \x01,
 * \x02 or \x03 byte is escaped with \x03.  shell_word_text() returns the
 * word's literal text with expansions dropped (a new string).
 */
#define SHELL_MARK_OPEN '\x01'
#define SHELL_MARK_CLOSE '\x02'
#define SHELL_MARK_ESC '\x03'
char *shell_word_text(const char *raw);

/* The command's words joined with single spaces (what rules match). */
void shell_cmd_text(const struct shell_cmd *c, size_t from, struct strbuf *out);

#endif
