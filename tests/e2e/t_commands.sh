# Custom slash commands in every runtime's format: found where each
# runtime keeps them, listed, run headless and in the REPL, their
# arguments filled in, files and command output included through the
# policy (a command's allowed-tools allow, a deny still holds).
. "$(dirname "$0")/lib.sh"
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
C="$TEST_DATA/commands"
cd "$WS" || exit 1
mkdir -p .claude/commands/frontend .opencode/command .gemini/commands/git .archie/commands \
	"$HOME/.codex/prompts" docs
cp "$C/claude/review.md" .claude/commands/
cp "$C/claude/frontend/component.md" .claude/commands/frontend/
cp "$C/opencode/test.md" .opencode/command/
cp "$C/gemini/git/commit.toml" .gemini/commands/git/
cp "$C/codex/explain.md" "$HOME/.codex/prompts/"
cp "$C/archie/adr.md" .archie/commands/
echo "Components are functions; props are typed." > docs/style.md
git add docs/style.md && git -c user.name=t -c user.email=t@t commit -qm style

run "$ARCHIE" commands list
expect_rc 0 "commands list"
expect_out "/review                   claude    Review a path for bugs" "a Claude Code command"
expect_out "/frontend:component" "a subfolder is a namespace"
expect_out "/git:commit               gemini" "a Gemini CLI command (TOML, namespaced)"
expect_out "/test                     opencode" "an OpenCode command"
expect_out "/explain                  codex" "a Codex prompt"
expect_out "/adr                      archie" "archie's own"
run "$ARCHIE" commands list --json
expect_json '(map(select(.name == "review"))[0] | .allowed_tools == ["Bash(git status:*)", "Bash(git log:*)"] and .argument_hint == "PATH [FOCUS]")' "commands list --json: frontmatter"

fakellm_start '{"models":["m","m2"],"responses":[{"repeat":true,"turn":{"text":"done"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "/review src/api security" --model openai/m --routing off
expect_rc 0 "a Claude Code command runs headless"
check "\$1 and \$2 are the words, \$ARGUMENTS all of them" req_match 1 '.messages[-1].content' '^Review src/api with a focus on security\.'
check "... all of them" req_match 1 '.messages[-1].content' 'All arguments: src/api security'
no_marker() { ! req "$1" '.messages[-1].content' | grep -qF -- "$2"; }
check "!\`cmd\` is replaced by its output (git status, allowed)" no_marker 1 '!`' 
run "$ARCHIE" -p "/git:commit fix a typo" --model openai/m --routing off
expect_rc 0 "a Gemini CLI command runs"
check "{{args}} is the arguments" req_match 2 '.messages[-1].content' 'changes \(fix a typo\)'
check "@{path} includes the file" req_match 2 '.messages[-1].content' 'Components are functions'
check "!{cmd} ran (the staged diff's stat is empty, the marker is gone)" no_marker 2 '!{'
run "$ARCHIE" -p "/frontend:component Button" --model openai/m --routing off
check "a namespaced command; @path includes the file" req_match 3 '.messages[-1].content' '<file path="docs/style.md">'
run "$ARCHIE" -p "/explain src/main.c" --model openai/m --routing off
check "a Codex prompt from ~/.codex/prompts" req_match 4 '.messages[-1].content' '^Explain src/main.c to a new team member'
run "$ARCHIE" -p "/adr Use PostgreSQL" --model openai/m --routing off
check "a command's model is used for its turn" test "$(req 5 .model)" = m2
check "... its arguments quoted into the template" req_match 5 '.messages[-1].content' 'titled "Use PostgreSQL"'
run "$ARCHIE" -p "/test unit" --model openai/m --routing off
check "no placeholder: OpenCode's \$ARGUMENTS" req_match 6 '.messages[-1].content' 'test suite for unit'
expect_err "the command asks for the agent 'build', which is not here; backend-architect runs it" "a command's agent that is not here: said, and the default agent runs it"
printf -- '---\ndescription: Check the schema\nagent: database-optimizer\n---\nCheck the schema of $ARGUMENTS.\n' > .opencode/command/schema.md
run "$ARCHIE" -p "/schema orders" --model openai/m --routing off
check "a command's agent: runs it (OpenCode)" req_match 7 '.messages[0].content' 'database'
check "... with its prompt" req_match 7 '.messages[-1].content' '^Check the schema of orders'
expect_out "done" "... a subagent's command is a subtask: its report is the answer"
check "... one request, the subagent's" test "$(req_count)" = 7

# through the policy: a command that would be asked is denied headless
# unless its allowed-tools allow it; a secret is never included
cat > .archie/commands/touchy.md <<'EOF2'
Made: !`python3 -c "print(6 * 7)"`
EOF2
run "$ARCHIE" -p "/touchy" --model openai/m --routing off
expect_rc 2 "a command whose !\`cmd\` is not allowed does not run"
expect_err "/touchy: the command \`python3 -c \"print(6 * 7)\"\` in it was not run" "... and says which"
check "... nothing was sent" test "$(wc -l < "$FAKE_LOG")" = 7
printf -- '---\nallowed-tools: Bash(python3:*)\n---\nMade: !`python3 -c "print(6 * 7)"`\n' > .archie/commands/touchy.md
run "$ARCHIE" -p "/touchy" --model openai/m --routing off
expect_rc 0 "allowed-tools allow it for the command's turn"
check "... its output is in the prompt" req_match 8 '.messages[-1].content' '^Made: .*42'
printf 'SECRET=1\n' > .env
printf -- '---\nallowed-tools: Read(.env)\n---\nSee @.env now\n' > .archie/commands/leak.md
run "$ARCHIE" -p "/leak" --model openai/m --routing off
expect_rc 2 "@ a secret file fails, allowed-tools or not"
expect_err "/leak: @.env in it could not be read" "... said"
run "$ARCHIE" -p "/nosuch thing" --model openai/m --routing off
expect_rc 2 "an unknown command is an error"
expect_err "unknown command /nosuch; 'archie commands list' and 'archie skills list' show the custom commands and skills" "... that says where to look"
run "$ARCHIE" -p "/usr/bin is full, why?" --model openai/m --routing off
expect_rc 0 "a prompt that only looks like a path is a prompt"
check "... sent as written" test "$(req 9 '.messages[-1].content')" = "/usr/bin is full, why?"

