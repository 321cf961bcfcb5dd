# archie serve: the HTTP API over a Unix socket and the loopback (token,
# Host), sessions created, prompted, followed as Server-Sent Events (the
# same events as stream-json), approvals answered over HTTP, interrupts,
# four sessions at once, workspaces confined, resume, audit, and a clean
# stop on SIGTERM.
. "$(dirname "$0")/lib.sh"

mkdir -p "$XDG_CONFIG_HOME/archie" "$T_ROOT/wss/a" "$T_ROOT/wss/b" "$T_ROOT/wss/c" "$T_ROOT/wss/d" "$T_ROOT/outside"
config() { fakellm_config; }
SERVE_PID=""
serve_start() {
	"$ARCHIE" "$@" >"$T_ROOT/serve.out" 2>"$T_ROOT/serve.err" &
	SERVE_PID=$!
	for _ in $(seq 1 100); do
		[ -s "$T_ROOT/serve.out" ] && break
		sleep 0.05
	done
}
serve_stop() {
	[ -n "$SERVE_PID" ] || return 0
	kill -TERM "$SERVE_PID" 2>/dev/null
	wait "$SERVE_PID"
	SERVE_RC=$?
	SERVE_PID=""
}
trap 'serve_stop; fakellm_stop; pg_down; rm -rf "$T_ROOT"' EXIT
SOCK="$T_ROOT/archie.sock"
api() { # METHOD PATH [BODY]: sets $out (body) and $code
	if [ $# -ge 3 ]; then
		out=$(curl -s --unix-socket "$SOCK" -X "$1" -w '\n%{http_code}' "http://archie$2" -d "$3")
	else
		out=$(curl -s --unix-socket "$SOCK" -X "$1" -w '\n%{http_code}' "http://archie$2")
	fi
	code=$(printf '%s' "$out" | tail -n 1)
	out=$(printf '%s' "$out" | sed '$d')
}
expect_code() { check "$2 (HTTP $1)" test "$code" = "$1"; }
# events SESSION AFTER SECONDS: the SSE stream's data lines (JSON) for a while
events() {
	timeout "$3" curl -s -N --unix-socket "$SOCK" "http://archie/v1/sessions/$1/events?after=$2" |
		sed -n 's/^data: //p'
}
# wait_result SESSION N: until N result events are in the session's stream
wait_result() {
	for _ in $(seq 1 100); do
		api GET "/v1/sessions/$1"
		[ "$(printf '%s' "$out" | jq -r .prompts)" -ge "$2" ] 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# one fake server for the socket part: its answers in the order the
# requests come (a hosted session keeps the provider it was opened with)
fakellm_start '{"responses":[
 {"turn":{"text":"hello from the model"}},
 {"turn":{"text":"hello from the model"}},
 {"turn":{"tool_calls":[{"id":"w1","name":"Write","arguments":{"path":"one.txt","content":"1\n"}}]}},
 {"turn":{"text":"wrote one"}},
 {"turn":{"tool_calls":[{"id":"w2","name":"Write","arguments":{"path":"two.txt","content":"2\n"}}]}},
 {"turn":{"text":"did not write two"}},
 {"turn":{"tool_calls":[{"id":"b1","name":"Bash","arguments":{"command":"touch ../b/from-a"}}]}},
 {"turn":{"text":"tried"}},
 {"turn":{"tool_calls":[{"id":"w3","name":"Write","arguments":{"path":"../b/written-by-a","content":"x"}}]}},
 {"turn":{"text":"tried again"}},
 {"latency_ms":20000,"turn":{"text":"late"}},
 {"turn":{"text":"resumed"}},
 {"turn":{"tool_calls":[{"id":"e1","name":"mcp__t__ask","arguments":{}}]}},
 {"turn":{"text":"asked"}}]}'
config
run "$ARCHIE" serve
expect_rc 2 "serve needs --socket or --listen"
run "$ARCHIE" serve --listen 0.0.0.0:0
expect_rc 1 "serve never listens beyond the loopback"
expect_err "loopback only" "... saying why"

serve_start serve --socket "$SOCK" --workspaces "$T_ROOT/wss"
check "serve says where it listens (a JSON line)" \
	test "$(jq -r .listening "$T_ROOT/serve.out")" = "unix:$SOCK"
