# Agent Skills: found in every runtime's folders and built in, checked as
# the standard says, listed by name and description only, loaded by the
# model with the Skill tool (the instructions sent only then), by the user
# with /NAME; a skill's allowed-tools narrow what runs while it is in use;
# an agent's skills: limits which it gets.
. "$(dirname "$0")/lib.sh"
trap 'fakellm_stop; rm -rf "$T_ROOT"' EXIT
S="$TEST_DATA/skills"
cd "$WS" || exit 1
mkdir -p .claude/skills .agents/skills "$HOME/.claude/skills/user-skill"
cp -r "$S/release-notes" .claude/skills/
printf -- '---\nname: user-skill\ndescription: A skill of the user, everywhere.\n---\nUser skill body.\n' > "$HOME/.claude/skills/user-skill/SKILL.md"
mkdir -p .agents/skills/shared-one
printf -- '---\nname: shared-one\ndescription: From .agents/skills, the cross-runtime folder.\n---\nShared body.\n' > .agents/skills/shared-one/SKILL.md

run "$ARCHIE" skills list
expect_rc 0 "skills list"
expect_out "design-document        builtin:design-document/SKILL.md" "built-in skills"
expect_out "migration-safety" "... the migration checklist"
expect_out "api-review" "... the API review checklist"
expect_out "release-notes          $WS/.claude/skills/release-notes/SKILL.md" "a project skill from .claude/skills"
expect_out "user-skill             $HOME/.claude/skills/user-skill/SKILL.md" "a user skill from ~/.claude/skills"
expect_out "shared-one" "a skill from .agents/skills"
run "$ARCHIE" skills show release-notes --json
expect_json '.allowed_tools == ["Read", "Grep"] and .license == "Apache-2.0"' "skills show --json"
run "$ARCHIE" skills validate "$S/bad-skill"
expect_rc 1 "validate fails on a bad skill"
expect_out "bad-skill/SKILL.md:2:7: error: the skill's name may hold only lower-case letters, digits and hyphens" "the name rule, located"
expect_out "bad-skill/SKILL.md:1:1: error: a skill needs a 'description:'" "a description is required"
expect_out "bad-skill/SKILL.md:4:1: warning: 'colour' is not a key of the Agent Skills standard" "unknown keys are warnings"
run "$ARCHIE" skills validate "$S/release-notes"
expect_rc 0 "validate a good skill"
cp -r "$S/release-notes" "$T_ROOT/wrong-folder"
run "$ARCHIE" skills validate "$T_ROOT/wrong-folder"
expect_out "error: the skill's name must be its folder's, 'wrong-folder'" "the name must be the folder's"

# the model loads a skill: its instructions are sent only after the call;
# while it is in use, only its allowed-tools run
fakellm_start '{"responses":[
 {"turn":{"tool_calls":[{"id":"s1","name":"Skill","arguments":{"skill":"release-notes","args":"1.2.0"}}]}},
 {"turn":{"tool_calls":[{"id":"b1","name":"Bash","arguments":{"command":"git log --oneline"}},{"id":"r1","name":"Read","arguments":{"file_path":".claude/skills/release-notes/references/template.md"}}]}},
 {"turn":{"text":"notes written"}},
 {"repeat":true,"turn":{"text":"plain"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "write the release notes" --model openai/m --routing off
expect_rc 5 "a run with a denial exits 5"
check "the system prompt lists the skills by name and description" req_match 1 '.messages[0].content' '- release-notes: Writes release notes from the git history'
check "... not their instructions" sh -c '! printf "%s" "$0" | grep -q NOTES-BODY-MARKER' "$(req 1 '.messages[0].content')"
check "the Skill tool is offered" req_match 1 '[.tools[].function.name] | join(",")' '(^|,)Skill(,|$)'
check "the instructions come back as the Skill call's result" req_match 2 '.messages[-1].content' 'NOTES-BODY-MARKER'
check "... with \$ARGUMENTS filled" req_match 2 '.messages[-1].content' 'notes for version 1.2.0'
check "... and where the skill's files are" req_match 2 '.messages[-1].content' "skill's folder is $WS/.claude/skills/release-notes"
check "a tool outside the skill's allowed-tools is denied while it is in use" req_match 3 '.messages[-2].content' "the skill 'release-notes' is in use and allows only Read, Grep"
check "... its allowed tools run (a reference read on demand)" req_match 3 '.messages[-1].content' 'Fixed'

# the next prompt: the skill is no longer in use
fakellm_start '{"responses":[{"turn":{"tool_calls":[{"id":"b2","name":"Bash","arguments":{"command":"git log --oneline"}}]}},{"repeat":true,"turn":{"text":"ok"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "show the log" --model openai/m --routing off --allow 'Bash(git log:*)'
check "without a skill in use, the policy alone decides" sh -c '! printf "%s" "$0" | grep -q "is in use"' "$(req 2 '.messages[-1].content')"

# the user loads a skill with /NAME
run "$ARCHIE" -p "/release-notes 2.0.0" --model openai/m --routing off
check "/NAME sends the skill's instructions as the prompt" req_match 3 '.messages[-1].content' 'notes for version 2.0.0'

# an agent's skills: limits which it gets
mkdir -p .claude/agents
printf -- '---\nname: api-lead\ndescription: Reviews APIs\nskills: [api-review]\n---\nYou review APIs.\n' > .claude/agents/api-lead.md
run "$ARCHIE" -p "review" --agent api-lead --model openai/m --routing off
check "an agent with skills: sees only those" sh -c 'printf "%s" "$0" | grep -q -- "- api-review:" && ! printf "%s" "$0" | grep -q -- "- release-notes:"' "$(req 4 '.messages[0].content')"
# an agent whose tools leave Skill out gets no skills
printf -- '---\nname: narrow\ndescription: Reads\ntools: Read, Grep\n---\nYou read.\n' > .claude/agents/narrow.md
run "$ARCHIE" -p "read" --agent narrow --model openai/m --routing off
check "an agent whose tools leave out Skill is offered none" sh -c '! printf "%s" "$0" | grep -q "# Skills"' "$(req 5 '.messages[0].content')"

finish
