# The sandbox, with real processes: `archie sandbox check` on both
# backends (every escape probe contained under bubblewrap; under the
# Landlock fallback exactly the documented gaps), and the agent's own Bash
# calls through the fake LLM server: a secret at the root and seven levels
# down reads empty while a file the command writes reads back; .git and
# .claude cannot be planted; no provider key or token reaches a command,
# an MCP server or a hook; keystrokes cannot be pushed into the user's
# terminal (a real pty, through script(1)); archie's own git status does
# not run a planted core.fsmonitor.
. "$(dirname "$0")/lib.sh"

have_bwrap=0
command -v bwrap >/dev/null 2>&1 && bwrap --unshare-all --ro-bind / / --proc /proc --dev /dev -- /bin/true 2>/dev/null && have_bwrap=1

# --- the probe report -------------------------------------------------------------
if [ "$have_bwrap" = 1 ]; then
	run "$ARCHIE" sandbox check --json
	expect_rc 0 "sandbox check: every probe contained under bubblewrap"
	expect_json '.backend == "bubblewrap" and .failures == 0' "the report names the backend and no failure"
	expect_json '[.probes[] | select(.result != "contained" and .result != "works")] == []' "no probe escaped"
	expect_json '[.probes[].probe] | contains(["write-outside","proc-root-write","proc-cwd-secret","write-git-config","read-deep-secret","tiocsti","tcp","udp","io-uring","unix-abstract","unix-path","kill","ptrace","environ","chmod-outside","dev-create","env-secret","hardlink-secret","symlink-write","create-protected"])' "every escape class is probed"
	expect_json '(.probes[] | select(.probe == "io-uring") | .layer) == "seccomp"' "each probe names the layer that held"
	run "$ARCHIE" sandbox check
	expect_out "every probe was contained" "the text report says so"
	expect_out "held by PID namespace" "the text report names layers"
else
	echo "# bubblewrap unavailable here: the bubblewrap checks are skipped"
fi
ARCHIE_SANDBOX=landlock run "$ARCHIE" sandbox check --json
expect_json '.backend == "landlock"' "ARCHIE_SANDBOX=landlock forces the fallback"
expect_json '[.probes[] | select(.result == "escaped" or .result == "broken") | .probe] | sort == ["chmod-outside","new-file"]' \
	"under Landlock exactly the documented gaps remain (docs/security.md)"
expect_json '(.probes[] | select(.probe == "write-git-config") | .layer) | startswith("restored")' "under Landlock .git/config is restored after the command"
expect_rc 1 "sandbox check fails when anything escapes"

# --- sandbox run: the Bash tool's own path ---------------------------------------------
printf 'SECRET=root-secret\n' > .env
mkdir -p a/b/c/d/e/f/g && printf 'DEEP=deep-secret\n' > a/b/c/d/e/f/g/.env
if [ "$have_bwrap" = 1 ]; then
	run "$ARCHIE" sandbox run 'cat .env a/b/c/d/e/f/g/.env; echo hi > new.txt && cat new.txt'
	expect_no_out "root-secret" "a .env at the root is not readable"
	expect_no_out "deep-secret" "a .env seven levels down is not readable"
	expect_out "hi" "a file the command creates beside a secret is readable"
	# past 20,000 entries: no walk budget
	mkdir -p many zz/y/x/w/v/u/t && (cd many && seq -f 'f%g' 1 20500 | xargs touch) &&
		printf 'FAR=far-secret\n' > zz/y/x/w/v/u/t/.env.local
	run "$ARCHIE" sandbox run 'cat zz/y/x/w/v/u/t/.env.local; ls many | wc -l'
	expect_no_out "far-secret" "a secret past 20,000 entries and seven levels down is not readable"
	expect_out "20500" "the many files are there"
	rm -rf many zz
	run "$ARCHIE" sandbox run 'echo "[core] fsmonitor = evil" >> .git/config'
	check "the command cannot write .git/config" test "$rc" -ne 0
	check ".git/config is unchanged" sh -c '! grep -q evil .git/config'
	run "$ARCHIE" sandbox run 'ls /dev'
	expect_no_out "sda" "a private /dev: no disks"
	run "$ARCHIE" sandbox run 'ls /proc | grep -c "^[0-9]"'
	check "a private /proc: only the command's processes" test "${out:-99}" -lt 10
fi
run "$ARCHIE" sandbox run 'mkdir -p .claude && echo "{\"hooks\":{}}" > .claude/settings.json'
check ".claude created by a command is quarantined" test ! -e .claude
expect_out "quarantine" "the quarantine is explained"
check "the quarantined copy is kept" sh -c 'ls "$HOME"/.local/state/archie/quarantine/*/.claude/settings.json'

OPENAI_API_KEY=sk-live-123 GITHUB_TOKEN=ghp_secret AWS_SECRET_ACCESS_KEY=aws-secret \
	run "$ARCHIE" sandbox run 'env'
