# archie -p: a scripted session against the fake LLM server that reads a
# file, greps, edits, runs a command and answers; the files on disk and
# the requests archie sent are asserted.  Then the output formats, exit
# codes, malformed and unknown calls, limits and errors.
. "$(dirname "$0")/lib.sh"

mkdir -p src
printf 'int add(int a, int b)\n{\n\treturn a - b;\n}\n' > src/math.c
printf 'Always run `make test` before answering.\n' > AGENTS.md

fakellm_start '{"responses":[
 {"turn":{"text":"Let me look.","tool_calls":[
   {"id":"c1","name":"Read","arguments":{"path":"src/math.c"}},
   {"id":"c2","name":"Grep","arguments":{"pattern":"return","output_mode":"content"}}],
   "usage":{"input":1000,"output":50}}},
 {"turn":{"tool_calls":[{"id":"c3","name":"Edit","arguments":{"path":"src/math.c","old_string":"a - b","new_string":"a + b"}}]}},
 {"turn":{"tool_calls":[{"id":"c4","name":"Bash","arguments":{"command":"grep -c \"a + b\" src/math.c"}}]}},
 {"turn":{"text":"Fixed: add() now adds.","usage":{"input":2000,"output":20}}}]}'
export OPENAI_BASE_URL="$FAKE_URL" OPENAI_API_KEY=sk-test
run "$ARCHIE" -p "fix the add function" --model openai/test-model --yes
expect_rc 0 "a scripted session succeeds"
check "the answer is streamed to stdout, a paragraph a turn" test "$out" = "Let me look.

Fixed: add() now adds."
expect_err "> Read src/math.c" "tool activity goes to stderr"
check "the edit is on disk" test "$(sed -n 3p src/math.c)" = "	return a + b;"
check "four requests were made" test "$(req_count)" = 4
check "request 1: the system prompt is the agent's" req_match 1 .messages[0].content "backend architect"
check "request 1: the system prompt has AGENTS.md" req_match 1 .messages[0].content "Always run .make test."
check "request 1: the system prompt has the environment" req_match 1 .messages[0].content "Working directory: $WS"
check "request 1: the user's prompt" test "$(req 1 '.messages[1].content')" = "fix the add function"
check "request 1: the model and the tools" test "$(req 1 '[.model, (.tools | length > 10)] | @tsv')" = "test-model	true"
check "request 2: the read result, numbered" test "$(req 2 '.messages[3] | [.role, .tool_call_id, .content] | @tsv')" = 'tool	c1	     1\tint add(int a, int b)\n     2\t{\n     3\t\treturn a - b;\n     4\t}\n'
check "request 2: the grep result" test "$(req 2 '.messages[4].content')" = "src/math.c:3:	return a - b;"
check "request 4: the command's output and exit code" test "$(req 4 '.messages[-1].content')" = "1
[exit code 0]"

