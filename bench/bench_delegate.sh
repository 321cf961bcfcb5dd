#!/bin/sh
# bench_delegate: wall time of N parallel subagents against the fake LLM
# server with a fixed latency per response, as a ratio to one subagent
# (target: 4 children under 1.2x one child).  Each run is the whole
# `archie -p` process: the main agent's Task turn, the children, and its
# final turn; the median of 5 runs is reported.
#
#   bench_delegate.sh ARCHIE FAKELLM [LATENCY_MS]
set -eu
ARCHIE=$(realpath "$1")
FAKELLM=$(realpath "$2")
LAT=${3:-400}
T=$(mktemp -d "${TMPDIR:-/tmp}/archie-bench-XXXXXX")
trap 'rm -rf "$T"' EXIT
FAKE_PID=
export HOME="$T/home" XDG_STATE_HOME="$T/state" XDG_CONFIG_HOME="$T/config" ARCHIE_LOG=error
unset ANTHROPIC_API_KEY OPENAI_BASE_URL OLLAMA_HOST
mkdir -p "$T/ws" "$HOME" && cd "$T/ws" && git init -q . 2>/dev/null || mkdir -p .git

# script N: the main agent asks for N database-optimizer children
script() {
	calls=""
	i=1
	while [ "$i" -le "$1" ]; do
		calls="$calls${calls:+,}{\"id\":\"t$i\",\"name\":\"Task\",\"arguments\":{\"prompt\":\"job $i\",\"subagent_type\":\"database-optimizer\"}}"
		i=$((i + 1))
	done
	printf '{"responses":[{"when":{"system_contains":"You are a database specialist"},"repeat":true,"latency_ms":%s,"turn":{"text":"report"}},' "$LAT"
	printf '{"when":{"system_contains":"backend architect"},"turn":{"tool_calls":[%s]}},' "$calls"
	printf '{"when":{"system_contains":"backend architect"},"turn":{"text":"done"}}]}'
}

# run N: ms for one whole run with N children
run() {
	script "$1" > "$T/script.json"
	rm -f "$T/port"
	"$FAKELLM" --script "$T/script.json" --log /dev/null --port-file "$T/port" >/dev/null 2>&1 &
	FAKE_PID=$!
	n=0
	while [ ! -s "$T/port" ]; do
		n=$((n + 1))
		[ "$n" -lt 500 ] || { echo "bench_delegate: the fake server did not start" >&2; exit 1; }
		sleep 0.01
	done
	t0=$(date +%s%N)
	OPENAI_BASE_URL="http://127.0.0.1:$(cat "$T/port")/v1" OPENAI_API_KEY=sk-bench \
		"$ARCHIE" -p "go" --model openai/m --routing off >/dev/null 2>&1
	t1=$(date +%s%N)
	kill $FAKE_PID 2>/dev/null || true
	wait $FAKE_PID 2>/dev/null || true
	FAKE_PID=
	echo $(( (t1 - t0) / 1000000 ))
}

median() { sort -n | sed -n 3p; }

one=$(for _ in 1 2 3 4 5; do run 1; done | median)
four=$(for _ in 1 2 3 4 5; do run 4; done | median)
eight=$(for _ in 1 2 3 4 5; do run 8; done | median)
awk -v a="$one" -v b="$four" -v c="$eight" -v l="$LAT" 'BEGIN {
	printf "  1 child:   %5d ms (fake server latency %d ms per response)\n", a, l
	printf "  4 children:%5d ms  = %.2fx one child (target < 1.2x)\n", b, b / a
	printf "  8 children:%5d ms  = %.2fx one child (max_parallel 4: two waves)\n", c, c / a
}'
