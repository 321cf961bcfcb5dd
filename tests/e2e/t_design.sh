# archie check-design: the valid fixture passes on PostgreSQL and on
# SQLite; each broken variant (one defect each) gives exactly its expected
# diagnostic; JSON output; exports (the OpenAPI document validated by
# Redocly's linter); the SQLite fallback when PostgreSQL is missing.
. "$(dirname "$0")/lib.sh"

D="$TEST_DATA/design"
cp -r "$D" "$T_ROOT/design"
cd "$T_ROOT/design" || exit 2

run "$ARCHIE" check-design valid.md
expect_rc 0 "the valid design passes"
expect_out "valid.md: 0 errors, 0 warnings (4 endpoints, 2 SQL blocks run on postgresql, 11 JSON blocks)" "its DDL ran on PostgreSQL"

run "$ARCHIE" check-design valid.md --json
expect_json '.ok == true and .errors == 0 and .database == "postgresql" and .endpoints == 4 and .diagnostics == []' "--json"

# every broken variant: exit 1, one error, the exact diagnostic
while IFS='	' read -r f want; do
	run "$ARCHIE" check-design "broken/$f"
	check "$f: exit 1" test "$rc" -eq 1
	check "$f: exactly one error" test "$(printf '%s\n' "$out" | grep -c ': error: ')" = 1
	check "$f: $want" test "$(printf '%s\n' "$out" | head -1)" = "broken/$f:$want"
done < broken/expected.tsv

# the SQLite fallback: asked for, or no PostgreSQL to be found
run "$ARCHIE" check-design --sqlite valid.md
expect_rc 0 "--sqlite: the valid design passes (PostgreSQL spellings translated)"
expect_out "valid.md:117: warning: the DDL was run on SQLite in memory, not PostgreSQL (--sqlite was given), so PostgreSQL-specific syntax was not checked" "--sqlite: warns that PostgreSQL syntax was not checked"
ARCHIE_PG_BINDIR="$T_ROOT/no-pg" run "$ARCHIE" check-design valid.md
expect_rc 0 "without PostgreSQL the check still runs"
expect_out "warning: the DDL was run on SQLite in memory, not PostgreSQL (no PostgreSQL server programs (initdb, postgres) were found; install Debian's postgresql package, or set ARCHIE_PG_BINDIR)" "and says why PostgreSQL was not used"
for c in "12-ddl-syntax-error.md:155: warning: SQLite could not run this statement (near \"NUL\": syntax error); PostgreSQL may accept it, so it was not judged" \
	 "13-fk-without-index.md:154: error: foreign key payments (order_id) -> orders has no index" \
	 "14-table-without-pk.md:162: error: table audit_log has no primary key" \
	 "15-duplicate-index.md:161: error: indexes payments_order_id_idx and payments_by_order on payments are duplicates" \
	 "16-fk-to-missing-table.md:158: error: foreign key payments (refund_of) references table refunds, which does not exist"; do
	run "$ARCHIE" check-design --sqlite "broken/${c%%:*}"
	expect_out "broken/$c" "sqlite: ${c%%:*}"
done

# exports
run "$ARCHIE" check-design --export sql valid.md
expect_rc 0 "--export sql"
expect_out "CREATE TABLE order_items (" "the DDL is exported"
check "the SQL export has all four tables, in document order" \
	test "$(printf '%s\n' "$out" | sed -n 's/^CREATE TABLE \([a-z_]*\).*/\1/p' | tr '\n' ' ')" = "users orders order_items payments "
"$ARCHIE" check-design --export openapi valid.md > openapi.yaml 2>"$T_ROOT/.err"
rc=$?
out=$(cat openapi.yaml)
expect_rc 0 "--export openapi"
expect_out 'openapi: 3.1.0' "an OpenAPI 3.1 document"
expect_out '/v1/orders/{id}/payments' "with the paths"
check "keys and strings are plain where YAML allows, not quoted" sh -c '! printf "%s" "$0" | grep -q "\"paths\":"' "$out"
expect_out '"201":' "and the status codes"
if [ -x "${REDOCLY:-}" ]; then
	run "$REDOCLY" lint --extends=minimal openapi.yaml
	expect_rc 0 "the export validates as OpenAPI 3.1 (redocly lint)"
	expect_err "Your API description is valid" "redocly says it is valid"
