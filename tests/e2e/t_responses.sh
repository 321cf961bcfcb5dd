# The OpenAI Responses API (api: openai-responses): stateless requests
# (store false, the conversation as input items, no previous_response_id),
# text streamed, parallel function calls with their call ids, results as
# function_call_output items, reasoning items carried across the tool loop
# unchanged (encrypted content asked for and sent back), usage with cached
# tokens, an incomplete response, a failed one not retried when it is the
# request's fault, and the same session resumed.
. "$(dirname "$0")/lib.sh"

export OPENAI_API_KEY=sk-test
mkdir -p .archie
write_config() {
	cat > .archie/config.yaml <<YAML
providers:
  oa:
    api: openai-responses
    base_url: $FAKE_URL
    api_key_env: OPENAI_API_KEY
models:
  r: {provider: oa, id: gpt-5-codex, reasoning_effort: medium}
YAML
}

fakellm_start '{"responses":[
 {"turn":{"thinking":"Two listings at once.","signature":"gAAAA-enc-1","tool_calls":[
   {"id":"call_a","name":"LS","arguments":{}},
   {"id":"call_b","name":"Glob","arguments":{"pattern":"*"}}],"usage":{"input":900,"cache_read":0,"output":40}}},
 {"turn":{"text":"Two views of the same directory.","usage":{"input":100,"cache_read":1000,"output":9}},"text_chunk":5}]}'
write_config
export ARCHIE_STATE_DIR="$T_ROOT/state"
run "$ARCHIE" -p "what is here?" --model r --yes --routing off --output-format json
expect_rc 0 "a Responses session runs"
expect_json '.result == "Two views of the same directory."' "the streamed text is the answer"
check "it posts to /responses" test "$(sed -n 1p "$FAKE_LOG" | jq -r .path)" = /v1/responses
check "stateless: store false, no previous_response_id" test "$(req 1 '[.store, has("previous_response_id")] | map(tostring) | join(",")')" = "false,false"
check "encrypted reasoning is asked for" test "$(req 1 '.include[0]')" = reasoning.encrypted_content
check "the system prompt goes as instructions" test "$(req 1 '.instructions | length > 0')" = true
check "tools are functions" test "$(req 1 '.tools[0].type')" = function
check "reasoning_effort goes as reasoning.effort" test "$(req 1 '.reasoning.effort')" = medium
check "both calls ran, their results as function_call_output by call id" test "$(req 2 '[.input[] | select(.type == "function_call_output") | .call_id] | join(",")')" = "call_a,call_b"
check "the calls go back as function_call items" test "$(req 2 '[.input[] | select(.type == "function_call") | .call_id] | join(",")')" = "call_a,call_b"
check "the reasoning item goes back unchanged, before the calls" test "$(req 2 '[.input[] | .type] | index("reasoning") < index("function_call")')" = true
check "... with its encrypted content" test "$(req 2 '.input[] | select(.type == "reasoning") | .encrypted_content')" = gAAAA-enc-1
expect_json '.usage.cache_read_tokens == 1000 and .usage.input_tokens == 1000' "usage: cached tokens apart from the rest"

# resumed, the reasoning item is still there
fakellm_start '{"responses":[{"repeat":true,"turn":{"text":"again"}}]}'
write_config
run "$ARCHIE" --continue -p "and now?" --model r --output-format json
expect_rc 0 "--continue on the Responses API"
check "the stored reasoning item goes back" test "$(req 1 '[.input[] | select(.type == "reasoning")] | length')" = 1

# incomplete: the answer so far, stopped at the limit
fakellm_start '{"responses":[{"turn":{"text":"a long answer cut","stop":"max_tokens"}}]}'
write_config
run "$ARCHIE" -p "write a lot" --model r --routing off --output-format json
expect_rc 0 "an incomplete response is the answer so far"
expect_json '.result == "a long answer cut"' "... its text kept"

# failed: the request's fault is not retried
fakellm_start '{"responses":[{"raw":"failed.sse"},{"repeat":true,"turn":{"text":"should not be asked"}}]}'
printf 'event: response.failed\ndata: {"type":"response.failed","response":{"status":"failed","error":{"code":"invalid_prompt","message":"the prompt was refused"}}}\n\n' > "$FAKE_DIR/failed.sse"
write_config
run "$ARCHIE" -p "hi" --model r --routing off --output-format json
check "a refused request fails with the server's words" json_true '.is_error and (.error | contains("the prompt was refused"))'
check "... once, not retried" test "$(req_count)" = 1

# Azure OpenAI: Chat Completions at a deployment, api-version, api-key
fakellm_start '{"responses":[{"turn":{"text":"from Azure"}}]}'
cat > .archie/config.yaml <<YAML
providers:
  az:
    api: azure
    base_url: http://127.0.0.1:$FAKE_PORT
    api_key_env: AZURE_OPENAI_API_KEY
    api_version: 2025-01-01-preview
models:
  prod: {provider: az, id: gpt4o-prod}
YAML
AZURE_OPENAI_API_KEY=az-key run "$ARCHIE" -p "hi" --model prod --routing off --output-format json
expect_json '.result == "from Azure"' "an Azure deployment answers"
check "the deployment and api-version are in the URL" test "$(sed -n 1p "$FAKE_LOG" | jq -r .path)" = "/openai/deployments/gpt4o-prod/chat/completions?api-version=2025-01-01-preview"
check "the key goes as api-key" test "$(sed -n 1p "$FAKE_LOG" | jq -r '.headers["api-key"]')" = az-key
check "... not as a bearer token" test "$(sed -n 1p "$FAKE_LOG" | jq -r '.headers.authorization // "none"')" = none

finish
