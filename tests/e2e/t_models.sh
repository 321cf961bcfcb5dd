# archie models: providers and models from config files and the
# environment, with where each setting came from.
. "$(dirname "$0")/lib.sh"
unset ANTHROPIC_API_KEY ANTHROPIC_BASE_URL OPENAI_API_KEY OPENAI_BASE_URL OLLAMA_HOST OPENROUTER_API_KEY
export ARCHIE_LOCAL_SERVERS="ollama=http://127.0.0.1:1"

run "$ARCHIE" models
expect_rc 0 "models with nothing configured"
expect_out "providers:
  (none)" "no providers"
expect_err "no model provider is configured, and no local server answered" "says nothing answered"
expect_err "Set ANTHROPIC_API_KEY, OPENAI_API_KEY" "lists the options"

ANTHROPIC_API_KEY=sk-ant-x run "$ARCHIE" models
expect_out "anthropic    anthropic https://api.anthropic.com" "the key's provider"
expect_out "key: ANTHROPIC_API_KEY (set)" "the key is set (its value is never shown)"
expect_no_out "sk-ant-x" "the key itself is not printed"
expect_out "default model: sonnet -> anthropic/claude-sonnet-4-5 (from built-in)" "the default with a key"

mkdir -p "$XDG_CONFIG_HOME/archie" .archie
cat > "$XDG_CONFIG_HOME/archie/config.yaml" <<'YAML'
default_model: fast
providers:
  local:
    api: openai
    base_url: http://127.0.0.1:9/v1
    headers:
      Authorization: Bearer secret-token
models:
  fast:
    provider: local
    id: llama3.1:8b
    price: {input: 0.1, output: 0.2}
YAML
cat > .archie/config.yaml <<'YAML'
models:
  fast:
    id: qwen2.5-coder:7b
YAML
run "$ARCHIE" models
expect_rc 0 "models with config files"
expect_out "local        openai    http://127.0.0.1:9/v1" "provider from the user file"
check "the provider's source is its file and line" \
	sh -c 'printf "%s" "$0" | grep -E "^  local .* from .*/archie/config.yaml:3$" >/dev/null' "$out"
check "the project file overrides the model id" \
	sh -c 'printf "%s" "$0" | grep -E "^  fast +local +qwen2\.5-coder:7b .* from .*\.archie/config\.yaml:2$" >/dev/null' "$out"
expect_out "default model: fast -> local/qwen2.5-coder:7b" "default model resolved"
expect_out "config file: $WS/.archie/config.yaml" "the files read are listed"

run "$ARCHIE" models --json
expect_json '.default_model.ref == "fast" and .default_model.provider == "local" and .default_model.id == "qwen2.5-coder:7b"' "models --json default"
expect_json '.providers[] | select(.name == "local") | .headers == ["Authorization"]' "header names only, never values"
expect_json '.models[] | select(.name == "fast") | .price.input == 0.1' "prices in JSON"
expect_json '.models[] | select(.name == "sonnet") | .available == false' "an alias without its provider is unavailable"
expect_no_out "secret-token" "header values are not printed"

# local models are easy to point at: OLLAMA_HOST or a keyless (or keyed)
# OPENAI_BASE_URL lists the server's models, and the first becomes the
# default; OpenAI's own default is never sent to another server
mv .archie/config.yaml .archie/config.yaml.off
mv "$XDG_CONFIG_HOME/archie/config.yaml" "$XDG_CONFIG_HOME/archie/config.yaml.off" 2>/dev/null
fakellm_start '{"models":["qwen2.5-coder:7b","llama3.1:8b"],"responses":[{"repeat":true,"turn":{"text":"local answer"}}]}'
OLLAMA_HOST="127.0.0.1:$FAKE_PORT" run "$ARCHIE" models
expect_rc 0 "models with OLLAMA_HOST"
expect_out "    ollama/qwen2.5-coder:7b" "the Ollama server's models are listed"
expect_out "    ollama/llama3.1:8b" "... all of them"
expect_out "default model: ollama/qwen2.5-coder:7b" "the first is the default"
OLLAMA_HOST="127.0.0.1:$FAKE_PORT" run "$ARCHIE" -p hi --routing off
expect_rc 0 "archie -p with only OLLAMA_HOST"
expect_out "local answer" "... answers"
expect_err "using ollama/qwen2.5-coder:7b, the first of the 2 models" "... saying which model it took"
expect_err "choose one with --model ollama/NAME" "... and how to choose"
check "... and sends it" test "$(req 1 .model)" = "qwen2.5-coder:7b"
OPENAI_BASE_URL="$FAKE_URL" run "$ARCHIE" -p hi --routing off
expect_rc 0 "a keyless OPENAI_BASE_URL works"
fakellm_start '{"models":["qwen2.5-coder:7b","llama3.1:8b"],"models_key":"sk-local","responses":[{"repeat":true,"turn":{"text":"local answer"}}]}'
OPENAI_BASE_URL="$FAKE_URL" OPENAI_API_KEY=sk-local run "$ARCHIE" -p hi --routing off
expect_rc 0 "OPENAI_BASE_URL with a key (the model list needs it too)"
check "the server's model is sent, not gpt-4o" test "$(req 1 .model)" = "qwen2.5-coder:7b"
fakellm_stop

