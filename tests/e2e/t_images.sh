# Images: Read of a PNG, JPEG, GIF or WebP file hands the image to a model
# that takes images (vision: true, or a family known to), in both
# protocols: Anthropic gets an image block after the tool results,
# OpenAI-compatible servers an image_url in a user message after the tool
# messages.  A model that does not take images gets a note saying so.
# The session stores each image once, whatever the messages holding it,
# and --continue sends it again.
. "$(dirname "$0")/lib.sh"

export OPENAI_API_KEY=sk-test ANTHROPIC_API_KEY=sk-ant-test
# a 1x1 PNG
printf '%s' iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg== | base64 -d > dot.png
B64=$(base64 -w0 dot.png)
mkdir -p .archie
cat > .archie/config.yaml <<'YAML'
models:
  seeing: {provider: openai, id: m, vision: true}
  blind: {provider: openai, id: m, vision: false}
YAML

reads='{"responses":[
 {"turn":{"tool_calls":[{"id":"i1","name":"Read","arguments":{"path":"dot.png"}}]}},
 {"turn":{"tool_calls":[{"id":"i2","name":"Read","arguments":{"path":"dot.png"}}]}},
 {"turn":{"text":"a dot"}}]}'

fakellm_start "$reads"
export ANTHROPIC_BASE_URL="http://127.0.0.1:$FAKE_PORT" ARCHIE_STATE_DIR="$T_ROOT/state-a"
run "$ARCHIE" -p "look at dot.png" --model anthropic/claude-sonnet-4-5 --yes --routing off --output-format json
expect_rc 0 "an image session runs (Anthropic)"
check "the image follows the tool result, as base64" test "$(req 2 '.messages[2].content[1] | [.type, .source.type, .source.media_type, .source.data] | join("|")')" = "image|base64|image/png|$B64"
check "... after every tool result" test "$(req 2 '.messages[2].content[0].type')" = tool_result
check "the result says an image is attached" req_match 2 '.messages[2].content[0].content' 'an image \(image/png'
check "the image is stored once though read twice" test "$(sqlite3 "$T_ROOT/state-a/archie.db" 'SELECT count(*) FROM blobs')" = 1
check "... and not in the messages" test "$(sqlite3 "$T_ROOT/state-a/archie.db" "SELECT count(*) FROM messages WHERE content LIKE '%$B64%'")" = 0
fakellm_start '{"responses":[{"repeat":true,"turn":{"text":"still a dot"}}]}'
export ANTHROPIC_BASE_URL="http://127.0.0.1:$FAKE_PORT"
run "$ARCHIE" --continue -p "again?" --model anthropic/claude-sonnet-4-5 --output-format json
expect_rc 0 "--continue after images"
check "the stored image goes back" test "$(req 1 '[.messages[] | .content | if type == "array" then .[] else empty end | select(.type == "image") | .source.data] | unique | join(",")')" = "$B64"

fakellm_start "$reads"
export OPENAI_BASE_URL="$FAKE_URL" ARCHIE_STATE_DIR="$T_ROOT/state-o"
run "$ARCHIE" -p "look at dot.png" --model seeing --yes --routing off --output-format json
expect_rc 0 "an image session runs (OpenAI-compatible)"
check "the image is a data URL in a user message after the tool message" test "$(req 2 '[.messages[] | select(.role == "user") | .content | if type == "array" then .[] else empty end | select(.type == "image_url") | .image_url.url][0]')" = "data:image/png;base64,$B64"
check "... which follows the tool message" test "$(req 2 '[.messages[].role] | .[-2:] | join(",")')" = "tool,user"

# a large image is scaled down to what a model takes
python3 - <<'PY'
import struct, zlib, random
w, h = 2400, 1600
random.seed(7)
rows = b"".join(b"\0" + bytes(random.getrandbits(8) for _ in range(w * 3)) for _ in range(h))
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
open("big.png", "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                           + chunk(b"IDAT", zlib.compress(rows, 1)) + chunk(b"IEND", b""))
PY
fakellm_start '{"responses":[
 {"turn":{"tool_calls":[{"id":"b1","name":"Read","arguments":{"path":"big.png"}}]}},
 {"turn":{"text":"noise"}}]}'
export OPENAI_BASE_URL="$FAKE_URL" ARCHIE_STATE_DIR="$T_ROOT/state-big"
run "$ARCHIE" -p "look at big.png" --model seeing --yes --routing off --output-format json
expect_rc 0 "a large image session runs"
check "the result says it was scaled down" req_match 2 'tostring' 'scaled down to 1[0-9]{3}x[0-9]{3,4}, image/png'
size=$(req 2 '[.messages[] | select(.role == "user") | .content | if type == "array" then .[] else empty end | select(.type == "image_url") | .image_url.url][0] | length')
check "what is sent fits a model's limit ($size bytes of data URL)" test "$size" -le 5000100

fakellm_start "$reads"
export OPENAI_BASE_URL="$FAKE_URL" ARCHIE_STATE_DIR="$T_ROOT/state-b"
run "$ARCHIE" -p "look at dot.png" --model blind --yes --routing off --output-format json
expect_rc 0 "a model without vision still runs"
check "it is told the model does not take images, and how to change that" req_match 2 'tostring' 'does not take images; set vision: true'
check "no image is sent" test "$(req 2 'tostring | contains("image_url")')" = false

# an MCP server's image reaches a model that takes images the same way
cat > .mcp.json <<EOF
{"mcpServers": {"t": {"command": "$MCPSERVER"}}}
EOF
fakellm_start '{"responses":[
 {"turn":{"tool_calls":[{"id":"m1","name":"mcp__t__image","arguments":{}}]}},
 {"turn":{"text":"seen"}}]}'
export OPENAI_BASE_URL="$FAKE_URL" ARCHIE_STATE_DIR="$T_ROOT/state-m"
run "$ARCHIE" -p "show me" --model seeing --yes --routing off --output-format json
expect_rc 0 "an MCP image session runs"
check "the server's image is attached" test "$(req 2 '[.messages[] | select(.role == "user") | .content | if type == "array" then .[] else empty end | select(.type == "image_url") | .image_url.url][0]')" = "data:image/png;base64,iVBORw0KGgo="
check "... and the result says so" req_match 2 '.messages[] | select(.tool_call_id == "m1") | .content' '\[image: image/png, attached\]'
rm -f .mcp.json

finish
