# Long sessions: the fake server enforces a 100k-token context window
# (each real server's error past it) and reports usage from what it is
# sent, with Anthropic's and OpenAI's cache fields.  A session that reads
# 40 documents of about 6k tokens each, then answers with a value found in
# one of them, finishes in both protocols: archie compacts before the
# window is full, every request fits, and the answer comes (the model reads
# an elided document again when it needs it).  A session of many short
# turns is summarised, the summary request carrying the facts; --continue
# after a compaction resumes from the compacted view.  Anthropic requests
# carry cache breakpoints, and each request's prefix up to the previous
# request's last breakpoint is byte for byte the same.
. "$(dirname "$0")/lib.sh"

export OPENAI_API_KEY=sk-test ANTHROPIC_API_KEY=sk-ant-test
WINDOW=100000

. "$E2E_DIR/long_session.sh"
long_docs
script() { long_script "$WINDOW" "$1"; }

# the models' windows, as a user configures them (the fake server's)
mkdir -p .archie
cat > .archie/config.yaml <<EOF
models:
  m-openai: {provider: openai, id: m, context: $WINDOW}
  m-anthropic: {provider: anthropic, id: m, context: $WINDOW}
  small: {provider: openai, id: m, context: 12000}
  big: {provider: openai, id: m, context: 1000000}
EOF

for proto in openai anthropic; do
	fakellm_start "$(script "$proto")"
	if [ "$proto" = openai ]; then export OPENAI_BASE_URL="$FAKE_URL"
	else export ANTHROPIC_BASE_URL="http://127.0.0.1:$FAKE_PORT"; fi
	model=m-$proto
	export ARCHIE_STATE_DIR="$T_ROOT/state-$proto"
	run "$ARCHIE" -p "Read the 40 documents in docs/ one by one, then tell me the retention key." \
		--model "$model" --yes --routing off --max-turns 60 --output-format stream-json
	expect_rc 0 "$proto: the 40-document session finishes"
	check "$proto: the answer has the value" contains "$out" "VALUE-4242"
	n=$(printf '%s\n' "$out" | jq -R -r 'fromjson? | select(.type == "compaction") | .type' | wc -l)
	check "$proto: it compacted ($n times, at most 8)" test "$n" -ge 2 -a "$n" -le 8
	over=$(jq -r '.body | length' "$FAKE_LOG" | awk -v w="$WINDOW" '$1 / 4 > w' | wc -l)
	check "$proto: no request was over the window ($over were)" test "$over" -eq 0
	check "$proto: the compaction event says how" json_true_lines "$out" \
		'select(.type == "compaction") | .how == "elided" and .after_tokens < .before_tokens'
	last=$(req_count)
	check "$proto: the elided results say how to get them again" \
		req_match "$last" 'tostring' 'elided to make room in the context; read it again'
	if [ "$proto" = anthropic ]; then
		check "anthropic: usage reports cache reads" json_true_lines "$out" \
			'select(.type == "result") | .usage.cache_read_tokens > 0'
	else
		check "openai: usage reports cached tokens" json_true_lines "$out" \
			'select(.type == "result") | .usage.cache_read_tokens > 0'
	fi
	sid=$(printf '%s\n' "$out" | jq -R -r 'fromjson? | select(.type == "init") | .session_id')
	run "$ARCHIE" sessions show "$sid"
	check "$proto: sessions show marks where the view was compacted" contains "$out" "--- compacted here (elided)"
	check "$proto: ... and keeps every message before it" contains "$out" "doc 1 line 1:"
	run "$ARCHIE" stats
	check "$proto: stats shows the prompt cache's hit rate" contains "$out" "hit rate"
	# --continue resumes from the compacted view
	fakellm_start '{"responses":[{"repeat":true,"turn":{"text":"still here"}}]}'
	if [ "$proto" = openai ]; then export OPENAI_BASE_URL="$FAKE_URL"
	else export ANTHROPIC_BASE_URL="http://127.0.0.1:$FAKE_PORT"; fi
	run "$ARCHIE" --continue -p "go on" --model "$model" --output-format json
	expect_rc 0 "$proto: --continue after compactions works"
	size=$(jq -r '.body | length' "$FAKE_LOG" | head -n 1)
	check "$proto: the resumed request is the compacted view ($size bytes)" test "$size" -lt $((WINDOW * 4 * 8 / 10))
	check "$proto: ... with the stubs" req_match 1 'tostring' 'elided to make room'
