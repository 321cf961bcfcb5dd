# MCP beyond tools, with the test server in its "full" mode: instructions,
# resources (links, ReadMcpResource, @mentions, templates, subscriptions),
# prompts as slash commands, roots, sampling under the policy, elicitation,
# progress, log messages, cancellation, tasks not offered, names made what
# the model APIs accept (and rules written with the server's names still
# holding), a crashed server restarted, the environment a server gets.
. "$(dirname "$0")/lib.sh"

export OPENAI_API_KEY=sk-test
export ANTHROPIC_API_KEY=sk-ant-secret
S="$MCPSERVER"
LOG="$T_ROOT/full.jsonl"
cat > .mcp.json <<EOF
{"mcpServers": {
  "t": {"command": "$S", "args": ["--mode", "full", "--log", "$LOG", "--roots-at-init"], "env": {"GIVEN": "by-config"}},
  "my.srv": {"command": "$S", "args": ["--mode", "full"]}
}}
EOF

# ---- listing ----
run "$ARCHIE" mcp list --json
expect_rc 0 "mcp list"
expect_json '.[] | select(.name == "t") | .capabilities.resources.subscribe == true and .capabilities.prompts != null and (.instructions | contains("Call echo"))' "--json: capabilities and instructions"
expect_json '.[] | select(.name == "t") | .tools[] | select(.server_name == "tasky") | .offered == false and (.not_offered_because | contains("task")) and .annotations.readOnlyHint == true' "--json: a task-only tool is marked not offered, with its annotations"
expect_json '.[] | select(.name == "t") | .tools[] | select(.server_name == "weird.name/with spaces") | .name == "mcp__t__weird_name_with_spaces"' "a tool name the APIs refuse is sanitised"
expect_json '[.[] | select(.name == "my.srv") | .tools[].name] | all(test("^mcp__my_srv__[A-Za-z0-9_-]+$"))' "a server name with a dot is sanitised in every tool name"
expect_json '.[] | select(.name == "t") | [.prompts[].name] == ["greet", "simple"] and (.prompts[0].arguments[0].required == true)' "--json: prompts with their arguments"
run "$ARCHIE" mcp list
check "mcp list: the task-only tool says why it is not offered" contains "$out" "mcp__t__tasky  (not offered: it runs only as a task"
check "mcp list: prompts are listed as slash commands, sanitised" contains "$out" "prompt /mcp__my_srv__greet"
check "roots asked at start-up (as server-filesystem does) were answered with the workspace" \
	sh -c "grep '\"id\":\"srv-1\"' '$LOG' | jq -e '.result.roots[0].uri == \"file://$PWD\"' >/dev/null"
check "initialize offers roots (listChanged), sampling and elicitation" \
	sh -c "head -1 '$LOG' | jq -e '.params.capabilities | (.roots.listChanged == true) and has(\"sampling\") and has(\"elicitation\")' >/dev/null"

run "$ARCHIE" mcp resources t
check "mcp resources: resources and templates" sh -c 'printf "%s" "$0" | grep -q "^test://static/one  The first resource" && printf "%s" "$0" | grep -q "test://dynamic/{id}  (template)"' "$out"
run "$ARCHIE" mcp read t test://dynamic/7
expect_out "dynamic resource 7" "mcp read: a template's resource"
expect_out '<mcp-resource server="t" uri="test://dynamic/7">' "mcp read: fenced as the server's data"
run "$ARCHIE" mcp read t test://static/two
expect_out "[binary: application/octet-stream, 8 bytes of base64 not shown]" "mcp read: a blob is described"
run "$ARCHIE" mcp read t test://nothing
expect_rc 1 "mcp read: an unknown resource fails"
expect_out "resource not found" "... with the server's reason"
run "$ARCHIE" mcp prompts t
expect_out "greet  Greets someone" "mcp prompts"
run "$ARCHIE" mcp prompt t greet Ann style=formal
expect_out "Say hello to Ann in a formal style." "mcp prompt: positional and NAME=value arguments"
run "$ARCHIE" mcp prompt t greet
expect_rc 1 "mcp prompt: a missing required argument"
expect_err "needs the argument 'name' (usage: /mcp__t__greet name [style]" "... says which, with the usage"
run "$ARCHIE" mcp call t progress
expect_err "progress 3/3: done" "mcp call: progress is shown"
run "$ARCHIE" mcp call t getenv '{"text": "ANTHROPIC_API_KEY"}'
expect_out "(unset)" "a stdio server never gets archie's provider keys"
run "$ARCHIE" mcp call t getenv '{"text": "GIVEN"}'
expect_out "by-config" "... but gets what its configuration gives it"
run "$ARCHIE" mcp call t getenv '{"text": "PATH"}'
check "... and a minimal base (PATH)" test -n "$(printf '%s' "$out" | sed -n 2p | grep /)"

