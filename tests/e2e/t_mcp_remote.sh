# MCP over the network, with the test server in its "full" mode:
# Streamable HTTP (the session ended with DELETE; a server that answers a
# forgotten session with 400 initialised again; a server's requests inside
# a call's event stream answered on a second connection: sampling, roots;
# progress) and the older HTTP+SSE transport (the endpoint event, answers
# on the stream, a server's request answered by POST).
. "$(dirname "$0")/lib.sh"

export OPENAI_API_KEY=sk-test

start_server() {	# start_server KIND PORTFILE LOG [ARGS...]
	kind=$1 pf=$2 lg=$3
	shift 3
	rm -f "$pf"
	"$MCPSERVER" --mode full "--$kind" "$pf" --log "$lg" "$@" 2>/dev/null &
	SERVER_PID=$!
	for _ in $(seq 1 100); do [ -s "$pf" ] && break; sleep 0.02; done
	PORT=$(cat "$pf")
}

# ---- Streamable HTTP, sessions answered with 400 when forgotten ----
start_server http "$T_ROOT/h.port" "$T_ROOT/h.jsonl" --expire400
cat > .mcp.json <<EOF
{"mcpServers": {"h": {"type": "http", "url": "http://127.0.0.1:$PORT/mcp"}}}
EOF
fakellm_start '{"responses":[
 {"turn":{"tool_calls":[{"id":"h1","name":"mcp__h__progress","arguments":{}}]}},
 {"turn":{"tool_calls":[{"id":"h2","name":"mcp__h__sample","arguments":{"text":"over http"}}]}},
 {"turn":{"text":"sampled over http"}},
 {"turn":{"tool_calls":[{"id":"h3","name":"mcp__h__roots","arguments":{}}]}},
 {"turn":{"tool_calls":[{"id":"h4","name":"mcp__h__expire","arguments":{}}]}},
 {"turn":{"tool_calls":[{"id":"h5","name":"mcp__h__echo","arguments":{"text":"after 400"}}]}},
 {"turn":{"tool_calls":[{"id":"h6","name":"mcp__h__ask","arguments":{}},
                        {"id":"h7","name":"ReadMcpResource","arguments":{"server":"h","uri":"test://dynamic/9"}}]}},
 {"turn":{"text":"done"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "remote" --model openai/m --yes --allow McpSampling --routing off --output-format stream-json --elicit '{"name": "Remy"}'
expect_rc 0 "a session with a Streamable HTTP server"
check "http: progress comes in the call's event stream (with its token)" \
	sh -c "jq -r 'select(.method == \"tools/call\" and .params.name == \"progress\") | .params._meta.progressToken' '$T_ROOT/h.jsonl' | grep -q archie-"
check "http: a sampling request inside the call's stream, answered on a second connection" \
	req_match 4 '.messages[] | select(.tool_call_id == "h2") | .content' '"text":"sampled over http"'
check "http: the answer was POSTed with the session" \
	sh -c "jq -r 'select(.response_to == \"srv-1\") | .session' '$T_ROOT/h.jsonl' | grep -q sess-1"
check "http: roots/list answered the same way" \
	req_match 5 '.messages[] | select(.tool_call_id == "h3") | .content' "file://$PWD"
check "http: a 400 'No valid session ID' after the server forgot the session: initialised again, the call worked" \
	req_match 7 '.messages[] | select(.tool_call_id == "h5") | .content' 'echo: after 400'
check "http: the second session was used" test "$(jq -r .session "$T_ROOT/h.jsonl" | grep -c sess-2)" -ge 2
check "http: elicitation inside the call's stream, answered" \
	req_match 8 '.messages[] | select(.tool_call_id == "h6") | .content' '"action":"accept","content":\{"name":"Remy"\}'
check "http: a resource read" req_match 8 '.messages[] | select(.tool_call_id == "h7") | .content' 'dynamic resource 9'
check "http: the session is ended with DELETE at shutdown" \
	test "$(jq -r 'select(.method == "DELETE") | .session' "$T_ROOT/h.jsonl" | tail -1)" = sess-2
run "$ARCHIE" mcp prompt h greet Hal
expect_out "Say hello to Hal in a plain style." "http: a prompt"
kill "$SERVER_PID" 2>/dev/null

# ---- HTTP+SSE ----
start_server sse "$T_ROOT/s.port" "$T_ROOT/s.jsonl"
cat > .mcp.json <<EOF
{"mcpServers": {"old": {"type": "sse", "url": "http://127.0.0.1:$PORT/sse"}}}
EOF
run "$ARCHIE" mcp list --json
expect_json '.[0].status == "ready" and .[0].transport == "sse" and (.[0].tools | length) > 8' "sse: the server is ready, its tools listed (several pages, answers on the stream)"
check "sse: the stream was opened with a GET, then messages POSTed to the endpoint" \
	test "$(jq -r .method "$T_ROOT/s.jsonl" | head -3 | tr '\n' ' ')" = "GET initialize notifications/initialized "
run "$ARCHIE" mcp call old echo '{"text": "over sse"}'
expect_out "echo: over sse" "sse: a call"
fakellm_start '{"responses":[
 {"turn":{"tool_calls":[{"id":"s1","name":"mcp__old__sample","arguments":{"text":"over sse"}}]}},
 {"turn":{"text":"sampled over sse"}},
 {"turn":{"text":"done"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "sse" --model openai/m --yes --allow McpSampling --routing off
expect_rc 0 "a session with an HTTP+SSE server"
check "sse: the server's sampling request is answered by POST" \
	req_match 3 '.messages[] | select(.tool_call_id == "s1") | .content' '"text":"sampled over sse"'
kill "$SERVER_PID" 2>/dev/null
cat > .mcp.json <<EOF
{"mcpServers": {"gone": {"type": "sse", "url": "http://127.0.0.1:$PORT/sse"}}}
EOF
MCP_TIMEOUT=2000 run "$ARCHIE" mcp list --json
expect_json '.[0].status == "failed" and (.[0].error | length > 0)' "sse: a server that is not there fails with a reason"
# ---- OAuth 2.1 against a local authorization server ----
start_server http "$T_ROOT/o.port" "$T_ROOT/o.jsonl" --oauth
cat > .mcp.json <<EOF
{"mcpServers": {"sec": {"type": "http", "url": "http://127.0.0.1:$PORT/mcp"}}}
EOF
run "$ARCHIE" mcp list --json
expect_json '.[0].status == "failed" and (.[0].error | contains("HTTP 401")) and (.[0].error | contains("archie mcp login sec"))' "oauth: a server that wants a token fails, naming the command to run"
# the "browser" follows the authorization server's redirect back to archie
printf '#!/bin/sh\ncurl -s -L -o /dev/null "$1"\n' > "$T_ROOT/browser"
chmod +x "$T_ROOT/browser"
BROWSER="$T_ROOT/browser" run "$ARCHIE" mcp login sec
expect_rc 0 "oauth: mcp login"
expect_err "open this URL" "oauth: the URL is shown"
check "oauth: PKCE with S256 and the resource in the URL" sh -c 'printf "%s" "$0" | grep -q "code_challenge_method=S256" && printf "%s" "$0" | grep -qi "resource=http%3A%2F%2F127.0.0.1"' "$err"
AUTH="$XDG_STATE_HOME/archie/mcp-oauth.json"
check "oauth: tokens are kept 0600" test "$(stat -c %a "$AUTH")" = 600
check "oauth: the access and refresh tokens are kept for the server's URL" \
	test "$(jq -r --arg u "http://127.0.0.1:$PORT/mcp" '.servers[$u] | [.access_token, .refresh_token, .client_id] | join(" ")' "$AUTH")" = "at-2 rt-2 client-1"
fakellm_start '{"responses":[
 {"turn":{"tool_calls":[{"id":"o1","name":"mcp__sec__echo","arguments":{"text":"with a token"}}]}},
 {"turn":{"tool_calls":[{"id":"o2","name":"mcp__sec__revoke","arguments":{}}]}},
 {"turn":{"tool_calls":[{"id":"o3","name":"mcp__sec__echo","arguments":{"text":"after a refresh"}}]}},
 {"turn":{"text":"done"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "oauth" --model openai/m --yes --routing off --output-format json
expect_rc 0 "oauth: a session with the authorised server"
check "oauth: calls carry the token" req_match 2 '.messages[] | select(.tool_call_id == "o1") | .content' 'echo: with a token'
check "oauth: a 401 after the token was revoked: refreshed, the call worked" \
	req_match 4 '.messages[] | select(.tool_call_id == "o3") | .content' 'echo: after a refresh'
check "oauth: the refreshed token is kept" test "$(jq -r '.servers[].access_token' "$AUTH")" = at-3
check "oauth: no token reaches the record" sh -c "! sqlite3 '$XDG_STATE_HOME/archie/archie.db' .dump 2>/dev/null | grep -q 'at-2'"
check "oauth: the token is sent as the Authorization header" \
	sh -c "jq -r .authorization '$T_ROOT/o.jsonl' | grep -q '^Bearer at-'"
run "$ARCHIE" mcp logout sec
expect_rc 0 "oauth: mcp logout"
check "oauth: ... forgets the tokens" test "$(jq -r '.servers | length' "$AUTH")" = 0
kill "$SERVER_PID" 2>/dev/null

# a server that names no metadata in its 401 and keeps it at the root
start_server http "$T_ROOT/r.port" "$T_ROOT/r.jsonl" --oauth-root
printf '{"mcpServers": {"rootmeta": {"type": "http", "url": "http://127.0.0.1:%s/mcp"}}}\n' "$PORT" > .mcp.json
BROWSER="$T_ROOT/browser" run "$ARCHIE" mcp login rootmeta
expect_rc 0 "oauth: discovery falls back to the origin's root metadata"
run "$ARCHIE" mcp call rootmeta echo '{"text": "authorised"}'
expect_out "echo: authorised" "oauth: ... and the token works"
kill "$SERVER_PID" 2>/dev/null
finish
