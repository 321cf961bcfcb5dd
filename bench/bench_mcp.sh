#!/bin/sh
# bench_mcp: time from starting interactive archie to its prompt, with three
# MCP servers configured (two good, one that never answers initialize),
# as a ratio to the same start with no MCP servers.  Servers start in the
# background, so the prompt should not wait for them (target: under 1.5x,
# nowhere near the 10 s start timeout).  Median of 5 runs each, in tmux.
#
#   bench_mcp.sh ARCHIE MCPSERVER
set -eu
ARCHIE=$(realpath "$1")
MCPSERVER=$(realpath "$2")
T=$(mktemp -d "${TMPDIR:-/tmp}/archie-bench-XXXXXX")
SOCK="$T/tmux.sock"
trap 'tmux -S "$SOCK" kill-server 2>/dev/null || true; rm -rf "$T"' EXIT
export HOME="$T/home" XDG_STATE_HOME="$T/state" XDG_CONFIG_HOME="$T/config" ARCHIE_LOG=error
export ARCHIE_LOCAL_SERVERS="x=http://127.0.0.1:1" OPENAI_API_KEY=sk-bench OPENAI_BASE_URL=http://127.0.0.1:1/v1
mkdir -p "$HOME" "$T/with" "$T/without"
for d in with without; do (cd "$T/$d" && git init -q . 2>/dev/null || mkdir -p .git); done
cat > "$T/with/.mcp.json" <<JSON
{"mcpServers": {
  "a": {"command": "$MCPSERVER"},
  "b": {"command": "$MCPSERVER"},
  "hangs": {"command": "$MCPSERVER", "args": ["--mode", "silent"]}
}}
JSON

# ms from start to the banner
once() {
	tmux -S "$SOCK" kill-server 2>/dev/null || true
	t0=$(date +%s%N)
	tmux -S "$SOCK" new-session -d -s b -x 200 -y 20 "cd '$T/$1' && '$ARCHIE' --model openai/m"
	n=0
	until tmux -S "$SOCK" capture-pane -t b -p 2>/dev/null | grep -q "agent backend-architect"; do
		n=$((n + 1))
		[ "$n" -lt 5000 ] || { echo "bench_mcp: no prompt" >&2; exit 1; }
	done
	t1=$(date +%s%N)
	tmux -S "$SOCK" kill-server 2>/dev/null || true
	echo $(( (t1 - t0) / 1000000 ))
}
median() { sort -n | sed -n 3p; }
without=$(for _ in 1 2 3 4 5; do once without; done | median)
with=$(for _ in 1 2 3 4 5; do once with; done | median)
awk -v a="$without" -v b="$with" 'BEGIN {
	printf "  to the prompt, no MCP servers:                     %4d ms\n", a
	printf "  to the prompt, 3 MCP servers (one never answers):  %4d ms = %.2fx (target < 1.5x)\n", b, b / (a > 0 ? a : 1)
}'
