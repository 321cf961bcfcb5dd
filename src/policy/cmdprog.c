/*
 * cmdprog: the programs sed and awk take as an argument, read for what
 * they do beyond reading input.
 *
 * sed's `e` command and `s///e` flag run shell commands, `w`/`W` and the
 * `w` flag write files, `r`/`R` read them; awk's system(), pipes, `print
 * > file` and getline do the same.  A sed script is parsed command by
 * command as GNU sed parses it (addresses, blocks, text arguments,
 * s/y with any delimiter), so `w` in a regular expression or in the text
 * of an `a` command is not taken for a command.  Anything the parser does
 * not understand counts as not read-only: the policy asks.
 */
#include "policy/cmdspec_int.h"

#include "core/strbuf.h"
#include "core/xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* ---- sed ------------------------------------------------------------------ */

struct sed {
	const char *s;
	size_t i, n;
	size_t word;
	struct cmdspec_use *u;
	const char *why;
};

static int sed_peek(const struct sed *p)
{
	return p->i < p->n ? (unsigned char)p->s[p->i] : 0;
}

static void sed_blanks(struct sed *p)
{
	while (sed_peek(p) == ' ' || sed_peek(p) == '\t')
		p->i++;
}

/* A delimited part (regex or replacement) up to delim; 0, or -1. */
static int sed_delimited(struct sed *p, int delim)
{
	while (p->i < p->n) {
		int ch = (unsigned char)p->s[p->i++];

		if (ch == '\\') {
			if (p->i >= p->n)
				return -1;
			p->i++;
		} else if (ch == delim) {
			return 0;
		} else if (ch == '\n' && delim != '\n') {
			return -1;	/* GNU sed: unterminated */
		}
	}
	return -1;
}

static int sed_address(struct sed *p)
{
	int ch = sed_peek(p);

	if (isdigit(ch)) {
		while (isdigit(sed_peek(p)))
			p->i++;
		if (sed_peek(p) == '~') {	/* first~step */
			p->i++;
			while (isdigit(sed_peek(p)))
				p->i++;
		}
		return 1;
	}
	if (ch == '$') {
		p->i++;
		return 1;
	}
	if (ch == '/' || ch == '\\') {
		int delim = '/';

		p->i++;
		if (ch == '\\') {
			delim = sed_peek(p);
			if (!delim || delim == '\n')
				return -1;
			p->i++;
		}
		if (sed_delimited(p, delim))
			return -1;
		while (sed_peek(p) == 'I' || sed_peek(p) == 'M')
			p->i++;
		return 1;
	}
	return 0;
}

/* The rest of the line (a file name, a command, a label). */
static char *sed_rest_of_line(struct sed *p, int stop_at_semicolon)
{
	size_t st;

	sed_blanks(p);
	st = p->i;
	while (p->i < p->n && p->s[p->i] != '\n' && !(stop_at_semicolon && p->s[p->i] == ';'))
		p->i++;
	return xstrndup(p->s + st, p->i - st);
}

/* a, i, c: text to the end of the line, continued by a trailing '\'. */
static void sed_text(struct sed *p)
{
	sed_blanks(p);
	if (sed_peek(p) == '\\')
		p->i++;
	while (p->i < p->n) {
		int ch = (unsigned char)p->s[p->i++];

		if (ch == '\\' && p->i < p->n)
			p->i++;	/* an escaped newline continues the text */
		else if (ch == '\n')
			break;
	}
}

static int sed_file(struct sed *p, enum cmdspec_what what)
{
	char *f = sed_rest_of_line(p, 0);

	if (!*f) {
		free(f);
		p->why = "a sed r/w command without a file name";
		return -1;
	}
	if (strcmp(f, "/dev/stdout") && strcmp(f, "/dev/stderr") && strcmp(f, "/dev/stdin"))
		cmdspec_item(p->u, what, f, p->word);
	free(f);
	if (what == CMDSPEC_WRITE && !p->why)
		p->why = "its script writes a file (w)";
	return 0;
}

/* s/re/repl/flags. */
static int sed_subst(struct sed *p)
{
	int delim = sed_peek(p);

	if (!delim || delim == '\n' || delim == '\\')
		return -1;
	p->i++;
	/* the pattern, then the replacement: two calls, two parts */
	if (sed_delimited(p, delim))
		return -1;
	if (sed_delimited(p, delim))
		return -1;
	for (;;) {
		int ch = sed_peek(p);

		if (ch == 'g' || ch == 'p' || ch == 'i' || ch == 'I' || ch == 'm' ||
		    ch == 'M' || isdigit(ch)) {
			p->i++;
		} else if (ch == 'e') {
			p->i++;
			p->why = "its script runs the pattern space as a shell command (s///e)";
			cmdspec_unsure(p->u, "sed's e flag runs text only known at run time as a command");
		} else if (ch == 'w') {
			p->i++;
			return sed_file(p, CMDSPEC_WRITE);
		} else {
			return 0;
		}
	}
}

