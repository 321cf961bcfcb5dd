# Crash safety: a scripted session (streamed text, tool calls, several
# turns) is killed with SIGKILL at 60 points spread over its run, over
# both protocols.  After each kill, every tool result and model turn the
# run had reported is in the record, and `archie --continue` sends the
# model a valid request (checked on the fake server).
. "$(dirname "$0")/lib.sh"

POINTS=${CRASH_POINTS:-60}
STEP_MS=${CRASH_STEP_MS:-7}
export OPENAI_API_KEY=sk-test ANTHROPIC_API_KEY=sk-ant-test

session_script='{"responses":[
 {"turn":{"text":"First I look at the sources, one step at a time.","tool_calls":[
   {"id":"t1","name":"Bash","arguments":{"command":"sleep 0.04; echo one"}},
   {"id":"t2","name":"LS","arguments":{}}],"usage":{"input":10,"output":5}},
  "text_chunk":6,"chunk_size":64,"delay_ms":2},
 {"turn":{"text":"Now the second step, with a longer answer to stream.","tool_calls":[
   {"id":"t3","name":"Read","arguments":{"path":"README"}},
   {"id":"t4","name":"Bash","arguments":{"command":"sleep 0.04; echo two"}}],"usage":{"input":20,"output":5}},
  "text_chunk":6,"chunk_size":64,"delay_ms":2},
 {"turn":{"text":"And a last call.","tool_calls":[
   {"id":"t5","name":"Bash","arguments":{"command":"sleep 0.03; echo three"}}],"usage":{"input":30,"output":5}},
  "text_chunk":6,"chunk_size":64,"delay_ms":2},
 {"turn":{"text":"All done: the session is complete.","usage":{"input":40,"output":5}},
  "text_chunk":6,"chunk_size":64,"delay_ms":2}]}'

# a valid OpenAI request: each tool call answered before anything else,
# the new prompt last
openai_valid='.messages as $m | ($m[-1].role == "user" and $m[-1].content == "go on") and
 (reduce $m[] as $x ({ok: true, pending: []};
   if $x.role == "tool" then
     (if (.pending | index($x.tool_call_id)) != null then .pending -= [$x.tool_call_id] else .ok = false end)
   else
     (if (.pending | length) > 0 then .ok = false else . end)
     | .pending = (if $x.role == "assistant" then [($x.tool_calls // [])[] | .id] else [] end)
   end) | .ok and (.pending | length) == 0)'
# a valid Anthropic request: alternating roles from a user message, every
# tool_use answered in the next message, no empty text
anthropic_valid='.messages as $m | $m[0].role == "user" and ($m[-1].role == "user") and
 ([$m[].content | if type == "array" then .[] else empty end | select(.type == "text" and .text == "")] | length == 0) and
 (reduce $m[] as $x ({ok: true, pending: [], last: null};
   (if $x.role == .last then .ok = false else . end) | .last = $x.role
   | ([$x.content | if type == "array" then .[] else empty end]) as $b
   | if $x.role == "assistant" then
       (if (.pending | length) > 0 then .ok = false else . end)
       | .pending = [$b[] | select(.type == "tool_use") | .id]
     else
       ([$b[] | select(.type == "tool_result") | .tool_use_id]) as $r
       | (if ((.pending - $r) | length) > 0 or (($r - .pending) | length) > 0 then .ok = false else . end)
       | .pending = []
     end) | .ok)'

req_valid() { [ "$(req 1 "$1")" = true ]; }

printf 'hello\n' > README
phases=""
i=1
while [ "$i" -le "$POINTS" ]; do
	if [ $((i % 2)) -eq 0 ]; then proto=anthropic; else proto=openai; fi
	export ARCHIE_STATE_DIR="$T_ROOT/state-$i"
	fakellm_start "$session_script"
	if [ "$proto" = openai ]; then
		export OPENAI_BASE_URL="$FAKE_URL"; model=openai/m
	else
		export ANTHROPIC_BASE_URL="http://127.0.0.1:$FAKE_PORT"; model=anthropic/m
	fi
	"$ARCHIE" -p "work through it" --model "$model" --yes --output-format stream-json \
		> "stream-$i" 2>/dev/null &
	apid=$!
	sleep "$(awk -v i="$i" -v s="$STEP_MS" 'BEGIN { printf "%.3f", (i * s + 10) / 1000 }')"
	kill -9 "$apid" 2>/dev/null
	wait "$apid" 2>/dev/null
	# what the run had reported when it died (whole lines only)
	last=$(jq -R -r 'fromjson? | .type' "stream-$i" | tail -n 1)
	phases="$phases ${last:-start}"
	sid=$(jq -R -r 'fromjson? | select(.type == "init") | .session_id' "stream-$i")
	done_ids=$(jq -R -r 'fromjson? | select(.type == "tool_result") | .id' "stream-$i" | sort | tr '\n' ' ')
	turns=$(jq -R -r 'fromjson? | select(.type == "turn") | .type' "stream-$i" | wc -l)

	fakellm_start '{"responses":[{"repeat":true,"turn":{"text":"resumed"}}]}'
	if [ "$proto" = openai ]; then export OPENAI_BASE_URL="$FAKE_URL"; else
		export ANTHROPIC_BASE_URL="http://127.0.0.1:$FAKE_PORT"; fi
	run "$ARCHIE" --continue -p "go on" --model "$model" --output-format json
	if [ "$rc" -ne 0 ] && contains "$err" "no session to continue"; then
		# killed before the first prompt was recorded: nothing to lose
		check "kill $i ($proto, ${last:-start}): nothing reported, nothing recorded" test -z "$done_ids$sid"
		i=$((i + 1))
		continue
	fi
	check "kill $i ($proto, after '${last:-start}'): --continue works (rc $rc)" test "$rc" -eq 0
	if [ -n "$sid" ]; then
		check "kill $i: the same session continues" test "$(printf '%s' "$out" | jq -r .session_id)" = "$sid"
	fi
	if [ "$proto" = openai ]; then valid=$openai_valid; else valid=$anthropic_valid; fi
	if ! check "kill $i: the resumed request is valid ($proto)" req_valid "$valid"; then
		req 1 '.messages' | head -c 3000 | sed 's/^/#   /'
	fi
	recorded=$("$ARCHIE" audit --session "$(printf '%s' "$out" | jq -r .session_id)" --json)
	rec_ids=$(printf '%s' "$recorded" | jq -r '.[] | select(.kind == "tool") | .call_id' | sort | tr '\n' ' ')
	rec_turns=$(printf '%s' "$recorded" | jq -r '[.[] | select(.kind == "model")] | length')
	missing=""
	for id in $done_ids; do
		case " $rec_ids " in *" $id "*) ;; *) missing="$missing $id" ;; esac
	done
	check "kill $i: every reported tool result is recorded (missing:$missing)" test -z "$missing"
	check "kill $i: every reported turn is recorded ($turns reported, $rec_turns recorded incl. the resumed one)" test "$rec_turns" -gt "$turns"
	i=$((i + 1))
done
echo "# kill points by the last event reported:$(printf '%s\n' $phases | sort | uniq -c | tr -s ' ' | tr '\n' ',')"
finish
