/*
 * cmdspec: option tables and the analysis of one command.  See cmdspec.h.
 *
 * Options are read the way GNU getopt reads them: anywhere among the
 * operands (wrappers stop at their first operand), short options in
 * clusters whose value may be attached (`-oFILE`, `-n5`), long options
 * with `=value` or the next word, and long options abbreviated to any
 * unambiguous prefix (so `--out` is `--output`; an abbreviation that could
 * stand for a dangerous option counts as it).  A table lists only the
 * options that take a value or do more than read: an option it does not
 * list is taken as a flag, which errs on the safe side (its operands are
 * still judged as files).
 */
#include "policy/cmdspec_int.h"

#include "core/strbuf.h"
#include "core/xalloc.h"
#include "policy/cmdtab.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- items ------------------------------------------------------------------ */

void cmdspec_use_init(struct cmdspec_use *u)
{
	memset(u, 0, sizeof(*u));
}

void cmdspec_use_release(struct cmdspec_use *u)
{
	size_t i;

	for (i = 0; i < u->nr; i++)
		free(u->items[i].text);
	free(u->items);
	free(u->unsure);
	free(u->effect);
	cmdspec_use_init(u);
}

void cmdspec_item(struct cmdspec_use *u, enum cmdspec_what what, const char *text,
		  size_t word)
{
	ALLOC_GROW(u->items, u->nr + 1, u->alloc);
	u->items[u->nr].what = what;
	u->items[u->nr].text = xstrdup(text);
	u->items[u->nr].word = word;
	u->nr++;
	/* a command line it runs is judged as a command of its own */
	if (what == CMDSPEC_WRITE)
		cmdspec_effect(u, "it writes %s", text);
}

static void set_reason(char **slot, const char *fmt, va_list ap)
{
	struct strbuf sb = STRBUF_INIT;

	if (*slot)
		return;
	strbuf_vaddf(&sb, fmt, ap);
	*slot = strbuf_detach(&sb, NULL);
}

void cmdspec_unsure(struct cmdspec_use *u, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_reason(&u->unsure, fmt, ap);
	va_end(ap);
}

void cmdspec_effect(struct cmdspec_use *u, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_reason(&u->effect, fmt, ap);
	va_end(ap);
}

/* ---- options ------------------------------------------------------------------- */

#define DANGER (RD | WR | EX | RUN | DIR | WRI | REST)

/* The option `name` (len bytes, "-x" or "--long") in table t. */
static const struct opt *lookup(const struct opt *t, const char *name, size_t len)
{
	const struct opt *best = NULL;
	size_t i, hits = 0;

	for (i = 0; t[i].name; i++)
		if (strlen(t[i].name) == len && !strncmp(t[i].name, name, len))
			return &t[i];
	if (len < 3 || name[1] != '-')
		return NULL;
	/* getopt_long takes any unambiguous prefix; an ambiguous one fails,
	 * but count it as the most dangerous it could be */
	for (i = 0; t[i].name; i++)
		if (!strncmp(t[i].name, name, len) && t[i].name[1] == '-') {
			hits++;
			if (!best || ((t[i].f & DANGER) && !(best->f & DANGER)))
				best = &t[i];
		}
	return hits ? best : NULL;
}

/* What parsing found besides items. */
struct parsed {
	size_t *operands;	/* word indices */
	size_t nr, alloc;
	int pattern_given;	/* -e, -f: every operand is a file */
	int writes_operands;	/* sed -i */
	int no_files;		/* jq --args */
	int only_paths;		/* rg --files */
	struct strbuf script;	/* sed -e / awk -e texts, joined by newlines */
	size_t script_word;
	int script_dynamic;
};

