# Approvals in the interactive session: the prompt shows the exact
# command and the reason; "no" with a reason reaches the model; "always"
# adds a precise session rule so the same command is not asked again.
. "$(dirname "$0")/lib.sh"

command -v tmux >/dev/null || { echo "not ok 1 - tmux is needed"; exit 1; }
SOCK="$T_ROOT/tmux.sock"
tm() { tmux -S "$SOCK" "$@"; }
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
check "the prompt shows the exact command" wait_for '"command":"rm -f victim.txt"'
check "the prompt says why it asks" wait_for "commands ask unless they only read"
tm send-keys -t t "it is still in use" Enter
check "the model's answer follows" wait_for "OK, I left it."
check "the file was not removed" test -f victim.txt
check "the reason reached the model" req_match 2 '.messages[-1].content' "the user said no: it is still in use"

tm send-keys -t t "touch it twice" Enter
check "the first touch asks" wait_for "touch made.txt"
tm send-keys -t t "a" Enter
check "the turn finishes without asking again" wait_for "Touched twice."
check "only one approval prompt for the same command" test "$(tm capture-pane -t t -p -S -200 | grep -c 'allow? \[y\]es once')" = 2
check "the file was made" test -f made.txt

tm send-keys -t t "/quit" Enter
check "quits" wait_for "EXITED rc=0"
tm kill-session -t t

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
tm send-keys -t t "y" Enter
check "the parent's answer follows" wait_for "The specialist made it."
check "the subagent's command ran" test -f child-made.txt
check "the subagent has its status line" wait_for "+ database-optimizer [2 turns, 1 tool"
tm send-keys -t t "/quit" Enter
check "quits again" wait_for "EXITED rc=0"
finish