# headless without --yes: a change needs approval no one can give
printf 'int add(int a, int b)\n{\n\treturn a - b;\n}\n' > src/math.c
fakellm_start '{"responses":[
 {"turn":{"tool_calls":[{"id":"e1","name":"Edit","arguments":{"path":"src/math.c","old_string":"a - b","new_string":"a + b"}}]}},
 {"turn":{"text":"I was not allowed to edit."}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "fix it" --model openai/m
expect_rc 5 "a headless change without --yes is denied (exit 5)"
check "the file is unchanged" test "$(sed -n 3p src/math.c)" = "	return a - b;"
check "the model is told why and how to allow it" req_match 2 .messages[-1].content "permission denied: Edit was not run: it needs approval .*rerun with --yes, or allow it with a rule such as --allow 'Edit\(//"
fakellm_start '{"responses":[
 {"turn":{"tool_calls":[{"id":"e1","name":"Edit","arguments":{"path":"src/math.c","old_string":"a - b","new_string":"a + b"}}]}},
 {"turn":{"text":"done"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "fix it" --model openai/m --allow 'Edit(./src/**)'
expect_rc 0 "an --allow rule lets the change through"
check "the edit is on disk" test "$(sed -n 3p src/math.c)" = "	return a + b;"

# the prompt on standard input; json output
fakellm_start '{"responses":[{"turn":{"text":"Hello from stdin.","usage":{"input":10,"output":3}}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
out=$(echo "say hello" | "$ARCHIE" --model openai/m --output-format json); rc=$?
expect_rc 0 "prompt on stdin"
expect_json '.type == "result" and .version == 1 and .result == "Hello from stdin." and .exit_reason == "done"' "json: result"
expect_json '.turns == 1 and .tool_calls == 0 and .usage.input_tokens == 10 and .usage.output_tokens == 3' "json: counts and usage"
expect_json '(.session_id | length) == 36 and .agent == "backend-architect" and .model == "m" and (.duration_ms | type) == "number"' "json: session fields"
check "stdin prompt was sent" test "$(req 1 '.messages[1].content')" = "say hello"

# stream-json: one event per line, init first, result last
fakellm_start '{"responses":[
 {"turn":{"text":"Plan.","tool_calls":[{"id":"t1","name":"TodoWrite","arguments":{"todos":[{"content":"read","status":"in_progress"}]}}]}},
 {"turn":{"text":"Done."}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "plan it" --model openai/m --output-format stream-json
expect_rc 0 "stream-json run"
check "every line is JSON" sh -c 'printf "%s\n" "$0" | jq -e . >/dev/null' "$out"
check "events in order" test "$(printf '%s\n' "$out" | jq -r .type | tr '\n' ' ')" = "init text turn permission tool_use todos tool_result text turn result "
check "the todo event carries the plan" test "$(printf '%s\n' "$out" | jq -r 'select(.type=="todos") | .todos[0] | "\(.content):\(.status)"')" = "read:in_progress"

# stream-json: every verdict with the rules behind it (the audit handoff)
printf 'int add(int a, int b)\n{\n\treturn a - b;\n}\n' > src/math.c
fakellm_start '{"responses":[
 {"turn":{"tool_calls":[
   {"id":"p1","name":"Read","arguments":{"path":"src/math.c"}},
   {"id":"p2","name":"Edit","arguments":{"path":"src/math.c","old_string":"a - b","new_string":"a + b"}},
   {"id":"p3","name":"Bash","arguments":{"command":"git status && cat .env"}}]}},
 {"turn":{"text":"ok"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
printf 'SECRET=1\n' > .env
run "$ARCHIE" -p "go" --model openai/m --output-format stream-json
expect_rc 5 "stream-json run with denials"
perm() { printf '%s\n' "$out" | jq -r "select(.type==\"permission\" and .id==\"$1\") | $2"; }
check "a permission event per call" test "$(printf '%s\n' "$out" | jq -r 'select(.type=="permission") | .id' | tr '\n' ' ')" = "p1 p2 p3 "
check "the read is allowed by the policy" test "$(perm p1 '"\(.verdict) \(.decided_by)"')" = "allow policy"
check "the allowed read names its rule" sh -c 'printf "%s" "$0" | grep -q "reading in the workspace is allowed"' "$(perm p1 '.policy.subjects[].rules[]')"
check "the edit was an ask nobody could answer" test "$(perm p2 '"\(.verdict) \(.decided_by) \(.policy.before_mode)"')" = "deny headless ask"
check "the denial carries its reason" sh -c 'printf "%s" "$0" | grep -q "rerun with --yes"' "$(perm p2 .reason)"
check "the shell call lists each command and the secret read" test "$(perm p3 '[.policy.subjects[] | "\(.kind):\(.verdict)"] | join(" ")')" = "tool:allow command:allow command:allow read:deny"
check "the secret read is denied by the policy, not by headlessness" test "$(perm p3 .decided_by)" = "policy"
check "the file is unchanged" test "$(sed -n 3p src/math.c)" = "	return a - b;"
rm -f .env

# a malformed call and an unknown tool get error results, never run
fakellm_start '{"responses":[
 {"turn":{"tool_calls":[
   {"id":"m1","name":"Write","arguments":"{\"path\": \"made.txt\", \"content\": "},
   {"id":"m2","name":"Teleport","arguments":{"to":"mars"}},
   {"id":"m3","name":"read_file","arguments":{"path":"AGENTS.md"}}]}},
 {"turn":{"text":"ok"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "go" --model openai/m
expect_rc 0 "a run with bad calls finishes"
check "the malformed Write did not run" test ! -e made.txt
check "the malformed call gets an error result that explains" req_match 2 .messages[3].content "was malformed and was not run: the arguments are not valid JSON"
check "the unknown tool gets the list of tools" req_match 2 .messages[4].content "no tool named .Teleport.*Read, Write, Edit"
check "another runtime's tool name runs the tool" req_match 2 .messages[5].content "Always run"

# a large result is capped, head and tail kept
fakellm_start '{"responses":[
 {"turn":{"tool_calls":[{"id":"b1","name":"Bash","arguments":{"command":"echo FIRST; seq 1 300000; echo LAST"}}]}},
 {"turn":{"text":"ok"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "go" --model openai/m
big=$(req 2 '.messages[-1].content')
check "the capped result keeps its head" test "${big%%
*}" = "FIRST"
check "the capped result keeps its tail" sh -c 'printf "%s" "$0" | tail -n 2 | head -n 1 | grep -qx LAST' "$big"
check "the capped result says what was cut" sh -c 'printf "%s" "$0" | grep -q "omitted of"' "$big"
check "the capped result is about 30000 bytes" test "${#big}" -lt 32000

# --max-turns
fakellm_start '{"responses":[{"repeat":true,"turn":{"tool_calls":[{"id":"l1","name":"LS","arguments":{}}]}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "loop forever" --model openai/m --max-turns 3
expect_rc 4 "max turns reached"
expect_err "stopped after 3 turns" "max turns is explained"
check "exactly three requests" test "$(req_count)" = 3

# plan mode: changes are denied, the run says so
fakellm_start '{"responses":[
 {"turn":{"tool_calls":[{"id":"w1","name":"Write","arguments":{"path":"x.txt","content":"x"}}]}},
 {"turn":{"text":"I could not write."}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "write" --model openai/m --permission-mode plan --output-format json
expect_rc 5 "a denied call gives exit 5"
check "the denied write did not happen" test ! -e x.txt
expect_json '.exit_reason == "permission_denied" and (.permission_denials | length) == 1 and .permission_denials[0].tool == "Write"' "denials are in the JSON"

# an agent's tool list limits what the model is offered
mkdir -p .archie/agents
printf -- '---\nname: reader\ntools: Read, Grep\n---\nYou only read.\n' > .archie/agents/reader.md
fakellm_start '{"responses":[{"turn":{"tool_calls":[{"id":"r1","name":"Write","arguments":{"path":"y.txt","content":"y"}}]}},{"turn":{"text":"ok"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "write" --model openai/m --agent reader
check "only the agent's tools are offered" test "$(req 1 '[.tools[].function.name] | join(",")')" = "Read,Grep"
check "the agent's prompt is the system prompt" req_match 1 .messages[0].content "^You only read."
check "a tool the agent lacks is not run" test ! -e y.txt

# the Anthropic protocol end to end
unset OPENAI_BASE_URL OPENAI_API_KEY
fakellm_start '{"responses":[
 {"turn":{"text":"Reading.","tool_calls":[{"id":"toolu_1","name":"Read","arguments":{"path":"AGENTS.md"}}]}},
 {"turn":{"text":"It says to run make test."}}]}'
export ANTHROPIC_BASE_URL="http://127.0.0.1:$FAKE_PORT" ANTHROPIC_API_KEY=sk-ant-test
run "$ARCHIE" -p "what does AGENTS.md say?"
expect_rc 0 "an Anthropic session (the default model sonnet)"
check "the answer" test "$out" = "Reading.

It says to run make test."
check "sonnet resolved to its id" test "$(req 1 .model)" = "claude-sonnet-4-5"
check "tool results go back as tool_result blocks" test "$(req 2 '.messages[2].content[0] | [.type, .tool_use_id] | @tsv')" = "tool_result	toolu_1"
unset ANTHROPIC_BASE_URL ANTHROPIC_API_KEY

# provider failure: exit 3 with the fix
fakellm_start '{"responses":[{"status":401,"body":{"error":{"message":"bad key"}}}]}'
export OPENAI_BASE_URL="$FAKE_URL" OPENAI_API_KEY=sk-wrong
run "$ARCHIE" -p "hi" --model openai/m
expect_rc 3 "a provider failure gives exit 3"
expect_err "set OPENAI_API_KEY to a valid API key" "the error names the fix"
unset OPENAI_BASE_URL OPENAI_API_KEY

# --cwd: the session runs in that directory (the project root is above it)
mkdir -p services/orders
printf 'orders service\n' > services/orders/README.txt
fakellm_start '{"responses":[{"turn":{"tool_calls":[{"id":"d1","name":"Read","arguments":{"path":"README.txt"}}]}},{"turn":{"text":"ok"}}]}'
export OPENAI_BASE_URL="$FAKE_URL" OPENAI_API_KEY=k
run "$ARCHIE" --cwd services/orders -p "read it" --model openai/m
expect_rc 0 "a run with --cwd"
check "relative paths start at --cwd" test "$(req 2 '.messages[-1].content')" = "     1	orders service"
check "the environment block names both directories" req_match 1 .messages[0].content "Working directory: $WS/services/orders"
check "the project root is the repository" req_match 1 .messages[0].content "Project root: $WS\$"
unset OPENAI_BASE_URL OPENAI_API_KEY

# usage errors: exit 2
# headless text output loses nothing: turns are paragraphs, a failed
# command shows its status and last lines, a denial is whole, and the last
# line says how to allow what was denied
fakellm_start '{"responses":[
 {"turn":{"text":"Checking the failure.","tool_calls":[{"id":"c1","name":"Bash","arguments":{"command":"printf '"'"'line1\\nline2\\nboom\\n'"'"'; exit 3"}}]}},
 {"turn":{"text":"The create handler","tool_calls":[{"id":"c2","name":"Write","arguments":{"path":"notes/x.txt","content":"a\nb\n"}}]}},
 {"turn":{"text":"Done."}}]}'
OPENAI_BASE_URL="$FAKE_URL" OPENAI_API_KEY=sk-test run "$ARCHIE" -p "go" --model openai/m --routing off --allow 'Bash(printf:*)' --allow 'Bash(exit:*)'
expect_rc 5 "a run with a denial exits 5"
check "each turn's text is a paragraph of its own" test "$out" = "$(printf 'Checking the failure.\n\nThe create handler\n\nDone.')"
expect_err "! Bash: exit 3 · 3 lines of output" "a failed command shows its exit status"
expect_err "      boom" "... and its last lines"
expect_err "rerun with --yes, or allow it with a rule such as --allow 'Edit(" "a denial is shown whole"
expect_err "archie: 1 tool call was denied; to allow it, rerun with --allow 'Edit(" "the last line says how to allow it"
fakellm_stop

run "$ARCHIE" -p "hi"
expect_rc 2 "no provider at all"
expect_err "no model provider is configured" "says how to configure one"
run "$ARCHIE" -p "" </dev/null
expect_rc 2 "an empty prompt"
expect_err "no prompt" "says the prompt is missing"
run "$ARCHIE" -p hi --output-format xml
expect_rc 2 "a bad output format"
run "$ARCHIE" -p hi --agent nobody
expect_rc 2 "an unknown agent"
expect_err "no agent named 'nobody'" "names the agent"
run "$ARCHIE" -p hi --max-turns zero
expect_rc 2 "a bad --max-turns"

finish
