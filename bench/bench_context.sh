#!/bin/sh
# bench_context: a long session against a 100k-token window.  The task
# reads 40 documents of about 6k tokens each, then answers with a value
# found in one of them (document 17).  The fake server enforces the window
# (each real server's error past it) and bills what it is sent (characters
# / 4, with Anthropic's cache breakpoints and OpenAI's prefix cache).
# Reported per protocol: done or not, requests, the largest prompt, the
# compactions, and the input billed as Anthropic prices it (cache reads
# 0.1x, cache writes 1.25x), against Claude Code's measured 690k
# token-equivalents on the same task (target: at most 0.75x of that).
#
#   bench_context.sh ARCHIE FAKELLM
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
ARCHIE=$(realpath "$1")
FAKELLM=$(realpath "$2")
T=$(mktemp -d "${TMPDIR:-/tmp}/archie-bench-ctx-XXXXXX")
trap 'kill $FAKE_PID 2>/dev/null || true; rm -rf "$T"' EXIT
FAKE_PID=
export HOME="$T/home" XDG_STATE_HOME="$T/state" XDG_CONFIG_HOME="$T/config" ARCHIE_LOG=error
export OPENAI_API_KEY=sk-bench ANTHROPIC_API_KEY=sk-bench
WINDOW=100000
mkdir -p "$HOME" "$T/ws/docs" "$T/ws/.archie"
cd "$T/ws"
git init -q . 2>/dev/null || true
. "$TOP/tests/e2e/long_session.sh"
long_docs
cat > .archie/config.yaml <<YAML
models:
  m-openai: {provider: openai, id: m, context: $WINDOW}
  m-anthropic: {provider: anthropic, id: m, context: $WINDOW}
YAML

for proto in anthropic openai; do
	long_script "$WINDOW" "$proto" > "$T/script.json"
	rm -f "$T/port" "$T/log"
	"$FAKELLM" --script "$T/script.json" --log "$T/log" --port-file "$T/port" >/dev/null 2>&1 &
	FAKE_PID=$!
	n=0
	while [ ! -s "$T/port" ]; do
		n=$((n + 1)); [ "$n" -lt 500 ] || { echo "bench_context: no fake server" >&2; exit 1; }
		sleep 0.01
	done
	export OPENAI_BASE_URL="http://127.0.0.1:$(cat "$T/port")/v1" ANTHROPIC_BASE_URL="http://127.0.0.1:$(cat "$T/port")"
	t0=$(date +%s%N)
	ARCHIE_LOG=debug ARCHIE_LOG_FILE="$T/archie.log" \
	"$ARCHIE" -p "Read the 40 documents in docs/ one by one, then tell me the retention key." \
		--model "m-$proto" --yes --routing off --max-turns 80 --output-format stream-json > "$T/out" 2>/dev/null || true
	t1=$(date +%s%N)
	kill $FAKE_PID 2>/dev/null || true
	wait $FAKE_PID 2>/dev/null || true
	FAKE_PID=
	done_=$(grep -q 'VALUE-4242' "$T/out" && jq -R -r 'fromjson? | select(.type == "result") | .exit_reason' "$T/out" | grep -qx done && echo yes || echo NO)
	reqs=$(wc -l < "$T/log" | tr -d ' ')
	largest=$(jq -r '.body | length' "$T/log" | sort -n | tail -n 1)
	compactions=$(jq -R -r 'fromjson? | select(.type == "compaction") | .type' "$T/out" | wc -l | tr -d ' ')
	# archie's estimate before each request against what the server
	# counted (the loop's requests, not the summaries'), and the time a
	# compaction took archie itself
	grep -o 'context estimate [0-9]*' "$T/archie.log" | awk '{ print $3 }' > "$T/est"
	jq -r 'select(.body | contains("archie-compaction-request") | not) | .body | length / 4 | floor' "$T/log" > "$T/real"
	paste "$T/est" "$T/real" | awk '$2 > 0 { d = ($1 - $2) / $2; if (d < 0) d = -d; if (d > m) m = d } END {
		printf "  %-9s context estimate within %.1f%% of what the server counted (target: 10%%)\n", p, m * 100 }' p="$proto"
	grep -o 'in [0-9.]* ms of archie' "$T/archie.log" | awk '{ if ($2 > m) m = $2 } END {
		printf "  %-9s a compaction took at most %.2f ms of archie'"'"'s CPU (target: under 5 ms)\n", p, m }' p="$proto"
	rm -f "$T/archie.log"
	jq -R -r 'fromjson? | select(.type == "result") | .usage | "\(.input_tokens) \(.cache_read_tokens) \(.cache_write_tokens)"' "$T/out" |
	awk -v p="$proto" -v d="$done_" -v r="$reqs" -v l="$largest" -v c="$compactions" -v w="$WINDOW" -v ms=$(( (t1 - t0) / 1000000 )) '{
		billed = $1 + 0.1 * $2 + 1.25 * $3
		printf "  %-9s done: %s; %d requests, largest prompt %d tokens of %d, %d compactions, %d ms\n", p, d, r, l / 4, w, c, ms
		printf "  %-9s input billed: %d token-equivalents (%d uncached, %d cache reads, %d cache writes) = %.2fx Claude Code'"'"'s 690k (target: at most 0.75x)\n", p, billed, $1, $2, $3, billed / 690000
	}'
done