else
	check "redocly is installed by make test (build/npm)" false
fi

# bad input: a clear error, not a crash
run "$ARCHIE" check-design missing.md
expect_rc 1 "a missing file"
expect_err "missing.md" "names the file"
printf 'just some text\n' > plain.md
run "$ARCHIE" check-design plain.md
expect_rc 1 "a document with none of the sections"
check "all seven are reported missing" test "$(printf '%s\n' "$out" | grep -c 'missing section')" = 7
run "$ARCHIE" check-design --export openapi plain.md
expect_rc 1 "nothing to export"
expect_err "has no API Contracts with endpoints to export" "says so"
# ---- archie design: a failing draft, the checker's report sent back, a passing repair ----
export OPENAI_API_KEY=sk-test
fakellm_start "$(jq -n --rawfile a broken/08-create-not-201.md --rawfile b valid.md \
	'{responses: [{turn: {text: $a}},
	              {turn: {text: ("Here is the corrected design.\n\n```markdown\n" + $b + "```\n")}}]}')"
export OPENAI_BASE_URL="$FAKE_URL"
cd "$WS" || exit 2
run "$ARCHIE" design "an order service for a small shop" --model openai/m
expect_err "archie: checking the draft (" "design says what it is doing (checking each draft)"
check "... and draws no spinner when stderr is not a terminal" sh -c '! printf "%s" "$0" | grep -q "waiting for the model ·"' "$err"
expect_rc 0 "design: the repaired document passes (exit 0)"
F="$WS/docs/architecture/an-order-service-for-a-small-shop.md"
check "design: written to docs/architecture/<slug>.md" test -f "$F"
check "design: the file is the repaired document, unwrapped" cmp -s "$F" "$T_ROOT/design/valid.md"
expect_out "passes the check after 1 repair round" "design: the final report says so"
check "design: two requests: the draft and one repair" test "$(req_count)" = 2
check "design: the first request asks for the seven sections" req_match 1 '.messages[1].content' "seven sections"
check "design: the repair request carries the checker's diagnostics" \
	req_match 2 '.messages[-1].content' "an-order-service-for-a-small-shop.md:37: error: POST /v1/orders creates a resource: its success status should be 201"
check "design: the model is offered CheckDesign" test "$(req 1 '[.tools[].function.name] | index("CheckDesign") != null')" = true

fakellm_start "$(jq -n --rawfile a "$T_ROOT/design/broken/08-create-not-201.md" '{responses: [{turn: {text: $a}}]}')"
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" design "a shop" --model openai/m --repair-rounds 0 --out out/shop.md
expect_rc 1 "design: still failing after the rounds: exit 1"
expect_out "out/shop.md:37: error: POST /v1/orders creates a resource" "design: the final report is printed"
expect_out "still failing the check after 0 repair rounds" "design: and says it still fails"

# the CheckDesign tool, called by the model
fakellm_start '{"responses":[
 {"turn":{"tool_calls":[{"id":"c1","name":"CheckDesign","arguments":{"path":"out/shop.md"}}]}},
 {"turn":{"text":"checked"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "check my draft" --model openai/m --routing off
expect_rc 0 "CheckDesign runs without approval (it only reads)"
check "CheckDesign returns the diagnostics" req_match 2 '.messages[-1].content' "out/shop.md:37: error: POST /v1/orders creates a resource"
# several sections missing: what a design holds is explained once
printf '# Shop\n\n## 1. Executive Summary\n\nA shop.\n' > gaps.md
run "$ARCHIE" check-design gaps.md
expect_rc 1 "a design with six sections missing fails"
check "each missing section is an error" test "$(printf '%s\n' "$out" | grep -c "error: missing section")" = 6
check "... the seven sections are listed once, not six times" test "$(printf '%s\n' "$out" | grep -c "a design has seven sections")" = 1

finish