check "the socket is the user's alone (0600)" test "$(stat -c %a "$SOCK")" = 600
api GET /v1/health
expect_code 200 "GET /v1/health"
api POST /v1/sessions '{}'
expect_code 400 "a session needs a workspace"
api POST /v1/sessions "{\"workspace\":\"$T_ROOT/outside\"}"
expect_code 403 "a workspace outside --workspaces is refused"
api POST /v1/sessions "{\"workspace\":\"$T_ROOT/wss/../outside\"}"
expect_code 403 "... however it is spelled"
api POST /v1/sessions '{"workspace":"a","model":7}'
expect_code 400 "a field of the wrong type is refused"
api POST /v1/sessions '{"workspace":"a"}'
expect_code 201 "POST /v1/sessions creates a session"
A=$(printf '%s' "$out" | jq -r .id)
check "... and returns its id, workspace and status" \
	test "$(printf '%s' "$out" | jq -r '.workspace + " " + .status')" = "$T_ROOT/wss/a idle"
api POST /v1/sessions "{\"workspace\":\"$T_ROOT/wss\"}"
expect_code 409 "a workspace holding another session's is refused"
api POST "/v1/sessions/$A/messages" '{"prompt":"hi"}'
expect_code 202 "POST messages accepts a prompt"
wait_result "$A" 1
serve_events=$(events "$A" 0 1)
check "the events stream as SSE: init, text, turn, result" \
	test "$(printf '%s\n' "$serve_events" | jq -r .type | tr '\n' ' ')" = "init text turn result "
(cd "$T_ROOT/wss/b" && "$ARCHIE" -p hi --output-format stream-json > "$T_ROOT/cli.jsonl")
norm='walk(if type == "object" then del(.session_id, .duration_ms, .latency_ms, .cwd) else . end)'
check "the SSE events are stream-json's, field for field" \
	test "$(printf '%s\n' "$serve_events" | jq -c "$norm")" = "$(jq -c "$norm" "$T_ROOT/cli.jsonl")"
api GET "/v1/sessions/nope"
expect_code 404 "an unknown session"
api GET "/v1/sessions/$A/"
expect_code 200 "a trailing slash names the same resource"

# approvals over HTTP
api POST "/v1/sessions/$A/messages" '{"prompt":"write one"}'
sleep 0.5
ev=$(events "$A" 4 1)
check "a call the policy asks about waits as an approval event" \
	json_true_lines "$ev" '.type == "approval" and .name == "Write" and .input.path == "one.txt"'
api GET "/v1/sessions/$A"
check "... and the session says it is waiting" test "$(printf '%s' "$out" | jq -r .status)" = waiting
ap=$(printf '%s\n' "$ev" | jq -r 'select(.type == "approval") | .approval_id')
api POST "/v1/sessions/$A/approvals/$ap" '{"decision":"maybe"}'
expect_code 400 "a decision other than allow, always, deny"
api POST "/v1/sessions/$A/approvals/$ap" '{"decision":"allow"}'
expect_code 200 "the approval is answered over HTTP"
wait_result "$A" 2
check "... and the call ran" test -f "$T_ROOT/wss/a/one.txt"
api POST "/v1/sessions/$A/approvals/$ap" '{"decision":"allow"}'
expect_code 409 "an approval answered already"
api POST "/v1/sessions/$A/messages" '{"prompt":"write two"}'
sleep 0.5
ap=$(events "$A" 0 1 | jq -r 'select(.type == "approval") | .approval_id' | tail -n 1)
api POST "/v1/sessions/$A/approvals/$ap" '{"decision":"deny","reason":"not now"}'
wait_result "$A" 3
check "a denied call did not run" test ! -e "$T_ROOT/wss/a/two.txt"
ev=$(events "$A" 0 1)
check "... and the stream says who denied it and why" \
	json_true_lines "$ev" '.type == "permission" and .verdict == "deny" and .decided_by == "user" and .reason == "not now"'

# a session cannot reach another's workspace
api POST /v1/sessions '{"workspace":"c","mode":"accept"}'
C=$(printf '%s' "$out" | jq -r .id)
api POST "/v1/sessions/$C/messages" '{"prompt":"reach b"}'
sleep 0.5
ap=$(events "$C" 0 1 | jq -r 'select(.type == "approval") | .approval_id' | tail -n 1)
[ -n "$ap" ] && api POST "/v1/sessions/$C/approvals/$ap" '{"decision":"allow"}'
wait_result "$C" 1
check "a command in one session cannot write in another's workspace (even approved)" test ! -e "$T_ROOT/wss/b/from-a"
api POST "/v1/sessions/$C/messages" '{"prompt":"reach b again"}'
sleep 0.5
ev=$(events "$C" 0 1)
check "a write outside the session's workspace is never allowed without asking (accept mode)" \
	json_true_lines "$ev" '.type == "approval" and .input.path == "../b/written-by-a"'