static void value(struct cmdspec_use *u, const struct opt *o, const char *v, size_t word,
		  const unsigned char *dyn, struct parsed *ps)
{
	if (o->f & SCR) {
		if (ps->script.len)
			strbuf_addch(&ps->script, '\n');
		strbuf_addstr(&ps->script, v);
		ps->script_word = word;
		ps->script_dynamic |= dyn[word];
		ps->pattern_given = 1;
		return;
	}
	if (o->f & PAT)
		ps->pattern_given = 1;
	if ((o->f & (RD | WR | EX | DIR)) && dyn[word]) {
		cmdspec_unsure(u, "%s names a %s only known at run time", o->name,
			       o->f & EX ? "command" : "file");
		return;
	}
	if (o->f & RD)
		cmdspec_item(u, CMDSPEC_READ, v, word);
	if (o->f & WR)
		cmdspec_item(u, CMDSPEC_WRITE, v, word);
	if (o->f & EX)
		cmdspec_item(u, CMDSPEC_SCRIPT, v, word);
	if (o->f & DIR)
		cmdspec_item(u, CMDSPEC_CWD, v, word);
}

static void flags_only(struct cmdspec_use *u, const struct opt *o, struct parsed *ps)
{
	if (o->f & RUN)
		cmdspec_unsure(u, "its option %s runs or reads what cannot be checked here", o->name);
	if (o->f & WRI)
		cmdspec_effect(u, "its option %s changes files or the system", o->name);
	if ((o->f & WR) && !(o->f & V))
		ps->writes_operands = 1;
	if (o->f & NOF)
		ps->no_files = 1;
	if (o->f & ONLYPATHS)
		ps->only_paths = 1;
	if ((o->f & PAT) && !(o->f & V))
		ps->pattern_given = 1;
}

/* The words up to ';' (or '+', or the end) as a command it runs. */
static size_t rest_command(struct cmdspec_use *u, const struct strvec *argv,
			   const unsigned char *dyn, size_t i, int appends_path)
{
	struct strbuf cmd = STRBUF_INIT;
	size_t first = i;
	int d = 0;

	for (; i < argv->nr && strcmp(argv->v[i], ";") && strcmp(argv->v[i], "+"); i++) {
		if (cmd.len)
			strbuf_addch(&cmd, ' ');
		strbuf_addstr(&cmd, argv->v[i]);
		d |= dyn[i];
	}
	/* fd and watch-like runners hand the command the files they find:
	 * a placeholder ({}) or, without one, the path appended */
	if (appends_path && cmd.len && !strstr(cmd.buf, "{"))
		strbuf_addstr(&cmd, " {}");
	if (d)
		cmdspec_unsure(u, "it runs a command only known at run time");
	else if (cmd.len)
		cmdspec_item(u, CMDSPEC_SCRIPT, cmd.buf, first);
	strbuf_release(&cmd);
	return i < argv->nr ? i + 1 : i;
}

/*
 * Reads options from argv[i..]: everywhere (permuted, as GNU getopt), or
 * up to the first operand (stop_at_operand, for wrappers).  Operands go to
 * ps->operands.  Returns the index where reading stopped.
 */
static size_t read_options(const struct spec *sp, const struct strvec *argv,
			   const unsigned char *dyn, size_t i, int stop_at_operand,
			   struct cmdspec_use *u, struct parsed *ps)
{
	int dashdash = 0;

