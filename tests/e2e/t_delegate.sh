# Delegation: Task calls run specialist agents as children, in parallel
# (overlap asserted with the fake server's timestamps), bounded by their
# parent's permissions and the depth limit; failures and cancellation
# reach the parent; routing tables run the matched specialists before the
# first turn; the record links child sessions to their parent.
. "$(dirname "$0")/lib.sh"

export OPENAI_API_KEY=sk-test
MAIN='"when":{"system_contains":"You are archie'"'"'s backend architect"}'
DB='"when":{"system_contains":"You are a database specialist"}'
SEC='"when":{"system_contains":"You are a security auditor"}'

# expect_event FILTER DESC: some event of the stream-json output in $out has FILTER true
event_true() { printf '%s\n' "$out" | jq -se "any(.[]; $1)" >/dev/null 2>&1; }
expect_event() { check "$2" event_true "$1"; }

# req_flat N FILTER REGEX: like req_match, over the output as one line
req_flat() { req "$1" "$2" | tr '\n' ' ' | grep -Eq -- "$3"; }
# sys_flat SYSTEM FILTER REGEX: the same for the last request with that system prompt
sys_flat() { req_sys "$1" "$2" | tr '\n' ' ' | grep -Eq -- "$3"; }

# t_ms of the requests whose system prompt contains $1, one per line
req_times() {
	jq -r --arg s "$1" 'select((.body | fromjson | .messages[0].content) | contains($s)) | .t_ms' "$FAKE_LOG"
}
# the number of requests whose system prompt contains $1
req_count_sys() { req_times "$1" | wc -l | tr -d ' '; }
# the last request (parsed body) whose system prompt contains $1, through jq filter $2
req_sys() {
	jq -r --arg s "$1" 'select((.body | fromjson | .messages[0].content) | contains($s)) | .body' "$FAKE_LOG" |
		tail -n 1 | jq -r "$2"
}

