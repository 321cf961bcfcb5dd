# Reasoning models through the whole loop: Anthropic's thinking block,
# signature and all, goes back unchanged in the tool loop's next request
# (the API rejects a loop that drops it); --thinking (or the model's
# thinking: budget) asks for it, without a temperature; an
# OpenAI-compatible server's reasoning_content is shown apart from the
# answer, never in it, and sent back; a recorded pause_turn is continued;
# reasoning is kept in the session, so --continue sends it back too.
. "$(dirname "$0")/lib.sh"

export OPENAI_API_KEY=sk-test ANTHROPIC_API_KEY=sk-ant-test

fakellm_start '{"responses":[
 {"turn":{"thinking":"The user wants a listing; LS is the cheapest way.","signature":"EqQBCkYIBxgCKkB+sig==","tool_calls":[{"id":"t1","name":"LS","arguments":{}}]}},
 {"turn":{"thinking":"I have what I need.","signature":"sig-2","text":"There is one file."}}]}'
export ANTHROPIC_BASE_URL="http://127.0.0.1:$FAKE_PORT" ARCHIE_STATE_DIR="$T_ROOT/state"
: > notes.txt
run "$ARCHIE" -p "what is here?" --model anthropic/m --yes --routing off --thinking 4000 --output-format stream-json
expect_rc 0 "a thinking session runs"
check "thinking is asked for with its budget" test "$(req 1 '.thinking.budget_tokens')" = 4000
check "... with room for the answer past it" test "$(req 1 '.max_tokens')" -gt 4000
check "... and no temperature" test "$(req 1 'has("temperature")')" = false
check "the thinking block goes back first, unchanged" test "$(req 2 '.messages[1].content[0] | [.type, .thinking, .signature] | join("|")')" = "thinking|The user wants a listing; LS is the cheapest way.|EqQBCkYIBxgCKkB+sig=="
check "... before the tool call" test "$(req 2 '.messages[1].content[1].type')" = tool_use
check "reasoning is shown as reasoning" json_true_lines "$out" 'select(.type == "reasoning") | .text | contains("cheapest way")'
check "... never as the answer" json_true_lines "$out" 'select(.type == "result") | (.result | contains("cheapest") | not) and .result == "There is one file."'
# the session keeps it: --continue sends the blocks back
fakellm_start '{"responses":[{"repeat":true,"turn":{"text":"ok"}}]}'
export ANTHROPIC_BASE_URL="http://127.0.0.1:$FAKE_PORT"
run "$ARCHIE" --continue -p "thanks" --model anthropic/m --output-format json
expect_rc 0 "--continue after thinking"
check "the stored thinking goes back with its signature" test "$(req 1 '[.messages[] | select(.role == "assistant") | .content[] | select(.type == "thinking") | .signature] | join(",")')" = "EqQBCkYIBxgCKkB+sig==,sig-2"

# OpenAI-compatible reasoning (DeepSeek's reasoning_content)
fakellm_start '{"responses":[
 {"turn":{"thinking":"Listing first.","tool_calls":[{"id":"o1","name":"LS","arguments":{}}]}},
 {"turn":{"thinking":"Done thinking.","text":"One file."}}]}'
export OPENAI_BASE_URL="$FAKE_URL" ARCHIE_STATE_DIR="$T_ROOT/state-o"
run "$ARCHIE" -p "what is here?" --model openai/m --yes --routing off --output-format json
expect_rc 0 "a reasoning_content session runs"
expect_json '.result == "One file."' "the answer has no reasoning in it"
check "reasoning_content goes back with the tool call" test "$(req 2 '.messages[] | select(.role == "assistant") | .reasoning_content')" = "Listing first."
fakellm_start '{"responses":[{"turn":{"thinking":"Hmm.","text":"One file."}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "what is here?" --model openai/m --yes --routing off
check "text output is the answer alone" test "$out" = "One file."

# pause_turn: a server's long turn (its own web search) is continued
fakellm_start "{\"responses\":[{\"raw\":\"$FIXTURES/../corpora/streams/anthropic/pause-turn-web-search.sse\"},{\"turn\":{\"text\":\"Finished the search.\"}}]}"
export ANTHROPIC_BASE_URL="http://127.0.0.1:$FAKE_PORT" ARCHIE_STATE_DIR="$T_ROOT/state-p"
run "$ARCHIE" -p "search the web" --model anthropic/claude-sonnet-4-5 --yes --routing off --output-format json
expect_rc 0 "a paused turn is continued"
check "the server's tool blocks go back as they came" test "$(req 2 '[.messages[-1].content[] | .type] | map(select(. == "server_tool_use" or . == "web_search_tool_result")) | length')" -ge 2
check "... and the conversation ends with them (continued, not answered)" test "$(req 2 '.messages[-1].role')" = assistant
check "no server tool was run by archie" test "$(printf '%s' "$out" | jq '.tool_calls')" = 0
expect_json '.result | contains("Finished the search.")' "the answer comes after the pause"

finish