	for (; i < argv->nr; i++) {
		const char *a = argv->v[i];
		const struct opt *o;

		if (dashdash || a[0] != '-' || !a[1] || dyn[i]) {
			if (dyn[i] && a[0] == '-' && !dashdash)
				cmdspec_unsure(u, "an option only known at run time");
			if (stop_at_operand)
				return i;
			ALLOC_GROW(ps->operands, ps->nr + 1, ps->alloc);
			ps->operands[ps->nr++] = i;
			continue;
		}
		if (!strcmp(a, "--")) {
			dashdash = 1;
			if (stop_at_operand)
				return i + 1;
			continue;
		}
		if (a[1] == '-' || (sp->opts == cmdtab_xxd)) {
			/* --long[=value] (xxd's options are single-dash words) */
			const char *eq = strchr(a, '=');
			size_t n = eq ? (size_t)(eq - a) : strlen(a);

			o = lookup(sp->opts, a, n);
			if (!o)
				continue;
			if (o->f & REST) {
				i = rest_command(u, argv, dyn, i + 1, 1) - 1;
				continue;
			}
			flags_only(u, o, ps);
			if (o->f & V2) {
				if (i + 2 < argv->nr && (o->f & RD))
					value(u, o, argv->v[i + 2], i + 2, dyn, ps);
				i += 2;
			} else if (eq && (o->f & (V | OV))) {
				value(u, o, eq + 1, i, dyn, ps);
			} else if ((o->f & V) && i + 1 < argv->nr) {
				value(u, o, argv->v[i + 1], i + 1, dyn, ps);
				i++;
			}
			continue;
		}
		/* a cluster of short options: -abc, -oFILE, -n5 */
		for (a++; *a; a++) {
			char name[3] = { '-', *a, 0 };

			o = lookup(sp->opts, name, 2);
			if (!o)
				continue;
			if (o->f & REST) {
				i = rest_command(u, argv, dyn, i + 1, 1) - 1;
				break;
			}
			flags_only(u, o, ps);
			if (o->f & OV) {	/* sed -i.bak: the rest is its value */
				if (a[1] && (o->f & (V | OV)) && !(o->f & WR))
					value(u, o, a + 1, i, dyn, ps);
				break;
			}
			if (o->f & V) {
				if (a[1]) {
					value(u, o, a + 1, i, dyn, ps);
				} else if (i + 1 < argv->nr) {
					value(u, o, argv->v[i + 1], i + 1, dyn, ps);
					i++;
				}
				break;
			}
		}
	}
	return i;
}

/* ---- operands ------------------------------------------------------------------- */

static void operands_as(struct cmdspec_use *u, const struct strvec *argv,
			const struct parsed *ps, size_t from, enum cmdspec_what what)
{
	size_t k;

	for (k = from; k < ps->nr; k++)
		cmdspec_item(u, what, argv->v[ps->operands[k]], ps->operands[k]);
}

/* find: paths, then an expression whose actions may write or run. */
static void find_expr(const struct strvec *argv, const unsigned char *dyn, size_t start,
		      struct cmdspec_use *u)
{
	static const char *const with_value[] = {
		"-name", "-iname", "-path", "-ipath", "-wholename", "-iwholename", "-regex",
		"-iregex", "-newer", "-anewer", "-cnewer", "-samefile", "-type", "-xtype",
		"-user", "-group", "-uid", "-gid", "-perm", "-size", "-mtime", "-atime",
		"-ctime", "-mmin", "-amin", "-cmin", "-links", "-inum", "-maxdepth",
		"-mindepth", "-used", "-fstype", "-context", "-regextype", "-printf",
		"-lname", "-ilname", NULL,
	};
	size_t i = start + 1, k, first_path;
	int deletes = 0;

	while (i < argv->nr && (!strcmp(argv->v[i], "-H") || !strcmp(argv->v[i], "-L") ||
				!strcmp(argv->v[i], "-P") || !strncmp(argv->v[i], "-O", 2) ||
				!strcmp(argv->v[i], "-D")))
		i += !strcmp(argv->v[i], "-D") ? 2 : 1;
	first_path = i;
	while (i < argv->nr && argv->v[i][0] != '-' && strcmp(argv->v[i], "(") &&
	       strcmp(argv->v[i], "!") && strcmp(argv->v[i], ","))
		i++;
	for (k = first_path; k < i; k++)
		cmdspec_item(u, CMDSPEC_READ, argv->v[k], k);
	for (; i < argv->nr; i++) {
		const char *a = argv->v[i];
		size_t j;

		if (!strcmp(a, "-exec") || !strcmp(a, "-execdir") || !strcmp(a, "-ok") ||
		    !strcmp(a, "-okdir")) {
			/* the policy looks through -exec as a wrapper; skip it */
			while (i + 1 < argv->nr && strcmp(argv->v[i + 1], ";") &&
			       strcmp(argv->v[i + 1], "+"))
				i++;
			i++;
			cmdspec_effect(u, "it runs a command on each file (%s)", a);
			continue;
		}
		if (!strcmp(a, "-delete")) {
			deletes = 1;
			continue;
		}
		if (!strcmp(a, "-fprint") || !strcmp(a, "-fprint0") || !strcmp(a, "-fls") ||
		    !strcmp(a, "-fprintf")) {
			if (i + 1 < argv->nr) {
				if (dyn[i + 1])
					cmdspec_unsure(u, "%s writes a file only known at run time", a);
				else
					cmdspec_item(u, CMDSPEC_WRITE, argv->v[i + 1], i + 1);
			}
			i += !strcmp(a, "-fprintf") ? 2 : 1;
			continue;
		}
		if (!strcmp(a, "-files0-from")) {
			cmdspec_unsure(u, "-files0-from reads the paths to search from a file");
			i++;
			continue;
		}
		for (j = 0; with_value[j]; j++)
			if (!strcmp(a, with_value[j]))
				i++;
	}
	if (deletes) {
		for (k = first_path; k < argv->nr && argv->v[k][0] != '-' &&
		     strcmp(argv->v[k], "(") && strcmp(argv->v[k], "!"); k++)
			cmdspec_item(u, CMDSPEC_WRITE, argv->v[k], k);
		if (first_path == k)
			cmdspec_item(u, CMDSPEC_WRITE, ".", start);
	}
}