# ---- two Task calls in one response run in parallel -----------------------------
fakellm_start '{"responses":[
 {'"$DB"',"turn":{"text":"DB REPORT: index orders(user_id).","usage":{"input":100,"output":10}},"latency_ms":600},
 {'"$SEC"',"turn":{"text":"SEC REPORT: rotate the JWT keys.","usage":{"input":200,"output":20}},"latency_ms":600},
 {'"$MAIN"',"turn":{"text":"Asking the specialists.","tool_calls":[
   {"id":"t1","name":"Task","arguments":{"description":"schema review","prompt":"Review the orders schema.","subagent_type":"database-optimizer"}},
   {"id":"t2","name":"Agent","arguments":{"description":"auth review","prompt":"Review the JWT handling.","subagent_type":"subagents/04-quality-and-security/security-auditor"}}]}},
 {'"$MAIN"',"turn":{"text":"Synthesis: index and rotate."}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
t0=$(date +%s%N)
run "$ARCHIE" -p "review the service" --model openai/m --output-format stream-json
t1=$(date +%s%N)
expect_rc 0 "a run with two Task calls succeeds"
check "four requests: main, two children, main" test "$(req_count)" = 4
db_t=$(req_times "You are a database specialist")
sec_t=$(req_times "You are a security auditor")
check "the children's requests overlap in time (started within 300 ms of each other, each takes 600 ms)" \
	test $(( db_t > sec_t ? db_t - sec_t : sec_t - db_t )) -lt 300
check "two 600 ms children take well under 1.2 s together" test $(( (t1 - t0) / 1000000 )) -lt 1150
check "the child gets its own prompt, not the parent's conversation" \
	test "$(req_sys 'You are a database specialist' '.messages[1].content')" = "Review the orders schema."
check "the child is offered its own tools (read-only reviewer: no Write, no Task)" \
	test "$(req_sys 'You are a security auditor' '[.tools[].function.name] | (index("Write") == null and index("Task") == null and index("Read") != null)')" = true
check "the parent is offered Task, listing the specialists" \
	req_match 1 '.tools[] | select(.function.name == "Task") | .function.description' "database-optimizer: Database specialist"
check "the reports come back as the Task results, with a usage line" \
	req_flat 4 '[.messages[] | select(.role == "tool")] | map(.content) | join("|")' \
	"DB REPORT: index orders.user_id.*\[subagent database-optimizer: done in 1 turn, 0 tool calls, 100 in / 10 out tokens.*SEC REPORT"
expect_event '.type == "subagent" and .event == "start" and .agent == "database-optimizer" and .depth == 1 and (.session_id | length) == 36' "stream-json: a subagent start event with its session"
expect_event '.type == "result" and .subagents.runs == 2 and .subagents.usage.input_tokens == 300 and .subagents.usage.output_tokens == 30' "the result counts the subagents' runs and tokens apart"
expect_event '.type == "subagent" and .event == "end" and .agent == "security-auditor" and .outcome == "ok"' "stream-json: a subagent end event"
main_sid=$(printf '%s\n' "$out" | jq -r 'select(.type == "init") | .session_id')
run "$ARCHIE" sessions list --json
expect_json "[.[] | select(.parent != null)] | length == 0" "sessions list hides subagents' sessions"
expect_json ".[] | select(.id == \"$main_sid\") | .children == 2" "... and counts them on their parent"
run "$ARCHIE" sessions list
expect_out "(+2 subagent sessions)" "the text list says so"
run "$ARCHIE" sessions list --all --json
expect_json "[.[] | select(.parent == \"$main_sid\")] | map(.agent) | sort == [\"database-optimizer\", \"security-auditor\"]" \
	"both children are sessions whose parent is the main session (--all)"
expect_json "[.[] | select(.parent == \"$main_sid\")] | map(.title) | sort == [\"database-optimizer: schema review\", \"security-auditor: auth review\"]" \
	"a child's session is titled by its agent and task"
child_sid=$(printf '%s' "$out" | jq -r "[.[] | select(.parent == \"$main_sid\" and .agent == \"database-optimizer\")][0].id")
run "$ARCHIE" sessions show "$child_sid" --json
expect_json '[.messages[].content[0].text] == ["Review the orders schema.", "DB REPORT: index orders(user_id)."]' "the child's full transcript is stored"
run "$ARCHIE" audit --session "$main_sid" --kind delegate --json
expect_json 'length == 2 and all(.[]; .outcome == "ok" and .parent_agent == null and (.detail.session | length) == 36) and (map(.detail.input_tokens) | sort) == [100, 200]' "each delegation is an audit event with the child's session and tokens"
run "$ARCHIE" audit --session "$child_sid" --json
expect_json '.[0].agent == "database-optimizer" and .[0].parent_agent == "backend-architect"' "the child's events name its parent agent"

# ---- the Gemini form: a subagent called by its own name ---------------------------
mkdir -p .gemini/agents
cat > .gemini/agents/gem-lead.md <<'EOF'
---
name: gem-lead
description: Lead that delegates, Gemini style
kind: local
tools: [read_file, invoke_agent]
---
You are the gemini lead.
EOF
fakellm_start '{"responses":[
 {'"$DB"',"turn":{"text":"DB says hi."}},
 {"when":{"system_contains":"You are the gemini lead"},"turn":{"tool_calls":[
   {"id":"g1","name":"database_optimizer","arguments":{"query":"Check the indexes."}}]}},
 {"when":{"system_contains":"You are the gemini lead"},"turn":{"text":"ok"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "go" --agent gem-lead --model openai/m
expect_rc 0 "a Gemini-format agent delegates by calling the subagent's tool"
check "a Gemini agent is offered each subagent as a tool of its own" \
	test "$(req 1 '[.tools[].function.name] | (index("database-optimizer") != null and index("Task") == null)')" = true
check "the child got the query as its prompt" test "$(req_sys 'You are a database specialist' '.messages[1].content')" = "Check the indexes."
check "its report is the tool result" req_match 3 '.messages[-1].content' "^DB says hi"

# ---- a child can never do more than its parent ------------------------------------
mkdir -p .claude/agents
cat > .claude/agents/no-writer.md <<'EOF'
---
name: no-writer
description: Reviewer whose file says it may not write
tools: Read, Write, Bash
permissions:
  deny: ["Write"]
---
You are the no-writer child.
EOF
cat > .claude/agents/careful-lead.md <<'EOF'
---
name: careful-lead
description: A lead that forbids deleting files
permissions:
  deny: ["Bash(rm:*)"]
---
You are the careful lead.
EOF
fakellm_start '{"responses":[
 {"when":{"system_contains":"You are the no-writer child"},"turn":{"tool_calls":[
   {"id":"w1","name":"Write","arguments":{"path":"child.txt","content":"x"}}]}},
 {"when":{"system_contains":"You are the no-writer child"},"turn":{"text":"could not write"}},
 {'"$MAIN"',"turn":{"tool_calls":[{"id":"t1","name":"Task","arguments":{"prompt":"write child.txt","subagent_type":"no-writer"}}]}},
 {'"$MAIN"',"turn":{"text":"done"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "go" --model openai/m --yes --allow 'Write(./**)'
check "the child's own deny rule holds though the parent may write" test ! -e child.txt
check "the child was told why" sys_flat "You are the no-writer child" '.messages[-1].content' "permission denied: Write was not run: .*no-writer"
check "the parent learns of the denial in the report" req_flat 4 '.messages[-1].content' "denied to it: Write"

cat > .claude/agents/free-child.md <<'EOF'
---
name: free-child
description: A child with no rules of its own
tools: Read, Bash
---
You are the free child.
EOF
touch keep.txt
fakellm_start '{"responses":[
 {"when":{"system_contains":"You are the free child"},"turn":{"tool_calls":[
   {"id":"r1","name":"Bash","arguments":{"command":"rm keep.txt"}}]}},
 {"when":{"system_contains":"You are the free child"},"turn":{"text":"could not delete"}},
 {"when":{"system_contains":"You are the careful lead"},"turn":{"tool_calls":[{"id":"t1","name":"Task","arguments":{"prompt":"delete keep.txt","subagent_type":"free-child"}}]}},
 {"when":{"system_contains":"You are the careful lead"},"turn":{"text":"done"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "go" --agent careful-lead --model openai/m --yes
check "the parent's deny rule binds its child (the stricter of the two)" test -e keep.txt
check "the child's denial names the parent's rule" sys_flat "You are the free child" '.messages[-1].content' "permission denied: Bash was not run: its parent agent careful-lead: .*rm"

# ---- a failing child is an error result, not a crash -------------------------------
fakellm_start '{"responses":[
 {'"$DB"',"status":400,"body":{"error":{"message":"model overloaded with nonsense"}}},
 {'"$MAIN"',"turn":{"tool_calls":[{"id":"t1","name":"Task","arguments":{"prompt":"x","subagent_type":"database-optimizer"}},
                                  {"id":"t2","name":"Task","arguments":{"prompt":"y","subagent_type":"no-such-agent"}}]}},
 {'"$MAIN"',"turn":{"text":"handled"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "go" --model openai/m --output-format json
expect_rc 0 "the parent goes on after a child fails"
expect_json '.result == "handled" and .subagents.runs == 1' "and finishes its answer (one child ran; the unknown one did not start)"
check "the failed child is an error result with the cause" \
	test "$(req 3 '[.messages[] | select(.role == "tool" and .tool_call_id == "t1") | .content] | .[0] | startswith("error: subagent database-optimizer failed:") and contains("overloaded")')" = true
check "an unknown agent is an error result listing the agents" \
	req_flat 3 '.messages[] | select(.role == "tool" and .tool_call_id == "t2") | .content' "no agent named 'no-such-agent'.*security-auditor"

# ---- turn budget ------------------------------------------------------------------
cat > .claude/agents/one-turn.md <<'EOF'
---
name: one-turn
description: Gets one turn
tools: Read
maxTurns: 1
max_turns: 1
---
You are the one-turn child.
EOF
echo hi > f.txt
fakellm_start '{"responses":[
 {"when":{"system_contains":"You are the one-turn child"},"turn":{"text":"Reading.","tool_calls":[{"id":"r","name":"Read","arguments":{"path":"f.txt"}}]}},
 {'"$MAIN"',"turn":{"tool_calls":[{"id":"t1","name":"Task","arguments":{"prompt":"x","subagent_type":"one-turn"}}]}},
 {'"$MAIN"',"turn":{"text":"ok"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "go" --model openai/m
check "a child stops at its turn limit and says so" req_flat 3 '.messages[-1].content' "Reading.*stopped at its turn limit \(1\)"

# ---- time limit: an agent's timeout_mins stops its child --------------------------
cat > .claude/agents/slowpoke.md <<'EOF'
---
name: slowpoke
description: Has 0.3 seconds
tools: Read
timeout_mins: 0.005
---
You are the slowpoke child.
EOF
fakellm_start '{"responses":[
 {"when":{"system_contains":"You are the slowpoke child"},"turn":{"text":"too late"},"latency_ms":10000},
 {'"$MAIN"',"turn":{"tool_calls":[{"id":"t1","name":"Task","arguments":{"prompt":"x","subagent_type":"slowpoke"}}]}},
 {'"$MAIN"',"turn":{"text":"ok"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
t0=$(date +%s%N)
run "$ARCHIE" -p "go" --model openai/m
t1=$(date +%s%N)
expect_rc 0 "a timed-out child does not stop the parent"
check "the child is stopped at its timeout" test $(( (t1 - t0) / 1000000 )) -lt 2000
check "the parent is told it ran out of time" req_match 3 '.messages[-1].content' "^error: subagent slowpoke ran out of time \(its timeout is 0.005 min\)"

# ---- depth limit (default 2) ------------------------------------------------------
for n in 1 2; do
	cat > .claude/agents/deep$n.md <<EOF
---
name: deep$n
description: Level $n delegator
tools: Read, Task
---
You are deep level $n.
EOF
done
fakellm_start '{"responses":[
 {"when":{"system_contains":"You are deep level 2"},"turn":{"tool_calls":[{"id":"d2","name":"Task","arguments":{"prompt":"deeper","subagent_type":"deep1"}}]}},
 {"when":{"system_contains":"You are deep level 2"},"turn":{"text":"level 2 could not go deeper"}},
 {"when":{"system_contains":"You are deep level 1"},"turn":{"tool_calls":[{"id":"d1","name":"Task","arguments":{"prompt":"go on","subagent_type":"deep2"}}]}},
 {"when":{"system_contains":"You are deep level 1"},"turn":{"text":"level 1 done"}},
 {'"$MAIN"',"turn":{"tool_calls":[{"id":"t1","name":"Task","arguments":{"prompt":"start","subagent_type":"deep1"}}]}},
 {'"$MAIN"',"turn":{"text":"ok"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "go" --model openai/m
expect_rc 0 "a chain of delegations ends"
check "the child at the depth limit is not offered Task" \
	test "$(req_sys 'You are deep level 2' '[.tools[].function.name] | index("Task") == null')" = true
check "its Task call is refused with the depth limit" \
	sys_flat "You are deep level 2" '.messages[-1].content' "cannot delegate: the delegation depth limit \(2\) is reached"
check "six requests: no third level ran" test "$(req_count)" = 6

# ---- cancellation reaches every child ----------------------------------------------
fakellm_start '{"responses":[
 {'"$DB"',"turn":{"text":"slow db"},"latency_ms":20000},
 {'"$SEC"',"turn":{"text":"slow sec"},"latency_ms":20000},
 {'"$MAIN"',"turn":{"tool_calls":[{"id":"t1","name":"Task","arguments":{"prompt":"x","subagent_type":"database-optimizer"}},
                                  {"id":"t2","name":"Task","arguments":{"prompt":"y","subagent_type":"security-auditor"}}]}},
 {'"$MAIN"',"turn":{"text":"never"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
"$ARCHIE" -p "go" --model openai/m --output-format stream-json >"$T_ROOT/cancel.out" 2>"$T_ROOT/cancel.err" &
pid=$!
for _ in $(seq 1 100); do
	[ "$(req_count)" -ge 3 ] && break
	sleep 0.05
done
t0=$(date +%s%N)
kill -INT "$pid"
wait "$pid"
rc=$?
t1=$(date +%s%N)
out=$(cat "$T_ROOT/cancel.out")
err=$(cat "$T_ROOT/cancel.err")
expect_rc 130 "Ctrl-C while children run"
check "every child stops within half a second" test $(( (t1 - t0) / 1000000 )) -lt 500
expect_event '.type == "subagent" and .event == "end" and .agent == "database-optimizer" and .outcome == "interrupted"' "the database child ended interrupted"
expect_event '.type == "subagent" and .event == "end" and .agent == "security-auditor" and .outcome == "interrupted"' "the security child ended interrupted"
check "no request after the interrupt" test "$(req_count)" = 3

# ---- routing: PostgreSQL schema + JWT -> the database and security specialists -----
fakellm_start '{"responses":[
 {'"$DB"',"turn":{"text":"DB ROUTED REPORT"},"latency_ms":300},
 {'"$SEC"',"turn":{"text":"SEC ROUTED REPORT"},"latency_ms":300},
 {'"$MAIN"',"turn":{"text":"Synthesised."}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "Design the PostgreSQL schema for users and sessions, signed with JWT." --model openai/m --output-format stream-json
expect_rc 0 "a routed run succeeds"
check "exactly three requests: two specialists, then the main agent" test "$(req_count)" = 3
check "the database specialist ran on the prompt" \
	sys_flat "You are a database specialist" '.messages[1].content' "mentions PostgreSQL, schema.*Design the PostgreSQL schema"
check "the security specialist ran on the prompt" test "$(req_count_sys 'You are a security auditor')" = 1
check "no other specialist ran" test "$(req_count_sys 'You are an API designer')$(req_count_sys 'You are a performance engineer')$(req_count_sys 'You are a DevOps engineer')" = 000
check "the routed specialists overlapped" \
	test $(( $(req_times 'You are a database specialist') - $(req_times 'You are a security auditor') )) -lt 250
check "the main agent's first request has the user's prompt" \
	test "$(req 3 '.messages[1].content | if type == "array" then .[0].text else . end')" != ""
check "the main agent's first request contains both reports" \
	req_flat 3 '.messages[1].content | if type == "array" then map(.text) | join("\n") else . end' \
	'specialist-report agent="database-optimizer" keywords="PostgreSQL, schema".*DB ROUTED REPORT'
check "... and the security one" \
	req_flat 3 '.messages[1].content | if type == "array" then map(.text) | join("\n") else . end' \
	'specialist-report agent="security-auditor" keywords="JWT".*SEC ROUTED REPORT'
main_sid=$(printf '%s\n' "$out" | jq -r 'select(.type == "init") | .session_id')
run "$ARCHIE" audit --session "$main_sid" --kind route --json
expect_json 'length == 1 and .[0].outcome == "auto" and (.[0].detail.matches | map(.agent)) == ["database-optimizer", "security-auditor"]' "the routing decision is an audit event"
run "$ARCHIE" audit --session "$main_sid" --kind delegate --json
expect_json 'length == 2 and all(.[]; .tool == "route")' "the routed runs are delegation events"

# suggest: the matches are named for the model, nothing runs
fakellm_start '{"responses":[{'"$MAIN"',"turn":{"text":"ok"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "Design the PostgreSQL schema, signed with JWT." --model openai/m --routing suggest
check "suggest: one request, no specialist ran" test "$(req_count)" = 1
check "suggest: the model is told the matches" \
	req_flat 1 '.messages[1].content | if type == "array" then map(.text) | join("\n") else . end' \
	"matches specialists in your routing table: database-optimizer \(PostgreSQL, schema\); security-auditor \(JWT\)"
fakellm_start '{"responses":[{'"$MAIN"',"turn":{"text":"ok"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "Design the PostgreSQL schema" --model openai/m --routing off
check "off: nothing is routed" test "$(req 1 '.messages[1].content')" = "Design the PostgreSQL schema"

# ---- a table-based agent file and a frontmatter one give the same routes -----------
mkdir -p .opencode/agent && cp "$TEST_DATA/agents/routing/table.md" .opencode/agent/table-lead.md
cp "$TEST_DATA/agents/routing/frontmatter.md" .opencode/agent/fm-lead.md
run "$ARCHIE" agents show table-lead --json
table_routes=$(printf '%s' "$out" | jq -c '.routing.routes')
check "agents show --json: where each route was written" test "$(printf '%s' "$out" | jq -c '.routing.sources[3]')" = '{"ref":"subagents/04-quality-and-security/security-auditor","line":25}'
run "$ARCHIE" agents show fm-lead --json
fm_routes=$(printf '%s' "$out" | jq -c '.routing.routes')
check "the same routes from a table and from frontmatter" test "$table_routes" = "$fm_routes"
check "... eight of them" test "$(printf '%s' "$fm_routes" | jq length)" = 8
run "$ARCHIE" agents show table-lead
table_text=$(printf '%s\n' "$out" | sed -n '/^routing:/,/^[a-z]/p' | grep '^  ')
expect_out "routing:     auto, routes from the table (lines 22-29)" "agents show: the routing mode and where the routes are"
expect_out "security-auditor       <- security, OAuth, JWT, vulnerability" "agents show: each route"
run "$ARCHIE" agents show fm-lead
fm_text=$(printf '%s\n' "$out" | sed -n '/^routing:/,/^[a-z]/p' | grep '^  ')
check "agents show prints the same routes for both files" test "$table_text" = "$fm_text"

run "$ARCHIE" agents validate
expect_out "fm-lead.md:5:1: warning: the routing table names 'aws-specialist', but there is no agent of that name" "validate: a route to a missing agent is a located warning"
expect_out "table-lead.md:22:1: warning: the routing table names 'aws-specialist'" "validate: the table's row too"

# a route to an agent that does not exist: reported once, clearly; the rest still run
fakellm_start '{"responses":[
 {'"$SEC"',"turn":{"text":"sec"}},
 {"when":{"system_contains":"You investigate issues"},"turn":{"text":"ok"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "Our AWS Lambda leaks JWT secrets" --agent fm-lead --model openai/m
expect_rc 0 "a run with a route to a missing agent succeeds"
expect_err "names 'aws-specialist' (line 5), but there is no such agent" "the missing agent is reported with its line"
check "... once" test "$(printf '%s' "$err" | grep -c "no such agent")" = 1
check "the existing specialist still ran" test "$(req_count_sys 'You are a security auditor')" = 1

# a subagent retrying a 503 says so on its line (stream-json: a retry event)
fakellm_start '{"responses":[
 {'"$DB"',"status":503,"headers":{"retry-after":"0"},"body":{"error":{"message":"busy upstream"}}},
 {'"$DB"',"turn":{"text":"DB REPORT after a retry."}},
 {'"$MAIN"',"turn":{"tool_calls":[{"id":"t1","name":"Task","arguments":{"description":"schema review","prompt":"Review it.","subagent_type":"database-optimizer"}}]}},
 {'"$MAIN"',"turn":{"text":"Done."}}]}'
OPENAI_BASE_URL="$FAKE_URL" run "$ARCHIE" -p "review" --model openai/m --routing off --output-format stream-json
expect_event '.type == "subagent" and .event == "retry" and .agent == "database-optimizer" and (.reason | contains("busy upstream"))' "a subagent's retry is an event with its reason"
fakellm_stop

finish
