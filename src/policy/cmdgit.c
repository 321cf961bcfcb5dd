/*
 * cmdgit: which git commands only read, and what they read.
 *
 * git runs programs named in its configuration (core.pager,
 * core.fsmonitor, diff.external, aliases starting with '!', filters...),
 * so a global `-c` setting can turn `git log` into anything; those
 * settings' values are commands the policy judges like any other, and a
 * setting not known to be harmless makes the command uncertain.  The
 * global options that point git at another repository or program
 * (--git-dir, --work-tree, --namespace, --exec-path, --config-env) make
 * it not read-only.  Each read-only subcommand has the options that write
 * (`--output`), run programs (`--ext-diff`, `grep -O`) or read other files
 * (`blame --contents`) listed; `REV:PATH` and paths after `--` are files
 * read, so `git show HEAD:.env` reads a secret.
 */
#include "policy/cmdspec_int.h"

#include "core/xalloc.h"

#include <string.h>

static const char *const read_subs[] = {
	"status", "diff", "log", "show", "blame", "annotate", "rev-parse", "ls-files",
	"ls-tree", "cat-file", "describe", "shortlog", "grep", "whatchanged", "version",
	"diff-tree", "diff-index", "diff-files", "merge-base", "count-objects",
	"check-ignore", "name-rev", "for-each-ref", "show-ref", "rev-list", "var",
	"check-attr", "show-branch", "cherry", "range-diff", "help", "branch", "tag",
	"remote", "stash", "config", "reflog", "worktree", "submodule", "notes",
	NULL,
};

/* -c NAME=VALUE: 0 harmless, 1 the value is a command, -1 unknown. */
static int config_key(const char *kv, size_t n)
{
	static const char *const harmless[] = {
		"color.", "core.quotepath", "core.abbrev", "core.autocrlf", "core.safecrlf",
		"core.ignorecase", "log.date", "log.decorate", "log.follow", "log.abbrevcommit",
		"advice.", "i18n.", "format.pretty", "diff.noprefix", "diff.mnemonicprefix",
		"diff.renames", "diff.algorithm", "diff.context", "diff.relative",
		"diff.indentheuristic", "diff.colormoved", "diff.interhunkcontext",
		"grep.linenumber", "grep.patterntype", "grep.extendedregexp", "status.short",
		"status.branch", "status.showuntrackedfiles", "user.name", "user.email",
		"init.defaultbranch", "column.",
		NULL,
	};
	static const char *const commands[] = {
		"core.pager", "core.fsmonitor", "diff.external", "core.editor",
		"sequence.editor", "core.sshcommand", "credential.helper", "gpg.program",
		"core.askpass", NULL,
	};
	char key[128];
	size_t i, k;

	if (n >= sizeof(key))
		return -1;
	for (k = 0; k < n; k++)	/* section and key names are case-insensitive */
		key[k] = (char)(kv[k] >= 'A' && kv[k] <= 'Z' ? kv[k] + 32 : kv[k]);
	key[n] = '\0';
	for (i = 0; commands[i]; i++)
		if (!strcmp(key, commands[i]))
			return 1;
	if (!strncmp(key, "pager.", 6))
		return 1;	/* pager.log=CMD */
	/* diff.X.textconv, diff.X.command, filter.X.clean/smudge/process */
	if ((!strncmp(key, "diff.", 5) && (strstr(key, ".textconv") || strstr(key, ".command"))) ||
	    !strncmp(key, "filter.", 7) || !strncmp(key, "merge.", 6))
		return 1;
	for (i = 0; harmless[i]; i++) {
		size_t hn = strlen(harmless[i]);

		if (harmless[i][hn - 1] == '.' ? !strncmp(key, harmless[i], hn) : !strcmp(key, harmless[i]))
			return 0;
	}
	return -1;
}

static void setting(const char *kv, size_t word, const unsigned char *dyn,
		    struct cmdspec_use *u)
{
	const char *eq = strchr(kv, '=');
	size_t n = eq ? (size_t)(eq - kv) : strlen(kv);
	const char *val = eq ? eq + 1 : "";
	int k = config_key(kv, n);

