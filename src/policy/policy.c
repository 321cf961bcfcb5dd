/*
 * policy: subjects, rules, defaults, floors and the decision.
 * See policy.h.
 */
#include "policy/policy.h"

#include "core/glob.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "policy/rules.h"
#include "policy/shell.h"
#include "tools/toolnames.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define SHELL_DEPTH_MAX 8

/* ---- setup ------------------------------------------------------------------ */

void policy_init(struct policy *p, const char *root)
{
	char real[PATH_MAX];
	const char *home = getenv("HOME");

	memset(p, 0, sizeof(*p));
	p->root = xstrdup(realpath(root, real) ? real : root);
	p->home = xstrdup(home && *home ? home : "/nonexistent-home");
	strvec_init(&p->extra_write);
}

static void free_rules(struct agent_rule *r, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		free(r[i].tool);
		free(r[i].pattern);
	}
	free(r);
}

void policy_release(struct policy *p)
{
	size_t i;

	for (i = 0; i < p->nr; i++) {
		free(p->src[i].name);
		free_rules(p->src[i].rules, p->src[i].nr);
	}
	free(p->src);
	free(p->root);
	free(p->home);
	strvec_release(&p->extra_write);
	memset(p, 0, sizeof(*p));
}

static struct policy_source *source(struct policy *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->nr; i++)
		if (!strcmp(p->src[i].name, name))
			return &p->src[i];
	ALLOC_GROW(p->src, p->nr + 1, p->alloc);
	memset(&p->src[p->nr], 0, sizeof(p->src[p->nr]));
	p->src[p->nr].name = xstrdup(name);
	return &p->src[p->nr++];
}

static void add_rule(struct policy_source *s, const struct agent_rule *r)
{
	struct agent_rule *n;

	ALLOC_GROW(s->rules, s->nr + 1, s->alloc);
	n = &s->rules[s->nr++];
	*n = *r;
	n->tool = xstrdup(r->tool);
	n->pattern = xstrdup_or_null(r->pattern);
}

void policy_add_source(struct policy *p, const char *name,
		       const struct agent_rule *rules, size_t nr)
{
	struct policy_source *s = source(p, name);
	size_t i;

	for (i = 0; i < nr; i++)
		add_rule(s, &rules[i]);
}

int policy_add_rule(struct policy *p, const char *src, const char *spec,
		    enum agent_action act, struct strbuf *err)
{
	struct agent_rule r;

	if (rules_parse_string(spec, act, &r, err))
		return -1;
	add_rule(source(p, src), &r);
	free(r.tool);
	free(r.pattern);
	return 0;
}

int policy_mode_parse(const char *s, enum policy_mode *out)
{
	if (!strcmp(s, "default") || !strcmp(s, "ask"))
		*out = POLICY_MODE_DEFAULT;
	else if (!strcmp(s, "accept") || !strcmp(s, "acceptEdits") ||
		 !strcmp(s, "bypassPermissions") || !strcmp(s, "yes"))
		*out = POLICY_MODE_ACCEPT;
	else if (!strcmp(s, "plan"))
		*out = POLICY_MODE_PLAN;
	else
		return -1;
	return 0;
}

const char *policy_verdict_name(enum policy_verdict v)
{
	return v == POLICY_ALLOW ? "allow" : v == POLICY_DENY ? "deny" : "ask";
}

const char *policy_subject_kind_name(enum policy_subject_kind k)
{
	static const char *const n[] = { "tool", "command", "read", "write", "host" };

	return (size_t)k < sizeof(n) / sizeof(*n) ? n[k] : "?";
}

json_t *policy_decision_json(const struct policy_decision *d)
{
	json_t *subs = json_array();
	size_t i, j;

	for (i = 0; i < d->nr; i++) {
		const struct policy_subject *s = &d->subj[i];
		json_t *notes = json_array();

		for (j = 0; j < s->notes.nr; j++)
			json_array_append_new(notes, json_string(s->notes.v[j]));
		json_array_append_new(subs, json_pack("{s:s, s:s, s:s, s:b, s:s, s:o}",
			"kind", policy_subject_kind_name(s->kind), "text", s->text,
			"as_written", s->shown ? s->shown : s->text,
			"outside_workspace", s->outside,
			"verdict", policy_verdict_name(s->verdict), "rules", notes));
	}
	return json_pack("{s:s, s:s, s:s, s:o}", "verdict", policy_verdict_name(d->verdict),
			 "before_mode", policy_verdict_name(d->raw),
			 "why", d->why ? d->why : "", "subjects", subs);
}

json_t *policy_args_from_text(const char *tool, const char *text)
{
	json_error_t jerr;
	json_t *j;

	if (text[0] == '{' && (j = json_loads(text, 0, &jerr)) != NULL)
		return j;
	if (!strcmp(tool, "Bash"))
		return json_pack("{s:s}", "command", text);
	if (!strcmp(tool, "WebFetch"))
		return json_pack("{s:s}", "url", text);
	if (!strcmp(tool, "ApplyPatch"))
		return json_pack("{s:s}", "patch", text);
	return json_pack("{s:s}", "path", text);
}

void policy_decision_init(struct policy_decision *d)
{
	memset(d, 0, sizeof(*d));
	strvec_init(&d->approvals);
}

void policy_decision_release(struct policy_decision *d)
{
	size_t i;

	for (i = 0; i < d->nr; i++) {
		free(d->subj[i].text);
		free(d->subj[i].shown);
		strvec_release(&d->subj[i].notes);
	}
	free(d->subj);
	free(d->why);
	strvec_release(&d->approvals);
	policy_decision_init(d);
}

/* ---- paths ---------------------------------------------------------------------- */