done

# many short turns: elision cannot help, the model summarises
fakellm_start "$(
	printf '{"context":{"window":12000,"server":"openai"},"auto_usage":true,'
	printf '"summarize":{"marker":"<archie-compaction-request>","keep":"CODE-[0-9]+"},"responses":['
	printf '{"turn":{"text":"Noted: the deploy code is CODE-777. %s","tool_calls":[{"id":"l0","name":"LS","arguments":{}}]}},' "$(printf 'x%.0s' $(seq 1 300))"
	i=1
	while [ "$i" -le 30 ]; do
		printf '{"turn":{"text":"Step %d of the plan, with a long explanation of what comes next. %s","tool_calls":[{"id":"l%d","name":"LS","arguments":{}}]}},' "$i" "$(printf 'y%.0s' $(seq 1 1200))" "$i"
		i=$((i + 1))
	done
	printf '{"when":{"body_contains":"CODE-777"},"repeat":true,"turn":{"text":"The code is CODE-777."}},'
	printf '{"repeat":true,"turn":{"text":"I lost the code."}}]}'
)"
export OPENAI_BASE_URL="$FAKE_URL" ARCHIE_STATE_DIR="$T_ROOT/state-summary"
run "$ARCHIE" -p "Work through the plan, then tell me the deploy code." --model small --yes \
	--routing off --max-turns 60 --output-format stream-json
expect_rc 0 "the long text session finishes"
check "a summary was written" json_true_lines "$out" 'select(.type == "compaction") | .how == "summary"'
check "the answer kept the fact through the summary" contains "$out" "The code is CODE-777"
sreq=$(grep -n 'archie-compaction-request' "$FAKE_LOG" | head -n 1 | cut -d: -f1)
check "the summary request asks for the sections" req_match "$sreq" 'tostring' '## Facts.*## Plan'
check "the summary request carries the transcript" req_match "$sreq" 'tostring' 'CODE-777'
check "the summary request offers no tools" test "$(req "$sreq" '.tools | length')" = 0
# the request after the summary's (it may come in chunks)
next=$(awk -v s="$sreq" 'NR > s && !/archie-compaction-request/ { print NR; exit }' "$FAKE_LOG")
check "a history larger than the window is summarised in chunks, each fitting" \
	test "$(awk -v s="$sreq" 'NR >= s && /archie-compaction-request/' "$FAKE_LOG" | jq -r '.body | length' | awk '$1 / 4 > 12000' | wc -l)" -eq 0
check "the request after the summary starts from it" req_match "$next" '.messages[1].content' 'was compacted'
check "... and keeps the user's request" req_match "$next" '.messages[1].content' 'tell me the deploy code'

# a context error from the server (archie's estimate too low): compact, retry once
fakellm_start "$(
	printf '{"context":{"window":20000,"server":"vllm"},"auto_usage":true,"responses":['
	i=1
	while [ "$i" -le 6 ]; do
		printf '{"turn":{"tool_calls":[{"id":"r%d","name":"Read","arguments":{"path":"docs/doc-%d.md"}}]}},' "$i" "$i"
		i=$((i + 1))
	done
	printf '{"repeat":true,"turn":{"text":"done"}}]}'
)"
export OPENAI_BASE_URL="$FAKE_URL" ARCHIE_STATE_DIR="$T_ROOT/state-exceeded"
run "$ARCHIE" -p "read six" --model big --yes --routing off --output-format stream-json
expect_rc 0 "a context error from the server is answered by compacting and retrying"
check "... once, as the server's error said" json_true_lines "$out" \
	'select(.type == "compaction") | .why == "context_exceeded"'

