/*
 * subjects: what a tool call touches, as it will really touch it.
 *
 * For Bash, every simple command the shell parser finds is looked
 * through its wrappers (env, timeout, xargs, flock...) to the command
 * that really runs, and its words are read with that command's option
 * table (cmdspec): the files it reads and writes become path subjects,
 * the command lines it runs (`sed 'e CMD'`, `rg --pre CMD`, `git -c
 * core.pager=CMD`) are parsed as scripts of their own, and the command
 * subject carries whether it only reads.  Words known only at run time
 * are expanded where the value is known here ($HOME, a variable set
 * earlier in the line, a glob matched against the real tree); where it is
 * not, the subject is uncertain and the call asks.  The working directory
 * follows cd, env -C and git -C, and becomes unknown after a cd that
 * may fail.
 *
 * The file tools' arguments are read in toolargs.c.
 */
#include "policy/policy_int.h"

#include "core/glob.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "policy/cmdspec.h"
#include "policy/sensitive.h"
#include "policy/shell.h"

#include <ctype.h>
#include <glob.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define SHELL_DEPTH_MAX 8
#define EXPAND_MAX 256		/* words a brace expansion may make */
#define MATCHES_MAX 1000	/* files a glob may match */


struct policy_subject *policy_subject_add(struct builder *b, enum policy_subject_kind k,
				      const char *text, const char *shown)
{
	struct policy_subject *s;

	ALLOC_GROW(b->d->subj, b->d->nr + 1, b->d->alloc);
	s = &b->d->subj[b->d->nr++];
	memset(s, 0, sizeof(*s));
	s->kind = k;
	s->text = xstrdup(text);
	s->shown = xstrdup(shown ? shown : text);
	if (k == POLICY_SUBJ_HOST) {
		/* a host as DNS resolves it: any case, with or without the
		 * root's trailing dot (EVIL.example. is evil.example) */
		size_t n = strlen(s->text), i;

		while (n && s->text[n - 1] == '.')
			s->text[--n] = '\0';
		for (i = 0; i < n; i++)
			s->text[i] = (char)tolower((unsigned char)s->text[i]);
	}
	strvec_init(&s->notes);
	s->why = s->why_verdict = -1;
	return s;
}

/* A command we cannot analyse: it asks, whatever the rules say. */
static void uncertain_subject(struct builder *b, const char *text, const char *why)
{
	struct policy_subject *s = policy_subject_add(b, POLICY_SUBJ_COMMAND, text, NULL);

	strvec_pushf(&s->notes, "built-in: %s, so it is asked about", why);
	s->verdict = POLICY_ASK;
	s->uncertain = 1;
}

void policy_subject_path(struct builder *b, enum policy_subject_kind k, const char *arg)
{
	struct strbuf r = STRBUF_INIT;
	struct policy_subject *s;

	if (b->cwd_unknown && arg[0] != '/' && arg[0] != '~') {
		uncertain_subject(b, arg, "a relative path after a cd that may have failed, so the directory it is relative to is not known");
		return;
	}
	policy_resolve_path(b->p, b->cwd, arg, &r);
	s = policy_subject_add(b, k, r.buf, arg);
	s->outside = !policy_inside(b->p, r.buf);
	strbuf_release(&r);
}

static const char *base_name(const char *s)
{
	const char *slash = strrchr(s, '/');

	return slash && slash[1] ? slash + 1 : s;
}

/* ---- expansions -------------------------------------------------------------- */

static const char *var_value(const struct builder *b, const char *name, size_t n)
{
	size_t i = b->vars.nr;

	while (i--) {
		const char *v = b->vars.v[i];

		if (!strncmp(v, name, n) && (v[n] == '=' || !v[n]))
			return v[n] == '=' ? v + n + 1 : NULL;
	}
	if (n == 4 && !strncmp(name, "HOME", 4))
		return b->p->home;
	if (n == 3 && !strncmp(name, "PWD", 3) && !b->cwd_unknown)
		return b->cwd;
	return NULL;
}

/* A raw word (shell.h's markers) with its expansions substituted: 0, or
 * -1 when one is not known here. */