# the REPL: Tab completes a command's name, /help lists them, the model
# goes back after a command's turn; /NAME of a skill loads it
mkdir -p .claude/skills && cp -r "$TEST_DATA/skills/release-notes" .claude/skills/
tm new-session -d -s t -x 120 -y 40 "cd '$WS' && env HOME='$HOME' XDG_STATE_HOME='$XDG_STATE_HOME' XDG_CONFIG_HOME='$XDG_CONFIG_HOME' OPENAI_BASE_URL='$FAKE_URL' TERM=xterm NO_COLOR=1 '$ARCHIE' --model openai/m --routing off; echo EXITED rc=\$?; sleep 60"
check "the REPL starts" wait_for "agent backend-architect"
tm send-keys -t t "/help" Enter
check "/help lists the custom commands" wait_for "/review PATH [FOCUS]Review a path for bugs (claude)"
tm send-keys -t t "/rev" Tab
check "Tab completes a command's name" wait_for "> /review"
tm send-keys -t t "lib parsing" Enter
wait_lines() { for _ in $(seq 1 50); do [ "$(wc -l < "$FAKE_LOG")" -ge "$1" ] && return 0; sleep 0.1; done; return 1; }
check "the command's turn runs" wait_lines 10
check "... with its prompt" req_match 10 '.messages[-1].content' '^Review lib with a focus on parsing'
tm send-keys -t t "/adr Queue choice" Enter
wait_lines 11
sleep 0.3
tm send-keys -t t "and after?" Enter
wait_lines 12
check "a command's model holds for its turn only" test "$(req 11 .model),$(req 12 .model)" = "m2,m"
tm send-keys -t t "/release-notes 3.0.0" Enter
check "/NAME of a skill in the REPL sends its instructions" wait_lines 13
check "... filled with the arguments" req_match 13 '.messages[-1].content' 'notes for version 3.0.0'
# OpenCode's agent: in the REPL: a subtask of the session's agent, the
# prompt and the report kept in the conversation
tm send-keys -t t "/schema invoices" Enter
check "a command for another agent runs as a subtask in the REPL" wait_lines 14
check "... as that agent" req_match 14 '.messages[0].content' 'database'
check "... said on the screen" wait_for "(/schema runs as the database-optimizer agent, as a subtask"
tm send-keys -t t "what did it find?" Enter
check "the session's agent goes on" wait_lines 15
check "... knowing the subtask's prompt and report" test "$(req 15 '[.messages[] | select(.role != "system") | .role + ":" + (.content | tostring | gsub("\n"; " ") | .[:17])] | .[-3:] | join("|")')" = "user:Check the schema |assistant:done  [subagent d|user:what did it find?"
tm send-keys -t t C-d
check "Ctrl-D exits" wait_for "EXITED rc=0"

# agent: and subtask: headless, as OpenCode weighs them
printf -- '---\nagent: database-optimizer\nsubtask: false\n---\nIndex $ARGUMENTS.\n' > .opencode/command/index.md
n=$(req_count)
run "$ARCHIE" -p "/index orders" --model openai/m --routing off
check "subtask: false: the session itself runs as the command's agent" req_match $((n + 1)) '.messages[0].content' 'database'
check "... one request" test "$(req_count)" = $((n + 1))
mkdir -p .opencode/agent
printf -- '---\ndescription: Plans work\nmode: primary\n---\nYou are the planner.\n' > .opencode/agent/planner.md
printf -- '---\nagent: planner\n---\nPlan $ARGUMENTS.\n' > .opencode/command/plan.md
run "$ARCHIE" -p "/plan the release" --model openai/m --routing off
check "a primary agent's command headless: the session runs as it" req_match $((n + 2)) '.messages[0].content' 'You are the planner'
printf -- '---\nsubtask: true\n---\nSurvey $ARGUMENTS.\n' > .opencode/command/survey.md
run "$ARCHIE" -p "/survey the logs" --model openai/m --routing off --output-format json
expect_rc 0 "subtask: true without an agent"
expect_json '.subagents.runs == 1' "... runs the session's own agent as a subtask"
check "... with the prompt" req_match $((n + 3)) '.messages[-1].content' '^Survey the logs'
run "$ARCHIE" -p "/schema orders" --model openai/m --routing off --deny Task
expect_rc 5 "a subtask is a Task call: a deny of Task holds"
expect_err "Task: permission denied" "... and says so"
printf -- '---\nsubtask: maybe\n---\nX\n' > .opencode/command/odd.md
run "$ARCHIE" commands list
expect_err "subtask: 'maybe' is not true or false; ignored" "a subtask: that is not a boolean is a warning"

finish
