# archie agents list/show/validate on a project with agents in every
# directory of the search path, in every format.
. "$(dirname "$0")/lib.sh"

A="$TEST_DATA/agents"
mkdir -p .claude/agents .opencode/agent .opencode/agents .gemini/agents \
	.archie/agents "$XDG_CONFIG_HOME/archie/agents" extra sub/dir

mk() { # mk FILE NAME DESCRIPTION
	printf -- '---\nname: %s\ndescription: %s\n---\nPrompt of %s.\n' "$2" "$3" "$2" > "$1"
}
mk "$XDG_CONFIG_HOME/archie/agents/shared.md" shared from-user
mk .claude/agents/shared.md shared from-claude
mk .opencode/agent/shared.md shared from-opencode
mk .gemini/agents/shared.md shared from-gemini
mk .archie/agents/shared.md shared from-archie
mk .claude/agents/backend-architect.md backend-architect project-architect
cp "$A/claude/db-reviewer.md" .claude/agents/
cp "$A/opencode/reviewer.md" .opencode/agent/
# in .gemini/agents/, as Gemini CLI 0.61 takes it: today's tool names
# (api-checker.md keeps older ones, which the unit tests map), MCP tools
# as mcp_SERVER_TOOL
sed -e 's/- ReadFolder/- list_directory/' -e 's/- FindFiles/- glob/' -e '/- save_memory/d' \
	-e 's/mcp__context7__get-library-docs/mcp_context7_get-library-docs/' \
	"$A/gemini/api-checker.md" > .gemini/agents/api-checker.md
cp "$A/plain/schema-reviewer.md" .archie/agents/

# --- list ---------------------------------------------------------------
run "$ARCHIE" agents list
expect_rc 0 "agents list"
expect_out "NAME" "list has a header"
check "shared comes from .archie/agents (last directory wins)" \
	sh -c 'printf "%s\n" "$0" | grep -E "^shared +\.archie/agents/shared\.md \(overrides 4\)" >/dev/null' "$out"
check "the project's backend-architect overrides the built-in" \
	sh -c 'printf "%s\n" "$0" | grep -E "^backend-architect +\.claude/agents/backend-architect\.md \(overrides 1\)" >/dev/null' "$out"
check "built-in specialists are listed" \
	sh -c 'printf "%s\n" "$0" | grep -E "^security-auditor +builtin +subagent" >/dev/null' "$out"
check "the Claude Code agent: source, mode, model" \
	sh -c 'printf "%s\n" "$0" | grep -E "^db-reviewer +\.claude/agents/db-reviewer\.md +all +sonnet +Reviews database" >/dev/null' "$out"
check "the OpenCode agent is named after its file" \
	sh -c 'printf "%s\n" "$0" | grep -E "^reviewer +\.opencode/agent/reviewer\.md +subagent +anthropic/claude-sonnet-4-20250514" >/dev/null' "$out"
check "the plain Markdown agent" \
	sh -c 'printf "%s\n" "$0" | grep -E "^schema-reviewer +\.archie/agents/schema-reviewer\.md +all +- +Reviews relational" >/dev/null' "$out"

run "$ARCHIE" agents list --all
check "--all shows overridden definitions, latest first" \
	sh -c 'printf "%s\n" "$0" | grep -A4 "^shared " | sed -n 2,5p | tr -s " " | tr "\n" "|" | grep -F " .gemini/agents/shared.md (overridden)| .opencode/agent/shared.md (overridden)| .claude/agents/shared.md (overridden)| ~/.config/archie/agents/shared.md (overridden)|" >/dev/null' "$out"

run "$ARCHIE" agents list --json
expect_rc 0 "agents list --json"
expect_json '[.agents[].name] == ([.agents[].name] | sort)' "JSON list is sorted by name"
expect_json '.agents[] | select(.name == "shared") | .description == "from-archie"' "JSON: the winner"
expect_json '.agents[] | select(.name == "shared") | .overrides | length == 4' "JSON: four overridden"
expect_json '.agents[] | select(.name == "shared") | .overrides[0] | endswith("/.config/archie/agents/shared.md")' "JSON: user directory first"
expect_json '.agents[] | select(.name == "shared") | .overrides[3] | endswith("/.gemini/agents/shared.md")' "JSON: gemini last"
expect_json '.agents[] | select(.name == "api-checker") | .format == "gemini" and .model == "gemini-2.5-pro"' "JSON: gemini agent"
expect_json '.diagnostics | length == 1' "JSON: the warnings (unavailable tools) are reported"

# --agents-dir beats every directory
mk extra/shared.md shared from-flag
run "$ARCHIE" --agents-dir extra agents list --json
expect_json '.agents[] | select(.name == "shared") | .description == "from-flag"' "--agents-dir overrides the project"
run "$ARCHIE" agents list --agents-dir=extra
expect_out "extra/shared.md (overrides 5)" "--agents-dir=DIR after the command"
run "$ARCHIE" agents list --agents-dir missing-dir
expect_rc 2 "--agents-dir to a missing directory"
expect_err "missing-dir: not a directory" "the missing directory is named"

# The project root is found from a subdirectory.
run "$ARCHIE" --cwd sub/dir agents list
expect_out ".archie/agents/shared.md" "agents found from a subdirectory of the project"