ap=$(printf '%s\n' "$ev" | jq -r 'select(.type == "approval") | .approval_id' | tail -n 1)
api POST "/v1/sessions/$C/approvals/$ap" '{"decision":"deny"}'
wait_result "$C" 2
check "... and denied, nothing was written" test ! -e "$T_ROOT/wss/b/written-by-a"

# interrupt
api POST /v1/sessions '{"workspace":"d"}'
D=$(printf '%s' "$out" | jq -r .id)
api POST "/v1/sessions/$D/messages" '{"prompt":"slow"}'
api POST "/v1/sessions/$D/messages" '{"prompt":"another"}'
expect_code 409 "a prompt while one runs is refused"
sleep 0.3
api POST "/v1/sessions/$D/interrupt"
expect_code 202 "POST interrupt"
check "the run ends at once, interrupted" wait_result "$D" 1
ev=$(events "$D" 0 1)
check "... its result says so" json_true_lines "$ev" '.type == "result" and .exit_reason == "interrupted"'
api POST "/v1/sessions/$D/interrupt"
expect_code 409 "interrupting an idle session"

# resume from events: Last-Event-ID
ev=$(timeout 1 curl -s -N --unix-socket "$SOCK" -H 'Last-Event-ID: 2' "http://archie/v1/sessions/$A/events" | sed -n 's/^id: //p' | head -n 1)
check "Last-Event-ID: the stream goes on after the last event seen" test "$ev" = 3

# listing, audit, deleting, resuming
cat "$T_ROOT/serve.err" >&2
api GET /v1/sessions
expect_json "(.sessions | length) == 3 and (.recorded | length) >= 3" "GET /v1/sessions lists the hosted and the recorded"
api GET "/v1/audit?session=$A&kind=tool"
expect_json '(.events | length) >= 2 and all(.events[]; .session == "'"$A"'")' "GET /v1/audit reads the trail"
api DELETE "/v1/sessions/$D"
expect_code 204 "DELETE closes a session"
api GET "/v1/sessions/$D"
expect_code 404 "... which is gone"
api POST /v1/sessions "{\"workspace\":\"d\",\"resume\":\"$A\"}"
expect_code 409 "a session hosted already is not resumed twice"
api DELETE "/v1/sessions/$A"
api POST /v1/sessions "{\"workspace\":\"a\",\"resume\":\"$A\"}"
expect_code 201 "a closed session is resumed from its record"
R=$(printf '%s' "$out" | jq -r .id)
check "... under its own id" test "$R" = "$A"
api POST "/v1/sessions/$R/messages" '{"prompt":"and now?"}'
wait_result "$R" 1
check "... with its conversation: the request holds the earlier prompts" \
	grep -q "write one" "$FAKE_LOG"

# an MCP server's question (elicitation) answered over HTTP
mkdir -p "$T_ROOT/wss/e"
cat > "$T_ROOT/wss/e/.mcp.json" <<EOF_MCP
{"mcpServers": {"t": {"command": "$MCPSERVER", "args": ["--mode", "full"]}}}
EOF_MCP
api POST /v1/sessions '{"workspace":"e"}'
E=$(printf '%s' "$out" | jq -r .id)
api POST "/v1/sessions/$E/messages" '{"prompt":"ask me"}'
sleep 1
ap=$(events "$E" 0 1 | jq -r 'select(.type == "approval") | .approval_id' | tail -n 1)
api POST "/v1/sessions/$E/approvals/$ap" '{"decision":"allow"}'
sleep 1
ev=$(events "$E" 0 1)
check "an MCP server's question arrives as an elicitation event, with its schema" \
	json_true_lines "$ev" '.type == "elicitation" and .server == "t" and (.schema.properties | has("name"))'
el=$(printf '%s\n' "$ev" | jq -r 'select(.type == "elicitation") | .elicitation_id' | tail -n 1)
api POST "/v1/sessions/$E/elicitations/$el" '{"action":"accept"}'
expect_code 400 "accept without content is refused"
api POST "/v1/sessions/$E/elicitations/$el" '{"action":"accept","content":{"name":"Ann"}}'
expect_code 200 "the elicitation is answered over HTTP"
wait_result "$E" 1
check "... and the server got the answers" \
	req_match "$(req_count)" '.messages[] | select(.tool_call_id == "e1") | .content' '"action":"accept","content":\{"name":"Ann"\}'
