# The interactive session, driven through tmux as a person would: type a
# prompt, see the streamed answer, interrupt a slow answer with Ctrl-C,
# go on, use slash commands, and quit with Ctrl-C twice.
. "$(dirname "$0")/lib.sh"

command -v tmux >/dev/null || { echo "not ok 1 - tmux is needed (make test installs it)"; exit 1; }
SOCK="$T_ROOT/tmux.sock"
tm() { tmux -S "$SOCK" "$@"; }
# Ends the tmux server and waits until it is gone: a session started
# while the last one's server is still exiting would be lost.
tm_reset() {
	tm kill-server 2>/dev/null
	for _ in $(seq 1 100); do tm list-sessions >/dev/null 2>&1 || break; sleep 0.05; done
	rm -f "$SOCK"
}
screen() { tm capture-pane -t t -p | grep -v '^$'; }
# wait_for TEXT: up to 5 s for TEXT to be on the screen
wait_for() {
	for _ in $(seq 1 50); do
		screen | grep -qF -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
trap 'tm kill-server 2>/dev/null; fakellm_stop; rm -rf "$T_ROOT"' EXIT

fakellm_start '{"summarize":{"marker":"<archie-compaction-request>","keep":"answer"},"responses":[
 {"turn":{"text":"# Plan\n\nHere is **the** answer with `code`.\n- one\n- two\n","usage":{"input":1200,"output":34}}},
 {"turn":{"text":"a slow answer that will be interrupted before it ends"},"text_chunk":2,"chunk_size":60,"delay_ms":400},
 {"turn":{"text":"after the interrupt"}}]}'
tm new-session -d -s t -x 100 -y 40 "cd '$WS' && env HOME='$HOME' XDG_STATE_HOME='$XDG_STATE_HOME' OPENAI_BASE_URL='$FAKE_URL' TERM=xterm '$ARCHIE' --model openai/m; echo EXITED rc=\$?; sleep 60"

check "the session starts with a banner" wait_for "agent backend-architect, model openai/m"
tm send-keys -t t "hello there" Enter
check "the answer is streamed and rendered" wait_for "Here is the answer with code."
check "list items are rendered as bullets" wait_for "• two"
check "a status line follows the turn" wait_for "| 1200 in, 34 out tokens"
check "... with the permission mode and how full the context is" wait_for "[backend-architect | openai/m | default mode | context "

tm send-keys -t t "second" Enter
sleep 1.2
tm send-keys -t t C-c
check "Ctrl-C interrupts the answer" wait_for "[interrupted]"
check "the slow answer was not finished" sh -c '! tmux -S "$0" capture-pane -t t -p | grep -q "before it ends"' "$SOCK"
tm send-keys -t t "third" Enter
check "the session goes on after an interrupt" wait_for "after the interrupt"

tm send-keys -t t "/cost" Enter
check "/cost shows the totals" wait_for "tokens: 1200 in, 34 out"
tm send-keys -t t "/context" Enter
check "/context shows what takes the room" wait_for "system prompt and memory files"
tm send-keys -t t "/compact keep the plan" Enter
check "/compact summarises and says so" wait_for "compacted the conversation"
tm send-keys -t t "/help" Enter
check "/help lists the commands" wait_for "/agent NAME"
tm send-keys -t t "/agents" Enter
check "/agents lists the agents" wait_for "security-auditor"

tm send-keys -t t C-c
check "one Ctrl-C at the prompt explains how to exit" wait_for "Ctrl-C again, or Ctrl-D, to exit"
tm send-keys -t t C-c
check "a second Ctrl-C exits cleanly" wait_for "EXITED rc=0"
check "three prompts were sent, and one summary request" test "$(req_count)" = 4
check "... the summary keeping what /compact asked" req_match 4 'tostring' 'keep: keep the plan'
check "history is kept, private" sh -c 'grep -q "^third$" "$0" && [ "$(stat -c %a "$0")" = 600 ]' "$XDG_STATE_HOME/archie/history"

# the session was recorded, the interrupted answer kept and marked
run "$ARCHIE" sessions list --json
SID=$(printf '%s' "$out" | jq -r '.[0].id')
check "the interactive session was recorded" test "$(printf '%s' "$out" | jq -r '.[0].title')" = "hello there"

