/* Unit tests for store/pgstore's connection strings: what messages name
 * (never the password), the password handed to the redactor, and the
 * setup SQL's shape (every migration in it, idempotent statements only).
 * The shipping itself runs against a real PostgreSQL in
 * tests/e2e/t_team_store.sh. */
#include "testutil.h"

#include "core/strbuf.h"
#include "core/strvec.h"
#include "store/pgstore.h"

#include <stdlib.h>
#include <string.h>

static void described(const char *url, const char *want)
{
	struct strbuf sb = STRBUF_INIT;

	pgstore_describe(url, &sb);
	assert_string_equal(sb.buf, want);
	strbuf_release(&sb);
}

static void test_describe(void **state)
{
	(void)state;
	unsetenv("PGHOST");
	unsetenv("PGUSER");
	unsetenv("PGDATABASE");
	unsetenv("PGPORT");
	described("postgresql://alice:s3cr3t-pw@db.internal:5433/archie", "alice@db.internal:5433/archie");
	described("postgresql:///archie?host=/run/pg&user=bob", "bob@/run/pg/archie");
	described("host=10.0.0.5 dbname=team user=ci password=hunter2", "ci@10.0.0.5/team");
	described("postgresql://db.internal/archie", "db.internal/archie");
	described("not a url at all ===", "(an unreadable connection string)");
}

static void test_secrets(void **state)
{
	struct strvec v = STRVEC_INIT;

	(void)state;
	pgstore_secrets("postgresql://alice:s3cr3t%2Fpw@db/archie", &v);
	assert_int_equal(v.nr, 1);
	assert_string_equal(v.v[0], "s3cr3t/pw");	/* decoded, as sent */
	strvec_release(&v);
	pgstore_secrets("host=db password=hunter2 user=x", &v);
	assert_int_equal(v.nr, 1);
	assert_string_equal(v.v[0], "hunter2");
	strvec_release(&v);
	pgstore_secrets("postgresql://db/archie", &v);
	assert_int_equal(v.nr, 0);
	strvec_release(&v);
}

static void test_connect_errors(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct pgstore pg;

	(void)state;
	assert_int_equal(pgstore_connect(&pg, "postgresql://u:pw-in-url@127.0.0.1:1/db", &err), -1);
	assert_non_null(strstr(err.buf, "u@127.0.0.1:1/db"));
	assert_null(strstr(err.buf, "pw-in-url"));
	assert_null(strchr(err.buf, '\n'));		/* one line */
	strbuf_reset(&err);
	assert_int_equal(pgstore_connect(&pg, "host=x bogus_key=1", &err), -1);
	assert_non_null(strstr(err.buf, "not a PostgreSQL connection string"));
	strbuf_release(&err);
}

static void test_setup_sql(void **state)
{
	const char *sql = pgstore_setup_sql();

	(void)state;
	assert_non_null(strstr(sql, "CREATE ROLE archie_user NOLOGIN"));
	assert_non_null(strstr(sql, "CREATE ROLE archie_auditor NOLOGIN"));
	assert_non_null(strstr(sql, "ENABLE ROW LEVEL SECURITY"));
	assert_non_null(strstr(sql, "INSERT INTO archie.schema_version VALUES (1)"));
	/* runs twice harmlessly: no bare CREATE TABLE or CREATE INDEX */
	assert_null(strstr(sql, "CREATE TABLE archie."));
	assert_null(strstr(sql, "CREATE INDEX sessions"));
	assert_ptr_equal(sql, pgstore_setup_sql());	/* built once */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_secrets),
		cmocka_unit_test(test_connect_errors),
		cmocka_unit_test(test_setup_sql),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