/* test, [ and [[: arithmetic on a value evaluates it, and a value such
 * as 'a[$(cmd)]' runs cmd; -v does the same with a subscript. */
static void test_args(const struct strvec *argv, const unsigned char *dyn, size_t start,
		      struct cmdspec_use *u)
{
	static const char *const arith[] = { "-eq", "-ne", "-lt", "-le", "-gt", "-ge", NULL };
	size_t i, k;

	for (i = start + 1; i < argv->nr; i++) {
		if (!strcmp(argv->v[i], "-v") || !strcmp(argv->v[i], "-R")) {
			cmdspec_unsure(u, "%s with %s evaluates a variable name that may run commands",
				       argv->v[start], argv->v[i]);
			return;
		}
		for (k = 0; arith[k]; k++) {
			size_t n;

			if (strcmp(argv->v[i], arith[k]) || strcmp(argv->v[start], "[["))
				continue;
			/* the operands on each side must be plain integers */
			for (n = i - 1; n <= i + 1 && n < argv->nr; n += 2) {
				const char *w = argv->v[n];

				if (dyn[n] || !*w || strspn(w + (*w == '-'), "0123456789") !=
						      strlen(w + (*w == '-')))
					cmdspec_unsure(u, "[[ ]] evaluates '%s' as arithmetic, which may run commands", w);
			}
		}
	}
}

/* ---- the analysis ------------------------------------------------------------------ */


static void wrapper(const struct spec *sp, const struct strvec *argv,
		    const unsigned char *dyn, size_t start, struct cmdspec_use *u,
		    struct parsed *ps)
{
	size_t i = start + 1;
	int k;

