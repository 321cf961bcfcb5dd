/*
 * testutil: shared helpers for the cmocka unit tests.
 *
 * TEST_DATA_DIR is set by the Makefile to tests/data.  Temporary
 * directories are created under $TMPDIR and removed by the test.
 */
#ifndef ARCHIE_TESTUTIL_H
#define ARCHIE_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef TEST_DATA_DIR
#define TEST_DATA_DIR "tests/data"
#endif

#ifndef FIXTURES_DIR
#define FIXTURES_DIR "../shared/fixtures"
#endif

/* The recorded streams of ../shared/fixtures: $FIXTURES (tests/run.sh
 * finds them for clones kept elsewhere), else where the build saw them. */
static inline const char *tu_fixtures_dir(void)
{
	const char *e = getenv("FIXTURES");

	return e && *e ? e : FIXTURES_DIR;
}

/* Makes a fresh temporary directory; returns a malloc'ed path. */
static inline char *tu_mkdtemp(void)
{
	const char *tmp = getenv("TMPDIR");
	char *path = malloc(4096);

	snprintf(path, 4096, "%s/archie-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(path)) {
		perror("mkdtemp");
		abort();
	}
	return path;
}

/* A fresh root with the paths of a workspace (root/ws) and a home
 * (root/home) beside it; all malloc'ed, the directories not yet made. */
static inline void tu_workspace(char **root, char **ws, char **home)
{
	*root = tu_mkdtemp();
	*ws = malloc(4200);
	*home = malloc(4200);
	snprintf(*ws, 4200, "%s/ws", *root);
	snprintf(*home, 4200, "%s/home", *root);
}

/* Writes data to dir/rel, creating parent directories. */
static inline void tu_write(const char *dir, const char *rel, const char *data,
			    size_t len)
{
	char path[4096], *p;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (p = path + strlen(dir) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static inline void tu_write_str(const char *dir, const char *rel, const char *s)
{
	tu_write(dir, rel, s, strlen(s));
}

/* rm -rf dir (paths made by the tests only). */
static inline void tu_rmrf(const char *dir)
{
	char cmd[4200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "warning: could not remove %s\n", dir);
}

/* Fails with the condition and the output it was checked against. */
#define EXPECT(cond, out) do { if (!(cond)) fail_msg("%s\n--- output ---\n%s", #cond, (out).buf); } while (0)

#endif