expect_no_out "sk-live-123" "no provider key reaches a command"
expect_no_out "ghp_secret" "no token reaches a command"
expect_no_out "aws-secret" "no cloud secret reaches a command"
expect_out "PATH=" "the core variables do"
mkdir -p .archie
printf 'shell_environment:\n  inherit: core\n  include: [MY_SETTING]\n  set: {APP_MODE: test}\n' > .archie/config.yaml

# --- TIOCSTI through a real pty ---------------------------------------------------------
if command -v script >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1; then
	cat > tiocsti.py <<'EOF'
import fcntl, termios, os, sys
ok = 0
for fd in (0, 1, 2):
    try:
        fcntl.ioctl(fd, termios.TIOCSTI, b"#"); ok = 1
    except OSError:
        pass
try:
    t = os.open("/dev/tty", os.O_RDWR); fcntl.ioctl(t, termios.TIOCSTI, b"#"); ok = 1
except OSError:
    pass
print("INJECTED" if ok else "REFUSED")
EOF
	run script -qec "$ARCHIE sandbox run 'python3 tiocsti.py'" /dev/null
	expect_out "REFUSED" "keystrokes cannot be pushed into the terminal from a sandboxed command (pty)"
	run script -qec "$ARCHIE --sandbox off sandbox run 'python3 tiocsti.py'" /dev/null
	expect_out "REFUSED" "nor with the sandbox off: the command has no controlling terminal"
fi

# --- the agent's Bash calls, and children's environments ------------------------------
export OPENAI_API_KEY=sk-live-456 ANTHROPIC_API_KEY=sk-ant-live GITHUB_TOKEN=ghp_agent
cat > .mcp.json <<EOF
{"mcpServers": {"envdump": {"command": "sh", "args": ["-c", "env > '$T_ROOT/mcp-env.txt'; exit 1"]}}}
EOF
mkdir -p .claude
cat > .claude/settings.json <<EOF
{"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "env > '$T_ROOT/hook-env.txt'"}]}]}}
EOF
printf 'env; cat .env; echo made > made.txt; cat made.txt\n' > show.sh
fakellm_start '{"responses":[
 {"turn":{"tool_calls":[{"id":"b1","name":"Bash","arguments":{"command":"sh ./show.sh"}}]}},
 {"turn":{"text":"done"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "look" --model openai/m --yes --routing off --output-format json
expect_rc 0 "a session with a Bash call runs"
check "the command saw no provider key" sh -c "! req 2 '.messages[-1].content' | grep -q sk-live-456"
check "the command saw no GitHub token" sh -c "! req 2 '.messages[-1].content' | grep -q ghp_agent"
check "the command read no secret" sh -c "! req 2 '.messages[-1].content' | grep -q root-secret"
check "the command's own file read back" req_match 2 '.messages[-1].content' "made"
check "the command got MY_SETTING's policy: APP_MODE set from config" req_match 2 '.messages[-1].content' "APP_MODE=test"
check "an MCP server gets no provider key" sh -c "test -s '$T_ROOT/mcp-env.txt' && ! grep -q sk-live-456 '$T_ROOT/mcp-env.txt' && ! grep -q ghp_agent '$T_ROOT/mcp-env.txt'"
check "a hook gets no provider key" sh -c "test -s '$T_ROOT/hook-env.txt' && ! grep -q sk-ant-live '$T_ROOT/hook-env.txt'"
rm -f .mcp.json .claude/settings.json

# --- archie's own git does not run the repository's programs ---------------------------
git config core.fsmonitor "touch '$T_ROOT/fsmonitor-ran'"
printf '[filter "evil"]\n\tclean = touch %s/filter-ran\n' "$T_ROOT" >> .git/config
echo '* filter=evil' > .gitattributes
git add .gitattributes 2>/dev/null
echo changed >> .gitattributes
rm -f "$T_ROOT/fsmonitor-ran" "$T_ROOT/filter-ran"
fakellm_start '{"responses":[{"turn":{"text":"ok"}}]}'
export OPENAI_BASE_URL="$FAKE_URL"
run "$ARCHIE" -p "hi" --model openai/m --routing off
expect_rc 0 "a session in a repository with a planted fsmonitor runs"
check "archie's git status did not run core.fsmonitor" test ! -e "$T_ROOT/fsmonitor-ran"
check "nor the filter driver" test ! -e "$T_ROOT/filter-ran"
check "the system prompt still has the git summary" req_match 1 '.messages[0].content' "Git: branch"
printf '[include]\n\tpath = /tmp/elsewhere\n' >> .git/config
run "$ARCHIE" -p "hi" --model openai/m --routing off
check "a config that includes other files is not run at all" req_match 2 '.messages[0].content' "Git: not summarised"

finish
