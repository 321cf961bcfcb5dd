# Checkpoints: a session edits three files, creates one and deletes one
# with Bash, over two prompts; /rewind to the first prompt restores every
# byte and leaves a file the user changed meanwhile alone; archie undo and
# archie checkpoints do the same headless; secrets never enter a
# snapshot; a killed session's changes can still be undone.
. "$(dirname "$0")/lib.sh"
SOCK="$T_ROOT/tmux.sock"
tm() { tmux -S "$SOCK" "$@"; }
wait_for() {
	for _ in $(seq 1 80); do
		tm capture-pane -t t -p -S -200 | grep -qF -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
trap 'tm kill-server 2>/dev/null; fakellm_stop; rm -rf "$T_ROOT"' EXIT
cd "$WS" || exit 1
mkdir -p src
printf 'int add(int a, int b) { return a - b; }\n' > src/math.c
printf '# Orders\n' > README.md
printf 'limit = 10\n' > config.ini
printf 'old log\n' > old.log
printf '\001\002binary\377\n' > data.bin
printf 'API_KEY=sk-live-123\n' > .env
cp -r "$WS" "$T_ROOT/orig"
SCRIPT='{"responses":[
 {"turn":{"tool_calls":[{"id":"e1","name":"Edit","arguments":{"path":"src/math.c","old_string":"a - b","new_string":"a + b"}}]}},
 {"turn":{"tool_calls":[{"id":"e2","name":"Write","arguments":{"path":"README.md","content":"# Orders service\n\nIdempotent.\n"}}]}},
 {"turn":{"tool_calls":[{"id":"b1","name":"Bash","arguments":{"command":"printf generated > gen.txt; rm old.log"}}]}},
 {"turn":{"text":"first done"}},
 {"turn":{"tool_calls":[{"id":"e3","name":"Edit","arguments":{"path":"config.ini","old_string":"10","new_string":"100"}}]}},
 {"turn":{"tool_calls":[{"id":"b2","name":"Bash","arguments":{"command":"ls; cat README.md"}}]}},
 {"turn":{"tool_calls":[{"id":"e4","name":"Edit","arguments":{"path":"src/math.c","old_string":"a + b","new_string":"(a) + (b)"}}]}},
 {"turn":{"text":"second done"}},
 {"repeat":true,"turn":{"text":"ok"}}
]}'
fakellm_start "$SCRIPT"
tm new-session -d -s t -x 150 -y 50 "cd '$WS' && env HOME='$HOME' XDG_STATE_HOME='$XDG_STATE_HOME' XDG_CONFIG_HOME='$XDG_CONFIG_HOME' OPENAI_BASE_URL='$FAKE_URL' TERM=xterm NO_COLOR=1 '$ARCHIE' --model openai/m --routing off --permission-mode accept --allow 'Bash(printf:*)' --allow 'Bash(rm:*)' --allow 'Bash(ls:*)' --allow 'Bash(cat:*)'; echo EXITED rc=\$?; sleep 60"
check "the REPL starts" wait_for "agent backend-architect"
tm send-keys -t t "make the math right" Enter
check "the first prompt's turn ends" wait_for "first done"
tm send-keys -t t "raise the limit" Enter
check "the second prompt's turn ends" wait_for "second done"
check "the agent's changes are there" grep -q '(a) + (b)' src/math.c
check "... the file it created" test -f gen.txt
check "... the one it deleted is gone" test ! -e old.log
# the user changes a file the agent changed in the second prompt
printf 'limit = 5\n' > config.ini
tm send-keys -t t "/rewind" Enter
check "/rewind lists the prompts that changed files" wait_for " 2. raise the limit"
check "... with their files" wait_for "config.ini"
tm send-keys -t t "/rewind 1" Enter
check "/rewind 1 says what it restored" wait_for "put back as before: make the math right"
check "... and which file it left" wait_for "left config.ini: changed since the agent's change"
check "every byte of the first prompt's state is back: src/math.c" cmp src/math.c "$T_ROOT/orig/src/math.c"
check "... README.md" cmp README.md "$T_ROOT/orig/README.md"
check "... the deleted file" cmp old.log "$T_ROOT/orig/old.log"
check "... the created file is gone" test ! -e gen.txt
check "... a file the agent never touched is untouched" cmp data.bin "$T_ROOT/orig/data.bin"
check "the user's change is left alone" test "$(cat config.ini)" = "limit = 5"
tm send-keys -t t "/rewind" Enter
check "the list marks what is undone" wait_for "[undone]"
n=$(req_count)
tm send-keys -t t "/rewind 1 conversation" Enter
check "/rewind N conversation takes the conversation back too" wait_for "the conversation goes on from before that prompt"
tm send-keys -t t "start over" Enter
for _ in $(seq 1 50); do [ "$(req_count)" -gt "$n" ] && break; sleep 0.1; done
check "... the next request holds none of what came after that prompt" sh -c "! sed -n '$((n + 1))p' '$FAKE_LOG' | grep -q 'make the math right'"
check "... and the new prompt" sh -c "sed -n '$((n + 1))p' '$FAKE_LOG' | grep -q 'start over'"
tm send-keys -t t C-d
check "the REPL exits" wait_for "EXITED rc=0"