static int expand_raw(const struct builder *b, const char *raw, struct strbuf *out)
{
	const char *p;

	for (p = raw; *p; p++) {
		if (*p == SHELL_MARK_ESC && p[1]) {
			strbuf_addch(out, *++p);
		} else if (*p == SHELL_MARK_OPEN) {
			const char *e = strchr(p, SHELL_MARK_CLOSE), *v;

			if (!e || e == p + 1)
				return -1;
			v = var_value(b, p + 1, (size_t)(e - p - 1));
			if (!v)
				return -1;
			strbuf_addstr(out, v);
			p = e;
		} else {
			strbuf_addch(out, *p);
		}
	}
	return 0;
}

/* bash's brace expansion, {a,b} (sequences {1..3} are not expanded:
 * -1, as is more than EXPAND_MAX words). */
static int brace_expand(const char *s, struct strvec *out, int *budget)
{
	const char *open = NULL, *close = NULL, *p;
	int depth = 0, comma = 0;

	for (p = s; *p; p++) {
		if (*p == '{') {
			if (!depth++)
				open = p, comma = 0;
		} else if (*p == '}' && depth > 0) {
			if (!--depth) {
				if (comma) {
					close = p;
					break;
				}
				if (strstr(open, "..") && strstr(open, "..") < p)
					return -1;
			}
		} else if (*p == ',' && depth == 1) {
			comma = 1;
		}
	}
	if (!close) {
		if (--*budget < 0)
			return -1;
		strvec_push(out, s);
		return 0;
	}
	for (p = open + 1; p <= close;) {
		const char *e = p;
		int d = 0;
		struct strbuf alt = STRBUF_INIT;
		int rc;

		while (e < close && !(d == 0 && *e == ',')) {
			d += *e == '{' ? 1 : *e == '}' ? -1 : 0;
			e++;
		}
		strbuf_add(&alt, s, (size_t)(open - s));
		strbuf_add(&alt, p, (size_t)(e - p));
		strbuf_addstr(&alt, close + 1);
		rc = brace_expand(alt.buf, out, budget);
		strbuf_release(&alt);
		if (rc)
			return -1;
		p = e + 1;
	}
	return 0;
}

/* A word naming a file: its value and, for a glob, the files it
 * matches now.  raw is the word with expansions marked (NULL: literal). */
static void file_subject(struct builder *b, enum policy_subject_kind k, const char *text,
			 const char *raw, int glob_flags)
{
	struct strbuf val = STRBUF_INIT;
	struct strvec alts = STRVEC_INIT;
	int budget = EXPAND_MAX;
	size_t i;

	if (strstr(text, "{}")) {
		uncertain_subject(b, text, "it is given files found at run time ({})");
		goto out;
	}
	if (raw) {
		if (expand_raw(b, raw, &val)) {
			uncertain_subject(b, *text ? text : "(an expansion)",
					  "a file named by an expansion only known at run time could be a secret or outside the workspace");
			goto out;
		}
		text = val.buf;
		if (strpbrk(text, "*?["))
			glob_flags |= 1;
	}
	if (!(glob_flags & 2) || brace_expand(text, &alts, &budget)) {
		if (glob_flags & 2) {
			uncertain_subject(b, text, "a brace expansion archie does not expand");
			goto out;
		}
		strvec_release(&alts);
		strvec_init(&alts);
		strvec_push(&alts, text);
	}
	for (i = 0; i < alts.nr; i++) {
		const char *a = alts.v[i];
		glob_t g;
		size_t m;

		if (!(glob_flags & 1) || !strpbrk(a, "*?[")) {
			policy_subject_path(b, k, a);
			continue;
		}
		if (b->cwd_unknown && a[0] != '/' && a[0] != '~') {
			policy_subject_path(b, k, a);
			continue;
		}
		/* what the glob matches in the tree, as the shell will */
		{
			struct strbuf pat = STRBUF_INIT;

			if (a[0] != '/' && a[0] != '~')
				strbuf_addf(&pat, "%s/", b->cwd);
			strbuf_addstr(&pat, a);
			memset(&g, 0, sizeof(g));
			if (glob(pat.buf, GLOB_NOCHECK | GLOB_TILDE | GLOB_NOSORT, NULL, &g)) {
				strbuf_release(&pat);
				policy_subject_path(b, k, a);
				continue;
			}
			strbuf_release(&pat);
		}
		if (g.gl_pathc > MATCHES_MAX) {
			uncertain_subject(b, a, "a glob that matches too many files to check each");
		} else {
			for (m = 0; m < g.gl_pathc; m++)
				policy_subject_path(b, k, g.gl_pathv[m]);
		}
		globfree(&g);
	}
out:
	strvec_release(&alts);
	strbuf_release(&val);
}

