# MCP servers as tools: the test server over stdio, called through the fake
# LLM server: text, an error, a large result, a slow result, a changing
# tool list; bad servers (not executable, exits at once, garbage on stdout,
# never answers, unknown protocol version) each reported clearly while the
# session goes on; permissions and the audit trail treat MCP tools like any.
. "$(dirname "$0")/lib.sh"

export OPENAI_API_KEY=sk-test
export MCP_TIMEOUT=1500		# the hung server is given up on after 1.5 s
S="$MCPSERVER"
cat > .mcp.json <<EOF
{"mcpServers": {
  "t": {"command": "$S", "args": ["--log", "$T_ROOT/mcp-requests.jsonl"], "env": {"MCP_TEST": "\${HOME}"}},
  "dead": {"command": "$S", "args": ["--mode", "exit"]},
  "junk": {"command": "$S", "args": ["--mode", "garbage"]},
  "mute": {"command": "$S", "args": ["--mode", "silent"]},
  "old": {"command": "$S", "args": ["--mode", "badversion"]},
  "nope": {"command": "$T_ROOT/not-there"}
}}
EOF

run "$ARCHIE" mcp list
check "mcp list: a multi-line description is one line (its first)" sh -c "printf '%s\n' \"\$0\" | grep -qx '  mcp__t__fail  Always fails\\. \\.\\.\\.'" "$out"
run "$ARCHIE" mcp list --json
expect_rc 0 "mcp list"
expect_json '.[] | select(.name == "t") | .status == "ready" and .protocol == "2025-06-18" and (.tools | length) == 8' "the test server is ready with its eight tools (listed over four pages)"
expect_json '.[] | select(.name == "t") | .tools[] | select(.name == "mcp__t__echo") | .server_name == "echo" and .description == "Returns its text" and .input_schema.properties.text.type == "string"' "--json: each tool's name, the server's name for it, description and input schema"
expect_json '.[] | select(.name == "dead") | .status == "failed" and (.error | contains("exited with status 3"))' "a server that exits at once"
expect_json '.[] | select(.name == "junk") | .error | contains("not JSON-RPC on stdout")' "a server that prints garbage"
expect_json '.[] | select(.name == "mute") | .error | (contains("no answer to initialize within 1500 ms") or contains("did not finish starting within"))' "a server that never answers initialize"
expect_json '.[] | select(.name == "old") | .error | contains("protocol version '"'"'1999-01-01'"'"', which archie does not")' "a server with an unknown protocol version"
expect_json '.[] | select(.name == "nope") | .error | contains("cannot run")' "a server that is not executable"
check "the handshake: initialize with 2025-06-18, then initialized, then tools/list" \
	test "$(jq -r .method "$T_ROOT/mcp-requests.jsonl" | head -3 | tr '\n' ' ')" = "initialize notifications/initialized tools/list "
check "initialize offered protocol 2025-06-18" test "$(head -1 "$T_ROOT/mcp-requests.jsonl" | jq -r .params.protocolVersion)" = 2025-06-18

run "$ARCHIE" mcp call t echo '{"text": "hello"}'
expect_rc 0 "mcp call"
expect_out "echo: hello" "mcp call prints the result"