api DELETE "/v1/sessions/$E"

# the OpenAPI description: valid, and every operation it names is served
SPEC="$E2E_DIR/../../docs/serve-openapi.yaml"
if [ -x "${REDOCLY:-}" ]; then
	run "$REDOCLY" lint --extends=minimal "$SPEC"
	expect_rc 0 "docs/serve-openapi.yaml is valid OpenAPI 3.1 (redocly lint)"
else
	check "redocly is installed by make test (build/npm)" false
fi
ops=$(awk '/^  \/v1/ { p = $1; sub(/:$/, "", p) } /^    (get|post|delete):/ { m = $1; sub(/:$/, "", m); print toupper(m) " " p }' "$SPEC")
check "the description names the operations ($(printf '%s\n' "$ops" | wc -l))" test "$(printf '%s\n' "$ops" | wc -l)" -ge 10
unserved=""
while read -r m p; do
	path=$(printf '%s' "$p" | sed "s/{id}/$A/; s/{approval}/999/")
	[ "$m $p" = "DELETE /v1/sessions/{id}" ] && continue
	[ "$m $p" = "GET /v1/sessions/{id}/events" ] && continue
	api "$m" "$path" '{}'
	contains "$out" "no route" && unserved="$unserved $m $p"
done <<EOF_OPS
$ops
EOF_OPS
check "every operation of the description is a route of the server${unserved:+ (not:$unserved)}" test -z "$unserved"

serve_stop
check "SIGTERM stops the server cleanly" test "$SERVE_RC" = 0
check "... and removes its socket" test ! -e "$SOCK"

# the loopback: a token on every request, a Host that names the loopback
fakellm_start '{"responses":[{"repeat":true,"latency_ms":300,"turn":{"text":"ok"}}]}'
config
serve_start serve --listen 127.0.0.1:0 --workspaces "$T_ROOT/wss"
PORT=$(jq -r .port "$T_ROOT/serve.out")
TOKEN=$(cat "$(jq -r .token_file "$T_ROOT/serve.out")")
check "a token is made, private to the user" test "$(stat -c %a "$(jq -r .token_file "$T_ROOT/serve.out")")" = 600
printf 'a-token-others-can-read-0123456789\n' > "$T_ROOT/loose-token"
chmod 644 "$T_ROOT/loose-token"
run "$ARCHIE" serve --listen 127.0.0.1:0 --token-file "$T_ROOT/loose-token"
expect_rc 1 "a token file others can read is refused"
expect_err "chmod 600" "... saying how to fix it"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/v1/health")
check "no token: refused (401)" test "$code" = 401
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer wrong-token-0000000000" "http://127.0.0.1:$PORT/v1/health")
check "a wrong token: refused (401)" test "$code" = 401
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" -H "Host: evil.example:$PORT" "http://127.0.0.1:$PORT/v1/health")
check "a Host that is not the loopback (DNS rebinding): refused (403)" test "$code" = 403
tapi() {
	out=$(curl -s -H "Authorization: Bearer $TOKEN" -X "$1" -w '\n%{http_code}' "http://127.0.0.1:$PORT$2" ${3:+-d "$3"})
	code=$(printf '%s' "$out" | tail -n 1)
	out=$(printf '%s' "$out" | sed '$d')
}
tapi GET /v1/health
expect_code 200 "the token: accepted"
# four sessions at once, each its own thread
ids=""
for w in a b c d; do
	tapi POST /v1/sessions "{\"workspace\":\"$w\"}"
	ids="$ids $(printf '%s' "$out" | jq -r .id)"
done
t0=$(date +%s%N)
for id in $ids; do tapi POST "/v1/sessions/$id/messages" '{"prompt":"at once"}'; done
done_all() {
	for id in $ids; do
		tapi GET "/v1/sessions/$id"
		[ "$(printf '%s' "$out" | jq -r .prompts)" = 1 ] || return 1
	done
}
for _ in $(seq 1 100); do done_all && break; sleep 0.05; done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "four sessions run at once (4 x 300 ms answers in ${ms} ms, under 1000)" test "$ms" -lt 1000
serve_stop
check "serve stops with four sessions open" test "$SERVE_RC" = 0

finish
