/*
 * Unit tests for provider/sse: each syntax rule, and every recorded stream
 * in ../shared/fixtures/ fed whole, in every 2-way split and in 1-byte
 * chunks, giving the same events each time.
 */
#include "testutil.h"

#include "core/fileio.h"
#include "core/strbuf.h"
#include "provider/sse.h"

#include <dirent.h>


/* Events rendered as "event|data\n" lines, for comparison. */
static int collect(void *ud, const struct sse_event *ev)
{
	struct strbuf *out = ud;

	strbuf_addf(out, "%s|", ev->event);
	strbuf_add(out, ev->data, ev->data_len);
	strbuf_addch(out, '\n');
	return 0;
}

static void parse_chunks(const char *data, size_t len, size_t step,
			 struct strbuf *out)
{
	struct sse_parser p;
	size_t off;

	sse_parser_init(&p, collect, out, 1 << 20);
	for (off = 0; off < len; off += step)
		assert_int_equal(sse_parser_feed(&p, data + off,
						 len - off < step ? len - off : step), 0);
	assert_int_equal(sse_parser_finish(&p), 0);
	sse_parser_release(&p);
}

static void parse_split(const char *data, size_t len, size_t at,
			struct strbuf *out)
{
	struct sse_parser p;

	sse_parser_init(&p, collect, out, 1 << 20);
	assert_int_equal(sse_parser_feed(&p, data, at), 0);
	assert_int_equal(sse_parser_feed(&p, data + at, len - at), 0);
	assert_int_equal(sse_parser_finish(&p), 0);
	sse_parser_release(&p);
}

static void expect_events(const char *input, const char *expected)
{
	struct strbuf out = STRBUF_INIT;
	size_t len = strlen(input), at;

	parse_chunks(input, len, len ? len : 1, &out);
	assert_string_equal(out.buf, expected);
	for (at = 0; at <= len; at++) {
		strbuf_reset(&out);
		parse_split(input, len, at, &out);
		if (strcmp(out.buf, expected))
			fail_msg("split at %zu: got\n%s\nwant\n%s", at, out.buf, expected);
	}
	strbuf_release(&out);
}

static void test_syntax(void **state)
{
	(void)state;
	expect_events("data: hello\n\n", "message|hello\n");
	/* CRLF, CR alone, and a mix */
	expect_events("data: a\r\n\r\ndata: b\r\rdata: c\n\n",
		      "message|a\nmessage|b\nmessage|c\n");
	/* multi-line data joined with LF; no space after the colon */
	expect_events("data: line1\ndata:line2\ndata\n\n", "message|line1\nline2\n\n");
	/* comments, event names, unknown fields, id, retry */
	expect_events(": keep-alive\nevent: ping\nid: 7\nretry: 100\nfoo: bar\ndata: {}\n\n",
		      "ping|{}\n");
	/* the event name does not leak into the next event */
	expect_events("event: a\ndata: 1\n\ndata: 2\n\n", "a|1\nmessage|2\n");
	/* blank lines without data dispatch nothing; event-only too */
	expect_events("\n\nevent: x\n\n\ndata: y\n\n", "message|y\n");
	/* only one leading space is stripped; trailing spaces are kept */
	expect_events("data:  two  \n\n", "message| two  \n");
	/* a BOM at the start is dropped */
	expect_events("\xef\xbb\xbf" "data: bom\n\n", "message|bom\n");
	/* UTF-8 passes through, split anywhere */
	expect_events("data: caf\xc3\xa9 \xe2\x82\xac\n\n", "message|caf\xc3\xa9 \xe2\x82\xac\n");
	/* a final event without its blank line is still delivered */
	expect_events("data: [DONE]", "message|[DONE]\n");
	expect_events("data: last\n", "message|last\n");
}

static int stop_after_one(void *ud, const struct sse_event *ev)
{
	(void)ev;
	(*(int *)ud)++;
	return 1;
}

static void test_stop_and_overflow(void **state)
{
	struct sse_parser p;
	int n = 0;
	char big[300];

	(void)state;
	sse_parser_init(&p, stop_after_one, &n, 1024);
	assert_int_equal(sse_parser_feed(&p, "data: 1\n\ndata: 2\n\n", 18), -1);
	assert_int_equal(n, 1);
	assert_int_equal(sse_parser_feed(&p, "data: 3\n\n", 9), -1);
	assert_int_equal(n, 1);
	sse_parser_release(&p);

	/* an event larger than the cap is an error, not unbounded growth */
	memset(big, 'x', sizeof(big));
	sse_parser_init(&p, stop_after_one, &n, 100);
	assert_int_equal(sse_parser_feed(&p, "data: ", 6), 0);
	assert_int_equal(sse_parser_feed(&p, big, sizeof(big)), -1);
	assert_true(p.overflow);
	sse_parser_release(&p);
}

static void check_fixture(const char *path)
{
	struct strbuf data = STRBUF_INIT, err = STRBUF_INIT;
	struct strbuf whole = STRBUF_INIT, other = STRBUF_INIT;
	size_t at;

	if (file_read(path, 1 << 20, &data, &err))
		fail_msg("%s", err.buf);
	parse_chunks(data.buf, data.len, data.len, &whole);
	assert_true(whole.len > 0);
	parse_chunks(data.buf, data.len, 1, &other);
	if (strcmp(whole.buf, other.buf))
		fail_msg("%s: 1-byte chunks give different events", path);
	for (at = 0; at <= data.len; at++) {
		strbuf_reset(&other);
		parse_split(data.buf, data.len, at, &other);
		if (strcmp(whole.buf, other.buf))
			fail_msg("%s: split at %zu gives different events", path, at);
	}
	strbuf_release(&data);
	strbuf_release(&err);
	strbuf_release(&whole);
	strbuf_release(&other);
}

static void test_fixtures_every_split(void **state)
{
	static const char *const dirs[] = { "openai", "anthropic" };
	size_t i, n = 0;

	(void)state;
	for (i = 0; i < 2; i++) {
		char dir[4096];
		DIR *d;
		struct dirent *de;

		snprintf(dir, sizeof(dir), "%s/%s", tu_fixtures_dir(), dirs[i]);
		d = opendir(dir);
		if (!d)
			fail_msg("cannot open %s: the shared fixtures must be beside the repository", dir);
		while ((de = readdir(d)) != NULL) {
			char path[4400];

			if (!strstr(de->d_name, ".sse"))
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			check_fixture(path);
			n++;
		}
		closedir(d);
	}
	assert_true(n >= 11);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_stop_and_overflow),
		cmocka_unit_test(test_fixtures_every_split),
	};

	return cmocka_run_group_tests_name("sse", tests, NULL, NULL);
}
