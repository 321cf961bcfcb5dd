# The session store: what a run records (messages, audit events with
# verdicts and rules, redacted secrets, private files), the commands that
# read it, and resuming: --continue, --resume, and a run killed with
# SIGKILL in the middle of a tool call.
. "$(dirname "$0")/lib.sh"

export ARCHIE_STATE_DIR="$T_ROOT/state"
DB="$ARCHIE_STATE_DIR/archie.db"
mkdir -p src
printf 'int main(void) { return 0; }\n' > src/main.c

SECRET_KEY="sk-test-$(printf 'k%.0s' $(seq 1 30))"
fakellm_start '{"responses":[
 {"turn":{"text":"Looking.","tool_calls":[
   {"id":"a1","name":"Read","arguments":{"path":"src/main.c"}},
   {"id":"a2","name":"Bash","arguments":{"command":"echo password=hunter2hunter2 AKIAIOSFODNN7EXAMPLE"}},
   {"id":"a3","name":"Write","arguments":{"path":"out.txt","content":"x"}}],
  "usage":{"input":100,"output":10}}},
 {"turn":{"text":"Done, with token ghp_0123456789abcdefghijABCDEFGHIJ012345 mentioned.","usage":{"input":200,"output":20}}}]}'
export OPENAI_BASE_URL="$FAKE_URL" OPENAI_API_KEY="$SECRET_KEY"
run "$ARCHIE" -p "inspect the project; my key is $SECRET_KEY" --model openai/m --output-format json
expect_rc 5 "a recorded run (one denial)"
SID=$(printf '%s' "$out" | jq -r .session_id)

check "the state directory is private (0700)" test "$(stat -c %a "$ARCHIE_STATE_DIR")" = 700
check "the database is private (0600)" test "$(stat -c %a "$DB")" = 600
for f in "$DB" "$DB-wal"; do
	[ -e "$f" ] || continue
	check "no provider key in $(basename "$f")" sh -c '! grep -aq "$0" "$1"' "$SECRET_KEY" "$f"
	check "no AWS key id in $(basename "$f")" sh -c '! grep -aq AKIAIOSFODNN7EXAMPLE "$0"' "$f"
	check "no password in $(basename "$f")" sh -c '! grep -aq hunter2hunter2 "$0"' "$f"
	check "no GitHub token in $(basename "$f")" sh -c '! grep -aq ghp_0123456789abcdef "$0"' "$f"
done

run "$ARCHIE" sessions list --json
expect_rc 0 "sessions list"
expect_json "length == 1 and .[0].id == \"$SID\" and .[0].agent == \"backend-architect\" and .[0].messages == 4" "the session is listed with its messages"
expect_json '.[0].title | startswith("inspect the project; my key is [REDACTED]")' "the title is the first prompt, redacted"

run "$ARCHIE" sessions show "${SID%%-*}" --json
expect_rc 0 "sessions show takes an id prefix"
expect_json '[.messages[].role] == ["user","assistant","user","assistant"]' "messages in order"
expect_json '.messages[2].content | map(.tool_use_id) == ["a1","a2","a3"]' "every result recorded"
expect_json '[.events[] | select(.kind=="model")] | length == 2' "two model requests recorded"
expect_json '[.events[] | select(.kind=="model")][0] | .input_tokens == 100 and .output_tokens == 10 and .attempt == 1 and .status == 200 and (.duration_ms | type) == "number"' "a model event has tokens, attempt, status, latency"
expect_json '.events[] | select(.call_id=="a1") | .tool == "Read" and .verdict == "allow" and .decided_by == "policy" and .outcome == "ok" and (.rule | test("reading in the workspace")) and .bytes > 0' "an allowed read: verdict, rule, outcome"
expect_json '.events[] | select(.call_id=="a3") | .verdict == "ask" and .decided_by == "headless" and .outcome == "denied" and (.rule | test("writes ask"))' "a headless denial: who decided and the rule"
expect_json '.events[] | select(.call_id=="a2") | .exit_code == 0 and (.arguments.command | test("password=\\[REDACTED\\]"))' "Bash: exit code, redacted arguments"

run "$ARCHIE" audit --verdict ask --json
expect_json 'length == 1 and .[0].tool == "Write" and .[0].outcome == "denied"' "audit --verdict ask: the policy's verdict, and how it ended"
run "$ARCHIE" audit --verdict deny --json
expect_json 'length == 1 and .[0].call_id == "a3" and .[0].decided_by == "headless"' "audit --verdict deny: the verdict that stood (a denied ask), as stats counts it"
run "$ARCHIE" audit --verdict allow --json
expect_json '[.[].call_id] == ["a1", "a2"]' "audit --verdict allow: what ran"
run "$ARCHIE" audit --tool Bash --json
expect_json 'length == 1 and .[0].call_id == "a2"' "audit --tool"
run "$ARCHIE" audit --since 1h --kind model --json
expect_json 'length == 2' "audit --since and --kind"
run "$ARCHIE" audit --since 2999-01-01 --json
expect_json 'length == 0' "audit --since a future date"
run "$ARCHIE" audit --since 2000-01-01T00:00:00Z --kind model --json
expect_json 'length == 2' "audit --since an ISO 8601 UTC time"
run "$ARCHIE" audit --since yesterday
expect_rc 2 "a bad --since is a usage error"
run "$ARCHIE" audit
expect_out "rule: writing 'out.txt': built-in default: writes ask" "audit text shows the rule"