/* 1 if an unquoted glob word would expand, here and now, to a word that
 * starts with '-': a file named `-delete` or `--compress-program=sh`
 * turns `find . *` or `sort *` into another command. */
static int glob_makes_option(const struct builder *b, const char *pat)
{
	struct strbuf full = STRBUF_INIT;
	glob_t g;
	size_t k, skip;
	int r = 0;

	/* only a pattern that starts with a wildcard or '-' can */
	if (!strchr("*?[-", pat[0]) || b->cwd_unknown)
		return 0;
	strbuf_addf(&full, "%s/", b->cwd);
	skip = full.len;
	strbuf_addstr(&full, pat);
	memset(&g, 0, sizeof(g));
	if (!glob(full.buf, GLOB_NOSORT, NULL, &g)) {
		for (k = 0; k < g.gl_pathc && !r; k++)
			r = strlen(g.gl_pathv[k]) > skip && g.gl_pathv[k][skip] == '-';
		globfree(&g);
	}
	strbuf_release(&full);
	return r;
}

/* ---- commands ------------------------------------------------------------------ */

static void command_subjects(struct builder *b, const struct shell_cmd *c);

static int shell_name(const char *n)
{
	return !strcmp(n, "sh") || !strcmp(n, "bash") || !strcmp(n, "zsh") ||
	       !strcmp(n, "dash") || !strcmp(n, "ksh") || !strcmp(n, "ash") ||
	       !strcmp(n, "mksh") || !strcmp(n, "fish") || !strcmp(n, "busybox-sh");
}

/* sh -c SCRIPT (options may be bundled: -lc, -ec).  Returns 1 if handled. */
static int shell_c(struct builder *b, const struct shell_cmd *c, size_t i)
{
	size_t j;

	for (j = i + 1; j < c->argv.nr && (c->argv.v[j][0] == '-' || c->argv.v[j][0] == '+'); j++) {
		/* -o OPTION, -O SHOPT, +o, +O take a value */
		if (strchr("oO", c->argv.v[j][1]) && c->argv.v[j][1] && !c->argv.v[j][2]) {
			j++;
			continue;
		}
		if (strchr(c->argv.v[j], 'c') && c->argv.v[j][1] != '-' && c->argv.v[j][0] == '-') {
			if (j + 1 >= c->argv.nr)
				return 0;
			if (c->dynamic[j + 1])
				uncertain_subject(b, c->argv.v[j + 1],
						  "a shell runs a script only known at run time");
			else
				policy_subject_script(b, c->argv.v[j + 1]);
			return 1;
		}
	}
	return 0;
}

/* find -exec CMD ... ; (and -execdir, -ok, -okdir): CMD runs on each file. */
static void find_exec(struct builder *b, const struct shell_cmd *c, size_t start)
{
	size_t j;

	for (j = start + 1; j < c->argv.nr; j++) {
		const char *a = c->argv.v[j];
		struct shell_cmd sub;
		size_t e = j + 1, k;

		if (strcmp(a, "-exec") && strcmp(a, "-execdir") && strcmp(a, "-ok") &&
		    strcmp(a, "-okdir"))
			continue;
		while (e < c->argv.nr && strcmp(c->argv.v[e], ";") && strcmp(c->argv.v[e], "+"))
			e++;
		memset(&sub, 0, sizeof(sub));
		strvec_init(&sub.argv);
		strvec_init(&sub.raw);
		strvec_init(&sub.assigns);
		sub.dynamic = xcalloc(e - j + 1, 1);
		sub.glob = xcalloc(e - j + 1, 1);
		for (k = j + 1; k < e; k++) {
			sub.dynamic[k - j - 1] = c->dynamic[k];
			strvec_push(&sub.argv, c->argv.v[k]);
			strvec_push(&sub.raw, c->raw.v[k]);
		}
		command_subjects(b, &sub);
		strvec_release(&sub.argv);
		strvec_release(&sub.raw);
		free(sub.dynamic);
		free(sub.glob);
		j = e;
	}
}

