# Other runtimes' settings: a Claude Code user's permission rules hold in
# archie (deny over ask over allow, across every file and archie's own),
# with the file and line in `policy explain`; defaultMode, env; what was
# read or ignored in `archie doctor`.
. "$(dirname "$0")/lib.sh"
trap 'fakellm_stop; rm -rf "$T_ROOT"' EXIT
export ARCHIE_CLAUDE_MANAGED_SETTINGS="$T_ROOT/managed-settings.json"
cd "$WS" || exit 1
mkdir -p .claude "$HOME/.claude" "$XDG_CONFIG_HOME/archie" src notes
echo "the launch date is secret" > notes/private.md

# archie's own config allows reading notes/; the project's Claude settings deny one
printf 'permissions:\n  allow: ["Read(notes/**)", "Edit(src/**)"]\n' > "$XDG_CONFIG_HOME/archie/config.yaml"
cat > .claude/settings.json <<'JSON'
{
  "permissions": {
    "allow": ["Bash(npm run test:*)", "WebFetch(domain:example.com)"],
    "deny": ["Read(./notes/private.md)", "Edit(src/**)"],
    "additionalDirectories": ["../docs"]
  },
  "env": {"GREETING": "hello from settings", "GITHUB_TOKEN": "ghp_notforcommands"},
  "model": "opus"
}
JSON
run "$ARCHIE" policy explain Read notes/private.md
expect_out "config $XDG_CONFIG_HOME/archie/config.yaml, line 2: Read(notes/**) -> allow" "archie's own config allows the file"
expect_out "verdict: deny" "a Claude Code deny holds against archie's own allow"
expect_out "config $WS/.claude/settings.json, line 4: Read(./notes/private.md) -> deny" "... and policy explain names its file and line"
run "$ARCHIE" policy explain Edit src/app.py
expect_out "verdict: deny" "Edit(src/**) denied by the settings"
run "$ARCHIE" policy explain Bash "npm run test -- --watch"
expect_out "Bash(npm run test:*) -> allow" "Bash(npm run test:*) allows what starts with it"
run "$ARCHIE" policy explain Bash "npm run test:unit"
expect_no_out "Bash(npm run test:*) -> allow" "... on a word boundary, as Claude Code matches"
run "$ARCHIE" policy explain WebFetch https://example.com/page
expect_out "WebFetch(domain:example.com) -> allow" "WebFetch(domain:...) rules"

# a session obeys: the model's Read of the file is denied with the reason
fakellm_start '{"responses":[
 {"turn":{"tool_calls":[{"id":"r1","name":"Read","arguments":{"file_path":"notes/private.md"}}]}},
 {"turn":{"tool_calls":[{"id":"b1","name":"Bash","arguments":{"command":"echo \"$GREETING/${GITHUB_TOKEN:-none}\""}}]}},
 {"repeat":true,"turn":{"text":"done"}}]}'
OPENAI_BASE_URL="$FAKE_URL" run "$ARCHIE" -p "read the env" --model openai/m --routing off --allow 'Bash(echo:*)' --output-format json
check "the denied Read never reached the file" sh -c '! grep -q "launch date" "$0"' "$FAKE_LOG"
check "... the model was told why" req_match 2 '.messages[-1].content' 'settings.json'
check "env from the settings reaches commands, secrets do not" req_match 3 '.messages[-1].content' 'hello from settings/none'
fakellm_stop

# precedence: local over project over user for the mode; deny from any
# file wins; ask beats allow
cat > "$HOME/.claude/settings.json" <<'JSON'
{"permissions": {"allow": ["Bash(make:*)"], "defaultMode": "plan"}}
JSON
run "$ARCHIE" policy explain Bash "make build"
expect_out "$HOME/.claude/settings.json, line 1: Bash(make:*) -> allow" "user settings are read"
expect_out "permission mode: plan ($HOME/.claude/settings.json:1)" "the user's defaultMode applies, said with its file"
printf '{"permissions": {"ask": ["Bash(make:*)"], "defaultMode": "acceptEdits"}}\n' > .claude/settings.local.json
run "$ARCHIE" policy explain Bash "make build"
expect_out "settings.local.json, line 1: Bash(make:*) -> ask" "local settings are read"
expect_out "verdict: allow (ask before the permission mode)" "... ask beats allow, and the local defaultMode (accept) beats the user's (plan)"
run "$ARCHIE" policy explain Bash "make build" --permission-mode default
expect_out "verdict: ask" "--permission-mode beats every settings file"
printf '{"permissions": {"deny": ["Bash(make:*)"], "defaultMode": "bypassPermissions"}}\n' > "$ARCHIE_CLAUDE_MANAGED_SETTINGS"
run "$ARCHIE" policy explain Bash "make build"
expect_out "verdict: deny" "managed settings deny"
expect_err "defaultMode bypassPermissions is not honoured" "bypassPermissions is refused, said"

# archie doctor: what was read and what was ignored, and why
run "$ARCHIE" doctor
expect_rc 0 "doctor"
expect_out "$WS/.claude/settings.json: permissions.deny: read (2 rules)" "doctor: rules read"
expect_out "$WS/.claude/settings.json: permissions.additionalDirectories: ignored" "doctor: what is ignored"
expect_out "$WS/.claude/settings.json: env.GITHUB_TOKEN: ignored (a secret" "doctor: secrets kept from commands"
expect_out "$WS/.claude/settings.json: model: ignored" "doctor: settings archie does not use"

# a settings file that does not parse stops the run (its deny rules cannot be known)
printf '{"permissions": {"deny": ["Read(./notes/private.md)"]\n' > .claude/settings.local.json
run "$ARCHIE" policy explain Read notes/private.md
expect_rc 2 "a broken settings file is an error"
expect_err "$WS/.claude/settings.local.json:" "... located"

finish