	u->wrapper = 1;
	if (!strcmp(sp->name, "command") && i < argv->nr &&
	    (!strcmp(argv->v[i], "-v") || !strcmp(argv->v[i], "-V"))) {
		u->wrapper = 0;	/* a lookup, not a run */
		u->read_only = 1;
		return;
	}
	i = read_options(sp, argv, dyn, i, 1, u, ps);
	if (!strcmp(sp->name, "env")) {
		/* NAME=value words set the command's environment */
		for (; i < argv->nr && strchr(argv->v[i], '=') && argv->v[i][0] != '='; i++)
			if (!cmdspec_harmless_assignment(argv->v[i],
							 (size_t)(strchr(argv->v[i], '=') - argv->v[i])))
				cmdspec_unsure(u, "env sets %.*s, which can change what the command runs",
					       (int)(strchr(argv->v[i], '=') - argv->v[i]), argv->v[i]);
	}
	if (!strcmp(sp->name, "flock") && i < argv->nr) {
		/* flock FILE CMD or flock FILE -c CMD: the lock file is created */
		if (!dyn[i] && strspn(argv->v[i], "0123456789") != strlen(argv->v[i]))
			cmdspec_item(u, CMDSPEC_WRITE, argv->v[i], i);
		i++;
		if (i < argv->nr && (!strcmp(argv->v[i], "-c") || !strcmp(argv->v[i], "--command"))) {
			if (i + 1 < argv->nr)
				cmdspec_item(u, CMDSPEC_SCRIPT, argv->v[i + 1], i + 1);
			i = argv->nr;
		}
	} else {
		for (k = 0; k < sp->skip && i < argv->nr; k++)
			i++;
	}
	if (!strcmp(sp->name, "script") && i < argv->nr) {
		cmdspec_item(u, CMDSPEC_WRITE, argv->v[i], i);	/* the typescript */
		i = argv->nr;
	}
	if (!strcmp(sp->name, "watch") && i < argv->nr)
		/* watch joins its words and runs them with sh -c */
		i = rest_command(u, argv, dyn, i, 0);
	if (!strcmp(sp->name, "chroot") || !strcmp(sp->name, "nsenter"))
		cmdspec_unsure(u, "%s runs a command in another root or namespace", sp->name);
	if (!strcmp(sp->name, "xargs") || !strcmp(sp->name, "parallel"))
		u->stdin_args = 1;
	u->next = i;
	if (i >= argv->nr) {
		u->wrapper = 0;
		/* env alone prints the environment; xargs alone runs echo */
		u->read_only = (!strcmp(sp->name, "env") || !strcmp(sp->name, "xargs") ||
				!strcmp(sp->name, "time") || !strcmp(sp->name, "nohup")) &&
			       !u->effect && !u->unsure;
	}
}

static void operands(const struct spec *sp, const struct strvec *argv,
		     const unsigned char *dyn, size_t start, struct cmdspec_use *u,
		     struct parsed *ps)
{
	const char *why = NULL;

	switch (sp->ops) {
	case OPS_NONE:
		break;
	case OPS_FILES:
		u->file_operands = 1;
		operands_as(u, argv, ps, 0, ps->writes_operands ? CMDSPEC_WRITE : CMDSPEC_READ);
		if (!strcmp(sp->name, "bat") && ps->nr && !strcmp(argv->v[ps->operands[0]], "cache"))
			cmdspec_effect(u, "bat cache changes bat's cache");
		break;
	case OPS_PATTERN:
		u->file_operands = 1;
		operands_as(u, argv, ps, ps->pattern_given || ps->only_paths ? 0 : 1,
			    CMDSPEC_READ);
		if (ps->no_files)
			u->file_operands = 0;
		break;
	case OPS_SED:
		u->file_operands = 1;
		if (!ps->script.len && ps->nr && !ps->pattern_given) {
			strbuf_addstr(&ps->script, argv->v[ps->operands[0]]);
			ps->script_word = ps->operands[0];
			ps->script_dynamic = dyn[ps->operands[0]];
			operands_as(u, argv, ps, 1, ps->writes_operands ? CMDSPEC_WRITE : CMDSPEC_READ);
		} else {
			operands_as(u, argv, ps, 0, ps->writes_operands ? CMDSPEC_WRITE : CMDSPEC_READ);
		}
		if (ps->script_dynamic)
			cmdspec_unsure(u, "its sed script is only known at run time");
		else if (ps->script.len)
			cmdspec_sed_script(ps->script.buf, ps->script_word, u, &why);
		if (why)
			cmdspec_effect(u, "%s", why);
		if (ps->writes_operands)
			cmdspec_effect(u, "sed -i changes its files");
		break;
	case OPS_AWK: {
		size_t from = 0, k;

		u->file_operands = 1;
		if (!ps->script.len && ps->nr && !ps->pattern_given) {
			strbuf_addstr(&ps->script, argv->v[ps->operands[0]]);
			ps->script_dynamic = dyn[ps->operands[0]];
			from = 1;
		}
		if (ps->script_dynamic)
			cmdspec_unsure(u, "its awk program is only known at run time");
		else if (ps->script.len && cmdspec_awk_program(ps->script.buf, &why))
			cmdspec_unsure(u, "%s", why);
		/* var=value operands are assignments, not files */
		for (k = from; k < ps->nr; k++)
			if (!strchr(argv->v[ps->operands[k]], '='))
				cmdspec_item(u, CMDSPEC_READ, argv->v[ps->operands[k]], ps->operands[k]);
		break;
	}
	case OPS_JQ:
		u->file_operands = !ps->no_files;
		if (!ps->no_files)
			operands_as(u, argv, ps, ps->pattern_given ? 0 : 1, CMDSPEC_READ);
		break;
	case OPS_IN_OUT:
		u->file_operands = 1;
		if (ps->nr)
			cmdspec_item(u, CMDSPEC_READ, argv->v[ps->operands[0]], ps->operands[0]);
		if (ps->nr > 1)
			operands_as(u, argv, ps, 1, CMDSPEC_WRITE);
		break;
	case OPS_FIND:
		u->file_operands = 1;
		find_expr(argv, dyn, start, u);
		break;
	case OPS_GIT:
		cmdspec_git(argv, dyn, start, u);
		break;
	case OPS_TEST:
		test_args(argv, dyn, start, u);
		break;
	case OPS_PS: {
		size_t k;

		/* BSD-style "e" shows every process's environment (option
		 * values such as -o pid,etime were taken by the table) */
		for (k = 0; k < ps->nr; k++)
			if (strchr(argv->v[ps->operands[k]], 'e'))
				cmdspec_effect(u, "ps e shows other processes' environments");
		break;
	}
	case OPS_PAGER: {
		size_t k;

		u->file_operands = 1;
		for (k = 0; k < ps->nr; k++) {
			const char *a = argv->v[ps->operands[k]];

			if (a[0] == '+')
				cmdspec_unsure(u, "%s runs the commands given with +", sp->name);
			else if (strcmp(sp->name, "man") || strchr(a, '/'))
				cmdspec_item(u, CMDSPEC_READ, a, ps->operands[k]);
		}
		break;
	}
	case OPS_SETS:
		if (ps->nr)
			cmdspec_effect(u, "%s with an operand changes the system", sp->name);
		break;
	case OPS_WRAP:
		break;
	}
}