/* cd, pushd, popd: where later commands run. */
static void change_dir(struct builder *b, const struct shell_cmd *c, size_t i)
{
	const char *name = base_name(c->argv.v[i]);
	struct strbuf r = STRBUF_INIT, val = STRBUF_INIT;
	struct stat st;
	size_t j = i + 1;

	while (j < c->argv.nr && c->argv.v[j][0] == '-' && c->argv.v[j][1] &&
	       strcmp(c->argv.v[j], "--")) {
		if (!strcmp(name, "pushd") && strcmp(c->argv.v[j], "-n"))
			break;	/* pushd -N: a stack entry */
		j++;
	}
	if (j < c->argv.nr && !strcmp(c->argv.v[j], "--"))
		j++;
	if (!strcmp(name, "popd") || (j < c->argv.nr && (!strcmp(c->argv.v[j], "-") ||
							 c->argv.v[j][0] == '+' ||
							 c->argv.v[j][0] == '-'))) {
		b->cwd_unknown = 1;
		goto out;
	}
	if (j >= c->argv.nr) {
		if (!strcmp(name, "cd")) {
			snprintf(b->cwd, sizeof(b->cwd), "%s", b->p->home);
			b->cwd_unknown = 0;
		} else {
			b->cwd_unknown = 1;
		}
		goto out;
	}
	if (c->dynamic[j] && expand_raw(b, c->raw.v[j], &val)) {
		b->cwd_unknown = 1;
		goto out;
	}
	if (b->cwd_unknown && !c->dynamic[j] && c->argv.v[j][0] != '/' && c->argv.v[j][0] != '~')
		goto out;
	policy_resolve_path(b->p, b->cwd, c->dynamic[j] ? val.buf : c->argv.v[j], &r);
	if (stat(r.buf, &st) || !S_ISDIR(st.st_mode)) {
		/* cd fails: what follows ';' runs in the old directory, what
		 * follows '&&' does not run; either way not where it says */
		b->cwd_unknown = 1;
		goto out;
	}
	snprintf(b->cwd, sizeof(b->cwd), "%s", r.buf);
	b->cwd_unknown = 0;
out:
	strbuf_release(&r);
	strbuf_release(&val);
}

/* NAME=value words: before a command, in its environment; alone, for
 * the rest of the line. */
static void assignments(struct builder *b, const struct shell_cmd *c)
{
	size_t i;

	for (i = 0; i < c->assigns.nr; i++) {
		const char *a = c->assigns.v[i], *eq = strchr(a, '=');
		size_t n = eq ? (size_t)(eq - a) : strlen(a);
		int upper = 0;
		size_t k;

		if (n && a[n - 1] == '+')
			n--;
		for (k = 0; k < n; k++)
			upper |= isupper((unsigned char)a[k]);
		if (cmdspec_harmless_assignment(a, n) || (!c->argv.nr && !upper)) {
			struct strbuf val = STRBUF_INIT;

			if (!c->argv.nr) {
				if (eq && !expand_raw(b, eq + 1, &val))
					strvec_pushf(&b->vars, "%.*s=%s", (int)n, a, val.buf);
				else
					strvec_pushf(&b->vars, "%.*s", (int)n, a);
			}
			strbuf_release(&val);
			continue;
		}
		{
			struct strbuf why = STRBUF_INIT;
			char *shown = shell_word_text(a);

			strbuf_addf(&why, "setting %.*s can change what %s runs", (int)n, a,
				    c->argv.nr ? "the command" : "later commands");
			uncertain_subject(b, shown, why.buf);
			free(shown);
			strbuf_release(&why);
		}
	}
}

