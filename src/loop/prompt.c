/*
 * prompt: system prompt assembly.  See prompt.h.
 */
#include "loop/prompt.h"

#include "core/fileio.h"
#include "core/proc.h"
#include "core/strbuf.h"
#include "core/strvec.h"
#include "policy/gitsafe.h"

#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define MEMORY_FILE_MAX ((size_t)256 << 10)

static int strcmp_ptr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *const memory_names[] = {
	"AGENTS.md", "CLAUDE.md", "GEMINI.md", "ARCHIE.md",
};

void prompt_memory_files(const char *root, const char *cwd, struct strvec *files)
{
	struct strbuf dir = STRBUF_INIT, path = STRBUF_INIT;
	size_t rlen = strlen(root), i;
	const char *rest;

	/* directories from root down to cwd (cwd must be under root) */
	strbuf_addstr(&dir, root);
	rest = !strncmp(cwd, root, rlen) && (cwd[rlen] == '/' || !cwd[rlen]) ? cwd + rlen : "";
	for (;;) {
		for (i = 0; i < sizeof(memory_names) / sizeof(*memory_names); i++) {
			strbuf_reset(&path);
			file_join(&path, dir.buf, memory_names[i]);
			if (!access(path.buf, R_OK))
				strvec_push(files, path.buf);
		}
		if (!*rest)
			break;
		{
			const char *next = strchr(rest + 1, '/');
			size_t n = next ? (size_t)(next - rest) : strlen(rest);

			strbuf_add(&dir, rest, n);
			rest += n;
		}
	}
	strbuf_release(&dir);
	strbuf_release(&path);
}

/* 1 if root is inside a git work tree (a .git here or above), so a
 * directory that is not one costs no git process at start-up. */
static int in_work_tree(const char *root)
{
	struct strbuf p = STRBUF_INIT;
	struct stat st;
	int found = 0;

	strbuf_addstr(&p, root);
	while (!found) {
		size_t len = p.len;
		char *slash;

		strbuf_addstr(&p, "/.git");
		found = !lstat(p.buf, &st);
		strbuf_setlen(&p, len);
		slash = strrchr(p.buf, '/');
		if (!slash || slash == p.buf)
			break;
		strbuf_setlen(&p, (size_t)(slash - p.buf));
	}
	if (!found) {
		strbuf_reset(&p);
		found = !lstat("/.git", &st);
	}
	strbuf_release(&p);
	return found;
}

static void git_summary(const char *root, struct strbuf *out)
{
	struct proc p;
	struct strbuf err = STRBUF_INIT, text = STRBUF_INIT;
	struct strvec env = STRVEC_INIT;
	const char *s;
	size_t changed = 0;

	proc_init(&p);
	if (!in_work_tree(root)) {
		strbuf_addstr(out, "not a git repository (or git is not installed)");
		goto out;
	}
	/* the repository's config must not make git run anything */
	if (gitsafe_prepare(root, &p.argv, &env, &err)) {
		strbuf_addf(out, "not summarised (%s)", err.buf);
		goto out;
	}
	p.envp = (const char *const *)env.v;
	strvec_push(&p.argv, "status");
	strvec_push(&p.argv, "--porcelain=v1");
	strvec_push(&p.argv, "--branch");
	p.cwd = root;
	p.timeout_ms = 3000;
	p.head_cap = 64 << 10;
	p.tail_cap = 1;
	if (proc_run(&p, &err) || p.exit_code) {
		strbuf_addstr(out, "not a git repository (or git is not installed)");
		goto out;
	}
	headtail_render(&p.out_buf, NULL, &text);
	s = text.buf;
	if (!strncmp(s, "## ", 3)) {
		const char *nl = strchr(s, '\n');

		strbuf_addstr(out, "branch ");
		strbuf_add(out, s + 3, nl ? (size_t)(nl - s - 3) : strlen(s + 3));
		s = nl ? nl + 1 : s + strlen(s);
	}
	for (; *s; s++)
		changed += *s == '\n';
	strbuf_addf(out, "; %zu changed or untracked file%s", changed,
		    changed == 1 ? "" : "s");
out:
	strbuf_release(&text);
	strbuf_release(&err);
	proc_release(&p);
	strvec_release(&env);
}

void prompt_build(const char *agent_prompt, const char *root, const char *cwd,
		  struct strbuf *out, struct strvec *files)
{
	struct strvec mem = STRVEC_INIT;
	struct strbuf data = STRBUF_INIT, err = STRBUF_INIT;
	struct utsname u;
	char date[32];
	time_t now = time(NULL);
	struct tm tm;
	size_t i;

	strbuf_addstr(out, agent_prompt);
	prompt_memory_files(root, cwd, &mem);
	for (i = 0; i < mem.nr; i++) {
		strbuf_reset(&data);
		if (file_read(mem.v[i], MEMORY_FILE_MAX, &data, &err))
			continue;
		strbuf_addf(out, "\n\n# Project instructions from %s\n\n", mem.v[i]);
		strbuf_add(out, data.buf, data.len);
		if (files)
			strvec_push(files, mem.v[i]);
	}
	localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	strbuf_addf(out, "\n\n# Environment\n\n"
		    "- Working directory: %s\n- Project root: %s\n- Platform: %s %s\n"
		    "- Date: %s\n- Git: ", cwd, root, u.sysname, u.release, date);
	git_summary(root, out);
	strbuf_addch(out, '\n');
	strvec_release(&mem);
	strbuf_release(&data);
	strbuf_release(&err);
}

void prompt_add_instructions(const struct strvec *patterns, struct strvec *files, struct strbuf *out)
{
	struct strbuf data = STRBUF_INIT, err = STRBUF_INIT;
	size_t i, k, j;

	for (i = 0; i < patterns->nr; i++) {
		glob_t g;

		if (glob(patterns->v[i], GLOB_NOSORT, NULL, &g))
			continue;
		qsort(g.gl_pathv, g.gl_pathc, sizeof(*g.gl_pathv),
		      strcmp_ptr);
		for (k = 0; k < g.gl_pathc; k++) {
			for (j = 0; j < files->nr && strcmp(files->v[j], g.gl_pathv[k]); j++)
				;
			strbuf_reset(&data);
			if (j < files->nr || file_read(g.gl_pathv[k], MEMORY_FILE_MAX, &data, &err))
				continue;
			strbuf_addf(out, "\n\n# Project instructions from %s\n\n", g.gl_pathv[k]);
			strbuf_add(out, data.buf, data.len);
			strvec_push(files, g.gl_pathv[k]);
		}
		globfree(&g);
	}
	strbuf_release(&data);
	strbuf_release(&err);
}
