# The command line itself: version, help from the command table, the man
# page in sync, usage errors.
. "$(dirname "$0")/lib.sh"

run "$ARCHIE" --version
expect_rc 0 "--version succeeds"
check "--version prints the version" test "$out" = "archie 0.1.0"

run "$ARCHIE" -V
check "-V is --version" test "$out" = "archie 0.1.0"

run "$ARCHIE" version --json
expect_json '.version == "0.1.0"' "version --json"

run "$ARCHIE" --help
expect_rc 0 "--help succeeds"
expect_out "usage: archie" "--help shows usage"
expect_out "agents validate [FILE|DIR...]" "--help lists every command from the table"
expect_out "--agents-dir DIR" "--help lists global options"

run "$ARCHIE" help agents
expect_rc 0 "help agents"
expect_out "archie agents show NAME" "command help shows its synopses"
expect_out "--all" "command help shows its options"

run "$ARCHIE" agents --help
expect_out "archie agents list" "COMMAND --help is command help"

run "$ARCHIE" </dev/null
expect_rc 2 "no command and nothing on stdin is a usage error"
expect_err "no prompt: give one with -p" "says what is missing"

run "$ARCHIE" frobnicate
expect_rc 2 "unknown command"
expect_err "'frobnicate' is not an archie command" "unknown command is named"

run "$ARCHIE" agents frob
expect_rc 2 "unknown subcommand"

run "$ARCHIE" --agents-dir
expect_rc 2 "--agents-dir without a value"
expect_err "--agents-dir needs a directory" "missing option value is explained"

run "$ARCHIE" --cwd /nonexistent-dir agents list
expect_rc 2 "--cwd to a missing directory"

# strict options: a typo is an error naming the closest option, never
# prompt text or an ignored argument
fakellm_start '{"responses":[{"repeat":true,"turn":{"text":"answered"}}]}'
export OPENAI_API_KEY=sk-test OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" --modle x -p hi
expect_rc 2 "a mistyped global option is a usage error"
expect_err "unknown option '--modle'; did you mean --model?" "... naming the closest one"
check "... and nothing was sent" test "$(req_count)" = 0
run "$ARCHIE" -p hi --verbose
expect_rc 2 "an unknown option after the prompt"
expect_err "unknown option '--verbose'" "... is named"
expect_err "goes after '--'" "... and how to send a prompt that starts with '-'"
run "$ARCHIE" -p hi --max-turn=3
expect_err "did you mean --max-turns?" "a near miss with =VALUE"
run "$ARCHIE" sessions list --limt 3
expect_rc 2 "a command's mistyped option"
expect_err "unknown option '--limt'; did you mean --limit? (see 'archie help sessions')" "... names the command's option and its help"
run "$ARCHIE" stats --al
expect_rc 2 "stats --al"
expect_err "did you mean --all?" "... suggests --all"
run "$ARCHIE" audit --verdict deny --since 7d
expect_rc 0 "known options with values pass"
run "$ARCHIE" -p -- "-v is the flag that prints the version: explain it"
expect_rc 0 "a prompt that starts with '-' goes after --"
check "... whole, without the --" test "$(req 1 '.messages[-1].content')" = "-v is the flag that prints the version: explain it"
fakellm_stop
unset OPENAI_API_KEY OPENAI_BASE_URL

# help fits the terminal: 80 columns when not one, continuation lines
# indented under their description, no word broken
run "$ARCHIE" --help
check "piped --help fits in 80 columns" test "$(printf '%s\n' "$out" | awk 'length > 80' | wc -l)" = 0
check "a description that wraps continues indented under itself" \
	sh -c 'printf "%s\n" "$0" | grep -A1 "^  agents show NAME" | tail -1 | grep -Eq "^ {20,}[a-z]"' "$out"
run "$ARCHIE" help sessions
check "help sessions fits in 80 columns" test "$(printf '%s\n' "$out" | awk 'length > 80' | wc -l)" = 0
check "... and breaks no word" sh -c '! printf "%s\n" "$0" | grep -Eq "[a-z]-$"' "$out"

run "$ARCHIE" help --man
expect_rc 0 "help --man"
expect_out ".SH SLASH COMMANDS" "the man page lists the slash commands"
expect_out ".B 5" "... and every exit status"
check "docs/archie.1 is generated from the command table (run 'make man')" \
	sh -c '"$ARCHIE" help --man | cmp -s - "$(dirname "$TEST_DATA")/../docs/archie.1"'
expect_out ".SH COMMANDS" "the man page has a COMMANDS section"

finish