# --continue in the interactive session, and /resume
fakellm_start '{"responses":[{"repeat":true,"turn":{"text":"resumed answer"}}]}'
tm_reset
tm new-session -d -s t -x 100 -y 40 "cd '$WS' && env HOME='$HOME' XDG_STATE_HOME='$XDG_STATE_HOME' OPENAI_BASE_URL='$FAKE_URL' TERM=xterm '$ARCHIE' --model openai/m --continue; echo EXITED rc=\$?; sleep 60"
check "--continue says which session it resumed" wait_for "resumed session $SID"
check "... and where it stopped" wait_for "last answer: after the interrupt"
tm send-keys -t t "/clear" Enter
tm send-keys -t t "/resume" Enter
check "/resume lists the project's sessions with their first prompt" wait_for "hello there"
tm send-keys -t t "/resume 1" Enter
check "/resume N continues one" wait_for "resumed session $SID"
tm send-keys -t t "go on" Enter
check "the resumed conversation goes on" wait_for "resumed answer"
check "the request carried the old conversation, as /compact left it" sh -c 'printf "%s" "$0" | grep -q "was compacted" && printf "%s" "$0" | grep -q "after the interrupt"' "$(req 1 '.messages')"
check "the new prompt is last" test "$(req 1 '.messages[-1].content')" = "go on"
tm send-keys -t t C-d
check "Ctrl-D exits" wait_for "EXITED rc=0"

# Markdown rendered (md4c): headings without their #s, emphasis and code
# styled, a link's address after it, a table laid out, lists, a fenced
# block, a quote; an escape sequence from the model is shown, not obeyed
fakellm_start '{"responses":[{"turn":{"text":"## Fixed the handler\n\nThe **add** function now *adds*; see `calc.py` and [the docs](https://example.com/docs).\n\n| Endpoint | Method | Notes |\n| --- | --- | --- |\n| /orders | POST | creates an order, idempotent with a key |\n| /orders/{id} | GET | reads one |\n\n1. first\n2. second\n   - nested\n\n```python\ndef add(a, b):\n    return a + b\n```\n\n> a quote\n\nDone.\u001b[2J"},"text_chunk":7}]}'
tm_reset
tm new-session -d -s t -x 100 -y 40 "cd '$WS' && env HOME='$HOME' XDG_STATE_HOME='$XDG_STATE_HOME' OPENAI_BASE_URL='$FAKE_URL' TERM=xterm '$ARCHIE' --model openai/m --routing off; echo EXITED rc=\$?; sleep 60"
check "the markdown session starts" wait_for "agent backend-architect"
tm send-keys -t t "render" Enter
check "the answer is rendered" wait_for "Done.^[[2J"
check "... as tests/data/screens/markdown.txt says" sh -c 'tmux -S "$0" capture-pane -t t -p | sed -n "/^Fixed the handler/,/^Done/p" | diff -u "$1" - | sed "s/^/#   /"; [ "$(tmux -S "$0" capture-pane -t t -p | sed -n "/^Fixed the handler/,/^Done/p")" = "$(cat "$1")" ]' "$SOCK" "$TEST_DATA/screens/markdown.txt"
check "no heading keeps its #s" sh -c '! tmux -S "$0" capture-pane -t t -p | grep -q "^## "' "$SOCK"
# the python block coloured by source-highlight: the keyword blue and bold
check "a code block in a known language is syntax-coloured" sh -c 'tmux -S "$0" capture-pane -e -t t -p | grep -F "    " | grep -q "$(printf "\033\\[1m\033\\[34mdef\\|\033\\[1;34mdef\\|\033\\[01;34mdef")"' "$SOCK"
tm send-keys -t t C-d
check "Ctrl-D exits (markdown)" wait_for "EXITED rc=0"

# slash commands: /model checks the name and keeps the conversation;
# /mode and Shift-Tab cycle the permission mode, shown in the status line;
# /permissions lists the rules; /plan comes back with a resumed session
fakellm_start '{"models":["m","m2"],"responses":[
 {"turn":{"text":"planned","tool_calls":[{"id":"p1","name":"TodoWrite","arguments":{"todos":[{"content":"write the handler","status":"in_progress"},{"content":"test it","status":"pending"}]}}]}},
 {"turn":{"text":"first answer"}},
 {"turn":{"text":"second answer, from m2"}},
 {"repeat":true,"turn":{"text":"resumed"}}]}'
tm_reset
mkdir -p "$T_ROOT/slashcfg/archie"
cat > "$T_ROOT/slashcfg/archie/config.yaml" <<YAML
providers:
  local: {api: openai, base_url: '$FAKE_URL'}
permissions:
  allow: ["Bash(npm test:*)"]
