/*
 * bench_sandbox: what the security layers cost, against references
 * measured in the same run.
 *
 *   1. A policy decision for a typical command line (parse, option
 *      tables, paths).  Reference: the shell parse alone.
 *   2. The walk for secrets before a command, on a generated tree of
 *      10,000 directories and 40,000 files: the first walk, and a cached
 *      walk when nothing changed.  Reference: the first walk.
 *   3. A command (`true`) run under the sandbox (bubblewrap, or the
 *      Landlock fallback) against the same command run with none.
 *
 *   bench_sandbox [DIR]   (default: a fresh directory under $HOME/.cache)
 */
#include "core/proc.h"
#include "core/strbuf.h"
#include "policy/policy.h"
#include "policy/sandbox.h"
#include "policy/shell.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *const line =
	"cd src && grep -rn 'rate_limit' . --include='*.go' | sort | uniq -c | head -50 "
	"&& git log --oneline -5 -- api/ && sed -n '1,40p' main.go";

static void make_tree(const char *root)
{
	char p[8192];
	int i, j, k;

	for (i = 0; i < 200; i++)
		for (j = 0; j < 50; j++) {
			snprintf(p, sizeof(p), "%s/d%d", root, i);
			mkdir(p, 0755);
			snprintf(p, sizeof(p), "%s/d%d/e%d", root, i, j);
			mkdir(p, 0755);
			for (k = 0; k < 4; k++) {
				FILE *f;

				snprintf(p, sizeof(p), "%s/d%d/e%d/f%d.go", root, i, j, k);
				f = fopen(p, "w");
				if (f)
					fclose(f);
			}
		}
	snprintf(p, sizeof(p), "%s/d7/e7/.env", root);
	{
		FILE *f = fopen(p, "w");

		if (f)
			fclose(f);
	}
}

static double run_true(struct sandbox *s, const char *ws, int n)
{
	struct strbuf err = STRBUF_INIT;
	double t0 = now();
	int i;

	for (i = 0; i < n; i++) {
		struct sandbox_run r;
		struct proc p;
		size_t k;

		if (sandbox_run_prepare(s, ws, "true", NULL, &r, &err)) {
			fprintf(stderr, "bench_sandbox: %s\n", err.buf);
			exit(1);
		}
		proc_init(&p);
		for (k = 0; k < r.argv.nr; k++)
			strvec_push(&p.argv, r.argv.v[k]);
		p.envp = (const char *const *)r.env.v;
		p.setup = (int (*)(void *))sandbox_enter;
		p.setup_ud = &r;
		proc_run(&p, &err);
		sandbox_run_finish(&r, NULL);
		proc_release(&p);
	}
	strbuf_release(&err);
	return (now() - t0) / n;
}

int main(int argc, char **argv)
{
	char root[4096], ws[4200], small[4200];
	struct policy p;
	struct sandbox s, off;
	struct strbuf err = STRBUF_INIT;
	json_t *args = json_pack("{s:s}", "command", line);
	double t0, parse, decide, cold, warm, sb, plain;
	int i, n = 2000;
	const char *home = getenv("HOME");

	if (argc > 1)
		snprintf(root, sizeof(root), "%s", argv[1]);
	else
		snprintf(root, sizeof(root), "%s/.cache/archie-bench-sandbox-%d",
			 home ? home : "/tmp", (int)getpid());
	mkdir(root, 0755);
	snprintf(ws, sizeof(ws), "%s/big", root);
	snprintf(small, sizeof(small), "%s/small", root);
	mkdir(ws, 0755);
	mkdir(small, 0755);

	/* 1. policy */
	t0 = now();
	for (i = 0; i < n; i++) {
		struct shell_parse sp;

		shell_parse_init(&sp);
		shell_parse(line, &sp);
		shell_parse_release(&sp);
	}
	parse = (now() - t0) / n;
	policy_init(&p, small);
	t0 = now();
	for (i = 0; i < n; i++) {
		struct policy_decision d;

		policy_decision_init(&d);
		policy_decide(&p, "Bash", args, small, &d);
		policy_decision_release(&d);
	}
	decide = (now() - t0) / n;
	printf("  policy decision of a 6-command line: %.1f us (the parse alone: %.1f us) = %.1fx\n",
	       decide * 1e6, parse * 1e6, decide / parse);

	/* 2. the walk */
	make_tree(ws);
	sandbox_init(&s, SANDBOX_WORKSPACE_WRITE, ws);
	if (sandbox_prepare(&s, &err)) {
		fprintf(stderr, "bench_sandbox: %s\n", err.buf);
		return 1;
	}
	if (s.backend == SANDBOX_NONE) {
		printf("  sandbox unavailable here (%s): walk and command figures skipped\n",
		       s.unavailable ? s.unavailable : "?");
		goto out;
	}
	{
		struct sandbox_run r;

		t0 = now();
		sandbox_run_prepare(&s, ws, "true", NULL, &r, &err);
		cold = now() - t0;
		printf("  first walk for secrets, 10,000 directories, 40,000 files: %.1f ms (masked %zu)\n",
		       cold * 1e3, r.masked);
		sandbox_run_finish(&r, NULL);
		t0 = now();
		for (i = 0; i < 5; i++) {
			sandbox_run_prepare(&s, ws, "true", NULL, &r, &err);
			sandbox_run_finish(&r, NULL);
		}
		warm = (now() - t0) / 5;
		printf("  cached walk when nothing changed: %.1f ms = %.2fx the first\n",
		       warm * 1e3, warm / cold);
	}
	sandbox_release(&s);

	/* 3. a command */
	sandbox_init(&s, SANDBOX_WORKSPACE_WRITE, small);
	sandbox_init(&off, SANDBOX_OFF, small);
	sandbox_prepare(&s, &err);
	run_true(&s, small, 3);	/* warm up */
	sb = run_true(&s, small, 30);
	plain = run_true(&off, small, 30);
	printf("  a command under %s: %.1f ms, with no sandbox: %.1f ms = %.2fx (+%.1f ms)\n",
	       sandbox_backend_name(s.backend), sb * 1e3, plain * 1e3, sb / plain,
	       (sb - plain) * 1e3);
	sandbox_release(&off);
out:
	sandbox_release(&s);
	policy_release(&p);
	json_decref(args);
	strbuf_release(&err);
	{
		char cmd[4300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		if (system(cmd) != 0)
			fprintf(stderr, "bench_sandbox: could not remove %s\n", root);
	}
	return 0;
}