/* Lexical normalisation of an absolute path: "." and ".." components. */
static void normalize(const char *abs, struct strbuf *out)
{
	const char *p = abs;

	strbuf_reset(out);
	while (*p) {
		const char *end;
		size_t n;

		while (*p == '/')
			p++;
		end = strchr(p, '/');
		n = end ? (size_t)(end - p) : strlen(p);
		if (!n)
			break;
		if (n == 1 && p[0] == '.') {
			/* nothing */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			char *slash = strrchr(out->buf, '/');

			strbuf_setlen(out, slash ? (size_t)(slash - out->buf) : 0);
		} else {
			strbuf_addch(out, '/');
			strbuf_add(out, p, n);
		}
		p += n;
	}
	if (!out->len)
		strbuf_addch(out, '/');
}

void policy_resolve_path(const struct policy *p, const char *cwd,
			 const char *arg, struct strbuf *out)
{
	struct strbuf abs = STRBUF_INIT, norm = STRBUF_INIT;
	char real[PATH_MAX];
	size_t cut;

	if (arg[0] == '~' && (arg[1] == '/' || !arg[1])) {
		strbuf_addstr(&abs, p->home);
		strbuf_addstr(&abs, arg + 1);
	} else if (arg[0] == '/') {
		strbuf_addstr(&abs, arg);
	} else {
		strbuf_addstr(&abs, cwd);
		strbuf_addch(&abs, '/');
		strbuf_addstr(&abs, arg);
	}
	normalize(abs.buf, &norm);
	/* symlinks: resolve the longest prefix that exists (the whole path
	 * when it exists, so a link in the last component is followed) */
	cut = norm.len;
	for (;;) {
		char saved = norm.buf[cut];

		norm.buf[cut] = '\0';
		if (realpath(cut ? norm.buf : "/", real)) {
			norm.buf[cut] = saved;
			strbuf_addstr(out, real);
			if (cut < norm.len) {
				if (out->len && out->buf[out->len - 1] == '/')
					strbuf_setlen(out, out->len - 1);
				strbuf_add(out, norm.buf + cut, norm.len - cut);
			}
			break;
		}
		norm.buf[cut] = saved;
		while (cut > 0 && norm.buf[--cut] != '/')
			;
		if (!cut) {
			strbuf_addstr(out, norm.buf);
			break;
		}
	}
	strbuf_release(&abs);
	strbuf_release(&norm);
}

int policy_inside(const struct policy *p, const char *path)
{
	size_t n = strlen(p->root);

	return !strncmp(path, p->root, n) && (path[n] == '/' || !path[n] ||
					      (n == 1 && p->root[0] == '/'));
}

/* ---- secrets (a floor) --------------------------------------------------------- */

