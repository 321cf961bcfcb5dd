# Helpers for the end-to-end tests: each test script sources this, gets an
# isolated HOME, XDG directories and a workspace (a git repository) in a
# fresh temporary directory, and reports TAP-style "ok"/"not ok" lines that
# tests/run.sh counts.
#
#   run CMD...            runs CMD; sets $out, $err, $rc
#   check DESC COND...    "ok DESC" if COND succeeds, else "not ok DESC"
#   expect_rc N DESC      checks $rc
#   expect_out TEXT DESC  checks $out contains TEXT (fixed string)
#   expect_err TEXT DESC  checks $err contains TEXT
#   expect_json F DESC    checks the jq filter F is true of $out
#   finish                ends the script with the right status

: "${ARCHIE:?ARCHIE must point at the archie binary}"
set -u
# where the scripts are (they run in a workspace of their own)
E2E_DIR=$(cd "$(dirname "$0")" && pwd)
T_N=0
T_FAIL=0
T_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/archie-e2e-XXXXXX")
trap 'fakellm_stop; pg_down; rm -rf "$T_ROOT"' EXIT
export HOME="$T_ROOT/home"
export XDG_CONFIG_HOME="$HOME/.config"
export XDG_STATE_HOME="$HOME/.local/state"
export XDG_DATA_HOME="$HOME/.local/share"
export ARCHIE_LOG=warn
unset NO_COLOR ARCHIE_LOG_FILE ANTHROPIC_API_KEY ANTHROPIC_BASE_URL OPENAI_API_KEY OPENAI_BASE_URL OLLAMA_HOST OPENROUTER_API_KEY
export ARCHIE_LOCAL_SERVERS="ollama=http://127.0.0.1:1"
WS="$T_ROOT/ws"
mkdir -p "$HOME" "$WS"
(cd "$WS" && git init -q . 2>/dev/null || mkdir -p .git)
cd "$WS" || exit 2

run() {
	"$@" >"$T_ROOT/.out" 2>"$T_ROOT/.err"
	rc=$?
	out=$(cat "$T_ROOT/.out")
	err=$(cat "$T_ROOT/.err")
}

check() {
	desc=$1
	shift
	T_N=$((T_N + 1))
	if "$@"; then
		echo "ok $T_N - $desc"
	else
		echo "not ok $T_N - $desc"
		echo "#   rc=${rc-}"
		echo "#   stdout: $(printf '%s' "${out-}" | head -c 2000)"
		echo "#   stderr: $(printf '%s' "${err-}" | head -c 2000)"
		T_FAIL=$((T_FAIL + 1))
	fi
}

contains() { case "$1" in *"$2"*) return 0 ;; esac; return 1; }

expect_rc() { check "$2 (exit $1)" test "$rc" -eq "$1"; }
expect_out() { check "$2" contains "$out" "$1"; }
expect_err() { check "$2" contains "$err" "$1"; }
not_contains() { ! contains "$1" "$2"; }
expect_no_out() { check "$2" not_contains "$out" "$1"; }

# expect_json FILTER DESC: the jq filter is true of $out.
json_true() { printf '%s' "$out" | jq -e "$1" >/dev/null 2>&1; }
expect_json() { check "$2" json_true "$1"; }
# json_true_lines TEXT FILTER: the filter is true of some JSON line of TEXT
# (stream-json output).
json_true_lines() { printf '%s\n' "$1" | jq -R -e "fromjson? | $2" 2>/dev/null | grep -q true; }

# fakellm_start SCRIPT_JSON: starts the fake LLM server with that script;
# sets FAKE_PORT, FAKE_URL (with /v1) and FAKE_LOG.  Stopped at exit.
fakellm_start() {
	fakellm_stop
	FAKE_DIR="$T_ROOT/fake.$$.$T_N.$(date +%s%N)"
	mkdir -p "$FAKE_DIR"
	printf '%s' "$1" > "$FAKE_DIR/script.json"
	FAKE_LOG="$FAKE_DIR/requests.jsonl"
	"$FAKELLM" --script "$FAKE_DIR/script.json" --log "$FAKE_LOG" \
		--port-file "$FAKE_DIR/port" 2>"$FAKE_DIR/stderr" &
	FAKE_PID=$!
	for _ in $(seq 1 200); do
		[ -s "$FAKE_DIR/port" ] && break
		sleep 0.01
	done
	FAKE_PORT=$(cat "$FAKE_DIR/port")
	FAKE_URL="http://127.0.0.1:$FAKE_PORT/v1"
	: > "$FAKE_LOG"
}
fakellm_stop() {
	if [ -n "${FAKE_PID:-}" ]; then
		kill "$FAKE_PID" 2>/dev/null
		wait "$FAKE_PID" 2>/dev/null
		FAKE_PID=
	fi
}
# req N FILTER: a jq filter on the N-th (1-based) request's parsed body
req() { sed -n "${1}p" "$FAKE_LOG" | jq -r '.body | fromjson | '"$2"; }
req_count() { wc -l < "$FAKE_LOG" | tr -d ' '; }
# req_match N FILTER REGEX: the filter's output matches the extended regex
req_match() { req "$1" "$2" | grep -Eq -- "$3"; }

finish() {
	fakellm_stop
	echo "# $T_N checks, $T_FAIL failed"
	[ "$T_FAIL" -eq 0 ]
	exit $?
}

# A PostgreSQL server of the test's own, on a Unix socket only (the
# shared-record tests).  As root it runs as the postgres user, which the
# server requires.
#   pg_up        initdb + start; sets PG_DIR, PG_URL (superuser postgres)
#   pg_start / pg_stop   start and stop it (data kept)
#   pg_sql SQL   runs SQL as postgres; prints unaligned rows
PG_DIR=""
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
pg_as() {
	if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}
pg_up() {
	PG_BIN=$(pg_bin)
	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/archie-pg-XXXXXX")
	[ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
	pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust --no-sync >"$PG_DIR/initdb.log" 2>&1 || {
		cat "$PG_DIR/initdb.log" >&2
		return 1
	}
	pg_start
	PG_URL="postgresql:///postgres?host=$PG_DIR&user=postgres"
}
pg_start() {
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
		-o "-k $PG_DIR -c listen_addresses= -c fsync=off" start >/dev/null
}
pg_stop() { pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null; }
pg_down() {
	[ -n "$PG_DIR" ] || return 0
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
	rm -rf "$PG_DIR"
	PG_DIR=""
}
pg_sql() { psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$PG_DIR" -U postgres -d postgres -c "$1"; }

# fakellm_config: the user's config.yaml with the fake server as the
# default model (provider fake, model free), plus any YAML given as $1.
fakellm_config() {
	mkdir -p "$XDG_CONFIG_HOME/archie"
	cat > "$XDG_CONFIG_HOME/archie/config.yaml" <<YAML
providers:
  fake: {api: openai, base_url: "$FAKE_URL"}
models:
  free: {provider: fake, id: m}
default_model: free
${1:-}
YAML
	export FAKE_KEY=unused
}
