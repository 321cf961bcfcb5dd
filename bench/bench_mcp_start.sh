#!/bin/sh
# bench_mcp_start: time from starting `archie -p` to its first model request
# (as the fake LLM server logs it), with ten stdio MCP servers configured,
# against the same with none.  Servers start in parallel, and the first
# request waits only for them (target: under 20 ms more).  Median of 7.
#
#   bench_mcp_start.sh ARCHIE FAKELLM MCPSERVER
set -eu
ARCHIE=$(realpath "$1")
FAKELLM=$(realpath "$2")
MCPSERVER=$(realpath "$3")
T=$(mktemp -d "${TMPDIR:-/tmp}/archie-bench-XXXXXX")
trap 'kill "$FPID" 2>/dev/null || true; rm -rf "$T"' EXIT
export HOME="$T/home" XDG_STATE_HOME="$T/state" XDG_CONFIG_HOME="$T/config" ARCHIE_LOG=error
export OPENAI_API_KEY=sk-bench
mkdir -p "$HOME" "$T/with" "$T/without"
for d in with without; do (cd "$T/$d" && git init -q . 2>/dev/null || mkdir -p .git); done
{
	printf '{"mcpServers": {'
	for i in 0 1 2 3 4 5 6 7 8 9; do
		printf '%s"s%d": {"command": "%s"}' "$([ "$i" = 0 ] || echo ,)" "$i" "$MCPSERVER"
	done
	printf '}}\n'
} > "$T/with/.mcp.json"
{
	printf '{"responses":['
	for i in $(seq 1 40); do printf '%s{"turn":{"text":"ok"}}' "$([ "$i" = 1 ] || echo ,)"; done
	printf ']}\n'
} > "$T/script.json"
f0=$(date +%s%N)
"$FAKELLM" --script "$T/script.json" --log "$T/log.jsonl" --port-file "$T/port" 2>/dev/null &
FPID=$!
for _ in $(seq 1 200); do [ -s "$T/port" ] && break; sleep 0.01; done
export OPENAI_BASE_URL="http://127.0.0.1:$(cat "$T/port")/v1"

# ms from start to the request (the fake server's clock, offset by when it started)
once() {
	t0=$(date +%s%N)
	(cd "$T/$1" && "$ARCHIE" -p hi --model openai/m --routing off >/dev/null 2>&1)
	ms=$(tail -1 "$T/log.jsonl" | jq -r .t_ms)
	echo $(( (f0 / 1000000 + ms) - t0 / 1000000 ))
}
median() { sort -n | sed -n 4p; }
once without >/dev/null; once with >/dev/null	# warm the caches
without=$(for _ in 1 2 3 4 5 6 7; do once without; done | median)
with=$(for _ in 1 2 3 4 5 6 7; do once with; done | median)
awk -v a="$without" -v b="$with" 'BEGIN {
	printf "  to the first model request, no MCP servers:        %4d ms\n", a
	printf "  to the first model request, 10 stdio MCP servers:  %4d ms = +%d ms (target < +20 ms), %.2fx\n", b, b - a, b / (a > 0 ? a : 1)
}'