int cmdspec_sed_script(const char *script, size_t word, struct cmdspec_use *u,
		       const char **why)
{
	struct sed p;
	int depth = 0;

	memset(&p, 0, sizeof(p));
	p.s = script;
	p.n = strlen(script);
	p.word = word;
	p.u = u;
	for (;;) {
		int ch, a;

		while (sed_peek(&p) == ' ' || sed_peek(&p) == '\t' || sed_peek(&p) == '\n' ||
		       sed_peek(&p) == ';')
			p.i++;
		ch = sed_peek(&p);
		if (!ch)
			break;
		if (ch == '#') {
			free(sed_rest_of_line(&p, 0));
			continue;
		}
		a = sed_address(&p);
		if (a < 0)
			goto bad;
		if (a && sed_peek(&p) == ',') {
			p.i++;
			if (sed_peek(&p) == '+' || sed_peek(&p) == '~') {
				p.i++;
				while (isdigit(sed_peek(&p)))
					p.i++;
			} else if (sed_address(&p) <= 0) {
				goto bad;
			}
		}
		sed_blanks(&p);
		while (sed_peek(&p) == '!') {
			p.i++;
			sed_blanks(&p);
		}
		ch = sed_peek(&p);
		p.i++;
		switch (ch) {
		case '{':
			depth++;
			continue;
		case '}':
			if (--depth < 0)
				goto bad;
			break;
		case '=': case 'd': case 'D': case 'g': case 'G': case 'h': case 'H':
		case 'n': case 'N': case 'p': case 'P': case 'x': case 'z': case 'F':
			break;
		case 'l': case 'L': case 'q': case 'Q':
			sed_blanks(&p);
			while (isdigit(sed_peek(&p)))
				p.i++;
			break;
		case ':': case 'b': case 't': case 'T': case 'v':
			free(sed_rest_of_line(&p, ch != ':'));
			break;
		case 'a': case 'i': case 'c':
			sed_text(&p);
			continue;
		case 'r': case 'R':
			if (sed_file(&p, CMDSPEC_READ))
				goto bad;
			continue;
		case 'w': case 'W':
			if (sed_file(&p, CMDSPEC_WRITE))
				goto bad;
			continue;
		case 'e': {
			char *cmd = sed_rest_of_line(&p, 0);

			p.why = "its script runs a shell command (e)";
			if (*cmd)
				cmdspec_item(u, CMDSPEC_SCRIPT, cmd, word);
			else
				cmdspec_unsure(u, "sed's e command runs text only known at run time as a command");
			free(cmd);
			continue;
		}
		case 's':
			if (sed_subst(&p))
				goto bad;
			break;
		case 'y':
			ch = sed_peek(&p);
			if (!ch || ch == '\n' || ch == '\\')
				goto bad;
			p.i++;
			if (sed_delimited(&p, ch))	/* the source characters */
				goto bad;
			if (sed_delimited(&p, ch))	/* the replacements */
				goto bad;
			break;
		default:
			goto bad;
		}
		/* after a command: a separator, a comment or a closing brace */
		sed_blanks(&p);
		ch = sed_peek(&p);
		if (ch && ch != ';' && ch != '\n' && ch != '}' && ch != '#')
			goto bad;
	}
	if (depth)
		goto bad;
	*why = p.why;
	return p.why ? 1 : 0;
bad:
	*why = "its sed script could not be read with certainty";
	cmdspec_unsure(u, "the sed script could not be parsed with certainty");
	return 1;
}

/* ---- awk ------------------------------------------------------------------ */

/* The program with string literals blanked, so a ">" in "a > b" text is
 * not taken for a redirection. */
static void awk_code(const char *prog, struct strbuf *out)
{
	const char *p = prog;

	while (*p) {
		if (*p == '"') {
			strbuf_addch(out, '"');
			for (p++; *p && *p != '"'; p++)
				if (*p == '\\' && p[1])
					p++;
			strbuf_addch(out, '"');
			if (*p)
				p++;
			continue;
		}
		if (*p == '#') {	/* a comment to the end of the line */
			while (*p && *p != '\n')
				p++;
			continue;
		}
		strbuf_addch(out, *p++);
	}
}

static int awk_word(const char *code, const char *w)
{
	size_t n = strlen(w);
	const char *p = code;

	while ((p = strstr(p, w)) != NULL) {
		int before = p == code || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
		int after = !(isalnum((unsigned char)p[n]) || p[n] == '_');

		if (before && after)
			return 1;
		p += n;
	}
	return 0;
}

int cmdspec_awk_program(const char *prog, const char **why)
{
	struct strbuf code = STRBUF_INIT;
	const char *p;
	int r = 0;

	awk_code(prog, &code);
	if (awk_word(code.buf, "system")) {
		*why = "its awk program runs commands (system)";
		r = 1;
	} else if (awk_word(code.buf, "getline")) {
		*why = "its awk program reads files or command output (getline)";
		r = 1;
	} else if (strstr(code.buf, "@load") || strstr(code.buf, "@include")) {
		*why = "its awk program loads code (@load, @include)";
		r = 1;
	}
	/* '|' that is not '||': a pipe to or from a command */
	for (p = code.buf; !r && *p; p++)
		if (*p == '|') {
			if (p[1] == '|') {
				p++;
				continue;
			}
			*why = "its awk program pipes to or from a command (|)";
			r = 1;
		}
	/* print/printf ... > file: a '>' at parenthesis depth 0 after print */
	for (p = code.buf; !r && *p; p++) {
		int depth = 0;
		const char *q;

		if (!(p == code.buf || !(isalnum((unsigned char)p[-1]) || p[-1] == '_')) ||
		    (strncmp(p, "print", 5)))
			continue;
		q = p + 5;
		if (*q == 'f')
			q++;
		if (isalnum((unsigned char)*q) || *q == '_')
			continue;
		for (; *q && *q != ';' && *q != '}' && *q != '\n'; q++) {
			if (*q == '(')
				depth++;
			else if (*q == ')')
				depth--;
			else if (*q == '>' && depth <= 0) {
				*why = "its awk program writes to a file (print > file)";
				r = 1;
				break;
			}
		}
	}
	strbuf_release(&code);
	return r;
}