/* Builtins that define code to run later, or evaluate text as code. */
static int code_builtin(struct builder *b, const struct shell_cmd *c, size_t i,
			const char *text)
{
	static const char *const later[] = {
		"alias", "shopt", "enable", "hash", "bind", "complete", "compgen", "fc",
		"mapfile", "readarray", "let", "eval", "source", ".", NULL,
	};
	const char *n = base_name(c->argv.v[i]);
	size_t k;

	if (!strcmp(n, "trap")) {
		if (i + 1 < c->argv.nr && c->argv.v[i + 1][0] != '-') {
			if (c->dynamic[i + 1])
				uncertain_subject(b, text, "trap runs text only known at run time");
			else
				policy_subject_script(b, c->argv.v[i + 1]);
		}
		return 0;
	}
	if (!strcmp(n, "declare") || !strcmp(n, "typeset") || !strcmp(n, "local") ||
	    !strcmp(n, "export") || !strcmp(n, "readonly")) {
		for (k = i + 1; k < c->argv.nr; k++) {
			const char *a = c->argv.v[k];
			size_t an = strcspn(a, "=+[");

			if (a[an] == '[' || (a[0] != '-' && strchr(a, '=') &&
					     !cmdspec_harmless_assignment(a, an) &&
					     (!strcmp(n, "export") || strstr(c->argv.v[i + 1], "x")))) {
				uncertain_subject(b, text, "it sets a variable that can change what later commands run, or evaluates a subscript");
				return 1;
			}
		}
		return 0;
	}
	if ((!strcmp(n, "source") || !strcmp(n, ".")) && i + 1 < c->argv.nr) {
		struct strbuf r = STRBUF_INIT;

		policy_resolve_path(b->p, b->cwd, c->argv.v[i + 1], &r);
		if (!policy_inside(b->p, r.buf))
			uncertain_subject(b, text, "it sources a file outside the workspace");
		strbuf_release(&r);
		return 0;
	}
	for (k = 0; later[k]; k++)
		if (!strcmp(n, later[k])) {
			uncertain_subject(b, text, !strcmp(n, "eval") ? "eval runs text only known at run time"
					  : "it defines or evaluates code that later commands run");
			return 1;
		}
	return 0;
}

/* Commands whose path arguments are written, when they have no table. */
static int writer(const char *name)
{
	static const char *const writers[] = {
		"rm", "rmdir", "mv", "cp", "touch", "mkdir", "chmod", "chown", "chgrp", "ln",
		"install", "truncate", "tee", "shred", "unlink", "patch", "rsync", "scp",
		"mkfifo", "mknod", "dd", "split", "csplit", "unzip", "tar", "zip", "gzip",
		"gunzip", "bzip2", "xz", "setfacl", "chattr", "touch", "wget", "curl", "vim",
		"vi", "nano", "emacs", "ed", "ex", NULL,
	};
	size_t i;

	for (i = 0; writers[i]; i++)
		if (!strcmp(name, writers[i]))
			return 1;
	return 0;
}

static int looks_like_path(const struct builder *b, const char *a)
{
	struct stat st;
	struct strbuf full = STRBUF_INIT;
	int r;

	if (!*a || a[0] == '-')
		return 0;
	if (strchr(a, '/') || a[0] == '.' || a[0] == '~')
		return 1;
	strbuf_addf(&full, "%s/%s", b->cwd, a);
	r = !lstat(full.buf, &st);
	strbuf_release(&full);
	return r;
}

/* A command without a table: operands that look like files. */
static void heuristic_files(struct builder *b, const struct shell_cmd *c, size_t start,
			    const char *name, const char *text)
{
	int w = writer(name);
	size_t i;

	for (i = start + 1; i < c->argv.nr; i++) {
		const char *a = c->argv.v[i];
		struct strbuf val = STRBUF_INIT;

		if (c->dynamic[i]) {
			if (expand_raw(b, c->raw.v[i], &val)) {
				if (w)
					uncertain_subject(b, text, "it changes files named only at run time");
				strbuf_release(&val);
				continue;
			}
			a = val.buf;
		}
		if (!strcmp(name, "dd") && (!strncmp(a, "of=", 3) || !strncmp(a, "if=", 3))) {
			policy_subject_path(b, a[0] == 'o' ? POLICY_SUBJ_WRITE : POLICY_SUBJ_READ, a + 3);
		} else if (strstr(a, "://")) {
			/* a URL names no local file, except file:// */
			if (!strncasecmp(a, "file://", 7))
				policy_subject_path(b, w ? POLICY_SUBJ_WRITE : POLICY_SUBJ_READ, a + 7);
		} else if (c->glob[i] && !c->dynamic[i]) {
			file_subject(b, w ? POLICY_SUBJ_WRITE : POLICY_SUBJ_READ, a, NULL, c->glob[i]);
		} else if ((w || !policy_inside(b->p, b->cwd)) ? a[0] != '-' : looks_like_path(b, a)) {
			/* a writer's operands are paths, existing or not (touch new);
			 * so is every operand once cd has left the workspace */
			policy_subject_path(b, w ? POLICY_SUBJ_WRITE : POLICY_SUBJ_READ, a);
		}
		strbuf_release(&val);
	}
}

