/*
 * bench_search: Grep and Glob on a large tree, as ratios to ripgrep.
 *
 * Generates (once; kept in $TMPDIR/archie-bench-tree) 100,000 small
 * source files in 1,000 directories, 1% of which contain the needle, then
 * times, best of three with warm caches:
 *   Grep files_with_matches  vs  rg -l PATTERN
 *   Grep content             vs  rg -n PATTERN
 *   Glob (double star, then the name *_7.go)  vs  rg --files -g
 */
#include "core/strbuf.h"
#include "tools/tool.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DIRS_A 50
#define DIRS_B 20
#define FILES 100

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void make_tree(const char *root)
{
	char path[8192], marker[8192];
	int a, b, f, n = 0;

	snprintf(marker, sizeof(marker), "%s/.complete", root);
	if (!access(marker, F_OK))
		return;
	fprintf(stderr, "bench: generating %d files in %s ...\n", DIRS_A * DIRS_B * FILES, root);
	mkdir(root, 0755);
	snprintf(path, sizeof(path), "%s/src", root);
	mkdir(path, 0755);
	for (a = 0; a < DIRS_A; a++) {
		snprintf(path, sizeof(path), "%s/src/pkg%d", root, a);
		mkdir(path, 0755);
		for (b = 0; b < DIRS_B; b++) {
			snprintf(path, sizeof(path), "%s/src/pkg%d/mod%d", root, a, b);
			mkdir(path, 0755);
			for (f = 0; f < FILES; f++, n++) {
				FILE *fp;
				int l;

				snprintf(path, sizeof(path), "%s/src/pkg%d/mod%d/file_%d.go", root, a, b, f);
				fp = fopen(path, "w");
				fprintf(fp, "package mod%d\n\nimport \"fmt\"\n\n", b);
				for (l = 0; l < 12; l++)
					fprintf(fp, "func handler%d_%d(w Writer, r *Request) error {\n\treturn fmt.Errorf(\"not implemented %d\")\n}\n\n",
						f, l, l);
				if (n % 100 == 7)
					fprintf(fp, "// NEEDLE_TOKEN marks file %d\n", n);
				fclose(fp);
			}
		}
	}
	close(open(marker, O_CREAT | O_WRONLY, 0644));
}

static double time_rg(char *const argv[])
{
	double best = 1e9;
	int i;

	for (i = 0; i < 3; i++) {
		double t0 = now();
		pid_t pid = fork();

		if (!pid) {
			int fd = open("/dev/null", O_WRONLY);

			dup2(fd, 1);
			execvp(argv[0], argv);
			_exit(127);
		}
		waitpid(pid, NULL, 0);
		t0 = now() - t0;
		if (t0 < best)
			best = t0;
	}
	return best;
}

static double time_tool(const char *name, const char *args, size_t *lines)
{
	struct tool_env env;
	struct strbuf out = STRBUF_INIT_CAP((size_t)256 << 20);
	double best = 1e9;
	int i;

	memset(&env, 0, sizeof(env));
	env.root = ".";
	env.cwd = ".";
	for (i = 0; i < 3; i++) {
		double t0;

		strbuf_reset(&out);
		t0 = now();
		if (tool_call(tool_find(name), &env, args, &out)) {
			fprintf(stderr, "bench: %s failed: %.200s\n", name, out.buf);
			exit(1);
		}
		t0 = now() - t0;
		if (t0 < best)
			best = t0;
	}
	*lines = 0;
	for (i = 0; i < (int)out.len; i++)
		*lines += out.buf[i] == '\n';
	strbuf_release(&out);
	return best;
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	char root[4096];
	double a, b;
	size_t lines;

	snprintf(root, sizeof(root), "%s/archie-bench-tree", tmp && *tmp ? tmp : "/tmp");
	make_tree(root);
	if (chdir(root))
		return 1;
	if (access("/usr/bin/rg", X_OK)) {
		fprintf(stderr, "bench: ripgrep is needed (apt-get install ripgrep)\n");
		return 1;
	}
	a = time_tool("Grep", "{\"pattern\": \"NEEDLE_[A-Z]+\", \"head_limit\": 100000}", &lines);
	b = time_rg((char *const[]){ "rg", "-l", "NEEDLE_[A-Z]+", NULL });
	printf("Grep files        %.1f ms (%zu files); rg -l %.1f ms; ratio %.2fx (target: within 1.5x)\n",
	       a * 1e3, lines, b * 1e3, a / b);
	a = time_tool("Grep", "{\"pattern\": \"NEEDLE_[A-Z]+\", \"output_mode\": \"content\", \"head_limit\": 100000}", &lines);
	b = time_rg((char *const[]){ "rg", "-n", "NEEDLE_[A-Z]+", NULL });
	printf("Grep content      %.1f ms (%zu lines); rg -n %.1f ms; ratio %.2fx\n",
	       a * 1e3, lines, b * 1e3, a / b);
	a = time_tool("Grep", "{\"pattern\": \"Errorf\\\\(\\\"not implemented 11\", \"output_mode\": \"count\", \"head_limit\": 200000}", &lines);
	b = time_rg((char *const[]){ "rg", "-c", "Errorf\\(\"not implemented 11", NULL });
	printf("Grep count, every file matches  %.1f ms; rg -c %.1f ms; ratio %.2fx\n",
	       a * 1e3, b * 1e3, a / b);
	a = time_tool("Glob", "{\"pattern\": \"**/*_7.go\"}", &lines);
	b = time_rg((char *const[]){ "rg", "--files", "-g", "*_7.go", NULL });
	printf("Glob              %.1f ms (%zu files); rg --files -g %.1f ms; ratio %.2fx\n",
	       a * 1e3, lines, b * 1e3, a / b);
	return 0;
}