# ---- a session ----
: > "$LOG"
fakellm_start '{"responses":[
 {"turn":{"tool_calls":[
   {"id":"c1","name":"mcp__t__link","arguments":{}},
   {"id":"c2","name":"ReadMcpResource","arguments":{"server":"t","uri":"test://static/one"}},
   {"id":"c3","name":"mcp__t__roots","arguments":{}},
   {"id":"c4","name":"mcp__t__progress","arguments":{}},
   {"id":"c5","name":"mcp__t__log","arguments":{}},
   {"id":"c6","name":"mcp__my_srv__weird_name_with_spaces","arguments":{}},
   {"id":"c7","name":"ListMcpResources","arguments":{"server":"t"}},
   {"id":"c8","name":"mcp__t__touch","arguments":{}}]}},
 {"turn":{"text":"done"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "use them" --model openai/m --yes --routing off
expect_rc 0 "a session with the full server"
check "every tool name offered matches ^[a-zA-Z0-9_-]{1,64}\$" \
	test "$(req 1 '[.tools[].function.name] | all(test("^[a-zA-Z0-9_-]{1,64}$"))')" = true
check "the task-only tool is not offered" test "$(req 1 '[.tools[].function.name] | index("mcp__t__tasky")')" = null
check "the resource tools are offered where a server has resources" \
	test "$(req 1 '[.tools[].function.name] | (index("ReadMcpResource") != null and index("ListMcpResources") != null)')" = true
check "the servers' instructions are in the system prompt, fenced as theirs" \
	req_match 1 '.messages[0].content' '<mcp-server-instructions server="t">'
check "a resource link says how to open it" req_match 2 '.messages[] | select(.tool_call_id == "c1") | .content' 'resource link test://static/one: one .*ReadMcpResource'
check "ReadMcpResource reads it" req_match 2 '.messages[] | select(.tool_call_id == "c2") | .content' 'resource one text'
check "roots: the workspace as a file: URI" req_match 2 '.messages[] | select(.tool_call_id == "c3") | .content' "\"uri\":\"file://$PWD\""
check "progress was asked for with a token" \
	sh -c "jq -r 'select(.method == \"tools/call\" and .params.name == \"progress\") | .params._meta.progressToken' '$LOG' | grep -q archie-"
check "a server's warning reaches the user" contains "$err" "MCP server 't' (warning): disk almost full"
check "... an info message does not" not_contains "$err" "an info line"
check "a sanitised name calls the server's own tool" req_match 2 '.messages[] | select(.tool_call_id == "c6") | .content' 'weird works'
check "ListMcpResources lists resources and templates" req_match 2 '.messages[] | select(.tool_call_id == "c7") | .content' 'test://dynamic/\{id\}'
check "reading a resource subscribed to it" sh -c "grep -q '\"method\":\"resources/subscribe\"' '$LOG'"
check "an update of a subscribed resource is told" contains "$err" "the resource test://static/one changed"
sid=$("$ARCHIE" sessions list --json | jq -r '.[0].id')
run "$ARCHIE" audit --session "$sid" --kind mcp --json
expect_json '[.[] | [.tool, .outcome, .error]] == [["t", "warning", "disk almost full (test warning)"], ["t", "info", "an info line (test)"]]' "a server's log messages during a call are in the session's record (audit --kind mcp)"
check "every log message goes to the server's log file" sh -c "grep -rq '^\[info\] an info line' '$T_ROOT' --include=t.log && grep -rq '^\[warning test\] disk almost full' '$T_ROOT' --include=t.log"

# sampling: asks by default (headless: denied); allowed by a rule, it runs
# on the session's model and is counted and audited
fakellm_start '{"responses":[
 {"turn":{"tool_calls":[{"id":"s1","name":"mcp__t__sample","arguments":{"text":"what is 2+2"}}]}},
 {"turn":{"text":"done"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "sample" --model openai/m --allow 'mcp__t__*' --routing off
check "headless sampling is denied without a rule" req_match 2 '.messages[] | select(.tool_call_id == "s1") | .content' 'sample error: .*McpSampling needs approval'
fakellm_start '{"responses":[
 {"turn":{"tool_calls":[{"id":"s1","name":"mcp__t__sample","arguments":{"text":"what is 2+2"}}]}},
 {"turn":{"text":"four","usage":{"input":7,"output":1}}},
 {"turn":{"text":"done"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "sample" --model openai/m --allow 'mcp__t__*' --allow McpSampling --routing off --output-format json
expect_rc 0 "sampling allowed by a rule"
check "the sampling request went to the session's model with the server's system prompt" \
	test "$(req 2 '.messages[0].content')" = "You are the test server's helper."
check "... and the server's message" test "$(req 2 '.messages[1].content')" = "what is 2+2"
check "the server got the model's answer" req_match 3 '.messages[] | select(.tool_call_id == "s1") | .content' '"text":"four"'
check "sampling is counted in the session's usage" test "$(printf '%s' "$out" | jq '.usage.input_tokens > 0')" = true
sid=$(printf '%s' "$out" | jq -r .session_id)
run "$ARCHIE" audit --session "$sid" --tool McpSampling --json
expect_json 'length == 1 and .[0].outcome == "ok" and (.[0].arguments | tostring | contains("what is 2+2"))' "sampling is in the audit trail, with the request"

# elicitation: headless declines; --elicit answers
fakellm_start '{"responses":[
 {"turn":{"tool_calls":[{"id":"e1","name":"mcp__t__ask","arguments":{}}]}},
 {"turn":{"text":"done"}},
 {"turn":{"tool_calls":[{"id":"e1","name":"mcp__t__ask","arguments":{}}]}},
 {"turn":{"text":"done"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "ask" --model openai/m --allow 'mcp__t__*' --routing off
check "headless elicitation is declined" req_match 2 '.messages[] | select(.tool_call_id == "e1") | .content' '"action":"decline"'
run "$ARCHIE" -p "ask" --model openai/m --allow 'mcp__t__*' --routing off --elicit '{"name": "Ann"}'
check "--elicit answers" req_match 4 '.messages[] | select(.tool_call_id == "e1") | .content' '"action":"accept","content":\{"name":"Ann"\}'
run "$ARCHIE" -p "ask" --model openai/m --elicit '[1]'
expect_rc 2 "--elicit must be an object"

# prompts as slash commands, resources as @mentions
fakellm_start '{"responses":[{"turn":{"text":"hi"}},{"turn":{"text":"hi"}},{"turn":{"text":"hi"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "/mcp__t__greet Bob style=warm" --model openai/m --routing off
expect_rc 0 "an MCP prompt headless"
check "the prompt's text is the user's message" test "$(req 1 '.messages[-1].content')" = "Say hello to Bob in a warm style."
run "$ARCHIE" -p "/mcp__t__nosuch" --model openai/m --routing off
expect_rc 2 "an unknown MCP prompt"
expect_err "no MCP server offers the prompt /mcp__t__nosuch" "... says so"
run "$ARCHIE" -p "summarise @t:test://static/one please" --model openai/m --routing off
check "an @server:uri mention attaches the resource" req_match 2 '.messages[-1].content' 'resource one text'
check "... and keeps the prompt" req_match 2 '.messages[-1].content' '^summarise @t:test://static/one please'

# rules and agent files written with the server's own names still hold
fakellm_start '{"responses":[
 {"turn":{"tool_calls":[{"id":"d1","name":"mcp__my_srv__echo","arguments":{"text":"x"}}]}},
 {"turn":{"text":"ok"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "go" --model openai/m --yes --routing off --deny 'mcp__my.srv__echo'
expect_rc 5 "a deny rule naming mcp__my.srv__echo denies mcp__my_srv__echo"
mkdir -p .claude/agents
cat > .claude/agents/dotted.md <<'EOF'
---
name: dotted
description: Uses a dotted server
tools: Read, mcp__my.srv__echo
---
You are dotted.
EOF
fakellm_start '{"responses":[{"turn":{"text":"ok"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "go" --agent dotted --model openai/m --routing off
check "an agent naming mcp__my.srv__echo gets the sanitised tool" \
	test "$(req 1 '[.tools[].function.name] | map(select(startswith("mcp__"))) | join(",")')" = "mcp__my_srv__echo"

# a crashed server is started again, once, with a notice
fakellm_start '{"responses":[
 {"turn":{"tool_calls":[{"id":"k1","name":"mcp__t__crash","arguments":{}}]}},
 {"turn":{"tool_calls":[{"id":"k2","name":"mcp__t__echo","arguments":{"text":"alive"}}]}},
 {"turn":{"text":"done"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "crash" --model openai/m --yes --routing off
check "the call that crashed it fails, saying the server was started again" \
	req_match 2 '.messages[] | select(.tool_call_id == "k1") | .content' 'started again: call the tool again'
check "the restarted server answers" req_match 3 '.messages[] | select(.tool_call_id == "k2") | .content' 'echo: alive'
expect_err "MCP server 't' stopped; it was started again" "the restart is told"

# a server that dies while idle is started again before the next call
fakellm_start '{"responses":[
 {"turn":{"tool_calls":[{"id":"q1","name":"mcp__t__quit","arguments":{}}]}},
 {"turn":{"tool_calls":[{"id":"q2","name":"mcp__t__echo","arguments":{"text":"back"}}]},"latency_ms":600},
 {"turn":{"text":"done"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "quit" --model openai/m --yes --routing off
check "a server that exited while idle answers the next call (restarted first)" \
	req_match 3 '.messages[] | select(.tool_call_id == "q2") | .content' 'echo: back'
check "... with a notice saying how it ended" sh -c "printf '%s' \"\$0\" | grep -Eq \"MCP server 't' stopped \\(it exited with status [0-9]+\\); it was started again\"" "$err"

# a call that times out is cancelled on the server
: > "$LOG"
fakellm_start '{"responses":[
 {"turn":{"tool_calls":[{"id":"w1","name":"mcp__t__slow","arguments":{"ms":3000}}]}},
 {"turn":{"text":"done"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
MCP_TOOL_TIMEOUT=400 run "$ARCHIE" -p "slow" --model openai/m --yes --routing off
check "the timed-out call is an error for the model" req_match 2 '.messages[] | select(.tool_call_id == "w1") | .content' 'no answer to tools/call within 400 ms'
check "notifications/cancelled names the request" \
	sh -c "jq -r 'select(.method == \"notifications/cancelled\") | [.params.requestId, .params.reason] | join(\"|\")' '$LOG' | grep -Eq '^[0-9]+\\|timed out$'"

# ---- mcp add / get / remove ----
mkdir -p "$T_ROOT/cfg"
export XDG_CONFIG_HOME="$T_ROOT/cfg"
run "$ARCHIE" mcp add -e KEY=v1 docs -- npx -y @upstash/context7-mcp
expect_rc 0 "mcp add (project)"
check ".mcp.json has it, the others kept" test "$(jq -c '[(.mcpServers | keys), .mcpServers.docs]' .mcp.json)" = '[["docs","my.srv","t"],{"command":"npx","args":["-y","@upstash/context7-mcp"],"env":{"KEY":"v1"}}]'
run "$ARCHIE" mcp add docs -- other
expect_rc 1 "mcp add: a name that exists"
expect_err "has a server named 'docs' already" "... is refused, saying so"
run "$ARCHIE" mcp add --transport http -H "Authorization: Bearer \${TOK}" remote https://example.invalid/mcp
check "mcp add --transport http" test "$(jq -c .mcpServers.remote .mcp.json)" = '{"type":"http","url":"https://example.invalid/mcp","headers":{"Authorization":"Bearer ${TOK}"}}'
run "$ARCHIE" mcp add-json viajson '{"type": "http", "url": "https://example.invalid/j"}'
expect_rc 0 "mcp add-json"
check "... the definition as given" test "$(jq -c .mcpServers.viajson .mcp.json)" = '{"type":"http","url":"https://example.invalid/j"}'
run "$ARCHIE" mcp add-json bad '{"args": []}'
expect_rc 2 "mcp add-json: a definition with neither command nor url is refused"
run "$ARCHIE" mcp remove docs
expect_rc 0 "mcp remove"
check "... it is gone" test "$(jq -c '.mcpServers | has("docs")' .mcp.json)" = false
run "$ARCHIE" mcp remove docs
expect_rc 1 "mcp remove: a name that is not there"
mkdir -p "$T_ROOT/cfg/archie"
printf '# my settings\nmodel: openai/m\nmcpServers:\n  # kept\n  old:\n    command: /bin/true\n' > "$T_ROOT/cfg/archie/config.yaml"
run "$ARCHIE" mcp add --scope user u1 -- "$S" --mode full
expect_rc 0 "mcp add --scope user"
check "config.yaml keeps its comments" sh -c "grep -q '^# my settings' '$T_ROOT/cfg/archie/config.yaml' && grep -q '# kept' '$T_ROOT/cfg/archie/config.yaml'"
run "$ARCHIE" mcp get u1 --json
expect_json '.status == "ready" and (.source | endswith("config.yaml"))' "the user's server starts from config.yaml"
run "$ARCHIE" mcp remove --scope user old
expect_rc 0 "mcp remove --scope user"
check "... the entry and its lines are gone, the rest kept" sh -c "! grep -q 'old:' '$T_ROOT/cfg/archie/config.yaml' && ! grep -q '/bin/true' '$T_ROOT/cfg/archie/config.yaml' && grep -q 'u1' '$T_ROOT/cfg/archie/config.yaml' && grep -q '^model: openai/m' '$T_ROOT/cfg/archie/config.yaml'"
run "$ARCHIE" mcp get nosuch
expect_rc 1 "mcp get: an unknown server"
finish
