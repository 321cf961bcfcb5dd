#!/bin/sh
# bench_serve: archie serve's cost, against references measured in the
# same run:
#   - per request: 500 GET /v1/health on one kept-alive connection over
#     the loopback (token checked), against 500 GET /v1/models of the fake
#     LLM server (a minimal C HTTP server: the floor of a round trip);
#   - per idle session: the server's resident memory with 20 idle sessions
#     against none (target: under 2 MB each).
#
#   bench_serve.sh ARCHIE FAKELLM
set -eu
ARCHIE=$(realpath "$1")
FAKELLM=$(realpath "$2")
T=$(mktemp -d "${TMPDIR:-/tmp}/archie-bench-XXXXXX")
SPID=""
trap 'kill "$FPID" 2>/dev/null || true; [ -n "$SPID" ] && kill "$SPID" 2>/dev/null; rm -rf "$T"' EXIT
export HOME="$T/home" XDG_STATE_HOME="$T/state" XDG_CONFIG_HOME="$T/config" ARCHIE_LOG=error
mkdir -p "$HOME" "$XDG_CONFIG_HOME/archie" "$T/ws"
echo '{"responses":[{"repeat":true,"turn":{"text":"ok"}}]}' > "$T/script.json"
"$FAKELLM" --script "$T/script.json" --log "$T/log.jsonl" --port-file "$T/port" 2>/dev/null &
FPID=$!
for _ in $(seq 1 200); do [ -s "$T/port" ] && break; sleep 0.01; done
FPORT=$(cat "$T/port")
cat > "$XDG_CONFIG_HOME/archie/config.yaml" <<YAML
providers:
  fake: {api: openai, base_url: "http://127.0.0.1:$FPORT/v1"}
models:
  free: {provider: fake, id: m}
default_model: free
YAML
export FAKE_KEY=unused
"$ARCHIE" serve --listen 127.0.0.1:0 --workspaces "$T/ws" >"$T/serve.out" 2>/dev/null &
SPID=$!
for _ in $(seq 1 200); do [ -s "$T/serve.out" ] && break; sleep 0.01; done
PORT=$(jq -r .port "$T/serve.out")
TOKEN=$(cat "$(jq -r .token_file "$T/serve.out")")

N=500
urls() { for _ in $(seq 1 $N); do printf '%s ' "$1"; done; }
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
# warm both
curl -s -H "Authorization: Bearer $TOKEN" $(urls "http://127.0.0.1:$PORT/v1/health" | cut -d" " -f1-20) >/dev/null
curl -s $(urls "http://127.0.0.1:$FPORT/v1/models" | cut -d' ' -f1-20) >/dev/null
t0=$(date +%s%N)
curl -s -H "Authorization: Bearer $TOKEN" $(urls "http://127.0.0.1:$PORT/v1/health") >/dev/null
serve_ms=$(ms "$t0")
t0=$(date +%s%N)
curl -s $(urls "http://127.0.0.1:$FPORT/v1/models") >/dev/null
floor_ms=$(ms "$t0")
awk -v s="$serve_ms" -v f="$floor_ms" -v n="$N" 'BEGIN {
	printf "  a request to archie serve:        %6.1f us (%d in %d ms)\n", 1000 * s / n, n, s
	printf "  a request to a minimal C server:  %6.1f us: serve is %.2fx\n", 1000 * f / n, (s > 0 ? s : 1) / (f > 0 ? f : 1)
}'

rss() { awk '/^VmRSS/ { print $2 }' "/proc/$SPID/status"; }
mkdir -p "$T/ws/s0"
curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" -X POST "http://127.0.0.1:$PORT/v1/sessions" -d '{"workspace":"s0"}'
before=$(rss)
for i in $(seq 1 20); do
	mkdir -p "$T/ws/s$i"
	curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" -X POST "http://127.0.0.1:$PORT/v1/sessions" -d "{\"workspace\":\"s$i\"}"
done
sleep 0.5
after=$(rss)
awk -v b="$before" -v a="$after" 'BEGIN {
	printf "  resident memory, one session: %6.1f MB; with 20 more idle: %6.1f MB\n", b / 1024, a / 1024
	printf "  memory per idle session:      %6.2f MB (target < 2 MB), %.2fx the target\n", (a - b) / 20 / 1024, (a - b) / 20 / 1024 / 2
}'
