/* Unit tests for store/redact: every secret shape the store must never
 * keep, the values of secret environment variables, and the text around
 * them left alone. */
#include "testutil.h"

#include "core/strbuf.h"
#include "store/redact.h"

#include <stdlib.h>
#include <string.h>

static struct redactor R;

static int setup(void **state)
{
	(void)state;
	setenv("MY_SERVICE_TOKEN", "q8Zr-VERY-private-value-77", 1);
	setenv("SSH_AUTH_SOCK", "/tmp/ssh-agent.sock.12345", 1);
	setenv("MAX_TOKENS", "4096", 1);
	redact_init(&R);
	redact_add_value(&R, "configured-provider-key-xyz");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	redact_release(&R);
	return 0;
}

static char *red(const char *s)
{
	return redact_dup(&R, s);
}

/* in -> expected, exactly */
static const struct { const char *in, *want; } cases[] = {
	{ "key sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789 here", "key [REDACTED] here" },
	{ "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWx-yz0123456789AA", "[REDACTED]" },
	{ "OPENROUTER: sk-or-v1-0123456789abcdef0123456789abcdef", "OPENROUTER: [REDACTED]" },
	{ "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9abcdefgh", "Authorization: Bearer [REDACTED]" },
	{ "curl -H 'authorization: token abcdefghijklmnop1234' x", "curl -H 'authorization: token [REDACTED]' x" },
	{ "id AKIAIOSFODNN7EXAMPLE ok", "id [REDACTED] ok" },
	{ "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws_secret_access_key = [REDACTED]" },
	{ "ghp_0123456789abcdefghijABCDEFGHIJ012345", "[REDACTED]" },
	{ "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", "[REDACTED]" },
	{ "xoxb-123456789012-1234567890123-AbCdEfGhIjKl", "[REDACTED]" },
	{ "https://hooks.slack.com/services/T000/B000/XXXXXXXX", "https://hooks.slack.com/services/[REDACTED]" },
	{ "DATABASE_URL=postgres://app:s3cr3t-pw@db:5432/app", "DATABASE_URL=postgres://app:[REDACTED]@db:5432/app" },
	{ "git clone https://user:ghtoken123@github.com/x/y", "git clone https://user:[REDACTED]@github.com/x/y" },
	{ "export STRIPE_SECRET_KEY=rk_live_abcdefghijklmnop1234", "export STRIPE_SECRET_KEY=[REDACTED]" },
	{ "{\"api_key\": \"abc123def456\", \"n\": 1}", "{\"api_key\": \"[REDACTED]\", \"n\": 1}" },
	{ "password: hunter2hunter2", "password: [REDACTED]" },
	{ "DB_PASSWORD='correct horse'", "DB_PASSWORD='[REDACTED]'" },
	{ "{\"password\": \"two words\"}", "{\"password\": \"[REDACTED]\"}" },
	{ "{\"command\": \"curl -d '{\\\"token\\\": \\\"abcdefgh\\\"}'\"}",
	  "{\"command\": \"curl -d '{\\\"token\\\": \\\"[REDACTED]\\\"}'\"}" },
	{ "{\"max_tokens\": \"4096\"}", "{\"max_tokens\": \"4096\"}" },
	{ "secret_token = \"1234\"", "secret_token = \"1234\"" },
	{ "client_secret=Zm9vYmFyYmF6", "client_secret=[REDACTED]" },
	{ "token=${GITHUB_TOKEN}", "token=${GITHUB_TOKEN}" },
	{ "max_tokens=4096 input_tokens: 120", "max_tokens=4096 input_tokens: 120" },
	{ "the author=alice wrote it", "the author=alice wrote it" },
	{ "use the value q8Zr-VERY-private-value-77 from env", "use the value [REDACTED] from env" },
	{ "sock /tmp/ssh-agent.sock.12345", "sock /tmp/ssh-agent.sock.12345" },
	{ "x configured-provider-key-xyz y", "x [REDACTED] y" },
	{ "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\nafter",
	  "[REDACTED PRIVATE KEY]\nafter" },
	{ "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA (cut off", "[REDACTED PRIVATE KEY]" },
	{ "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----", "[REDACTED PRIVATE KEY]" },
	{ "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.SflKxwRJSMeKKF2QT4fwpM", "jwt [REDACTED]" },
	{ "AIzaSyA-0123456789abcdefghijklmnopqrstu", "[REDACTED]" },
	{ "plain text about keys and tokens stays", "plain text about keys and tokens stays" },
	{ "", "" },
};

static void test_cases(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char *got = red(cases[i].in);

		if (strcmp(got, cases[i].want))
			fail_msg("case %zu: %s\n  got:  %s\n  want: %s", i, cases[i].in, got,
				 cases[i].want);
		free(got);
	}
}

static void test_names(void **state)
{
	(void)state;
	assert_true(redact_name_is_secret("OPENAI_API_KEY", 14));
	assert_true(redact_name_is_secret("AWS_SECRET_ACCESS_KEY", 21));
	assert_true(redact_name_is_secret("GITHUB_TOKEN", 12));
	assert_true(redact_name_is_secret("PGPASSWORD", 10) == 0);	/* one word */
	assert_true(redact_name_is_secret("DB_PASSWORD", 11));
	assert_false(redact_name_is_secret("SSH_AUTH_SOCK", 13));
	assert_false(redact_name_is_secret("PWD", 3));
	assert_false(redact_name_is_secret("MAX_TOKENS", 10));
	assert_false(redact_name_is_secret("PATH", 4));
	assert_false(redact_name_is_secret("AWS_ACCESS_KEY_ID", 17));
}

static void test_count_and_binary(void **state)
{
	struct strbuf out = STRBUF_INIT;
	const char in[] = "a\0sk-ant-api03-AbCdEfGhIjKlMnOpQrSt\0b";

	(void)state;
	assert_int_equal(redact(&R, in, sizeof(in) - 1, &out), 1);
	assert_int_equal(out.len, 2 + strlen(REDACTED) + 2);
	assert_memory_equal(out.buf, "a\0[REDACTED]\0b", out.len);
	strbuf_release(&out);
}

static void test_idempotent(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char *once = red(cases[i].in), *twice = red(once);

		assert_string_equal(once, twice);
		free(once);
		free(twice);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_count_and_binary),
		cmocka_unit_test(test_idempotent),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