# archie init writes a config for the provider found: the server's model
# (the first when nobody can be asked), the variable holding a key and
# never the key; it does not replace a config unless --force
fakellm_start '{"models":["qwen2.5-coder:7b","llama3.1:8b"],"models_key":"sk-local","responses":[{"repeat":true,"turn":{"text":"local answer"}}]}'
UCFG="$XDG_CONFIG_HOME/archie/config.yaml"
OPENAI_BASE_URL="$FAKE_URL" OPENAI_API_KEY=sk-local run "$ARCHIE" init
expect_rc 0 "archie init with OPENAI_BASE_URL and a key"
expect_out "wrote $UCFG" "... says where it wrote"
expect_out "taking the first, qwen2.5-coder:7b (name another with --model openai/NAME)" "... which model it took, and how to take another"
check "the config names the server and the model" grep -qF 'default_model: "openai/qwen2.5-coder:7b"' "$UCFG"
check "... and the variable that holds the key" grep -qx '    api_key_env: OPENAI_API_KEY' "$UCFG"
check "... never the key" sh -c '! grep -q sk-local "$0"' "$UCFG"
check "... readable by its owner only" test "$(stat -c %a "$UCFG")" = 600
OPENAI_API_KEY=sk-local run env -u OPENAI_BASE_URL "$ARCHIE" -p hi --routing off
expect_rc 0 "a run with the written config (no OPENAI_BASE_URL now)"
check "... sends the model init chose" test "$(req 1 .model)" = "qwen2.5-coder:7b"
OPENAI_BASE_URL="$FAKE_URL" OPENAI_API_KEY=sk-local run "$ARCHIE" init
expect_rc 2 "init does not replace a config"
expect_err "$UCFG already exists; archie init does not replace it (--force does" "... and says how"
OPENAI_BASE_URL="$FAKE_URL" OPENAI_API_KEY=sk-local run "$ARCHIE" init --force --model openai/nosuch
expect_rc 2 "init --model checks the server serves it"
expect_err "openai does not serve a model 'nosuch'; it lists qwen2.5-coder:7b, llama3.1:8b" "... naming what it serves"
OPENAI_BASE_URL="$FAKE_URL" OPENAI_API_KEY=sk-local run "$ARCHIE" init --force --model openai/llama3.1:8b
expect_rc 0 "init --force --model"
check "... the model named" grep -qF 'default_model: "openai/llama3.1:8b"' "$UCFG"
check "... the old config kept" grep -qF 'qwen2.5-coder:7b' "$UCFG.bak"
run "$ARCHIE" init --forse
expect_rc 2 "init: an unknown option"
rm -f "$UCFG" "$UCFG.bak"
fakellm_stop
run "$ARCHIE" init
expect_rc 1 "init with no provider at all"
expect_err "no model provider is configured, and no local server answered" "... says what to set"
check "... and writes nothing" test ! -e "$UCFG"

run env -u OLLAMA_HOST "$ARCHIE" -p hi
expect_err "OPENROUTER_API_KEY" "the no-provider message names every variable"
mv .archie/config.yaml.off .archie/config.yaml
mv "$XDG_CONFIG_HOME/archie/config.yaml.off" "$XDG_CONFIG_HOME/archie/config.yaml" 2>/dev/null

printf 'providers:\n  bad:\n    api: grpc\n    base_url: x\n' > .archie/config.yaml
run "$ARCHIE" models
expect_rc 2 "a config error"
expect_err ".archie/config.yaml:3:10: error: 'api' must be openai, openai-responses, azure or anthropic, not 'grpc'" "located config error"

# a session reports every error at once, and warnings too
printf 'providers:\n  a:\n    api: grpc\n    base_url: x\n  b:\n    api: nope\n    base_url: y\nmodels:\n  m: {provider: a, id: x, tmperature: 1}\n' > .archie/config.yaml
OPENAI_API_KEY=k run "$ARCHIE" -p hi
expect_rc 2 "a session with a broken config"
expect_err "configuration errors: " "... says there are several"
expect_err ".archie/config.yaml:6:10: error: 'api' must be" "... and reports the second too"
expect_err ".archie/config.yaml:9:27: warning: unknown model key 'tmperature'" "an unknown key is a warning, said"

finish
