# The MCP reference servers from npm (pinned, installed under build/ by
# `make test-bins`): server-everything's tools, resources and prompts, and
# server-filesystem serving the workspace it was given as a root (it is
# started with no directory).  Skips, saying so, where npm could not
# install them.
. "$(dirname "$0")/lib.sh"

EV="$MCP_NPM/mcp-server-everything"
FS="$MCP_NPM/mcp-server-filesystem"
if [ ! -x "$EV" ] || [ ! -x "$FS" ] || ! command -v node >/dev/null 2>&1; then
	echo "# SKIP t_mcp_npm: the MCP reference servers are not installed (npm registry unreachable when 'make test-bins' ran?)"
	finish
	exit 0
fi
export OPENAI_API_KEY=sk-test-secret-value
cat > .mcp.json <<EOF2
{"mcpServers": {"everything": {"command": "$EV"}, "fs": {"command": "$FS"}}}
EOF2
echo "workspace file" > notes.txt

run "$ARCHIE" mcp list --json
expect_rc 0 "mcp list with the reference servers"
expect_json '.[] | select(.name == "everything") | .status == "ready" and ([.tools[].name] | index("mcp__everything__echo") != null and index("mcp__everything__get-sum") != null)' "server-everything: ready, its tools listed"
expect_json '.[] | select(.name == "everything") | [.tools[].name] | index("mcp__everything__get-roots-list") != null and index("mcp__everything__trigger-sampling-request") != null and index("mcp__everything__trigger-elicitation-request") != null' "server-everything offers its roots, sampling and elicitation tools (archie offers those capabilities)"
expect_json '.[] | select(.name == "everything") | [.tools[] | select(.offered == false) | .server_name] | all(. == "simulate-research-query")' "only the task-only tool is not offered"
expect_json '.[] | select(.name == "fs") | .status == "ready" and ([.tools[].name] | index("mcp__fs__read_text_file") != null)' "server-filesystem: ready"
run "$ARCHIE" mcp call everything get-sum '{"a": 2, "b": 3}'
expect_out "5" "server-everything: get-sum"
run "$ARCHIE" mcp call everything get-env
check "server-everything's environment holds no provider key" not_contains "$out" "sk-test-secret-value"
run "$ARCHIE" mcp call everything get-roots-list
expect_out "file://$PWD" "server-everything sees the workspace as its root"
run "$ARCHIE" mcp resources everything
expect_out "demo://resource/static/document/features.md" "server-everything: resources listed"
run "$ARCHIE" mcp read everything demo://resource/static/document/features.md
expect_out "Everything Server" "server-everything: a resource read"
run "$ARCHIE" mcp prompt everything args-prompt city=Paris
expect_out "Paris" "server-everything: a prompt with an argument"
run "$ARCHIE" mcp call everything trigger-long-running-operation '{"duration": 1, "steps": 2}'
expect_err "progress 2/2" "server-everything: progress shown"

# server-filesystem serves the workspace through roots: through a session
fakellm_start '{"responses":[
 {"turn":{"tool_calls":[{"id":"f1","name":"mcp__fs__list_allowed_directories","arguments":{}}]}},
 {"turn":{"tool_calls":[{"id":"f2","name":"mcp__fs__read_text_file","arguments":{"path":"'"$PWD"'/notes.txt"}}]}},
 {"turn":{"tool_calls":[{"id":"f3","name":"mcp__everything__get-resource-links","arguments":{"count":1}}]}},
 {"turn":{"tool_calls":[{"id":"f4","name":"ReadMcpResource","arguments":{"server":"everything","uri":"demo://resource/dynamic/text/1"}}]}},
 {"turn":{"text":"done"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "files" --model openai/m --yes --routing off
expect_rc 0 "a session with the reference servers"
check "server-filesystem serves the workspace it got as a root" req_match 2 '.messages[] | select(.tool_call_id == "f1") | .content' "$PWD"
check "... and reads a file there" req_match 3 '.messages[] | select(.tool_call_id == "f2") | .content' 'workspace file'
check "a resource link from server-everything" req_match 4 '.messages[] | select(.tool_call_id == "f3") | .content' 'resource link demo://resource/dynamic/(blob|text)/1'
check "... opened with ReadMcpResource" req_match 5 '.messages[] | select(.tool_call_id == "f4") | .content' 'Resource 1'
finish