YAML
tm new-session -d -s t -x 120 -y 50 "cd '$WS' && env HOME='$HOME' XDG_STATE_HOME='$XDG_STATE_HOME' XDG_CONFIG_HOME='$T_ROOT/slashcfg' TERM=xterm NO_COLOR=1 '$ARCHIE' --model local/m --routing off; echo EXITED rc=\$?; sleep 60"
check "the slash session starts" wait_for "agent backend-architect"
tm send-keys -t t "make a plan" Enter
check "the first turn ends" wait_for "first answer"
tm send-keys -t t "/model nosuch" Enter
check "/model checks the name against the server's models" wait_for "provider 'local' does not serve a model 'nosuch'; it lists m, m2"
tm send-keys -t t "/model local/m2" Enter
check "/model switches" wait_for "model local/m2; the conversation goes on"
tm send-keys -t t "and now?" Enter
check "the next answer comes from the new model" wait_for "second answer, from m2"
check "... with the whole conversation" test "$(req 3 '[.model, (.messages | map(select(.role == "assistant")) | length)] | map(tostring) | join(",")')" = "m2,2"
check "the status line says the mode" wait_for "| local/m2 | default mode |"
tm send-keys -t t "/mode" Enter
check "/mode goes to the next mode" wait_for "permission mode: accept (what would ask is allowed; denials still hold)"
tm send-keys -t t BTab
check "Shift-Tab goes to the next one" wait_for "permission mode: plan (read-only: every change is denied)"
tm send-keys -t t "/mode default" Enter
check "/mode NAME sets one" wait_for "permission mode: default (changes are asked about)"
tm send-keys -t t "/permissions" Enter
check "/permissions lists the rules in force" wait_for "allow Bash(npm test:*)"
tm send-keys -t t C-d
check "Ctrl-D exits (slash)" wait_for "EXITED rc=0"
tm_reset
tm new-session -d -s t -x 120 -y 50 "cd '$WS' && env HOME='$HOME' XDG_STATE_HOME='$XDG_STATE_HOME' XDG_CONFIG_HOME='$T_ROOT/slashcfg' TERM=xterm NO_COLOR=1 '$ARCHIE' --model local/m --routing off --continue; echo EXITED rc=\$?; sleep 60"
check "the session resumes" wait_for "resumed session"
tm send-keys -t t "/plan" Enter
check "/plan shows the resumed session's plan" wait_for "write the handler"
tm send-keys -t t C-d
check "Ctrl-D exits (resumed)" wait_for "EXITED rc=0"
fakellm_stop

# it shows it is working: a spinner with the seconds while the model is
# slow to answer, a running timer while a command runs
fakellm_start '{"responses":[
 {"turn":{"tool_calls":[{"id":"s1","name":"Bash","arguments":{"command":"sleep 1.2; echo half way; sleep 1.5"}}]},"latency_ms":2500},
 {"turn":{"text":"slept well"}}]}'
tm_reset
tm new-session -d -s t -x 100 -y 40 "cd '$WS' && env HOME='$HOME' XDG_STATE_HOME='$XDG_STATE_HOME' OPENAI_BASE_URL='$FAKE_URL' TERM=xterm '$ARCHIE' --model openai/m --allow 'Bash(sleep:*)' --allow 'Bash(echo:*)' --routing off; echo EXITED rc=\$?; sleep 60"
check "the fourth session starts" wait_for "agent backend-architect"
tm send-keys -t t "sleep a little" Enter
check "a spinner counts the seconds while the model is slow" wait_for "waiting for the model · 1 s"
check "a long command has a running timer" wait_for "running Bash · 1 s"
check "... and its last line of output as it comes" wait_for "running Bash: half way"
check "what the command did follows" wait_for "exit 0 · 1 line of output"
check "the answer follows" wait_for "slept well"
check "the spinner's line is gone when the answer is there" sh -c '! tmux -S "$0" capture-pane -t t -p | grep -q "waiting for the model ·"' "$SOCK"
tm send-keys -t t C-d
check "Ctrl-D exits again" wait_for "EXITED rc=0"