static int is_secret(const struct policy *p, const char *path)
{
	static const char *const names[] = {
		".env", ".env.*", "*.pem", "*.key", "id_rsa", "id_dsa", "id_ecdsa",
		"id_ed25519", "id_ecdsa_sk", "id_ed25519_sk", "*.p12", "*.pfx",
		".netrc", ".pgpass", ".git-credentials", "*.keystore", "*.jks",
		"credentials.json", "service-account*.json",
	};
	static const char *const not_secret[] = {
		".env.example", ".env.sample", ".env.template", ".env.dist",
		".env.defaults",
	};
	static const char *const dirs[] = {
		".ssh", ".aws", ".gnupg", ".config/gcloud", ".kube", ".azure",
		".docker/config.json", ".config/gh/hosts.yml", ".npmrc", ".pypirc",
	};
	const char *base = strrchr(path, '/');
	size_t i, hn = strlen(p->home);

	base = base ? base + 1 : path;
	for (i = 0; i < sizeof(not_secret) / sizeof(*not_secret); i++)
		if (!strcmp(base, not_secret[i]))
			return 0;
	for (i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (glob_match(names[i], base, 0))
			return 1;
	if (!strncmp(path, p->home, hn) && path[hn] == '/')
		for (i = 0; i < sizeof(dirs) / sizeof(*dirs); i++) {
			size_t dn = strlen(dirs[i]);

			if (!strncmp(path + hn + 1, dirs[i], dn) &&
			    (!path[hn + 1 + dn] || path[hn + 1 + dn] == '/'))
				return 1;
		}
	return 0;
}

int policy_is_secret(const struct policy *p, const char *resolved)
{
	return is_secret(p, resolved);
}

/* ---- commands: what is read-only, what changes git ------------------------------ */

static const char *const read_only_cmds[] = {
	"ls", "cat", "head", "tail", "less", "more", "wc", "grep", "egrep", "fgrep",
	"rg", "ag", "file", "stat", "du", "df", "pwd", "echo", "printf", "true",
	"false", "which", "type", "whereis", "whoami", "id", "date", "uname",
	"hostname", "tree", "sort", "uniq", "cut", "tr", "diff", "cmp", "comm",
	"basename", "dirname", "realpath", "readlink", "jq", "test", "[", "[[",
	":", "md5sum", "sha1sum", "sha256sum", "sha512sum", "cksum", "nl",
	"column", "od", "xxd", "hexdump", "strings", "tac", "rev", "fold", "fmt",
	"expand", "unexpand", "seq", "sleep", "ps", "free", "uptime", "printenv",
	"locale", "nproc", "getconf", "cd", "fd", "fdfind", "bat", "zcat",
	"find", "sed", "yes", "env",
};

static int has_arg(const struct strvec *argv, size_t from, const char *prefix)
{
	size_t i, n = strlen(prefix);

	for (i = from; i < argv->nr; i++)
		if (!strncmp(argv->v[i], prefix, n))
			return 1;
	return 0;
}

/* Index of git's subcommand (after -C dir, -c k=v, --no-pager...). */
static size_t git_sub(const struct strvec *argv)
{
	size_t i = 1;

	while (i < argv->nr && argv->v[i][0] == '-') {
		if (!strcmp(argv->v[i], "-C") || !strcmp(argv->v[i], "-c"))
			i++;
		i++;
	}
	return i;
}

/* 1 if this git command only reads. */
static int git_reads(const struct strvec *argv)
{
	static const char *const reads[] = {
		"status", "diff", "log", "show", "blame", "rev-parse", "ls-files",
		"ls-tree", "cat-file", "describe", "shortlog", "grep", "whatchanged",
		"version", "help", "diff-tree", "diff-index", "merge-base",
		"count-objects", "check-ignore", "name-rev", "for-each-ref",
		"show-ref", "rev-list", "var", "check-attr", "show-branch",
	};
	size_t s = git_sub(argv), i;
	const char *sub;

	if (s >= argv->nr)
		return 1;	/* git --version */
	sub = argv->v[s];
	for (i = 0; i < sizeof(reads) / sizeof(*reads); i++)
		if (!strcmp(sub, reads[i]))
			return 1;
	if (!strcmp(sub, "branch") || !strcmp(sub, "tag")) {
		/* listing only: no name, no -d/-m/-c/-f/-a... */
		for (i = s + 1; i < argv->nr; i++) {
			const char *a = argv->v[i];

			if (strcmp(a, "-a") && strcmp(a, "-r") && strcmp(a, "-l") &&
			    strcmp(a, "--list") && strcmp(a, "-v") && strcmp(a, "-vv") &&
			    strcmp(a, "--show-current") && strncmp(a, "--contains", 10) &&
			    strncmp(a, "--merged", 8) && strncmp(a, "--no-merged", 11) &&
			    strncmp(a, "--sort", 6) && strncmp(a, "--format", 8) &&
			    strcmp(a, "--all") && strcmp(a, "--remotes"))
				return !strcmp(sub, "branch") && !strcmp(a, "-a") ? 1 : 0;
		}
		return 1;
	}
	if (!strcmp(sub, "remote"))
		return s + 1 >= argv->nr || !strcmp(argv->v[s + 1], "-v") ||
		       !strcmp(argv->v[s + 1], "show") || !strcmp(argv->v[s + 1], "get-url");
	if (!strcmp(sub, "stash"))
		return s + 1 < argv->nr && (!strcmp(argv->v[s + 1], "list") ||
					    !strcmp(argv->v[s + 1], "show"));
	if (!strcmp(sub, "config"))
		return has_arg(argv, s + 1, "--get") || has_arg(argv, s + 1, "--list") ||
		       has_arg(argv, s + 1, "-l");
	if (!strcmp(sub, "reflog"))
		return s + 1 >= argv->nr || !strcmp(argv->v[s + 1], "show");
	if (!strcmp(sub, "worktree") || !strcmp(sub, "submodule"))
		return s + 1 < argv->nr && (!strcmp(argv->v[s + 1], "list") ||
					    !strcmp(argv->v[s + 1], "status"));
	return 0;
}

static int read_only(const struct strvec *argv)
{
	const char *name = argv->v[0];
	size_t i;

	if (!strcmp(name, "git"))
		return git_reads(argv);
	if (!strcmp(name, "sed"))
		return !has_arg(argv, 1, "-i") && !has_arg(argv, 1, "--in-place");
	if (!strcmp(name, "sort"))
		return !has_arg(argv, 1, "-o") && !has_arg(argv, 1, "--output");
	if (!strcmp(name, "find"))
		return !has_arg(argv, 1, "-delete") && !has_arg(argv, 1, "-fprint") &&
		       !has_arg(argv, 1, "-fls");
	if (!strcmp(name, "env") && argv->nr > 1)
		return 0;
	if (!strcmp(name, "command"))	/* command -v NAME: a lookup */
		return argv->nr > 1 && (!strcmp(argv->v[1], "-v") || !strcmp(argv->v[1], "-V"));
	for (i = 0; i < sizeof(read_only_cmds) / sizeof(*read_only_cmds); i++)
		if (!strcmp(name, read_only_cmds[i]))
			return 1;
	return 0;
}

/* Commands whose path arguments are written (created, changed, removed). */
static int writes_args(const char *name, const struct strvec *argv)
{
	static const char *const writers[] = {
		"rm", "rmdir", "mv", "cp", "touch", "mkdir", "chmod", "chown",
		"chgrp", "ln", "install", "truncate", "tee", "shred", "unlink",
		"patch", "rsync", "scp",
	};
	size_t i;

	for (i = 0; i < sizeof(writers) / sizeof(*writers); i++)
		if (!strcmp(name, writers[i]))
			return 1;
	return !strcmp(name, "sed") && (has_arg(argv, 1, "-i") || has_arg(argv, 1, "--in-place"));
}

/* ---- building subjects ------------------------------------------------------------ */

struct builder {
	const struct policy *p;
	struct policy_decision *d;
	char cwd[PATH_MAX];	/* the command line's current directory (cd) */
	int depth;
};

static struct policy_subject *subject(struct builder *b, enum policy_subject_kind k,
				      const char *text, const char *shown)
{
	struct policy_subject *s;

	ALLOC_GROW(b->d->subj, b->d->nr + 1, b->d->alloc);
	s = &b->d->subj[b->d->nr++];
	memset(s, 0, sizeof(*s));
	s->kind = k;
	s->text = xstrdup(text);
	s->shown = xstrdup(shown ? shown : text);
	strvec_init(&s->notes);
	s->why = s->why_verdict = -1;
	return s;
}

static void path_subject(struct builder *b, enum policy_subject_kind k,
			 const char *arg)
{
	struct strbuf r = STRBUF_INIT;
	struct policy_subject *s;

	policy_resolve_path(b->p, b->cwd, arg, &r);
	s = subject(b, k, r.buf, arg);
	s->outside = !policy_inside(b->p, r.buf);
	strbuf_release(&r);
}

/* A command we cannot analyse: it asks. */
static void uncertain_subject(struct builder *b, const char *text, const char *why)
{
	struct policy_subject *s = subject(b, POLICY_SUBJ_COMMAND, text, NULL);

	strvec_pushf(&s->notes, "built-in: %s, so it is asked about", why);
	s->verdict = POLICY_ASK;
	s->outside = -1;	/* marks "uncertain" for the decision */
}

static void add_script(struct builder *b, const char *script);

/* Looks through wrappers: returns the index where the real command starts
 * (argv->nr when there is none).  May add subjects (sudo, find -exec). */
static size_t unwrap(struct builder *b, const struct shell_cmd *c, size_t i);

static const char *base_name(const char *s)
{
	const char *slash = strrchr(s, '/');

	return slash && slash[1] ? slash + 1 : s;
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

static void command_subjects(struct builder *b, const struct shell_cmd *c)
{
	struct strbuf text = STRBUF_INIT;
	struct strvec argv = STRVEC_INIT;
	size_t start, i;
	int writer;

	/* redirections are file subjects, whatever the command */
	for (i = 0; i < c->redirs_nr; i++) {
		const struct shell_redir *r = &c->redirs[i];

		if (r->kind == SHELL_REDIR_DUP || r->kind == SHELL_REDIR_HEREDOC || !r->target)
			continue;
		if (r->dynamic) {
			uncertain_subject(b, r->target, "a redirection whose target is only known at run time");
			continue;
		}
		if (!strcmp(r->target, "/dev/null") || !strcmp(r->target, "/dev/stdout") ||
		    !strcmp(r->target, "/dev/stderr") || !strncmp(r->target, "/dev/fd/", 8))
			continue;
		path_subject(b, r->kind == SHELL_REDIR_READ ? POLICY_SUBJ_READ : POLICY_SUBJ_WRITE,
			     r->target);
	}
	if (!c->argv.nr)
		return;
	start = unwrap(b, c, 0);
	if (start >= c->argv.nr) {
		return;
	}
	/* the command as matched: its name without a directory
	 * (/usr/bin/git push is git push) */
	strvec_push(&argv, base_name(c->argv.v[start]));
	for (i = start + 1; i < c->argv.nr; i++)
		strvec_push(&argv, c->argv.v[i]);
	for (i = 0; i < argv.nr; i++)
		strbuf_addf(&text, "%s%s", i ? " " : "", argv.v[i]);

	if (c->dynamic[start]) {
		uncertain_subject(b, text.buf, "the command name is only known at run time");
		goto out;
	}
	if (!strcmp(argv.v[0], "eval")) {
		uncertain_subject(b, text.buf, "eval runs text only known at run time");
		goto out;
	}
	if ((!strcmp(argv.v[0], "source") || !strcmp(argv.v[0], ".")) && argv.nr > 1) {
		struct strbuf r = STRBUF_INIT;

		policy_resolve_path(b->p, b->cwd, argv.v[1], &r);
		if (!policy_inside(b->p, r.buf))
			uncertain_subject(b, text.buf, "it sources a file outside the workspace");
		strbuf_release(&r);
	}
	subject(b, POLICY_SUBJ_COMMAND, text.buf, NULL);

	if (!strcmp(argv.v[0], "cd")) {
		/* later commands run there */
		struct strbuf r = STRBUF_INIT;

		if (argv.nr < 2 || !strcmp(argv.v[1], "-") || c->dynamic[start + 1]) {
			/* cd, cd -, cd $X: somewhere we cannot know */
			snprintf(b->cwd, sizeof(b->cwd), "%s", argv.nr < 2 ? b->p->home : "/unknown-directory");
		} else {
			policy_resolve_path(b->p, b->cwd, argv.v[1], &r);
			snprintf(b->cwd, sizeof(b->cwd), "%s", r.buf);
		}
		strbuf_release(&r);
		goto out;
	}
	/* the files it touches */
	writer = writes_args(argv.v[0], &argv);
	for (i = 1; i < argv.nr; i++) {
		const char *a = argv.v[i];
		size_t orig = start + i;

		if (orig < c->argv.nr && c->dynamic[orig]) {
			if (writer)
				uncertain_subject(b, text.buf, "it changes files named only at run time");
			continue;
		}
		if (!strcmp(argv.v[0], "dd") && (!strncmp(a, "of=", 3) || !strncmp(a, "if=", 3))) {
			path_subject(b, a[0] == 'o' ? POLICY_SUBJ_WRITE : POLICY_SUBJ_READ, a + 3);
			continue;
		}
		if (strstr(a, "://")) {
			/* a URL names no local file, except file:// */
			if (!strncasecmp(a, "file://", 7))
				path_subject(b, writer ? POLICY_SUBJ_WRITE : POLICY_SUBJ_READ,
					     a + 7);
			continue;
		}
		if (orig < c->argv.nr && c->glob[orig] && writer) {
			/* rm *: the files are the workspace's unless the
			 * pattern points out of it */
			path_subject(b, POLICY_SUBJ_WRITE, a);
			continue;
		}
		/* a writer's operands are paths, existing or not (touch new);
		 * so is every operand once cd has left the workspace */
		if ((writer || !policy_inside(b->p, b->cwd)) ? a[0] == '-'
							     : !looks_like_path(b, a))
			continue;
		path_subject(b, writer ? POLICY_SUBJ_WRITE : POLICY_SUBJ_READ, a);
	}
out:
	strbuf_release(&text);
	strvec_release(&argv);
}

static int shell_name(const char *n)
{
	return !strcmp(n, "sh") || !strcmp(n, "bash") || !strcmp(n, "zsh") ||
	       !strcmp(n, "dash") || !strcmp(n, "ksh") || !strcmp(n, "ash");
}

static size_t skip_opts(const struct shell_cmd *c, size_t i, const char *const *with_value)
{
	while (i < c->argv.nr && c->argv.v[i][0] == '-' && c->argv.v[i][1]) {
		const char *o = c->argv.v[i];
		size_t k;

		if (!strcmp(o, "--")) {
			i++;
			break;
		}
		i++;
		for (k = 0; with_value && with_value[k]; k++)
			if (!strcmp(o, with_value[k]))
				i++;
	}
	return i;
}

static size_t unwrap(struct builder *b, const struct shell_cmd *c, size_t i)
{
	while (i < c->argv.nr) {
		const char *n = base_name(c->argv.v[i]);

		if (c->dynamic[i])
			return i;
		if (!strcmp(n, "env")) {
			static const char *const v[] = { "-u", "--unset", "-C", "--chdir", "-S", NULL };
			size_t j = skip_opts(c, i + 1, v);

			while (j < c->argv.nr && strchr(c->argv.v[j], '=') && c->argv.v[j][0] != '=')
				j++;
			if (j >= c->argv.nr)
				return i;	/* env alone prints the environment */
			i = j;
		} else if (!strcmp(n, "timeout")) {
			static const char *const v[] = { "-s", "--signal", "-k", "--kill-after", NULL };

			i = skip_opts(c, i + 1, v) + 1;	/* and the duration */
		} else if (!strcmp(n, "nice")) {
			static const char *const v[] = { "-n", "--adjustment", NULL };

			i = skip_opts(c, i + 1, v);
		} else if (!strcmp(n, "ionice")) {
			static const char *const v[] = { "-c", "-n", "-p", "-P", "-u", NULL };

			i = skip_opts(c, i + 1, v);
		} else if (!strcmp(n, "stdbuf") || !strcmp(n, "nohup") || !strcmp(n, "setsid") ||
			   !strcmp(n, "time") || !strcmp(n, "exec") || !strcmp(n, "builtin")) {
			static const char *const v[] = { "-a", NULL };

			i = skip_opts(c, i + 1, v);
		} else if (!strcmp(n, "command")) {
			if (i + 1 < c->argv.nr && (!strcmp(c->argv.v[i + 1], "-v") ||
						   !strcmp(c->argv.v[i + 1], "-V")))
				return i;	/* a lookup, not a run */
			i = skip_opts(c, i + 1, NULL);
		} else if (!strcmp(n, "sudo") || !strcmp(n, "doas") || !strcmp(n, "su") ||
			   !strcmp(n, "pkexec")) {
			static const char *const v[] = { "-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-c", NULL };
			struct policy_subject *s = subject(b, POLICY_SUBJ_COMMAND, n, c->argv.v[i]);

			(void)s;
			if (!strcmp(n, "su"))
				return c->argv.nr;	/* su: a shell as someone else */
			i = skip_opts(c, i + 1, v);
		} else if (!strcmp(n, "xargs")) {
			static const char *const v[] = { "-I", "-L", "-n", "-P", "-s", "-d", "-E", "-a",
							 "--arg-file", "--delimiter", "--max-args",
							 "--max-procs", "--replace", NULL };
			size_t j = skip_opts(c, i + 1, v);

			if (j >= c->argv.nr)
				return c->argv.nr;	/* xargs alone runs echo */
			i = j;
		} else if (!strcmp(n, "find")) {
			size_t j;

			/* -exec CMD ... ; and friends run CMD */
			for (j = i + 1; j < c->argv.nr; j++) {
				const char *a = c->argv.v[j];

				if (!strcmp(a, "-exec") || !strcmp(a, "-execdir") ||
				    !strcmp(a, "-ok") || !strcmp(a, "-okdir")) {
					struct shell_cmd sub;
					size_t e = j + 1, k;

					while (e < c->argv.nr && strcmp(c->argv.v[e], ";") &&
					       strcmp(c->argv.v[e], "+"))
						e++;
					memset(&sub, 0, sizeof(sub));
					strvec_init(&sub.argv);
					strvec_init(&sub.assigns);
					sub.dynamic = xcalloc(e - j + 1, 1);
					sub.glob = xcalloc(e - j + 1, 1);
					for (k = j + 1; k < e; k++) {
						sub.dynamic[k - j - 1] = c->dynamic[k];
						strvec_push(&sub.argv, c->argv.v[k]);
					}
					command_subjects(b, &sub);
					strvec_release(&sub.argv);
					free(sub.dynamic);
					free(sub.glob);
					j = e;
				}
			}
			return i;
		} else if (shell_name(n)) {
			size_t j;

			/* sh -c SCRIPT (options may be bundled: -lc, -ec) */
			for (j = i + 1; j < c->argv.nr && c->argv.v[j][0] == '-'; j++)
				if (strchr(c->argv.v[j], 'c') && c->argv.v[j][1] != '-') {
					if (j + 1 >= c->argv.nr)
						return i;
					if (c->dynamic[j + 1]) {
						uncertain_subject(b, c->argv.v[j + 1],
								  "a shell runs a script only known at run time");
					} else {
						add_script(b, c->argv.v[j + 1]);
					}
					return c->argv.nr;
				}
			return i;	/* sh script.sh: the shell itself */
		} else {
			return i;
		}
	}
	return i;
}

static void add_script(struct builder *b, const char *script)
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

/* ---- matching -------------------------------------------------------------------- */

static int is_family(const char *tool, enum policy_subject_kind k)
{
	switch (k) {
	case POLICY_SUBJ_COMMAND:
		return !strcmp(tool, "Bash");
	case POLICY_SUBJ_READ:
		return !strcmp(tool, "Read");
	case POLICY_SUBJ_WRITE:
		return !strcmp(tool, "Edit") || !strcmp(tool, "Write") ||
		       !strcmp(tool, "MultiEdit") || !strcmp(tool, "ApplyPatch");
	case POLICY_SUBJ_HOST:
		return !strcmp(tool, "WebFetch");
	default:
		return 0;
	}
}

/* Claude Code's command patterns: "npm run test:*" is a prefix at a
 * word boundary; a trailing " *" also matches the bare command; otherwise
 * * and ? are globs over the whole command text. */
static int command_match(const char *pat, const char *text)
{
	size_t n = strlen(pat), tn = strlen(text);

	if (n >= 2 && !strcmp(pat + n - 2, ":*")) {
		size_t k = n - 2;

		return !strncmp(text, pat, k) && (tn == k || text[k] == ' ');
	}
	if (n >= 2 && !strcmp(pat + n - 2, " *") && tn == n - 2 && !strncmp(text, pat, n - 2))
		return 1;
	return glob_match(pat, text, GLOB_NOPATHNAME);
}

/* Gitignore-style path patterns: "//abs", "~/x", "./x" and "/x" (from the
 * project root), "a/b" (from the root), "name" (any component). */
static int path_match(const struct policy *p, const char *pat, const char *path)
{
	struct strbuf g = STRBUF_INIT;
	int r = 0;

	if (!strncmp(pat, "//", 2))
		strbuf_addstr(&g, pat + 1);
	else if (!strncmp(pat, "~/", 2))
		strbuf_addf(&g, "%s%s", p->home, pat + 1);
	else if (!strncmp(pat, "./", 2))
		strbuf_addf(&g, "%s%s", p->root, pat + 1);
	else if (pat[0] == '/')
		strbuf_addf(&g, "%s%s", p->root, pat);
	else if (strchr(pat, '/'))
		strbuf_addf(&g, "%s/%s", p->root, pat);
	if (g.len) {
		r = glob_match(g.buf, path, 0);
		if (!r) {
			/* a directory pattern covers what is inside */
			strbuf_addstr(&g, "/**");
			r = glob_match(g.buf, path, 0);
		}
	} else {
		const char *s = path;

		/* any component of the path */
		while (*s && !r) {
			const char *e;
			char comp[NAME_MAX + 1];
			size_t n;

			while (*s == '/')
				s++;
			e = strchr(s, '/');
			n = e ? (size_t)(e - s) : strlen(s);
			if (n && n <= NAME_MAX) {
				memcpy(comp, s, n);
				comp[n] = '\0';
				r = glob_match(pat, comp, 0);
			}
			s += n;
		}
	}
	strbuf_release(&g);
	return r;
}

static int host_match(const char *pat, const char *host)
{
	if (!strncmp(pat, "domain:", 7)) {
		const char *d = pat + 7;
		size_t hn = strlen(host), dn = strlen(d);

		return !strcmp(host, d) || (hn > dn && host[hn - dn - 1] == '.' &&
					    !strcmp(host + hn - dn, d));
	}
	return glob_match(pat, host, GLOB_CASEFOLD);
}

static int rule_matches(const struct policy *p, const struct agent_rule *r,
			const struct policy_subject *s, const char *tool)
{
	int family;

	if (strcmp(r->tool, "*")) {
		family = is_family(r->tool, s->kind);
		if (s->kind == POLICY_SUBJ_TOOL) {
			if (r->pattern)
				return 0;
			return !strcmp(r->tool, s->text) ||
			       (glob_has_magic(r->tool) && glob_match(r->tool, s->text, 0)) ||
			       (!strcmp(r->tool, "Edit") && is_family("Edit", POLICY_SUBJ_WRITE) &&
				is_family(s->text, POLICY_SUBJ_WRITE));
		}
		if (!family)
			return 0;
	}
	(void)tool;
	if (!r->pattern || !strcmp(r->pattern, "*"))
		return 1;
	switch (s->kind) {
	case POLICY_SUBJ_COMMAND:
		return command_match(r->pattern, s->text);
	case POLICY_SUBJ_READ:
	case POLICY_SUBJ_WRITE:
		return path_match(p, r->pattern, s->text);
	case POLICY_SUBJ_HOST:
		return host_match(r->pattern, s->text);
	default:
		return 0;
	}
}

static enum policy_verdict from_action(enum agent_action a)
{
	return a == AGENT_ALLOW ? POLICY_ALLOW : a == AGENT_DENY ? POLICY_DENY : POLICY_ASK;
}

/* A source's verdict for s, or -1 when no rule of it matches. */
static int source_verdict(const struct policy *p, const struct policy_source *src,
			  struct policy_subject *s, const char *tool)
{
	int best = -1;
	size_t i;

	for (i = 0; i < src->nr; i++) {
		const struct agent_rule *r = &src->rules[i];
		int v, j, later = 0;

		if (!rule_matches(p, r, s, tool))
			continue;
		v = (int)from_action(r->action);
		/* OpenCode: a later matching rule of the same map wins */
		if (!strcmp(r->syntax, "opencode"))
			for (j = (int)i + 1; j < (int)src->nr && !later; j++)
				later = src->rules[j].group == r->group &&
					!strcmp(src->rules[j].syntax, "opencode") &&
					rule_matches(p, &src->rules[j], s, tool);
		if (r->line)
			strvec_pushf(&s->notes, "%s, line %d: %s(%s) -> %s%s", src->name,
				     r->line, r->tool, r->pattern ? r->pattern : "",
				     agent_action_name(r->action),
				     later ? " (overridden by a later pattern of the same map)" : "");
		else
			strvec_pushf(&s->notes, "%s: %s(%s) -> %s", src->name, r->tool,
				     r->pattern ? r->pattern : "", agent_action_name(r->action));
		if (later)
			continue;
		if (v > best)
			best = v;
		/* the reason cites the strictest rule, not the last one */
		if (v > s->why_verdict) {
			s->why_verdict = v;
			s->why = (int)s->notes.nr - 1;
		}
	}
	return best;
}

/* ---- defaults and floors ------------------------------------------------------------ */

static enum policy_verdict tool_default(const char *tool, int has_subjects)
{
	static const char *const allowed[] = {
		"Read", "LS", "Glob", "Grep", "ReadManyFiles", "TodoRead", "TodoWrite", "Task",
	};
	size_t i;

	if (has_subjects)
		return POLICY_ALLOW;	/* its commands, paths or host decide */
	for (i = 0; i < sizeof(allowed) / sizeof(*allowed); i++)
		if (!strcmp(tool, allowed[i]))
			return POLICY_ALLOW;
	return POLICY_ASK;
}

static enum policy_verdict subject_default(const struct policy_subject *s,
					   struct strbuf *why)
{
	struct strvec argv = STRVEC_INIT;
	const char *p, *e;
	enum policy_verdict v;

	switch (s->kind) {
	case POLICY_SUBJ_READ:
		if (s->outside) {
			strbuf_addstr(why, "built-in default: reading outside the workspace asks");
			return POLICY_ASK;
		}
		strbuf_addstr(why, "built-in default: reading in the workspace is allowed");
		return POLICY_ALLOW;
	case POLICY_SUBJ_WRITE:
		strbuf_addstr(why, s->outside ? "built-in default: writing outside the workspace asks"
					      : "built-in default: writes ask");
		return POLICY_ASK;
	case POLICY_SUBJ_HOST:
		strbuf_addstr(why, "built-in default: fetching from the web asks");
		return POLICY_ASK;
	case POLICY_SUBJ_COMMAND:
		for (p = s->text; *p; p = *e ? e + 1 : e) {
			e = strchr(p, ' ');
			if (!e)
				e = p + strlen(p);
			strvec_push_nodup(&argv, xstrndup(p, (size_t)(e - p)));
		}
		if (!argv.nr) {
			v = POLICY_ASK;
		} else if (!strcmp(argv.v[0], "sudo") || !strcmp(argv.v[0], "su") ||
			   !strcmp(argv.v[0], "doas") || !strcmp(argv.v[0], "pkexec")) {
			strbuf_addstr(why, "built-in default: running as another user is denied");
			v = POLICY_DENY;
		} else if (read_only(&argv)) {
			strbuf_addstr(why, "built-in default: a read-only command is allowed");
			v = POLICY_ALLOW;
		} else {
			strbuf_addstr(why, "built-in default: commands ask unless they only read");
			v = POLICY_ASK;
		}
		strvec_release(&argv);
		return v;
	default:
		return POLICY_ALLOW;
	}
}

/* Floors hold whatever the rules say.  -1: none. */
static int floor_verdict(const struct policy *p, const struct policy_subject *s,
			 struct strbuf *why)
{
	if ((s->kind == POLICY_SUBJ_READ || s->kind == POLICY_SUBJ_WRITE) &&
	    is_secret(p, s->text)) {
		strbuf_addstr(why, "built-in floor: secrets (.env files, keys, ~/.ssh, ~/.aws...) are never read or written");
		return POLICY_DENY;
	}
	if (s->kind == POLICY_SUBJ_COMMAND && (!strncmp(s->text, "git ", 4) || !strcmp(s->text, "git"))) {
		struct strvec argv = STRVEC_INIT;
		const char *q, *e;
		int reads;

		for (q = s->text; *q; q = *e ? e + 1 : e) {
			e = strchr(q, ' ');
			if (!e)
				e = q + strlen(q);
			strvec_push_nodup(&argv, xstrndup(q, (size_t)(e - q)));
		}
		reads = git_reads(&argv);
		strvec_release(&argv);
		if (!reads) {
			strbuf_addstr(why, "built-in floor: git commands that change state always ask");
			return POLICY_ASK;
		}
	}
	return -1;
}

/* ---- the decision ---------------------------------------------------------------------- */

static void tool_subjects(struct builder *b, const char *tool, json_t *args)
{
	const char *path = json_string_value(json_object_get(args, "path"));

	if (!strcmp(tool, "Bash")) {
		const char *cmd = json_string_value(json_object_get(args, "command"));
		const char *cwd = json_string_value(json_object_get(args, "cwd"));

		if (cwd) {
			struct strbuf r = STRBUF_INIT;

			policy_resolve_path(b->p, b->cwd, cwd, &r);
			snprintf(b->cwd, sizeof(b->cwd), "%s", r.buf);
			strbuf_release(&r);
		}
		if (cmd)
			add_script(b, cmd);
	} else if (!strcmp(tool, "Read") || !strcmp(tool, "LS") || !strcmp(tool, "Glob") ||
		   !strcmp(tool, "Grep") || !strcmp(tool, "CheckDesign")) {
		path_subject(b, POLICY_SUBJ_READ, path ? path : ".");
	} else if (!strcmp(tool, "ReadManyFiles")) {
		json_t *paths = json_object_get(args, "paths");
		size_t i;

		for (i = 0; i < json_array_size(paths); i++) {
			const char *s = json_string_value(json_array_get(paths, i));
			struct strbuf lit = STRBUF_INIT;

			if (!s)
				continue;
			/* a glob reads under its literal directory */
			strbuf_add(&lit, s, strcspn(s, "*?["));
			if (glob_has_magic(s)) {
				char *slash = strrchr(lit.buf, '/');

				strbuf_setlen(&lit, slash ? (size_t)(slash - lit.buf) : 0);
			}
			path_subject(b, POLICY_SUBJ_READ, lit.len ? lit.buf : ".");
			strbuf_release(&lit);
		}
	} else if (!strcmp(tool, "Write") || !strcmp(tool, "Edit") || !strcmp(tool, "MultiEdit")) {
		if (path)
			path_subject(b, POLICY_SUBJ_WRITE, path);
	} else if (!strcmp(tool, "ApplyPatch")) {
		const char *s = json_string_value(json_object_get(args, "patch"));
		static const char *const heads[] = {
			"*** Add File: ", "*** Update File: ", "*** Delete File: ", "*** Move to: ",
		};

		while (s && *s) {
			const char *nl = strchr(s, '\n');
			size_t n = nl ? (size_t)(nl - s) : strlen(s), k;

			for (k = 0; k < 4; k++) {
				size_t hn = strlen(heads[k]);

				if (n > hn && !strncmp(s, heads[k], hn)) {
					char *p = xstrndup(s + hn, n - hn);

					path_subject(b, POLICY_SUBJ_WRITE, p);
					free(p);
				}
			}
			s += n + (nl ? 1 : 0);
		}
	} else if (!strcmp(tool, "WebFetch")) {
		const char *url = json_string_value(json_object_get(args, "url"));
		const char *h = url ? strstr(url, "://") : NULL;

		if (h) {
			char *host;

			h += 3;
			host = xstrndup(h, strcspn(h, "/:?#"));
			subject(b, POLICY_SUBJ_HOST, host, url);
			free(host);
		}
	}
}

enum policy_verdict policy_decide(const struct policy *p, const char *tool,
				  json_t *args, const char *cwd,
				  struct policy_decision *d)
{
	struct builder b;
	struct strbuf why = STRBUF_INIT;
	size_t i, j, deciding = 0;
	int worst = -1;

	memset(&b, 0, sizeof(b));
	b.p = p;
	b.d = d;
	snprintf(b.cwd, sizeof(b.cwd), "%s", cwd ? cwd : p->root);
	subject(&b, POLICY_SUBJ_TOOL, tool, NULL);
	tool_subjects(&b, tool, args);

	for (i = 0; i < d->nr; i++) {
		struct policy_subject *s = &d->subj[i];
		int best = -1, fl;

		if (s->outside == -1) {	/* uncertain: decided already */
			s->outside = 0;
			best = POLICY_ASK;
		} else {
			for (j = 0; j < p->nr; j++) {
				int v = source_verdict(p, &p->src[j], s, tool);

				if (v > best)
					best = v;
			}
			strbuf_reset(&why);
			if (best < 0) {
				best = s->kind == POLICY_SUBJ_TOOL
				       ? (int)tool_default(tool, d->nr > 1)
				       : (int)subject_default(s, &why);
				if (s->kind == POLICY_SUBJ_TOOL)
					strbuf_addf(&why, "built-in default for %s: %s", tool,
						    policy_verdict_name((enum policy_verdict)best));
				strvec_push(&s->notes, why.buf);
				s->why = (int)s->notes.nr - 1;
			}
			strbuf_reset(&why);
			fl = floor_verdict(p, s, &why);
			if (fl >= 0) {
				strvec_push(&s->notes, why.buf);
				if (fl > best) {
					best = fl;
					s->why = (int)s->notes.nr - 1;
				}
			}
		}
		s->verdict = (enum policy_verdict)best;
		/* the deciding subject: the strictest; on a tie, the first
		 * that is more than the tool itself (a path, a command), so
		 * the reason names the rule that mattered */
		if (best > worst || (best == worst &&
				     d->subj[deciding].kind == POLICY_SUBJ_TOOL &&
				     s->kind != POLICY_SUBJ_TOOL)) {
			worst = best;
			deciding = i;
		}
	}
	d->raw = (enum policy_verdict)worst;
	d->verdict = d->raw;
	if (d->raw == POLICY_ASK && p->mode == POLICY_MODE_ACCEPT)
		d->verdict = POLICY_ALLOW;
	else if (d->raw == POLICY_ASK && p->mode == POLICY_MODE_PLAN)
		d->verdict = POLICY_DENY;

	strbuf_reset(&why);
	{
		const struct policy_subject *s = &d->subj[deciding];

		strbuf_addf(&why, "%s", s->kind == POLICY_SUBJ_TOOL ? "the tool" :
			    s->kind == POLICY_SUBJ_COMMAND ? "command" :
			    s->kind == POLICY_SUBJ_READ ? "reading" :
			    s->kind == POLICY_SUBJ_WRITE ? "writing" : "host");
		if (s->kind != POLICY_SUBJ_TOOL)
			strbuf_addf(&why, " '%s'", s->shown);
		strbuf_addf(&why, ": %s", s->why >= 0 ? s->notes.v[s->why]
					  : s->notes.nr ? s->notes.v[s->notes.nr - 1] : "no rule");
		if (d->verdict != d->raw)
			strbuf_addf(&why, "; permission mode %s",
				    p->mode == POLICY_MODE_ACCEPT ? "accept" : "plan");
	}
	d->why = strbuf_detach(&why, NULL);

	/* what "allow for this session" would add: precise rules */
	for (i = 0; i < d->nr; i++) {
		const struct policy_subject *s = &d->subj[i];

		if (s->verdict != POLICY_ASK)
			continue;
		if (s->kind == POLICY_SUBJ_COMMAND) {
			/* the command and its subcommand: "git commit:*" */
			const char *sp = strchr(s->text, ' ');
			size_t n = sp && sp[1] && sp[1] != '-' ? (size_t)(strcspn(sp + 1, " ") + (size_t)(sp - s->text) + 1)
							     : (sp ? (size_t)(sp - s->text) : strlen(s->text));

			strvec_pushf(&d->approvals, "Bash(%.*s:*)", (int)n, s->text);
		} else if (s->kind == POLICY_SUBJ_WRITE) {
			strvec_pushf(&d->approvals, "Edit(//%s)", s->text + 1);
		} else if (s->kind == POLICY_SUBJ_READ) {
			strvec_pushf(&d->approvals, "Read(//%s)", s->text + 1);
		} else if (s->kind == POLICY_SUBJ_HOST) {
			strvec_pushf(&d->approvals, "WebFetch(domain:%s)", s->text);
		} else {
			strvec_push(&d->approvals, s->text);
		}
	}
	return d->verdict;
}