# through the model; the hung server ("mute") must not delay the prompt much
fakellm_start '{"responses":[
 {"turn":{"tool_calls":[
   {"id":"m1","name":"mcp__t__echo","arguments":{"text":"hi"}},
   {"id":"m2","name":"mcp__t__fail","arguments":{}},
   {"id":"m3","name":"mcp__t__big","arguments":{}},
   {"id":"m4","name":"mcp__t__slow","arguments":{"ms":300}},
   {"id":"m5","name":"mcp__t__image","arguments":{}},
   {"id":"m6","name":"mcp__t__change","arguments":{}}]}},
 {"turn":{"tool_calls":[{"id":"m7","name":"mcp__t__added","arguments":{}}]}},
 {"turn":{"text":"done"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "use the tools" --model openai/m --yes --routing off --output-format json
expect_rc 0 "a session with MCP tools"
check "the tools are offered as mcp__server__tool with the server's schema" \
	test "$(req 1 '[.tools[] | select(.function.name | startswith("mcp__t__"))] | length == 8 and (map(select(.function.name == "mcp__t__echo"))[0].function.parameters.properties.text.type == "string")')" = true
check "text" req_match 2 '.messages[] | select(.tool_call_id == "m1") | .content' "echo: hi"
check "results are fenced as untrusted data" req_match 2 '.messages[] | select(.tool_call_id == "m1") | .content' '^<mcp-result server="t" tool="echo">'
check "an error result" req_match 2 '.messages[] | select(.tool_call_id == "m2") | .content' "failed on purpose"
check "a large result is capped, head and tail kept" \
	test "$(req 2 '.messages[] | select(.tool_call_id == "m3") | .content | (contains("BIG-START") and contains("BIG-END") and length < 40000)')" = true
check "a slow result" req_match 2 '.messages[] | select(.tool_call_id == "m4") | .content' "slow done"
check "an image is described, not dumped" req_match 2 '.messages[] | select(.tool_call_id == "m5") | .content' "\\[image: image/png"
check "all eight tools (with reschema) were offered" test "$(req 1 '[.tools[] | select(.function.name | startswith("mcp__t__"))] | length')" = 8
check "a changed tool list is offered on the next request" \
	test "$(req 2 '[.tools[].function.name] | index("mcp__t__added") != null')" = true
check "the new tool works" req_match 3 '.messages[-1].content' "added works"
expect_err "MCP server 'mute' (" "the hung server is reported"
check "... once" test "$(printf '%s' "$err" | grep -c "MCP server 'mute'")" = 1
sid=$(printf '%s' "$out" | jq -r .session_id)

# a schema that changes while the count stays: the next request carries it
# (the provider's encoded tools are keyed on a generation, not on the
# array's address and length)
fakellm_start '{"responses":[
 {"turn":{"tool_calls":[{"id":"r1","name":"mcp__t__reschema","arguments":{}}]}},
 {"turn":{"text":"done"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "change it" --model openai/m --yes --routing off --output-format json
check "before: echo has its first schema" test "$(req 1 '.tools[] | select(.function.name == "mcp__t__echo") | .function.parameters.properties | has("loud")')" = false
check "after a same-count list change, the next request carries echo's new schema" \
	test "$(req 2 '.tools[] | select(.function.name == "mcp__t__echo") | (.function.parameters.properties | has("loud")) and (.function.description | contains("louder"))')" = true
check "... and the same number of tools" test "$(req 2 '[.tools[] | select(.function.name | startswith("mcp__t__"))] | length')" = 8
run "$ARCHIE" audit --session "$sid" --tool mcp__t__fail --json
expect_json 'length == 1 and .[0].outcome == "error"' "MCP calls are in the audit trail"

# permissions: an MCP tool asks by default (headless: denied), mcp__t__* rules apply
fakellm_start '{"responses":[
 {"turn":{"tool_calls":[{"id":"m1","name":"mcp__t__echo","arguments":{"text":"x"}}]}},
 {"turn":{"text":"ok"}},
 {"turn":{"tool_calls":[{"id":"m1","name":"mcp__t__echo","arguments":{"text":"x"}}]}},
 {"turn":{"text":"ok"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "go" --model openai/m --routing off
expect_rc 5 "headless, an MCP tool that asks is denied"
run "$ARCHIE" -p "go" --model openai/m --routing off --allow 'mcp__t__*'
expect_rc 0 "an mcp__t__* rule allows it"
check "and it ran" req_match 4 '.messages[-1].content' "echo: x"

# an agent that lists MCP tools gets exactly those
mkdir -p .claude/agents
cat > .claude/agents/narrow.md <<'EOF'
---
name: narrow
description: Echoes through MCP
tools: Read, mcp__t__echo
---
You are narrow.
EOF
fakellm_start '{"responses":[{"turn":{"text":"ok"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "go" --agent narrow --model openai/m
check "an agent listing mcp__t__echo gets exactly that MCP tool" \
	test "$(req 1 '[.tools[].function.name] | map(select(startswith("mcp__"))) | join(",")')" = "mcp__t__echo"
# Streamable HTTP: sessions, both reply kinds, headers, re-initialising on 404
rm -f "$T_ROOT/http-port"
"$MCPSERVER" --http "$T_ROOT/http-port" --log "$T_ROOT/http-log.jsonl" 2>/dev/null &
HTTP_PID=$!
for _ in $(seq 1 100); do [ -s "$T_ROOT/http-port" ] && break; sleep 0.02; done
PORT=$(cat "$T_ROOT/http-port")
export MCP_TOKEN=tok-123
cat > .mcp.json <<EOF
{"mcpServers": {"h": {"type": "http", "url": "http://127.0.0.1:$PORT/mcp", "headers": {"Authorization": "Bearer \${MCP_TOKEN}"}}}}
EOF
fakellm_start '{"responses":[
 {"turn":{"tool_calls":[{"id":"h1","name":"mcp__h__echo","arguments":{"text":"over http"}},
                        {"id":"h2","name":"mcp__h__change","arguments":{}}]}},
 {"turn":{"tool_calls":[{"id":"h3","name":"mcp__h__expire","arguments":{}}]}},
 {"turn":{"tool_calls":[{"id":"h4","name":"mcp__h__added","arguments":{}}]}},
 {"turn":{"text":"done"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "http tools" --model openai/m --yes --routing off
expect_rc 0 "a session with a Streamable HTTP server"
check "http: an event-stream reply" req_match 2 '.messages[] | select(.tool_call_id == "h1") | .content' "echo: over http"
check "http: the list change (sent in the event stream) is seen" test "$(req 3 '[.tools[].function.name] | index("mcp__h__added") != null')" = true
check "http: after the server forgot the session, archie initialised again and the call worked" \
	req_match 4 '.messages[-1].content' "added works"
check "http: the first request is initialize, without a session" \
	test "$(head -1 "$T_ROOT/http-log.jsonl" | jq -r '[.method, .session] | join("|")')" = "initialize|"
check "http: later requests carry Mcp-Session-Id and MCP-Protocol-Version" \
	test "$(sed -n 2p "$T_ROOT/http-log.jsonl" | jq -r '[.method, .session, .protocol] | join("|")')" = "notifications/initialized|sess-1|2025-06-18"
check "http: Accept names both reply kinds" \
	test "$(jq -r .accept "$T_ROOT/http-log.jsonl" | sort -u)" = "application/json, text/event-stream"
check "http: the configured headers are sent, \${VAR} expanded" \
	test "$(jq -r .authorization "$T_ROOT/http-log.jsonl" | sort -u)" = "Bearer tok-123"
check "http: a second session after the 404" test "$(jq -r .session "$T_ROOT/http-log.jsonl" | grep -c sess-2)" -ge 2
kill "$HTTP_PID" 2>/dev/null
finish
