# Approvals in the interactive session: the prompt shows the exact
# command and the reason; "no" with a reason reaches the model; "always"
# adds a precise session rule so the same command is not asked again.
. "$(dirname "$0")/lib.sh"

command -v tmux >/dev/null || { echo "not ok 1 - tmux is needed"; exit 1; }
SOCK="$T_ROOT/tmux.sock"
tm() { tmux -S "$SOCK" "$@"; }
# Ends the tmux server and waits until it is gone: a session started
# while the last one's server is still exiting would be lost.
tm_reset() {
	tm kill-server 2>/dev/null
	for _ in $(seq 1 100); do tm list-sessions >/dev/null 2>&1 || break; sleep 0.05; done
	rm -f "$SOCK"
}
wait_for() {
	for _ in $(seq 1 50); do
		tm capture-pane -t t -p | grep -qF -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
trap 'tm kill-server 2>/dev/null; fakellm_stop; rm -rf "$T_ROOT"' EXIT

echo mine > victim.txt
fakellm_start '{"responses":[
 {"turn":{"tool_calls":[{"id":"b1","name":"Bash","arguments":{"command":"rm -f victim.txt"}}]}},
 {"turn":{"text":"OK, I left it."}},
 {"turn":{"tool_calls":[{"id":"b2","name":"Bash","arguments":{"command":"touch made.txt"}}]}},
 {"turn":{"tool_calls":[{"id":"b3","name":"Bash","arguments":{"command":"touch made.txt"}}]}},
 {"turn":{"text":"Touched twice."}}]}'
tm new-session -d -s t -x 120 -y 45 "cd '$WS' && env HOME='$HOME' XDG_STATE_HOME='$XDG_STATE_HOME' OPENAI_BASE_URL='$FAKE_URL' TERM=xterm '$ARCHIE' --model openai/m; echo EXITED rc=\$?; sleep 60"
check "the session starts" wait_for "agent backend-architect"

tm send-keys -t t "clean up" Enter
check "the prompt shows the command as typed, not JSON" wait_for '$ rm -f victim.txt'
check "the prompt says why it asks" wait_for "commands ask unless they only read"
tm send-keys -t t "it is still in use" Enter
check "the model's answer follows" wait_for "OK, I left it."
check "the file was not removed" test -f victim.txt
check "the reason reached the model" req_match 2 '.messages[-1].content' "the user said no: it is still in use"

tm send-keys -t t "touch it twice" Enter
check "the first touch asks" wait_for "touch made.txt"
check "the 'always' choice says what it will allow" wait_for "[a] always: allow Bash(touch"
tm send-keys -t t "a"
check "the turn finishes without asking again (one key, no Enter)" wait_for "Touched twice."
check "only one approval prompt for the same command" test "$(tm capture-pane -t t -p -S -200 | grep -c '^allow? ')" = 2
check "the file was made" test -f made.txt

tm send-keys -t t "/quit" Enter
check "quits" wait_for "EXITED rc=0"
tm_reset

# a subagent's approval prompt names the subagent; its progress has a line
fakellm_start '{"responses":[
 {"when":{"system_contains":"You are a database specialist"},"turn":{"tool_calls":[{"id":"s1","name":"Bash","arguments":{"command":"touch child-made.txt"}}]}},
 {"when":{"system_contains":"You are a database specialist"},"turn":{"text":"made it"}},
 {"when":{"system_contains":"backend architect"},"turn":{"tool_calls":[{"id":"t1","name":"Task","arguments":{"description":"make a file","prompt":"touch child-made.txt","subagent_type":"database-optimizer"}}]}},
 {"when":{"system_contains":"backend architect"},"turn":{"text":"The specialist made it."}}]}'
tm new-session -d -s t -x 160 -y 45 "cd '$WS' && env HOME='$HOME' XDG_STATE_HOME='$XDG_STATE_HOME' OPENAI_BASE_URL='$FAKE_URL' TERM=xterm '$ARCHIE' --model openai/m; echo EXITED rc=\$?; sleep 60"
check "the second session starts" wait_for "agent backend-architect"
tm send-keys -t t "delegate the file" Enter
check "the approval prompt names the subagent" wait_for "database-optimizer (a subagent) wants to run Bash"
tm send-keys -t t "y"
check "the parent's answer follows" wait_for "The specialist made it."
check "the subagent's command ran" test -f child-made.txt
check "the subagent has its status line" wait_for "+ database-optimizer [2 turns, 1 tool"
tm send-keys -t t "/quit" Enter
check "quits again" wait_for "EXITED rc=0"
tm_reset

# what an edit and a command will do, and what they did: screens compared
# with the expected ones in tests/data/screens/ (the workspace's path
# written as WS)
printf 'def add(a, b):\n    return a - b\n\nprint(add(1, 2))\n' > calc.py
fakellm_start '{"responses":[
 {"turn":{"text":"Let me fix it.","tool_calls":[{"id":"e1","name":"Edit","arguments":{"path":"calc.py","old_string":"    return a - b","new_string":"    # the sum\n    return a + b"}}]}},
 {"turn":{"tool_calls":[{"id":"b1","name":"Bash","arguments":{"command":"python3 calc.py && echo done"}}]}},
 {"turn":{"tool_calls":[{"id":"w1","name":"Write","arguments":{"path":"notes/todo.md","content":"# To do\n\n- tests\n"}}]}},
 {"turn":{"text":"Fixed."}}]}'
tm new-session -d -s t -x 100 -y 60 "cd '$WS' && env HOME='$HOME' XDG_STATE_HOME='$XDG_STATE_HOME' OPENAI_BASE_URL='$FAKE_URL' TERM=xterm NO_COLOR=1 '$ARCHIE' --model openai/m --routing off; echo EXITED rc=\$?; sleep 60"
check "the third session starts" wait_for "agent backend-architect"
# screen FROM TO: the screen's lines from the last FROM to the next TO
screen() {
	tm capture-pane -t t -p -S -100 | sed "s|$WS|WS|g" |
		awk -v from="$1" -v to="$2" 'index($0, from) { buf = ""; on = 1 } on { buf = buf $0 "\n" } on && index($0, to) { on = 0; out = buf } END { printf "%s", out }'
}
same_screen() { screen "$1" "$2" | diff -u "$TEST_DATA/screens/$3" - | sed 's/^/#   /'; [ "$(screen "$1" "$2")" = "$(cat "$TEST_DATA/screens/$3")" ]; }
tm send-keys -t t "fix add" Enter
check "the Edit approval is a unified diff of the file" wait_for "[a] always: allow Edit("
check "... the whole screen as expected" same_screen "wants to run Edit" "allow?" approve-edit.txt
tm send-keys -t t "y"
check "the Bash approval shows the command as typed" wait_for "$ python3 calc.py && echo done"
tm send-keys -t t "y"
check "a new file's approval shows its first lines" wait_for "new file notes/todo.md (3 lines)"
check "... as expected" same_screen "wants to run Write" "allow?" approve-write.txt
tm send-keys -t t "y"
check "the turn ends" wait_for "Fixed."
check "under each call, what it did" same_screen "> Edit calc.py" "> Write notes/todo.md" results.txt
check "the edit is on disk" grep -q "return a + b" calc.py
tm send-keys -t t "/last" Enter
check "/last shows the last call's whole result" wait_for "Write's whole result:"
tm send-keys -t t "/quit" Enter
check "quits a third time" wait_for "EXITED rc=0"
finish