int cmdspec_analyse(const struct strvec *argv, const unsigned char *dynamic,
		    size_t start, struct cmdspec_use *u)
{
	const struct spec *sp = cmdtab_find(argv->v[start]);
	struct parsed ps;

	if (!sp)
		return 0;
	memset(&ps, 0, sizeof(ps));
	strbuf_init(&ps.script, (size_t)1 << 20);
	u->known = 1;
	if (sp->ops == OPS_WRAP) {
		wrapper(sp, argv, dynamic, start, u, &ps);
	} else {
		if (sp->ops != OPS_GIT && sp->ops != OPS_FIND && sp->ops != OPS_TEST)
			read_options(sp, argv, dynamic, start + 1, 0, u, &ps);
		operands(sp, argv, dynamic, start, u, &ps);
		u->read_only = !u->effect && !u->unsure;
	}
	if (u->unsure)
		u->read_only = 0;
	free(ps.operands);
	strbuf_release(&ps.script);
	return 1;
}

int cmdspec_harmless_assignment(const char *name, size_t len)
{
	static const char *const ok[] = {
		"LANG", "LANGUAGE", "TZ", "NO_COLOR", "FORCE_COLOR", "CLICOLOR",
		"CLICOLOR_FORCE", "COLUMNS", "LINES", "TERM", "CI", "DEBUG", "VERBOSE",
		"RUST_BACKTRACE", "RUST_LOG", "NODE_ENV", "PYTHONUNBUFFERED",
		"PYTHONDONTWRITEBYTECODE", "PYTHONIOENCODING", "GOOS", "GOARCH",
		"CGO_ENABLED", "TMPDIR", "HISTFILE", "LOG_LEVEL", "RAILS_ENV", "APP_ENV",
		"FLASK_ENV", "DJANGO_SETTINGS_MODULE", "PORT", "HOST", "TIMEOUT",
		"GIT_PAGER_IN_USE", NULL,
	};
	size_t i;

	if (len > 3 && !strncmp(name, "LC_", 3))
		return 1;
	for (i = 0; ok[i]; i++)
		if (strlen(ok[i]) == len && !strncmp(ok[i], name, len))
			return 1;
	return 0;
}