# --- show ---------------------------------------------------------------
run "$ARCHIE" agents show reviewer
expect_rc 0 "agents show"
expect_out "format:      opencode" "show: format"
expect_out "mode:        subagent" "show: mode"
expect_out "temperature: 0.1" "show: temperature"
expect_out "tools:       Read, LS, Glob, Grep, ReadManyFiles, Bash, BashOutput, KillShell, TodoWrite, TodoRead, WebFetch, WebSearch, SaveMemory, CheckDesign, Task" "show: resolved tools (write: false and edit: false turn off every editing tool, as in OpenCode)"
expect_out "deny  Edit" "show: a tool-wide rule"
expect_out 'allow Bash "npm*"' "show: a pattern rule"
expect_out 'ask   Bash "git push --force*"' "show: the last pattern"
expect_out "hidden: false" "show: unknown keys are kept and shown"
expect_out "top_p: 0.9" "show: unknown numeric key"
check "show: prompt size" sh -c 'printf "%s" "$0" | grep -E "^prompt: +[0-9]+ bytes, 4 lines, ~[0-9]+ tokens" >/dev/null' "$out"

run "$ARCHIE" agents show db-reviewer
expect_out "unavailable: NotebookEdit" "show: unavailable tools are listed"
expect_out "model:       sonnet" "show: model alias"

run "$ARCHIE" agents show api-checker --json
expect_json '.tools == ["Read","Write","Edit","LS","Glob","Grep","ReadManyFiles","Bash","BashOutput","KillShell","WebFetch","WebSearch"]' "show --json: gemini tools resolved"
expect_json '.mcp_tools == ["mcp__context7__get-library-docs"]' "show --json: Gemini's mcp_SERVER_TOOL as an MCP reference"
expect_json '.unavailable_tools == []' "show --json: google_web_search is WebSearch, nothing unavailable"
expect_json '.max_turns == 10 and .timeout_mins == 5' "show --json: gemini limits"
expect_json '.extra.kind == "local"' "show --json: extra keys"

run "$ARCHIE" agents show shared --json
expect_json '.overrides | length == 4' "show --json: overrides"

run "$ARCHIE" agents show reviewr
expect_rc 1 "show of an unknown agent fails"
expect_err "did you mean 'reviewer'" "show suggests the closest name"

# --- validate -------------------------------------------------------------
run "$ARCHIE" agents validate
expect_rc 0 "validate of the search path (warnings only)"
expect_out "warning: tool 'NotebookEdit' is not provided by archie" "validate reports unavailable tools, each name once"
expect_out "files checked: 0 errors, 1 warning" "validate summary"

printf -- '---\nname: broken\ndescription: d\ntools: 5\n---\nP\n' > .claude/agents/broken.md
printf -- '---\nname: db-reviewer\ndescription: d\n---\nP\n' > .claude/agents/zz-dup.md
run "$ARCHIE" agents validate
expect_rc 1 "validate fails on errors in the search path"
expect_out "broken.md:4:8: error: 'tools' must be" "validate: located type error"
expect_out "zz-dup.md:2:7: error: duplicate agent name 'db-reviewer'" "validate: duplicate in one directory"

run "$ARCHIE" agents list
expect_rc 0 "list still works with a broken file"
expect_err "broken.md:4:8: error:" "list reports the broken file on stderr"
expect_no_out "broken " "the broken agent is not listed"

run "$ARCHIE" agents validate .claude/agents/broken.md --json
expect_rc 1 "validate FILE --json fails"
expect_json '.ok == false and .errors == 1 and .files == 1' "validate --json summary"
expect_json '.diagnostics[0] | .line == 4 and .column == 8 and .severity == "error"' "validate --json location"

printf '' > empty.md
printf 'a\000b' > binary.md
printf -- '---\nname: x\n' > unterminated.md
printf -- '---\nname: x\n\tdescription: y\n---\nP\n' > tabs.md
head -c 10485760 /dev/zero | tr '\0' 'a' > big.md
printf 'prompt\n' > "$(printf 'bad\377name.md')"
run "$ARCHIE" agents validate empty.md binary.md unterminated.md tabs.md big.md "$(printf 'bad\377name.md')"
expect_rc 1 "malformed files fail validation"
expect_out "empty.md:1:1: error: empty file" "empty file"
expect_out "binary.md:1:2: error: binary file" "binary file"
expect_out "unterminated.md:1:1: error: frontmatter opened" "unterminated frontmatter"
expect_out "tabs.md:3:1: error: invalid YAML in frontmatter: a tab" "tab indentation"
expect_out "big.md:1:1: error: file is 10485760 bytes; agent files are limited to 1 MiB" "10 MB file"
expect_out 'bad\xffname.md:1:1: error: the file name is not valid UTF-8' "non-UTF-8 name"
expect_out "6 files checked: 6 errors" "every file counted"

run "$ARCHIE" agents validate "$A"
expect_rc 0 "validate a directory of fixtures"
expect_out "8 files checked: 0 errors, 2 warnings" "fixture directory"

mkdir -p dupdir
mk dupdir/a.md same one
mk dupdir/b.md same two
run "$ARCHIE" agents validate dupdir/a.md dupdir/b.md
expect_rc 1 "duplicate names among files of one directory"
expect_out "dupdir/b.md:2:7: error: duplicate agent name 'same': also defined in dupdir/a.md" "duplicate located at the name"

run "$ARCHIE" agents validate no-such-file.md
expect_rc 1 "a missing file"
expect_out "no-such-file.md: error: cannot open no-such-file.md: No such file or directory" "missing file named"

finish