run "$ARCHIE" stats --json
expect_json '.projects[0].sessions == 1 and .projects[0].turns == 2 and .projects[0].tool_calls == 3 and .projects[0].denials == 1 and .projects[0].input_tokens == 300 and .projects[0].tools.Bash == 1 and (.projects[0].latency_p95_ms | type) == "number"' "stats per project"
expect_json ".sessions[0].id == \"$SID\" and .sessions[0].tool_calls == 3" "stats per session"

run "$ARCHIE" sessions export "$SID" --format jsonl
expect_rc 0 "export jsonl"
check "export jsonl: every line is JSON" sh -c 'printf "%s\n" "$0" | jq -e . >/dev/null' "$out"
check "export jsonl: session, 4 messages, 5 events" test "$(printf '%s\n' "$out" | jq -r .type | sort | uniq -c | tr -s ' ' | tr '\n' ';')" = " 5 event; 4 message; 1 session;"
run "$ARCHIE" sessions export "$SID" --format markdown
expect_out "## Assistant" "export markdown"
expect_no_out "$SECRET_KEY" "export holds no key"

# --continue: the next request carries the whole conversation
fakellm_start '{"responses":[{"turn":{"text":"Continuing."}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" --continue -p "and now?" --model openai/m --output-format json
expect_rc 0 "--continue"
expect_json ".session_id == \"$SID\"" "--continue keeps the session id"
check "the resumed request has the history and the new prompt" test "$(req 1 '[.messages[] | .role] | join(",")')" = "system,user,assistant,tool,tool,tool,assistant,user"
check "the new prompt is last" test "$(req 1 '.messages[-1].content')" = "and now?"
run "$ARCHIE" sessions show "$SID" --json
expect_json '.messages | length == 6' "the continued turn is recorded in the same session"

run "$ARCHIE" --resume nosuchsession -p "x" --model openai/m
expect_rc 2 "--resume of an unknown id"
expect_err "no session 'nosuchsession'" "names the id"

