# MCP in the interactive session, through tmux: the elicitation form a
# server asks for, an MCP prompt as a slash command (listed by /help),
# progress on the tool's line, sampling asked like a call, and Ctrl-C
# during a call cancelling it on the server.
. "$(dirname "$0")/lib.sh"

command -v tmux >/dev/null || { echo "not ok 1 - tmux is needed (make test installs it)"; exit 1; }
SOCK="$T_ROOT/tmux.sock"
tm() { tmux -S "$SOCK" "$@"; }
screen() { tm capture-pane -t t -p -S -200 | grep -v '^$'; }
wait_for() {
	for _ in $(seq 1 80); do
		screen | grep -qF -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
trap 'tm kill-server 2>/dev/null; fakellm_stop; rm -rf "$T_ROOT"' EXIT

LOG="$T_ROOT/repl.jsonl"
cat > .mcp.json <<EOF
{"mcpServers": {"t": {"command": "$MCPSERVER", "args": ["--mode", "full", "--log", "$LOG"]}}}
EOF
fakellm_start '{"responses":[
 {"turn":{"tool_calls":[{"id":"a1","name":"mcp__t__ask","arguments":{}}]}},
 {"turn":{"text":"asked"}},
 {"turn":{"text":"greeted"}},
 {"turn":{"tool_calls":[{"id":"p1","name":"mcp__t__progress","arguments":{}}]}},
 {"turn":{"text":"progressed"}},
 {"turn":{"tool_calls":[{"id":"s1","name":"mcp__t__sample","arguments":{"text":"sample me"}}]}},
 {"turn":{"text":"the sample"}},
 {"turn":{"text":"sampled"}},
 {"turn":{"tool_calls":[{"id":"r1","name":"mcp__t__roots","arguments":{}}]}},
 {"turn":{"text":"rooted"}},
 {"turn":{"tool_calls":[{"id":"w1","name":"mcp__t__slow","arguments":{"ms":20000}}]}},
 {"turn":{"text":"after the cancel"}}]}'
tm new-session -d -s t -x 120 -y 50 "cd '$WS' && env HOME='$HOME' XDG_STATE_HOME='$XDG_STATE_HOME' OPENAI_BASE_URL='$FAKE_URL' TERM=xterm '$ARCHIE' --model openai/m --allow 'mcp__t__*' --routing off; echo EXITED rc=\$?; sleep 60"
check "the session starts" wait_for "agent backend-architect"

tm send-keys -t t "ask me" Enter
check "the server's question is shown" wait_for "The MCP server 't' asks: Which name should I use?"
tm send-keys -t t y
check "the form asks for each field, with its title" wait_for "Your name (required)"
tm send-keys -t t "Ann" Enter
check "an integer field" wait_for "age"
tm send-keys -t t "old" Enter
check "an answer of the wrong type is asked again" wait_for "(a whole number, please)"
tm send-keys -t t "42" Enter
check "an enum field shows its choices" wait_for "[red|blue]"
tm send-keys -t t "blue" Enter
check "the turn goes on" wait_for "asked"
check "the server got the answers, typed" req_match 2 '.messages[] | select(.tool_call_id == "a1") | .content' '"action":"accept","content":\{"name":"Ann","age":42,"color":"blue"\}'

tm send-keys -t t "/help" Enter
check "/help lists the servers' prompts" wait_for "/mcp__t__greet"
tm send-keys -t t "/mcp__t__greet Zoe" Enter
check "an MCP prompt as a slash command" wait_for "greeted"
check "... its text was the prompt" req_match 3 '.messages[-1].content' 'Say hello to Zoe in a plain style.'

tm send-keys -t t "progress" Enter
check "progress is shown on the tool's line" wait_for "[progress 3/3: done]"
check "... and the turn ends" wait_for "progressed"

tm send-keys -t t "sample" Enter
check "sampling is asked like a call" wait_for "wants to run McpSampling"
check "... showing the request" wait_for "sample me"
tm send-keys -t t y
check "the sampled answer went back to the server" wait_for "sampled"
check "... from the session's model" req_match 8 '.messages[] | select(.tool_call_id == "s1") | .content' '"text":"the sample"'

mkdir -p "$T_ROOT/other"
tm send-keys -t t "/add-dir $T_ROOT/other" Enter
check "/add-dir adds a directory to the workspace" wait_for "counts as the workspace now"
for _ in $(seq 1 40); do grep -q roots/list_changed "$LOG" 2>/dev/null && break; sleep 0.1; done
check "the servers are told the roots changed" grep -q '"method":"notifications/roots/list_changed"' "$LOG"
tm send-keys -t t "/add-dir $HOME" Enter
check "/add-dir refuses the home directory" wait_for "is or holds your home directory"
tm send-keys -t t "roots" Enter
check "the next roots/list has both" wait_for "rooted"
check "... the workspace and the added directory" req_match 10 '.messages[] | select(.tool_call_id == "r1") | .content' "file://$T_ROOT/other"

tm send-keys -t t "slow" Enter
sleep 1.5
tm send-keys -t t C-c
check "Ctrl-C interrupts the call" wait_for "[interrupted]"
for _ in $(seq 1 40); do grep -q notifications/cancelled "$LOG" 2>/dev/null && break; sleep 0.1; done
check "the server is told (notifications/cancelled, the user interrupted)" \
	sh -c "jq -r 'select(.method == \"notifications/cancelled\") | .params.reason' '$LOG' | grep -q 'the user interrupted'"
tm send-keys -t t C-c
tm send-keys -t t C-c
check "the session ends" wait_for "EXITED rc=0"
finish