	if (dyn[word]) {
		cmdspec_unsure(u, "git -c with a setting only known at run time");
	} else if (k < 0) {
		cmdspec_unsure(u, "git -c %.*s: a setting that may run programs or change what git does", (int)n, kv);
	} else if (k > 0 && *val && strcmp(val, "false") && strcmp(val, "true") &&
		   strcmp(val, "0") && strcmp(val, "1")) {
		/* the value is a command git runs: judge it as one */
		if (!strncmp(val, "!", 1))
			val++;
		cmdspec_item(u, CMDSPEC_SCRIPT, val, word);
	}
}

static int has(const struct strvec *argv, size_t from, const char *opt)
{
	size_t i, n = strlen(opt);

	for (i = from; i < argv->nr; i++) {
		if (!strcmp(argv->v[i], "--"))
			break;
		if (!strncmp(argv->v[i], opt, n) && (!argv->v[i][n] || argv->v[i][n] == '='))
			return 1;
	}
	return 0;
}

/* branch and tag: listing only. */
static int listing(const struct strvec *argv, size_t s)
{
	static const char *const ok[] = {
		"-a", "-r", "-l", "--list", "-v", "-vv", "--show-current", "--all",
		"--remotes", "--verbose", "-n", "--no-column", "--column", "--ignore-case",
		"-i", NULL,
	};
	static const char *const ok_prefix[] = {
		"--contains", "--no-contains", "--merged", "--no-merged", "--sort",
		"--format", "--points-at", "--color", "-n", "--abbrev", "--column", NULL,
	};
	size_t i, k;
	int list = 0;

	for (i = s + 1; i < argv->nr; i++) {
		const char *a = argv->v[i];
		int fine = 0;

		if (!strcmp(a, "-l") || !strcmp(a, "--list"))
			list = 1;
		for (k = 0; ok[k] && !fine; k++)
			fine = !strcmp(a, ok[k]);
		for (k = 0; ok_prefix[k] && !fine; k++)
			fine = !strncmp(a, ok_prefix[k], strlen(ok_prefix[k]));
		/* with --list, the operands are patterns */
		if (!fine && !(list && a[0] != '-'))
			return 0;
	}
	return 1;
}

/* 1 if `git config ...` only reads. */
static int config_reads(const struct strvec *argv, size_t s)
{
	static const char *const reads[] = {
		"--get", "--get-all", "--get-regexp", "--get-urlmatch", "--list", "-l",
		"--get-color", "--get-colorbool", NULL,
	};
	static const char *const value_opts[] = {
		"-f", "--file", "--blob", "--type", "--default", "-t", NULL,
	};
	size_t i, k, operands = 0;
	int read_action = 0;

	if (s + 1 < argv->nr && (!strcmp(argv->v[s + 1], "get") || !strcmp(argv->v[s + 1], "list")))
		return !has(argv, s + 2, "-e") && !has(argv, s + 2, "--edit");
	for (i = s + 1; i < argv->nr; i++) {
		const char *a = argv->v[i];
		int known = 0;

		if (a[0] != '-') {
			operands++;
			continue;
		}
		for (k = 0; reads[k]; k++)
			if (!strcmp(a, reads[k]))
				read_action = known = 1;
		for (k = 0; value_opts[k]; k++)
			if (!strcmp(a, value_opts[k])) {
				known = 1;
				i++;
			}
		if (!known && (!strcmp(a, "--global") || !strcmp(a, "--system") ||
			       !strcmp(a, "--local") || !strcmp(a, "--worktree") ||
			       !strcmp(a, "--show-origin") || !strcmp(a, "--show-scope") ||
			       !strcmp(a, "-z") || !strcmp(a, "--null") ||
			       !strcmp(a, "--name-only") || !strcmp(a, "--includes") ||
			       !strcmp(a, "--no-includes") || !strcmp(a, "--bool") ||
			       !strcmp(a, "--int") || !strcmp(a, "--path") ||
			       !strncmp(a, "--type=", 7) || !strncmp(a, "--file=", 7) ||
			       !strcmp(a, "--fixed-value")))
			known = 1;
		if (!known)
			return 0;	/* --add, --unset, --edit, --rename-section... */
	}
	/* git config NAME reads; git config NAME VALUE writes */
	return read_action ? operands <= 2 : operands == 1;
}

/* The file a `git config` write changes, as a write subject, so the
 * protected-path floor sees .git/config and ~/.gitconfig being written. */
static void config_target(const struct strvec *argv, const unsigned char *dyn, size_t s,
			  struct cmdspec_use *u)
{
	const char *file = ".git/config";
	size_t i;

