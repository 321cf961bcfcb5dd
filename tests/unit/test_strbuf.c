/* Unit tests for core/strbuf: growth, the cap, detach, formatting. */
#include "testutil.h"

#include "core/strbuf.h"

static void test_empty_is_terminated(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	assert_non_null(sb.buf);
	assert_string_equal(sb.buf, "");
	assert_int_equal(sb.len, 0);
	strbuf_release(&sb);
	assert_string_equal(sb.buf, "");
}

static void test_append_and_grow(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < 10000; i++)
		assert_int_equal(strbuf_addch(&sb, 'a' + (int)(i % 26)), 0);
	assert_int_equal(sb.len, 10000);
	assert_int_equal(sb.buf[10000], '\0');
	assert_int_equal(sb.buf[26], 'a');
	strbuf_release(&sb);
}

static void test_cap_truncates(void **state)
{
	struct strbuf sb = STRBUF_INIT_CAP(8);

	(void)state;
	assert_int_equal(strbuf_addstr(&sb, "12345"), 0);
	assert_int_equal(strbuf_addstr(&sb, "67890"), -1);
	assert_int_equal(sb.len, 8);
	assert_true(sb.truncated);
	assert_string_equal(sb.buf, "12345678");
	assert_int_equal(strbuf_addch(&sb, 'x'), -1);
	assert_int_equal(sb.len, 8);
	strbuf_reset(&sb);
	assert_false(sb.truncated);
	assert_int_equal(strbuf_addf(&sb, "%d-%s", 42, "abcdefgh"), -1);
	assert_string_equal(sb.buf, "42-abcde");
	strbuf_release(&sb);
}

static void test_addf_long(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char big[1000];

	(void)state;
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(strbuf_addf(&sb, "<%s>", big), 0);
	assert_int_equal(sb.len, 1001);
	assert_int_equal(sb.buf[0], '<');
	assert_int_equal(sb.buf[1000], '>');
	strbuf_release(&sb);
}

static void test_detach(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	size_t len;
	char *s;

	(void)state;
	s = strbuf_detach(&sb, &len);
	assert_string_equal(s, "");
	assert_int_equal(len, 0);
	free(s);
	strbuf_addstr(&sb, "hello");
	s = strbuf_detach(&sb, &len);
	assert_string_equal(s, "hello");
	assert_int_equal(len, 5);
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb.buf, "");
	free(s);
}

static void test_printable(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	strbuf_add_printable(&sb, "a\xff\n\t\x01\xc3\xa9z", 8);
	assert_string_equal(sb.buf, "a\\xff\\n\\t\\x01\xc3\xa9z");
	strbuf_release(&sb);
}

static void test_trim_and_seterr(void **state)
{
	struct strbuf sb = STRBUF_INIT, err = STRBUF_INIT;

	(void)state;
	strbuf_addstr(&sb, "  \t hi there \n ");
	strbuf_trim(&sb);
	assert_string_equal(sb.buf, "hi there");
	assert_true(strbuf_starts_with(&sb, "hi"));
	assert_false(strbuf_starts_with(&sb, "there"));
	strbuf_addstr(&err, "old");
	assert_int_equal(strbuf_seterr(&err, "cannot open %s", "x"), -1);
	assert_string_equal(err.buf, "cannot open x");
	assert_int_equal(strbuf_seterr(NULL, "ignored"), -1);
	strbuf_release(&sb);
	strbuf_release(&err);
}

static void test_utf8_trim_partial(void **state)
{
	struct strbuf sb = STRBUF_INIT_CAP(5);

	(void)state;
	/* "ab" + a 4-byte emoji: the cap keeps 3 of its 4 bytes */
	assert_int_equal(strbuf_addstr(&sb, "ab\xf0\x9f\x98\x80"), -1);
	assert_int_equal(sb.len, 5);
	strbuf_utf8_trim_partial(&sb);
	assert_string_equal(sb.buf, "ab");
	/* complete sequences and ASCII are left alone */
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "a\xc3\xa9");
	strbuf_utf8_trim_partial(&sb);
	assert_string_equal(sb.buf, "a\xc3\xa9");
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "abc");
	strbuf_utf8_trim_partial(&sb);
	assert_string_equal(sb.buf, "abc");
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_is_terminated),
		cmocka_unit_test(test_append_and_grow),
		cmocka_unit_test(test_cap_truncates),
		cmocka_unit_test(test_addf_long),
		cmocka_unit_test(test_detach),
		cmocka_unit_test(test_printable),
		cmocka_unit_test(test_trim_and_seterr),
		cmocka_unit_test(test_utf8_trim_partial),
	};

	return cmocka_run_group_tests_name("strbuf", tests, NULL, NULL);
}
