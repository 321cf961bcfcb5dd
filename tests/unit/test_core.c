/* Unit tests for core/utf8, core/strvec, core/fileio and core/diag. */
#include "testutil.h"

#include "core/diag.h"
#include "core/fileio.h"
#include "core/strbuf.h"
#include "core/strvec.h"
#include "core/utf8.h"

#include <errno.h>

static void test_utf8(void **state)
{
	size_t bad = 99;

	(void)state;
	assert_true(utf8_valid("plain", 5, NULL));
	assert_true(utf8_valid("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14, NULL));
	assert_false(utf8_valid("ab\xffz", 4, &bad));
	assert_int_equal(bad, 2);
	/* overlong '/', a surrogate, beyond U+10FFFF, truncated sequence */
	assert_false(utf8_valid("\xc0\xaf", 2, NULL));
	assert_false(utf8_valid("\xed\xa0\x80", 3, NULL));
	assert_false(utf8_valid("\xf4\x90\x80\x80", 4, NULL));
	assert_false(utf8_valid("\xe2\x82", 2, &bad));
	assert_int_equal(bad, 0);
	assert_int_equal(utf8_width("caf\xc3\xa9", 5), 4);
}

static void test_strvec(void **state)
{
	struct strvec sv = STRVEC_INIT;

	(void)state;
	strvec_push(&sv, "b");
	strvec_pushf(&sv, "%s%d", "a", 1);
	strvec_push(&sv, "c");
	assert_int_equal(sv.nr, 3);
	assert_null(sv.v[3]);
	assert_int_equal(strvec_find(&sv, "c"), 2);
	assert_int_equal(strvec_find(&sv, "zz"), -1);
	strvec_sort(&sv);
	assert_string_equal(sv.v[0], "a1");
	assert_string_equal(sv.v[2], "c");
	strvec_release(&sv);
	assert_int_equal(sv.nr, 0);
}

static void test_atomic_write_and_read(void **state)
{
	char *dir = tu_mkdtemp(), path[4200];
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	struct stat st;

	(void)state;
	snprintf(path, sizeof(path), "%s/state.json", dir);
	assert_int_equal(file_write_atomic(path, "first", 5, 0600, &err), 0);
	assert_int_equal(file_write_atomic(path, "second", 6, 0600, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(file_read(path, 1024, &out, &err), 0);
	assert_string_equal(out.buf, "second");

	/* the cap is an error, not a silent truncation */
	strbuf_reset(&out);
	assert_int_equal(file_read(path, 3, &out, &err), -1);
	assert_non_null(strstr(err.buf, "limit"));

	/* a directory and a missing file say what is wrong */
	assert_int_equal(file_read(dir, 1024, &out, &err), -1);
	assert_non_null(strstr(err.buf, "directory"));
	snprintf(path, sizeof(path), "%s/missing", dir);
	assert_int_equal(file_read(path, 1024, &out, &err), -1);
	assert_non_null(strstr(err.buf, "No such file"));

	/* no temporary file is left behind */
	snprintf(path, sizeof(path), "ls -A '%s' | grep -c tmp >/dev/null", dir);
	assert_int_not_equal(system(path), 0);

	/* writing into a missing directory fails cleanly */
	snprintf(path, sizeof(path), "%s/no/such/dir/f", dir);
	assert_int_equal(file_write_atomic(path, "x", 1, 0600, &err), -1);
	assert_non_null(strstr(err.buf, "temporary"));

	strbuf_release(&out);
	strbuf_release(&err);
	tu_rmrf(dir);
	free(dir);
}

static void test_mkdirs(void **state)
{
	char *dir = tu_mkdtemp(), path[4200];
	struct strbuf err = STRBUF_INIT;
	struct stat st;

	(void)state;
	snprintf(path, sizeof(path), "%s/a/b/c", dir);
	assert_int_equal(file_mkdirs(path, 0700, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(file_mkdirs(path, 0700, &err), 0);
	tu_write_str(dir, "file", "x");
	snprintf(path, sizeof(path), "%s/file", dir);
	assert_int_equal(file_mkdirs(path, 0700, &err), -1);
	strbuf_release(&err);
	tu_rmrf(dir);
	free(dir);
}

static void test_diag(void **state)
{
	struct diag_list dl = DIAG_LIST_INIT, other = DIAG_LIST_INIT;
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	diag_add(&dl, DIAG_WARNING, "b.md", 3, 1, "w");
	diag_add(&dl, DIAG_ERROR, "a.md", 9, 2, "late");
	diag_add(&other, DIAG_ERROR, "a.md", 2, 7, "'tools' must be a string");
	diag_list_move(&dl, &other);
	assert_int_equal(dl.nr, 3);
	assert_int_equal(dl.errors, 2);
	assert_int_equal(dl.warnings, 1);
	assert_int_equal(other.nr, 0);
	diag_list_sort(&dl);
	diag_format(&dl.v[0], &sb);
	assert_string_equal(sb.buf, "a.md:2:7: error: 'tools' must be a string");
	strbuf_reset(&sb);
	diag_format(&dl.v[2], &sb);
	assert_string_equal(sb.buf, "b.md:3:1: warning: w");
	strbuf_release(&sb);
	diag_list_release(&dl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_strvec),
		cmocka_unit_test(test_atomic_write_and_read),
		cmocka_unit_test(test_mkdirs),
		cmocka_unit_test(test_diag),
	};

	return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
