#!/bin/sh
# Runs every test against the build in $1 (default: build) and prints one
# closing line, "tests: N passed, N failed", that CI reads.
#
#   unit     each build/tests/test_* (cmocka) binary; each test case counts
#   fuzz     each build/tests/*_replay over its kept corpus; one test each
#   e2e      each tests/e2e/t_*.sh against the real binary; each check counts
#
# TESTS=pattern runs only the suites whose name contains pattern.
set -u
B=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
export ARCHIE="$top/$B/archie"
export FAKELLM="$top/$B/tests/fakellm"
export MCPSERVER="$top/$B/tests/mcpserver"
# The recorded streams live beside the project (../shared/fixtures); a
# clone kept elsewhere finds them beside the repository it was cloned from.
FIXTURES="$(cd "$top/.." && pwd)/shared/fixtures"
if [ ! -d "$FIXTURES" ]; then
	origin=$(git -C "$top" remote get-url origin 2>/dev/null || true)
	case "$origin" in
	/*|./*|../*) [ -d "$origin/../shared/fixtures" ] &&
		FIXTURES="$(cd "$origin/../shared/fixtures" && pwd)" ;;
	esac
fi
[ -d "$FIXTURES" ] || echo "tests: no recorded fixtures at $FIXTURES (../shared/fixtures); the replay tests will fail" >&2
export FIXTURES
export TEST_DATA="$top/tests/data"
export REDOCLY="$top/build/npm/node_modules/.bin/redocly"
export MCP_NPM="$top/build/npm-mcp/node_modules/.bin"
export CMOCKA_MESSAGE_OUTPUT=stdout
pattern=${TESTS:-}

pass=0
fail=0
failed_suites=""

selected() {
	[ -z "$pattern" ] && return 0
	case "$1" in *"$pattern"*) return 0 ;; esac
	return 1
}

log=$(mktemp)
trap 'rm -f "$log"' EXIT

for bin in "$B"/tests/test_*; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin")
	selected "$name" || continue
	"$bin" >"$log" 2>&1
	rc=$?
	ok=$(grep -c '^\[       OK \]' "$log")
	run=$(sed -n 's/^\[==========\] \([0-9]*\) test(s) run\./\1/p' "$log" | tail -n 1)
	[ -n "$run" ] || run=$((ok + 1))	# crashed before the summary
	bad=$((run - ok))
	if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then bad=1; fi
	pass=$((pass + ok))
	fail=$((fail + bad))
	if [ "$bad" -ne 0 ]; then
		cat "$log"
		failed_suites="$failed_suites $name"
	fi
	echo "unit: $name: $ok passed, $bad failed"
done

for bin in "$B"/tests/*_replay; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin" _replay)
	selected "$name" || continue
	if "$bin" "tests/fuzz/corpus/$name" >"$log" 2>&1; then
		pass=$((pass + 1))
		echo "fuzz: $name: $(cat "$log")"
	else
		fail=$((fail + 1))
		cat "$log"
		failed_suites="$failed_suites $name"
		echo "fuzz: $name: FAILED"
	fi
done

for t in tests/e2e/t_*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh)
	selected "$name" || continue
	sh "$t" >"$log" 2>&1
	rc=$?
	ok=$(grep -c '^ok ' "$log")
	bad=$(grep -c '^not ok ' "$log")
	if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then bad=1; fi
	pass=$((pass + ok))
	fail=$((fail + bad))
	if [ "$bad" -ne 0 ]; then
		cat "$log"
		failed_suites="$failed_suites $name"
	fi
	grep '^# SKIP' "$log"	# what a suite could not check here, and why
	echo "e2e: $name: $ok passed, $bad failed"
done

[ -n "$failed_suites" ] && echo "failed:$failed_suites"
echo "tests: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