	for (i = s + 1; i < argv->nr; i++) {
		const char *a = argv->v[i];

		if ((!strcmp(a, "-f") || !strcmp(a, "--file")) && i + 1 < argv->nr) {
			if (dyn[i + 1]) {
				cmdspec_unsure(u, "git config writes a file only known at run time");
				return;
			}
			file = argv->v[++i];
		} else if (!strncmp(a, "--file=", 7)) {
			file = a + 7;
		} else if (!strcmp(a, "--global")) {
			file = "~/.gitconfig";
		} else if (!strcmp(a, "--system")) {
			file = "/etc/gitconfig";
		} else if (!strcmp(a, "--worktree")) {
			file = ".git/config.worktree";
		}
	}
	cmdspec_item(u, CMDSPEC_WRITE, file, s);
}

/* The subcommand's options that write, run or read other files. */
static void sub_options(const struct strvec *argv, const unsigned char *dyn, size_t s,
			struct cmdspec_use *u)
{
	const char *sub = argv->v[s];
	size_t i;

	for (i = s + 1; i < argv->nr; i++) {
		const char *a = argv->v[i];

		if (!strcmp(a, "--"))
			break;
		if (!strncmp(a, "--output", 8) && (a[8] == '=' || !a[8])) {
			const char *f = a[8] == '=' ? a + 9 : i + 1 < argv->nr ? argv->v[++i] : "";

			if (dyn[i])
				cmdspec_unsure(u, "git --output to a file only known at run time");
			else
				cmdspec_item(u, CMDSPEC_WRITE, f, i);
		} else if (!strcmp(a, "--ext-diff")) {
			cmdspec_unsure(u, "git --ext-diff runs the external diff program that the configuration or environment names");
		} else if (!strcmp(sub, "grep") && (!strncmp(a, "-O", 2) ||
						    !strncmp(a, "--open-files-in-pager", 21))) {
			const char *v = !strncmp(a, "-O", 2) ? a + 2 : strchr(a, '=');

			if (v && *v == '=')
				v++;
			if (v && *v && !dyn[i])
				cmdspec_item(u, CMDSPEC_SCRIPT, v, i);
			else
				cmdspec_unsure(u, "git grep --open-files-in-pager runs a pager");
		} else if ((!strcmp(sub, "grep") && (!strcmp(a, "-f") || !strcmp(a, "--file"))) ||
			   (!strcmp(sub, "blame") && (!strcmp(a, "--contents") || !strcmp(a, "-S") ||
						      !strcmp(a, "--ignore-revs-file")))) {
			if (i + 1 < argv->nr)
				cmdspec_item(u, CMDSPEC_READ, argv->v[i + 1], i + 1);
			i++;
		} else if (!strcmp(sub, "help") && (!strcmp(a, "-w") || !strcmp(a, "--web") ||
						    !strcmp(a, "-i") || !strcmp(a, "--info"))) {
			cmdspec_unsure(u, "git help %s starts a browser or viewer", a);
		}
	}
}

/* Paths it reads: after "--", REV:PATH, and operands naming files. */
static void sub_paths(const struct strvec *argv, const unsigned char *dyn, size_t s,
		      struct cmdspec_use *u)
{
	size_t i;
	int after = 0, pattern_skipped = strcmp(argv->v[s], "grep") != 0;

	if (!pattern_skipped && (has(argv, s + 1, "-e") || has(argv, s + 1, "-f")))
		pattern_skipped = 1;
	for (i = s + 1; i < argv->nr; i++) {
		const char *a = argv->v[i], *colon;

		if (!after && !strcmp(a, "--")) {
			after = 1;
			continue;
		}
		if (!after && a[0] == '-')
			continue;
		if (!pattern_skipped) {
			pattern_skipped = 1;
			continue;
		}
		if (dyn[i]) {
			if (after)
				cmdspec_unsure(u, "git reads a path only known at run time");
			continue;
		}
		if (a[0] == ':' && (after || a[1] == '(' || a[1] == '/' || a[1] == '!' || a[1] == '^')) {
			/* pathspec magic: :(top)PATH, :/PATH, :!PATH, :(glob,icase)PATH */
			const char *q = a + 1;

			if (*q == '(') {
				const char *e = strchr(q, ')');

				q = e ? e + 1 : q;
			} else {
				while (*q == '/' || *q == '!' || *q == '^')
					q++;
			}
			if (*q)
				cmdspec_item(u, CMDSPEC_READ, q, i);
			continue;
		}
		colon = after ? NULL : strchr(a, ':');
		if (colon && colon[1] && !strstr(a, "://")) {
			/* REV:PATH names a file's content in history */
			cmdspec_item(u, CMDSPEC_READ, colon[1] == '/' ? colon + 2 : colon + 1, i);
			continue;
		}
		if (after || strchr(a, '/') || a[0] == '.')
			cmdspec_item(u, CMDSPEC_READ, a, i);
	}
}

