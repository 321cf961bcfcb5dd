# The design checker on real documents: every real-schema design of
# ../shared/corpora/designs/schemas/ gets exactly the findings written down
# in tests/data/design/corpus/ (each a real finding of a documented rule;
# see its README), on PostgreSQL.  And what running real DDL needs: the
# roles a dump names, no cap on statements, a document's own transaction,
# NOTICEs kept in the report, and suggested fixes that are valid SQL.
. "$(dirname "$0")/lib.sh"

CORPUS="$FIXTURES/../corpora/designs/schemas"
EXPECTED="$TEST_DATA/design/corpus"
[ -d "$CORPUS" ] || { echo "not ok 1 - the corpus is at $CORPUS"; exit 1; }
for doc in "$CORPUS"/*.md; do
	name=$(basename "$doc" .md)
	run "$ARCHIE" check-design --json "$doc"
	got=$(printf '%s' "$out" | jq -r '.diagnostics[] | select(.severity == "error") | "\(.line): \(.message)"')
	check "$name: exactly the real findings" test "$got" = "$(cat "$EXPECTED/$name.errors")"
	check "$name: run on PostgreSQL" test "$(printf '%s' "$out" | jq -r .database)" = postgresql
	check "$name: nothing printed raw on stderr" test -z "$err"
done

# the suggested indexes are valid SQL: added to the schema, their findings go
pg_fixes() {	# pg_fixes DOC: the doc with its suggested CREATE INDEXes appended to the Data Schema
	"$ARCHIE" check-design --json "$1" | jq -r '.diagnostics[].message | capture("add (?<sql>CREATE INDEX ON .*;)$").sql' > "$T_ROOT/fixes.sql"
	awk -v fixes="$T_ROOT/fixes.sql" '
		/^#+ .*Technology Stack Rationale/ && !done { print "```sql"; while ((getline l < fixes) > 0) print l; print "```"; print ""; done = 1 }
		{ print }' "$1"
}
for name in hoppscotch supabase-postgres-meta parking; do
	pg_fixes "$CORPUS/$name.md" > "$T_ROOT/$name-fixed.md"
	check "$name: there were fixes to try" test -s "$T_ROOT/fixes.sql"
	run "$ARCHIE" check-design --json "$T_ROOT/$name-fixed.md"
	check "$name: the suggested CREATE INDEXes run (no DDL error)" \
		test "$(printf '%s' "$out" | jq '[.diagnostics[] | select(.message | startswith("the DDL fails"))] | length')" = 0
	check "$name: ... and the foreign-key findings are gone" \
		test "$(printf '%s' "$out" | jq '[.diagnostics[] | select(.message | contains("has no index"))] | length')" = 0
done

# roles, transactions, statements without a cap, NOTICEs
doc() {	# doc SQL-FILE: a valid seven-section design with that Data Schema
	sed -n '1,/^## 5\. Data Schema/p' "$TEST_DATA/design/valid.md"
	echo
	echo '```sql'
	cat "$1"
	echo '```'
	echo
	sed -n '/^## 6\. Technology Stack Rationale/,$p' "$TEST_DATA/design/valid.md"
}
cat > "$T_ROOT/roles.sql" <<'SQL'
CREATE TABLE notes (id bigint PRIMARY KEY, body text NOT NULL);
ALTER TABLE notes OWNER TO postgres;
GRANT SELECT ON notes TO anon, authenticated;
CREATE ROLE editor;
GRANT UPDATE ON notes TO editor;
SQL
doc "$T_ROOT/roles.sql" > "$T_ROOT/roles.md"
run "$ARCHIE" check-design --json "$T_ROOT/roles.md"
expect_json '.errors == 0' "roles: OWNER TO postgres and grants to roles the DDL never creates are no errors"
expect_json '[.diagnostics[] | select(.severity == "warning") | .message] | any(contains("(anon, authenticated): they were assumed to exist"))' "roles: ... the assumed ones are named in a warning (not postgres, not the DDL's own)"

cat > "$T_ROOT/tx.sql" <<'SQL'
BEGIN;
CREATE TABLE a (id bigint PRIMARY KEY);
CREATE TABLE b (id bigint PRIMARY KEY, a_id bigint REFERENCES nowhere (id));
CREATE TABLE c (id bigint PRIMARY KEY);
CREATE INDEX ON c (id);
COMMIT;
CREATE TABLE d (id bigint PRIMARY KEY);
SQL
doc "$T_ROOT/tx.sql" > "$T_ROOT/tx.md"
run "$ARCHIE" check-design --json "$T_ROOT/tx.md"
expect_json '[.diagnostics[] | select(.severity == "error")] | length == 1' "transaction: one error, not a cascade of 'current transaction is aborted'"
expect_json '.diagnostics[] | select(.severity == "error") | .message | contains("relation \"nowhere\" does not exist") and contains("aborts the transaction begun at line")' "transaction: the error says what follows up to COMMIT was not checked"
expect_json '.tables == 1' "transaction: rolled back as PostgreSQL would (only d, after COMMIT, exists)"

awk 'BEGIN { for (i = 1; i <= 600; i++) printf "CREATE TABLE t%d (id bigint PRIMARY KEY);\n", i }' > "$T_ROOT/many.sql"
doc "$T_ROOT/many.sql" > "$T_ROOT/many.md"
run "$ARCHIE" check-design --json "$T_ROOT/many.md"
expect_json '.errors == 0 and .tables == 600' "600 tables in one block: every statement runs (no cap)"

printf 'DROP TABLE IF EXISTS gone;\nCREATE TABLE e (id bigint PRIMARY KEY);\n' > "$T_ROOT/notice.sql"
doc "$T_ROOT/notice.sql" > "$T_ROOT/notice.md"
run "$ARCHIE" check-design "$T_ROOT/notice.md"
expect_rc 0 "a NOTICE is no error"
check "NOTICEs are in the report, at their statement's line" sh -c "printf '%s' \"\$0\" | grep -Eq 'notice.md:[0-9]+: note: NOTICE: +table \"gone\" does not exist, skipping'" "$out"
check "... never printed raw" test -z "$err"
run "$ARCHIE" check-design --json "$T_ROOT/notice.md"
expect_json '.notices | length == 1 and (.[0].message | contains("does not exist, skipping"))' "--json: notices"
finish
