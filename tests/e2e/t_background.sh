# Background shells: the model starts a service under the default sandbox
# (network off), waits for its port, reaches it from another sandboxed
# command, reads its log and stops it; the outside stays closed; nothing
# of the session outlives archie, however archie ends.
. "$(dirname "$0")/lib.sh"
cd "$WS" || exit 1
PORT=8765
cat > "$T_ROOT/script.json" <<EOF2
{"responses":[
 {"turn":{"tool_calls":[{"id":"b1","name":"Bash","arguments":{"command":"echo hello from the service > index.html; exec python3 -u -m http.server $PORT --bind 127.0.0.1","run_in_background":true}}]}},
 {"turn":{"tool_calls":[{"id":"b2","name":"BashOutput","arguments":{"bash_id":"bash_1","wait_for_port":$PORT,"timeout":20000}}]}},
 {"turn":{"tool_calls":[{"id":"b3","name":"Bash","arguments":{"command":"curl -s http://127.0.0.1:$PORT/index.html"}}]}},
 {"turn":{"tool_calls":[{"id":"b4","name":"BashOutput","arguments":{"bash_id":"bash_1","wait_for":"GET /index.html","timeout":10000}}]}},
 {"turn":{"tool_calls":[{"id":"b5","name":"Bash","arguments":{"command":"curl -s -m 3 http://127.0.0.1:FAKEPORT/v1/models; echo curl-rc=\$?"}}]}},
 {"turn":{"tool_calls":[{"id":"b6","name":"BashOutput","arguments":{"bash_id":"bash_1","filter":"nothing-matches-this"}}]}},
 {"turn":{"tool_calls":[{"id":"b7","name":"KillShell","arguments":{"shell_id":"bash_1"}}]}},
 {"turn":{"tool_calls":[{"id":"b8","name":"BashOutput","arguments":{"bash_id":"bash_9"}}]}},
 {"turn":{"text":"proved"}}
]}
EOF2
fakellm_start "$(cat "$T_ROOT/script.json")"
sed -i "s/FAKEPORT/$FAKE_PORT/" "$FAKE_DIR/script.json"
fakellm_start "$(cat "$FAKE_DIR/script.json")"
export OPENAI_BASE_URL="$FAKE_URL"
result() { req "$1" '.messages[-1].content'; }
run "$ARCHIE" -p "prove it works" --model openai/m --routing off --yes
expect_rc 0 "a session with a background service"
check "Bash run_in_background returns at once with a shell id" req_match 2 '.messages[-1].content' '^Started in the background as bash_1'
check "BashOutput waits for the port" req_match 3 '.messages[-1].content' 'waited: the port is listening'
check "a sandboxed curl reaches the sandboxed service (loopback shared, network off)" req_match 4 '.messages[-1].content' 'hello from the service'
check "BashOutput returns the service's log since the last read" req_match 5 '.messages[-1].content' '"GET /index.html HTTP/1.1" 200'
check "... having waited for that line" req_match 5 '.messages[-1].content' 'waited: the pattern appeared'
check "... and says it still runs" req_match 5 '.messages[-1].content' '^\[bash_1: running, pid [0-9]+'
check "the outside stays closed: the host's loopback is not reachable" req_match 6 '.messages[-1].content' 'curl-rc=7'
check "a filter keeps only matching lines" test "$(result 7 | wc -l)" = 1
check "KillShell stops it" req_match 8 '.messages[-1].content' '^\[bash_1: stopped after'
check "an unknown shell id is an error naming the ones there are" req_match 9 '.messages[-1].content' "no background shell 'bash_9'; there are: bash_1"
check "the service is gone" sh -c "! pgrep -f 'http[.]server $PORT' >/dev/null"
run "$ARCHIE" audit --kind background
expect_out "background bash_1" "the audit trail records the shell"
expect_out "-> stopped" "... and how it ended"
run "$ARCHIE" audit --kind background --json
expect_json '.[0].detail.signal == 15 and .[0].duration_ms >= 0 and .[0].detail.ended_ms > .[0].ts and (.[0].arguments.command | contains("http.server"))' "... with its command, its end and how it ended"

# nothing outlives archie: normal end, Ctrl-C, SIGTERM, SIGKILL
orphan_script() {
	printf '{"responses":[{"turn":{"tool_calls":[{"id":"o1","name":"Bash","arguments":{"command":"exec python3 -c \\"import time; time.sleep(600)\\" %s","run_in_background":true}}]}},{"turn":{"text":"later"},"latency_ms":60000}]}' "$1"
}
alive() { pgrep -f "$1" >/dev/null; }
wait_alive() { for _ in $(seq 1 100); do alive "$1" && return 0; sleep 0.05; done; return 1; }
wait_gone() { for _ in $(seq 1 100); do alive "$1" || return 0; sleep 0.1; done; return 1; }
for how in INT TERM KILL; do
	mark="archie-orphan-$how-$$"
	fakellm_start "$(orphan_script "$mark")"
	OPENAI_BASE_URL="$FAKE_URL" "$ARCHIE" -p "start it" --model openai/m --routing off --yes >/dev/null 2>&1 &
	pid=$!
	check "SIG$how: the background process started" wait_alive "$mark"
	kill -"$how" "$pid"
	check "SIG$how to archie: no process of the session is left" wait_gone "$mark"
	wait "$pid" 2>/dev/null
done
mark="archie-orphan-end-$$"
fakellm_start "$(orphan_script "$mark" | sed 's/,"latency_ms":60000//')"
run env OPENAI_BASE_URL="$FAKE_URL" "$ARCHIE" -p "start it" --model openai/m --routing off --yes
expect_rc 0 "a session that ends with a shell running"
check "... stops it at its end" wait_gone "$mark"

# no background shells for Bash without a place to keep them: sandbox off
# still works (the host's loopback), the sandbox's rules still apply
fakellm_start '{"responses":[{"turn":{"tool_calls":[{"id":"d1","name":"Bash","arguments":{"command":"cat ~/.ssh/id_rsa","run_in_background":true}}]}},{"turn":{"text":"ok"}}]}'
mkdir -p "$HOME/.ssh" && echo SECRETKEY > "$HOME/.ssh/id_rsa"
run env OPENAI_BASE_URL="$FAKE_URL" "$ARCHIE" -p "x" --model openai/m --routing off
check "a background command is vetted as any command (denied headless without --yes or a rule)" req_match 2 '.messages[-1].content' 'denied|not allowed|permission'
finish
