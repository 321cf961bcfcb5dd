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

# the SQLite fallback invents nothing: each error it reports is at a line
# where PostgreSQL finds a real one; what it cannot run is a warning
for doc in "$CORPUS"/*.md; do
	name=$(basename "$doc" .md)
	run "$ARCHIE" check-design --sqlite --json "$doc"
	extra=$(printf '%s' "$out" | jq -r '.diagnostics[] | select(.severity == "error") | .line' | sort -u |
		comm -23 - "$(cut -d: -f1 "$EXPECTED/$name.errors" | sort -u > "$T_ROOT/pg-lines"; echo "$T_ROOT/pg-lines")")
	check "sqlite $name: no finding PostgreSQL does not make" test -z "$extra"
	check "sqlite $name: says SQLite ran" test "$(printf '%s' "$out" | jq -r .database)" = sqlite
done
run "$ARCHIE" check-design --sqlite --json "$CORPUS/parking.md"
expect_json '[.diagnostics[] | select(.severity == "warning") | .message] | any(. == "SQLite has no equivalent for create schema (2), so they were not run or checked")' "sqlite: one warning per kind it skipped, with its count"
expect_json '[.diagnostics[] | select(.severity == "error") | .message] | any(startswith("foreign key accounts.session (admin_id)"))' "sqlite: schema-qualified tables run (accounts.session), named as the document names them"

# designs written by LLMs: only the fair findings written down for each
LLM="$FIXTURES/../corpora/designs/llm"
for doc in "$LLM"/*.md; do
	name=$(basename "$doc" .md)
	run "$ARCHIE" check-design --json "$doc"
	got=$(printf '%s' "$out" | jq -r '.diagnostics[] | select(.severity == "error") | "\(.line): \(.message)"')
	check "llm $name: exactly the fair findings" test "$got" = "$(cat "$EXPECTED/llm/$name.errors")"
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

# the template cluster: made once (aside, then renamed), shared by checks
# running at once
export XDG_CACHE_HOME="$T_ROOT/cache-parallel"
for i in 1 2 3 4; do
	("$ARCHIE" check-design --json "$TEST_DATA/design/valid.md" > "$T_ROOT/par$i.json" 2>&1; echo $? > "$T_ROOT/par$i.rc") &
done
wait
for i in 1 2 3 4; do
	check "template: check $i of 4 at once passed" test "$(cat "$T_ROOT/par$i.rc")" = 0
	check "template: ... on PostgreSQL" test "$(jq -r .database "$T_ROOT/par$i.json")" = postgresql
done
check "template: one template was kept, whole" test "$(ls "$T_ROOT/cache-parallel/archie/pg-template" | grep -vc tmp)" = 1
check "template: no half-made one is left" test -z "$(ls "$T_ROOT/cache-parallel/archie/pg-template" | grep tmp)"
run "$ARCHIE" check-design --json "$TEST_DATA/design/valid.md"
expect_json '.ok == true and .database == "postgresql"' "template: a check from the template passes"
unset XDG_CACHE_HOME

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

# documents as people and models write them: each variant of the valid
# design must still pass (the finding it used to get named in each case)
V="$TEST_DATA/design/valid.md"
variant() {	# variant NAME SED-SCRIPT: valid.md changed, checked, must pass
	sed "$2" "$V" > "$T_ROOT/$1.md"
	run "$ARCHIE" check-design --json "$T_ROOT/$1.md"
	check "$1: passes" test "$(printf '%s' "$out" | jq -r '[.diagnostics[] | select(.severity == "error") | "\(.line): \(.message)"] | join("; ")')" = ""
}
variant emoji-headings 's/^## \([1-7]\)\./## 🚀 \1./'
variant bold-sections 's/^## \([1-7]\. .*\)$/**\1**/'
variant setext-sections '/^## [1-7]\. /{s/^## //;p;s/.*/============/;}'
variant numbered-considerations 's/^### Scalability/### 7.1 Scalability/; s/^### Security/### 7.2 Security/; s/^### Observability/### 1. Observability/'
variant portuguese-sections 's/^## 1\. Executive Summary/## 1. Resumo Executivo/; s/^## 3\. Service Definitions/## 3. Definição dos Serviços/; s/^## 7\. Key Considerations/## 7. Considerações Principais/'
variant german-sections 's/^## 2\. Architecture Overview/## 2. Architekturüberblick/; s/^## 5\. Data Schema/## 5. Datenschema/'
variant endpoint-label 's/^### \(POST \/v1\/orders\)$/### Create an order\n\n**Endpoint:** `\1`/'
# endpoints as an OpenAPI block, and as a table of method and path
sed -n '1,/^## 4\. API Contracts/p' "$V" > "$T_ROOT/openapi.md"
cat >> "$T_ROOT/openapi.md" <<'MD'

All errors use one envelope.

```yaml
openapi: 3.1.0
info: {title: Orders, version: "1"}
paths:
  /v1/orders:
    post:
      summary: Create an order
      requestBody:
        content:
          application/json:
            example: {user_id: "u1", items: [{sku: "SKU-1", quantity: 2}]}
      responses:
        "201":
          description: Created
          content:
            application/json:
              example: {id: "o1", status: pending}
        "422":
          description: Invalid
          content:
            application/json:
              example: {error: {code: invalid_quantity, message: "quantity must be at least 1"}}
  /v1/orders/{id}:
    get:
      responses:
        "200": {description: OK}
        "404":
          description: Not found
          content:
            application/json:
              example: {fault: "no order"}
    delete:
      responses:
        "204": {description: Deleted}
```