void cmdspec_git(const struct strvec *argv, const unsigned char *dyn, size_t start,
		 struct cmdspec_use *u)
{
	size_t i = start + 1, k;
	const char *sub;
	int reads = 0;

	/* global options */
	while (i < argv->nr && argv->v[i][0] == '-') {
		const char *a = argv->v[i];

		if (!strcmp(a, "-C")) {
			if (i + 1 < argv->nr) {
				if (dyn[i + 1])
					cmdspec_unsure(u, "git -C with a directory only known at run time");
				else
					cmdspec_item(u, CMDSPEC_CWD, argv->v[i + 1], i + 1);
			}
			i += 2;
		} else if (!strcmp(a, "-c")) {
			if (i + 1 < argv->nr)
				setting(argv->v[i + 1], i + 1, dyn, u);
			i += 2;
		} else if (!strncmp(a, "--git-dir", 9) || !strncmp(a, "--work-tree", 11) ||
			   !strncmp(a, "--namespace", 11) || !strncmp(a, "--exec-path", 11) ||
			   !strncmp(a, "--config-env", 12) || !strncmp(a, "--super-prefix", 14) ||
			   !strcmp(a, "--bare") || !strncmp(a, "--attr-source", 13)) {
			cmdspec_unsure(u, "git %s points git at another repository, tree or program", a);
			i += strchr(a, '=') || !strcmp(a, "--bare") ? 1 : 2;
		} else {
			i++;	/* --no-pager, -P, -p, --literal-pathspecs, --version... */
		}
	}
	if (i >= argv->nr) {
		u->read_only = !u->unsure && !u->effect;
		return;
	}
	sub = argv->v[i];
	if (dyn[i]) {
		cmdspec_unsure(u, "a git subcommand only known at run time");
		return;
	}
	for (k = 0; read_subs[k]; k++)
		if (!strcmp(sub, read_subs[k]))
			reads = 1;
	if (reads) {
		if (!strcmp(sub, "branch") || !strcmp(sub, "tag")) {
			reads = listing(argv, i);
		} else if (!strcmp(sub, "remote")) {
			size_t j = i + 1;

			while (j < argv->nr && (!strcmp(argv->v[j], "-v") ||
						!strcmp(argv->v[j], "--verbose")))
				j++;
			reads = j >= argv->nr || !strcmp(argv->v[j], "show") ||
				!strcmp(argv->v[j], "get-url");
		} else if (!strcmp(sub, "stash") || !strcmp(sub, "notes")) {
			reads = i + 1 < argv->nr && (!strcmp(argv->v[i + 1], "list") ||
						     !strcmp(argv->v[i + 1], "show"));
		} else if (!strcmp(sub, "config")) {
			reads = config_reads(argv, i);
			if (!reads)
				config_target(argv, dyn, i, u);
		} else if (!strcmp(sub, "reflog")) {
			reads = i + 1 >= argv->nr || !strcmp(argv->v[i + 1], "show") ||
				argv->v[i + 1][0] == '-';
		} else if (!strcmp(sub, "worktree")) {
			reads = i + 1 < argv->nr && !strcmp(argv->v[i + 1], "list");
		} else if (!strcmp(sub, "submodule")) {
			reads = i + 1 < argv->nr && (!strcmp(argv->v[i + 1], "status") ||
						     !strcmp(argv->v[i + 1], "summary"));
		}
	}
	if (!reads) {
		cmdspec_effect(u, "git %s may change the repository or run programs", sub);
		return;
	}
	sub_options(argv, dyn, i, u);
	if (strcmp(sub, "config") && strcmp(sub, "help"))
		sub_paths(argv, dyn, i, u);
	u->read_only = !u->unsure && !u->effect;
}