/* The items a table found: files, command lines, the directory. */
static void use_items(struct builder *b, const struct shell_cmd *c, const struct cmdspec_use *u)
{
	size_t k;

	for (k = 0; k < u->nr; k++) {
		const struct cmdspec_item *it = &u->items[k];
		int whole = !strcmp(it->text, c->argv.v[it->word]);

		switch (it->what) {
		case CMDSPEC_CWD: {
			struct strbuf r = STRBUF_INIT;

			policy_resolve_path(b->p, b->cwd, it->text, &r);
			snprintf(b->cwd, sizeof(b->cwd), "%s", r.buf);
			strbuf_release(&r);
			break;
		}
		case CMDSPEC_READ:
		case CMDSPEC_WRITE:
			if (!strcmp(it->text, "-") || !strcmp(it->text, "/dev/stdin") ||
			    !strcmp(it->text, "/dev/stdout") || !strcmp(it->text, "/dev/null"))
				break;
			file_subject(b, it->what == CMDSPEC_READ ? POLICY_SUBJ_READ : POLICY_SUBJ_WRITE,
				     it->text, whole && c->dynamic[it->word] ? c->raw.v[it->word] : NULL,
				     whole ? c->glob[it->word] : 0);
			break;
		case CMDSPEC_SCRIPT:
			policy_subject_script(b, it->text);
			break;
		}
	}
}

static void redirections(struct builder *b, const struct shell_cmd *c)
{
	size_t i;

	for (i = 0; i < c->redirs_nr; i++) {
		const struct shell_redir *r = &c->redirs[i];
		const char *t = r->target;

		if (r->kind == SHELL_REDIR_DUP || r->kind == SHELL_REDIR_HEREDOC || !t)
			continue;
		if (!r->raw) {	/* a process substitution: its commands are subjects */
			continue;
		}
		/* the descriptors and sinks that are no files */
		if (!r->dynamic && (!strcmp(t, "/dev/null") || !strcmp(t, "/dev/stdout") ||
				    !strcmp(t, "/dev/stderr") || !strcmp(t, "/dev/stdin") ||
				    (!strncmp(t, "/dev/fd/", 8) && t[8] &&
				     strspn(t + 8, "0123456789") == strlen(t + 8))))
			continue;
		file_subject(b, r->kind == SHELL_REDIR_READ ? POLICY_SUBJ_READ : POLICY_SUBJ_WRITE,
			     t, strchr(r->raw, SHELL_MARK_OPEN) ? r->raw : NULL,
			     r->dynamic && !strchr(r->raw, SHELL_MARK_OPEN) ? 1 : 0);
	}
}