# secrets never enter a snapshot
GITDIR=$(ls -d "$XDG_STATE_HOME"/archie/checkpoints/*.git)
check "a shadow repository outside the workspace" test -d "$GITDIR"
check "the secret file is in no snapshot" sh -c "! git --git-dir='$GITDIR' rev-list --all --objects | grep -q '\.env$'"
check "... nor its value anywhere in the store" sh -c "! grep -rq 'sk-live-123' '$GITDIR' '$XDG_STATE_HOME/archie'"

run "$ARCHIE" doctor
expect_out "checkpoints: on (" "doctor says checkpoints are on"

# headless: archie checkpoints and archie undo, one prompt at a time
cp "$T_ROOT/orig/config.ini" config.ini
fakellm_start "$SCRIPT"
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "make the math right" --model openai/m --routing off --yes
run "$ARCHIE" -p "raise the limit" --continue --model openai/m --routing off --yes
run "$ARCHIE" checkpoints show
expect_out " 1. make the math right" "checkpoints show lists the prompts"
expect_out "      gen.txt" "... and the files each changed"
run "$ARCHIE" checkpoints list
expect_out "2 prompts,   5 files, undoable" "checkpoints list: this project's sessions with changes"
run "$ARCHIE" undo
expect_rc 0 "undo"
expect_out "restored config.ini" "undo puts back the latest prompt's changes"
check "... config.ini as before" cmp config.ini "$T_ROOT/orig/config.ini"
check "... math.c as after the first prompt" grep -q 'a + b' src/math.c
run "$ARCHIE" undo
expect_out "removed gen.txt (the agent created it)" "undo again: the prompt before"
expect_out "restored old.log (the agent deleted it)" "... the deleted file back"
check "... every byte" cmp src/math.c "$T_ROOT/orig/src/math.c"
run "$ARCHIE" undo
expect_out "nothing left to undo" "never a redo: nothing more to undo"
run "$ARCHIE" checkpoints restore 9
expect_rc 2 "restore of a prompt that is not there is a usage error"

# a killed session's changes survive and can be undone
fakellm_start '{"responses":[{"turn":{"tool_calls":[{"id":"k1","name":"Edit","arguments":{"path":"README.md","old_string":"# Orders","new_string":"# Killed"}}]}},{"turn":{"text":"never"},"latency_ms":60000}]}'
OPENAI_BASE_URL="$FAKE_URL" "$ARCHIE" -p "edit then hang" --model openai/m --routing off --yes >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 100); do grep -q Killed README.md 2>/dev/null && break; sleep 0.05; done
sleep 0.3
kill -9 "$pid"
wait "$pid" 2>/dev/null
check "the killed session had changed the file" grep -q '# Killed' README.md
run "$ARCHIE" undo
expect_out "restored README.md" "its change is undone after the crash"
check "... to every byte" cmp README.md "$T_ROOT/orig/README.md"

# pruned with their sessions
check "the sessions' snapshots are kept under refs" sh -c "git --git-dir='$GITDIR' for-each-ref refs/archie/ | grep -q ."
run "$ARCHIE" sessions prune --before 2099-01-01
expect_rc 0 "sessions prune"
check "... takes their checkpoints: no refs left" test -z "$(git --git-dir="$GITDIR" for-each-ref refs/archie/)"
check "... and, no session left, the shadow repository itself" test ! -e "$GITDIR"
run "$ARCHIE" undo
expect_out "no changes by the agent are recorded" "nothing to undo after the prune"
finish