# routing asks before specialists run (each is model requests of its
# own): a digit unmarks one, y runs the rest, n skips them all, and
# /routing auto stops asking
fakellm_start '{"responses":[{"repeat":true,"turn":{"text":"noted"}}]}'
tm_reset
tm new-session -d -s t -x 140 -y 50 "cd '$WS' && env HOME='$HOME' XDG_STATE_HOME='$XDG_STATE_HOME' OPENAI_BASE_URL='$FAKE_URL' TERM=xterm NO_COLOR=1 '$ARCHIE' --model openai/m; echo EXITED rc=\$?; sleep 60"
check "the routing session starts" wait_for "agent backend-architect"
tm send-keys -t t "Design the PostgreSQL schema, signed with JWT." Enter
check "the specialists routing would run are shown before they run" wait_for "Routing: this request matches 2 specialists"
check "... each with what matched" wait_for "1. [x] database-optimizer (PostgreSQL, schema)"
check "... and the choices" wait_for "[y] run the marked    [n] skip all    [1-2] mark or unmark"
check "nothing was sent while asking" test "$(req_count)" = 0
tm send-keys -t t 2
check "a digit unmarks one" wait_for "2. [ ] security-auditor (JWT)"
tm send-keys -t t y
# (slow under ThreadSanitizer: poll for the requests, up to 30 s)
wait_reqs() { for _ in $(seq 1 300); do [ "$(req_count)" -ge "$1" ] && return 0; sleep 0.1; done; return 1; }
wait_reqs 2
check "the turn goes on" wait_for "noted"
check "only the marked specialist ran, then the agent: 2 requests" test "$(req_count)" = 2
check "... the database specialist" req_match 1 '.messages[1].content' 'mentions PostgreSQL, schema'
tm send-keys -t t "Design the PostgreSQL schema again." Enter
check "asked again for the next prompt" sh -c 'test "$(tmux -S "$0" capture-pane -t t -p | grep -c "Routing: this request matches")" = 2' "$SOCK"
tm send-keys -t t n
check "n skips them all" wait_for "no: the agent goes on without them"
wait_reqs 3
sleep 0.5
check "... so only the agent's request was sent" test "$(req_count)" = 3
tm send-keys -t t "/routing auto" Enter
check "/routing auto stops asking" wait_for "routing: auto: matched specialists run without asking"
tm send-keys -t t "One more PostgreSQL schema." Enter
wait_reqs 5
sleep 0.5
check "... the specialist runs unasked" test "$(req_count)" = 5
sleep 0.5
tm send-keys -t t C-d
check "Ctrl-D exits (routing)" wait_for "EXITED rc=0"
run "$ARCHIE" audit --kind route --json
check "the user's skips are audit events" test "$(printf '%s' "$out" | jq -c '[.[] | select(.outcome == "skipped") | .detail.matches | map(.agent)]')" = '[["security-auditor"],["database-optimizer"]]'

# the first run at a local server with several models: which one, and
# whether to keep it in a new config.yaml (as archie init writes)
fakellm_start '{"models":["m1","m2"],"responses":[{"repeat":true,"turn":{"text":"from the chosen model"}}]}'
tm_reset
tm new-session -d -s t -x 120 -y 40 "cd '$WS' && env HOME='$HOME' XDG_STATE_HOME='$XDG_STATE_HOME' XDG_CONFIG_HOME='$T_ROOT/firstrun' OLLAMA_HOST='127.0.0.1:$FAKE_PORT' TERM=xterm NO_COLOR=1 '$ARCHIE' --routing off; echo EXITED rc=\$?; sleep 60"
check "the first run lists the server's models" wait_for "ollama (http://127.0.0.1:$FAKE_PORT/v1) lists 2 models:"
check "... numbered" wait_for " 2. m2"
check "... and asks" wait_for "which model? [1-2 or a name, Enter: 1]"
tm send-keys -t t "m3" Enter
check "a name it does not list is refused" wait_for "'m3' is not one of them; a number, or a name as listed"
tm send-keys -t t "2" Enter
check "it offers to keep the choice" wait_for "keep ollama/m2 as your default model in $T_ROOT/firstrun/archie/config.yaml? [y/N]"
tm send-keys -t t "y" Enter
check "... and writes the config" wait_for "wrote $T_ROOT/firstrun/archie/config.yaml"
check "the session uses the chosen model" wait_for "agent backend-architect, model ollama/m2"
tm send-keys -t t "hi" Enter
check "the answer comes" wait_for "from the chosen model"
check "... from the chosen model" test "$(req 1 .model)" = m2
check "the config keeps it" grep -qF 'default_model: "ollama/m2"' "$T_ROOT/firstrun/archie/config.yaml"
tm send-keys -t t C-d
check "Ctrl-D exits (first run)" wait_for "EXITED rc=0"

finish