# killed in the middle of a tool call: resumes with a synthetic result
fakellm_start '{"responses":[
 {"turn":{"tool_calls":[{"id":"k1","name":"Bash","arguments":{"command":"touch started; sleep 30"}}]}},
 {"turn":{"text":"Recovered."}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
"$ARCHIE" -p "run the long thing" --model openai/m --yes --output-format json > killed.json 2>/dev/null &
APID=$!
for _ in $(seq 1 500); do [ -e started ] && break; sleep 0.01; done
kill -9 "$APID"; wait "$APID" 2>/dev/null
check "the killed run had started the tool" test -e started
run "$ARCHIE" --continue -p "what happened?" --model openai/m --output-format json
expect_rc 0 "--continue after SIGKILL"
check "the interrupted call gets a synthetic result" req_match 2 '.messages[] | select(.role=="tool" and .tool_call_id=="k1") | .content' "interrupted before completion"
check "the request is valid: tool call, its result, a note that no answer came, the prompt" test "$(req 2 '[.messages[] | .role] | join(",")')" = "system,user,assistant,tool,assistant,user"
check "the note says the session was interrupted" req_match 2 '.messages[-2].content' "^\\(interrupted: archie stopped before the model answered"

# Ctrl-C in the middle of an answer: what was streamed is kept, marked
# incomplete, and a resumed session sends it back
fakellm_start '{"responses":[
 {"turn":{"text":"a slow answer that will be interrupted long before it ends"},"text_chunk":4,"chunk_size":40,"delay_ms":30},
 {"turn":{"text":"ok"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
"$ARCHIE" -p "slow please" --model openai/m --output-format stream-json > slow.out 2>/dev/null &
APID=$!
for _ in $(seq 1 300); do grep -q '"type":"text"' slow.out 2>/dev/null && break; sleep 0.01; done
sleep 0.1
kill -INT "$APID"; wait "$APID"; rc=$?
expect_rc 130 "Ctrl-C in a headless run"
SLOW=$(jq -R -r 'fromjson? | select(.type == "init") | .session_id' slow.out)
run "$ARCHIE" sessions show "$SLOW" --json
expect_json '.messages[-1] | .role == "assistant" and .incomplete == 1 and (.content[0].text | startswith("a slow")) and (.content[0].text | contains("before it ends") | not)' "the half-streamed answer is kept, marked incomplete"
run "$ARCHIE" --resume "$SLOW" -p "finish it" --model openai/m
expect_rc 0 "resume after Ctrl-C"
check "the partial answer goes back to the model" req_match 2 '.messages[-2] | select(.role == "assistant") | .content' "^a slow"

# kill -9 in the middle of an answer: what had streamed is in the record,
# marked incomplete (saved as it grows)
fakellm_start '{"responses":[
 {"turn":{"text":"streaming words that the kill will cut off somewhere in the middle of this long answer"},"text_chunk":4,"chunk_size":40,"delay_ms":40},
 {"turn":{"text":"ok"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
"$ARCHIE" -p "stream please" --model openai/m --output-format stream-json > killed2.out 2>/dev/null &
APID=$!
for _ in $(seq 1 300); do [ "$(grep -c '"type":"text"' killed2.out 2>/dev/null)" -ge 3 ] && break; sleep 0.01; done
sleep 0.4
kill -9 "$APID"; wait "$APID" 2>/dev/null
K2=$(jq -R -r 'fromjson? | select(.type == "init") | .session_id' killed2.out)
run "$ARCHIE" sessions show "$K2" --json
expect_json '.messages[-1] | .role == "assistant" and .incomplete == 1 and (.content[0].text | startswith("streaming words"))' "after kill -9 the streamed part of the answer is kept, marked incomplete"
run "$ARCHIE" --resume "$K2" -p "go on" --model openai/m
expect_rc 0 "resume after kill -9 mid-answer"
check "the partial answer goes back to the model, then the prompt" test "$(req 2 '[.messages[] | .role] | join(",")')" = "system,user,assistant,user"

# the store cannot be opened: the run goes on, and says so
chmod 000 "$ARCHIE_STATE_DIR"
if [ "$(id -u)" != 0 ]; then
	fakellm_start '{"responses":[{"turn":{"text":"ok"}}]}'
	export OPENAI_BASE_URL="$FAKE_URL"
	run "$ARCHIE" -p "hi" --model openai/m
	expect_rc 0 "an unwritable state directory does not stop a run"
	expect_err "will not be recorded" "it says the session is not recorded"
fi
chmod 700 "$ARCHIE_STATE_DIR"
ARCHIE_STATE_DIR="$T_ROOT/file-not-dir" ; : > "$ARCHIE_STATE_DIR"; export ARCHIE_STATE_DIR
fakellm_start '{"responses":[{"turn":{"text":"ok"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "hi" --model openai/m
expect_rc 0 "a state dir that is a file does not stop a run"
expect_err "will not be recorded" "the warning names the problem"
export ARCHIE_STATE_DIR="$T_ROOT/state"

# a full disk (a tiny tmpfs, when this machine lets the test mount one):
# the session goes on, says why it is not recorded, and once there is room
# again everything it kept in memory is written
FULL="$T_ROOT/full"
mkdir -p "$FULL"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=160k tmpfs "$FULL" 2>/dev/null; then
	fakellm_start '{"responses":[
	 {"turn":{"tool_calls":[{"id":"f1","name":"Bash","arguments":{"command":"seq 1 9000"}},
	   {"id":"f2","name":"Bash","arguments":{"command":"seq 9001 18000"}},
	   {"id":"f3","name":"Bash","arguments":{"command":"seq 18001 27000"}}]}},
	 {"turn":{"tool_calls":[{"id":"f4","name":"Bash","arguments":{"command":"touch waiting; sleep 1.5"}}]}},
	 {"turn":{"text":"finished despite the disk"}}]}'
	export OPENAI_BASE_URL="$FAKE_URL"
	(
		for _ in $(seq 1 300); do [ -e waiting ] && break; sleep 0.01; done
		mount -o remount,size=20m "$FULL"
	) &
	GROW=$!
	run env ARCHIE_STATE_DIR="$FULL/state" "$ARCHIE" -p "fill it" --model openai/m --yes --output-format json
	wait "$GROW"
	expect_rc 0 "a full disk does not stop the session"
	expect_json '.result == "finished despite the disk"' "the answer arrives"
	expect_err "cannot record" "the user is told the session is not being recorded"
	expect_err "disk is full" "... and why"
	expect_err "recording resumes when the disk is back" "... and what happens next"
	FSID=$(printf '%s' "$out" | jq -r .session_id)
	run env ARCHIE_STATE_DIR="$FULL/state" "$ARCHIE" sessions show "$FSID" --json
	expect_json '[.messages[].role] == ["user","assistant","user","assistant","user","assistant"]' "once there was room, every message was written"
	expect_json '[.events[] | .call_id // "model"] | sort == ["f1","f2","f3","f4","model","model","model"]' "... and every audit event kept in memory"
	umount "$FULL"
else
	echo "ok $((T_N + 1)) - # skip: cannot mount a tmpfs here (the unit test fills SQLite's page limit instead)"
	T_N=$((T_N + 1))
fi

# prune deletes only when asked, and only what is older
run "$ARCHIE" sessions prune
expect_rc 2 "prune without --before deletes nothing"
run "$ARCHIE" sessions prune --before 2000-01-01
expect_out "deleted 0 sessions" "prune before an old date"
run "$ARCHIE" sessions prune --before 2999-01-01
expect_out "deleted 4 sessions" "prune before a future date"

finish