static void command_subjects(struct builder *b, const struct shell_cmd *c)
{
	struct strbuf text = STRBUF_INIT;
	struct strvec words = STRVEC_INIT;
	struct cmdspec_use u;
	struct policy_subject *s;
	char saved[PATH_MAX];
	size_t start = 0, i;
	const char *name;

	snprintf(saved, sizeof(saved), "%s", b->cwd);
	cmdspec_use_init(&u);
	redirections(b, c);
	assignments(b, c);
	if (!c->argv.nr)
		goto out;
	/* the words with base names in command position (/usr/bin/git is git) */
	for (i = 0; i < c->argv.nr; i++) {
		strvec_push(&words, c->argv.v[i]);
		if ((c->glob[i] & 1) && !c->dynamic[i] && glob_makes_option(b, c->argv.v[i])) {
			shell_cmd_text(c, 0, &text);
			uncertain_subject(b, text.buf, "a glob expands to a word that starts with '-', which the command would take for an option");
			goto out;
		}
	}
	for (;;) {
		if (c->dynamic[start]) {
			shell_cmd_text(c, start, &text);
			uncertain_subject(b, text.buf, "the command name is only known at run time");
			goto out;
		}
		if (c->glob[start] && (strpbrk(c->argv.v[start], "*?{") ||
				       (strchr(c->argv.v[start], '[') &&
					strchr(strchr(c->argv.v[start], '['), ']'))) &&
		    strcmp(c->argv.v[start], "[") && strcmp(c->argv.v[start], "[[")) {
			/* {rm,-rf,x} is rm -rf x; r? is whatever matches */
			shell_cmd_text(c, start, &text);
			uncertain_subject(b, text.buf, "the command name is a pattern (a glob or a brace expansion) the shell expands");
			goto out;
		}
		name = base_name(c->argv.v[start]);
		free(words.v[start]);
		words.v[start] = xstrdup(name);
		if (shell_name(name) && shell_c(b, c, start))
			goto out;
		cmdspec_use_release(&u);
		if (!cmdspec_analyse(&words, c->dynamic, start, &u) || !u.wrapper)
			break;
		/* a wrapper: its own files and scripts, then the command it runs */
		if (u.unsure) {
			shell_cmd_text(c, start, &text);
			uncertain_subject(b, text.buf, u.unsure);
			strbuf_reset(&text);
		}
		if (!strcmp(name, "sudo") || !strcmp(name, "doas") || !strcmp(name, "su") ||
		    !strcmp(name, "pkexec") || !strcmp(name, "runuser"))
			policy_subject_add(b, POLICY_SUBJ_COMMAND, name, c->argv.v[start]);
		use_items(b, c, &u);
		if (u.next >= c->argv.nr)
			goto out;
		if (u.stdin_args) {
			/* xargs CMD: CMD gets file names from stdin */
			struct cmdspec_use inner;

			cmdspec_use_init(&inner);
			free(words.v[u.next]);
			words.v[u.next] = xstrdup(base_name(c->argv.v[u.next]));
			if (cmdspec_analyse(&words, c->dynamic, u.next, &inner) &&
			    inner.file_operands) {
				shell_cmd_text(c, u.next, &text);
				uncertain_subject(b, text.buf, "xargs gives it file names only known at run time");
				strbuf_reset(&text);
			}
			cmdspec_use_release(&inner);
		}
		start = u.next;
	}
	for (i = start; i < words.nr; i++)
		strbuf_addf(&text, "%s%s", i > start ? " " : "", words.v[i]);
	if (code_builtin(b, c, start, text.buf))
		goto out;
	/* (s is not kept: adding a subject may move the array) */
	s = policy_subject_add(b, POLICY_SUBJ_COMMAND, text.buf, NULL);
	s->read_only = (u.known && u.read_only) || !strcmp(name, "cd") ||
		       !strcmp(name, "pushd") || !strcmp(name, "popd");
	s->is_git = !strcmp(name, "git");
	s = NULL;
	/* a command run outside the workspace reads there (ls, find, grep -r) */
	if (!b->cwd_unknown && !policy_inside(b->p, b->cwd) && strcmp(name, "cd") &&
	    strcmp(name, "pushd") && strcmp(name, "popd"))
		policy_subject_path(b, POLICY_SUBJ_READ, ".");
	if (!strcmp(name, "cd") || !strcmp(name, "pushd") || !strcmp(name, "popd")) {
		change_dir(b, c, start);
		goto out_keep_cwd;
	}
	if (!u.known) {
		heuristic_files(b, c, start, name, text.buf);
		goto out;
	}
	if (u.unsure)
		uncertain_subject(b, text.buf, u.unsure);
	use_items(b, c, &u);
	if (!strcmp(name, "find"))
		find_exec(b, c, start);
out:
	/* env -C, git -C: only this command ran elsewhere */
	snprintf(b->cwd, sizeof(b->cwd), "%s", saved);
out_keep_cwd:
	cmdspec_use_release(&u);
	strvec_release(&words);
	strbuf_release(&text);
}

void policy_subject_script(struct builder *b, const char *script)
{
	struct shell_parse sp;
	size_t i;

	if (++b->depth > SHELL_DEPTH_MAX) {
		uncertain_subject(b, script, "shells nested too deeply");
		b->depth--;
		return;
	}
	shell_parse_init(&sp);
	if (shell_parse(script, &sp) || sp.uncertain)
		uncertain_subject(b, script, sp.why ? sp.why : "it could not be parsed");
	for (i = 0; i < sp.nr; i++)
		command_subjects(b, &sp.cmds[i]);
	shell_parse_release(&sp);
	b->depth--;
}