# a local server's own window: vLLM's max_model_len, llama.cpp's n_ctx
fakellm_start '{"model_info":{"max_model_len":8192},"responses":[]}'
mv .archie/config.yaml config.saved
out=$(env -u OPENAI_API_KEY -u ANTHROPIC_API_KEY -u OPENAI_BASE_URL -u ANTHROPIC_BASE_URL \
	ARCHIE_LOCAL_SERVERS="vllm=http://127.0.0.1:$FAKE_PORT" "$ARCHIE" models --json 2>&1)
check "a vLLM server's max_model_len is the model's window" json_true '.models[] | select(.name == "vllm/fake-model") | .context == 8192 and .limits_from == "config"'
fakellm_start '{"pages":{"/props":{"type":"application/json","body":"{\"default_generation_settings\":{\"n_ctx\":4096}}"}},"responses":[]}'
out=$(env -u OPENAI_API_KEY -u ANTHROPIC_API_KEY -u OPENAI_BASE_URL -u ANTHROPIC_BASE_URL \
	ARCHIE_LOCAL_SERVERS="llamacpp=http://127.0.0.1:$FAKE_PORT" "$ARCHIE" models --json 2>&1)
check "a llama.cpp server's n_ctx is the model's window" json_true '.models[] | select(.name == "llamacpp/fake-model") | .context == 4096'
fakellm_start '{"responses":[{"when":{"path":"/api/show"},"repeat":true,"body":{"parameters":"num_ctx                        16384\nstop \"<|im_end|>\"","model_info":{"qwen2.context_length":32768}}}]}'
out=$(env -u OPENAI_API_KEY -u ANTHROPIC_API_KEY -u OPENAI_BASE_URL -u ANTHROPIC_BASE_URL \
	ARCHIE_LOCAL_SERVERS="ollama=http://127.0.0.1:$FAKE_PORT" "$ARCHIE" models --json 2>&1)
check "an Ollama server's num_ctx is the model's window" json_true '.models[] | select(.name == "ollama/fake-model") | .context == 16384'
mv config.saved .archie/config.yaml

# Anthropic's cache breakpoints and a byte-stable prefix
fakellm_start '{"auto_usage":true,"responses":[
 {"turn":{"tool_calls":[{"id":"a1","name":"LS","arguments":{}}]}},
 {"turn":{"tool_calls":[{"id":"a2","name":"LS","arguments":{}}]}},
 {"turn":{"text":"done"}}]}'
export ANTHROPIC_BASE_URL="http://127.0.0.1:$FAKE_PORT" ARCHIE_STATE_DIR="$T_ROOT/state-cache"
run "$ARCHIE" -p "list twice" --model anthropic/m --yes --routing off --output-format json
expect_rc 0 "a cached Anthropic session runs"
check "the tools carry a breakpoint" test "$(req 1 '[.tools[-1].cache_control.type] | .[0]')" = ephemeral
check "the system prompt carries one" test "$(req 1 '.system[-1].cache_control.type')" = ephemeral
check "the conversation's end carries one" test "$(req 2 '.messages[-1].content[-1].cache_control.type')" = ephemeral
check "at most four breakpoints" test "$(req 3 '[.. | objects | select(has("cache_control"))] | length')" -le 4
prefix_stable() {
	a=$(sed -n "${1}p" "$FAKE_LOG" | jq -r .body)
	b=$(sed -n "${2}p" "$FAKE_LOG" | jq -r .body)
	# the bytes before the last breakpoint's ,"cache_control"
	cut=$(printf '%s' "$a" | awk '{ n = 0; s = $0; while ((i = index(s, "\"cache_control\"")) > 0) { n += i; s = substr(s, i + 1) } print n - 2 }')
	[ "$(printf '%s' "$a" | head -c "$cut")" = "$(printf '%s' "$b" | head -c "$cut")" ]
}
check "request 2 starts with request 1 up to its last breakpoint" prefix_stable 1 2
check "request 3 starts with request 2 up to its last breakpoint" prefix_stable 2 3
expect_json '.usage.cache_read_tokens > 0' "the next requests read the cache"

finish