MD
sed -n '/^## 5\. Data Schema/,$p' "$V" >> "$T_ROOT/openapi.md"
run "$ARCHIE" check-design --json "$T_ROOT/openapi.md"
expect_json '.endpoints == 3' "openapi: a YAML OpenAPI block's operations are endpoints"
expect_json '[.diagnostics[] | select(.severity == "error") | .message] | sort == ["DELETE /v1/orders/{id} has no error response with its status code (4xx or 5xx)", "GET /v1/orders/{id}: this error response'"'"'s envelope {fault} differs from the one used first (line 53: {error{code, message}}); use one error envelope throughout"]' "openapi: checked like the others (responses' codes, examples, envelopes)"
expect_json '[.diagnostics[] | select(.message | startswith("DELETE"))][0].line == 67' "openapi: a finding at its operation's line"
sed -n '1,/^## 4\. API Contracts/p' "$V" > "$T_ROOT/table.md"
cat >> "$T_ROOT/table.md" <<'MD'

| Method | Path | Status codes | Description |
|--------|------|--------------|-------------|
| `GET` | `/v1/orders/{id}` | 200, 404 | Fetch an order (max 250 items) |
| `DELETE` | `/v1/orders/{id}` | 204 | Delete one |

MD
sed -n '/^## 5\. Data Schema/,$p' "$V" >> "$T_ROOT/table.md"
run "$ARCHIE" check-design --json "$T_ROOT/table.md"
expect_json '.endpoints == 2' "table: a table of method and path defines endpoints"
expect_json '[.diagnostics[] | select(.severity == "error") | .message] == ["DELETE /v1/orders/{id} has no error response with its status code (4xx or 5xx)"]' "table: codes from its status column only (not '250 items')"

# a German error label; a body given as None; a multipart form as a table
variant german-error 's/^Error 404 Not Found:/Fehler 404 (nicht gefunden):/'
variant body-none '/^### POST \/v1\/orders\/{id}\/payments/,/^Response 201/{/^Request:/,/^```$/d;s/^Captures a payment for an order\.$/Captures a payment for an order.\n\n**Request Body**: None (the card on file is charged)/}'
# a section of common errors counts for every endpoint
sed '/^Error 404 Not Found:/,/^```$/d' "$V" > "$T_ROOT/no-errors.md"
run "$ARCHIE" check-design --json "$T_ROOT/no-errors.md"
check "an endpoint with no error response is a finding" sh -c "printf '%s' \"\$0\" | grep -q 'has no error response'" "$out"
cat "$T_ROOT/no-errors.md" > "$T_ROOT/common-errors.md"
printf '\n## Appendix: Common Error Responses\n\nEvery endpoint may answer 401 Unauthorized or 500:\n\n```json\n{"error": {"code": "unauthorized", "message": "sign in"}}\n```\n' >> "$T_ROOT/common-errors.md"
run "$ARCHIE" check-design --json "$T_ROOT/common-errors.md"
check "... not when the document has a section of common error responses" sh -c "! printf '%s' \"\$0\" | grep -q 'has no error response'" "$out"
# a document store's schema as code; a document too big
sed '/^## 5\. Data Schema/,/^## 6\./{/^```sql/,/^```$/d}' "$V" | sed 's/^## 5\. Data Schema$/## 5. Data Schema\n\n```javascript\nconst Order = new Schema({ total: Number });\n```/' > "$T_ROOT/mongoose.md"
run "$ARCHIE" check-design --json "$T_ROOT/mongoose.md"
expect_json '[.diagnostics[] | select(.section == "Data Schema")] | map(.severity) == ["warning"]' "a schema given as javascript: a warning that it is not run, not 'no schema'"
head -c 17000000 /dev/zero | tr '\0' 'a' > "$T_ROOT/huge.md"
run "$ARCHIE" check-design --json "$T_ROOT/huge.md"
expect_rc 1 "a document over 16 MB is refused"
expect_json '.ok == false and (.refused | contains("the limit is 16777216 bytes"))' "--json reports the refusal as JSON"
sed -n '1,/^## 6\. Technology Stack Rationale/p' "$V" > "$T_ROOT/rationale.md"
cat >> "$T_ROOT/rationale.md" <<'MD'

### 6.1 PostgreSQL

- Transactions across orders and payments
- Mature tooling
- **vs MongoDB**: joins and constraints matter here

### 6.2 Argon2id for passwords

- Memory-hard
- The OWASP recommendation

| Option | Pros | Cons |
|---|---|---|
| Argon2id | memory-hard | newer |
| bcrypt | everywhere | 72-byte limit |

### 6.3 Redis

Redis statt Memcached: Datenstrukturen und Persistenz.

MD
sed -n '/^## 7\. Key Considerations/,$p' "$V" >> "$T_ROOT/rationale.md"
run "$ARCHIE" check-design --json "$T_ROOT/rationale.md"
expect_json '[.diagnostics[] | select(.section == "Technology Stack Rationale")] | length == 0' "rationale: a sub-heading is one choice, its bullets, **vs X**, a comparison table and German 'statt' counted together"
sed -i 's/statt Memcached: Datenstrukturen und Persistenz/weil es schnell ist/' "$T_ROOT/rationale.md"
run "$ARCHIE" check-design --json "$T_ROOT/rationale.md"
expect_json '[.diagnostics[] | select(.section == "Technology Stack Rationale") | .message] == ["technology choice '"'"'6.3 Redis'"'"' names no alternative it was compared with (say what it was chosen over, and why)"]' "rationale: a choice with no alternative is one finding, at its heading"
finish
