# The REPL and background shells: the status line counts those running,
# /bashes lists them, /bashes kill ID stops one; the end of the REPL
# stops the rest.
. "$(dirname "$0")/lib.sh"
SOCK="$T_ROOT/tmux.sock"
tm() { tmux -S "$SOCK" "$@"; }
wait_for() {
	for _ in $(seq 1 80); do
		tm capture-pane -t t -p -S -100 | grep -qF -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
trap 'tm kill-server 2>/dev/null; fakellm_stop; rm -rf "$T_ROOT"' EXIT
cd "$WS" || exit 1
mark="archie-bashes-$$"
fakellm_start "{\"responses\":[{\"turn\":{\"tool_calls\":[{\"id\":\"s1\",\"name\":\"Bash\",\"arguments\":{\"command\":\"exec sleep 300 # $mark-1\",\"run_in_background\":true}},{\"id\":\"s2\",\"name\":\"Bash\",\"arguments\":{\"command\":\"exec sleep 301 # $mark-2\",\"run_in_background\":true}}]}},{\"repeat\":true,\"turn\":{\"text\":\"started two\"}}]}"
tm new-session -d -s t -x 150 -y 40 "cd '$WS' && env HOME='$HOME' XDG_STATE_HOME='$XDG_STATE_HOME' XDG_CONFIG_HOME='$XDG_CONFIG_HOME' OPENAI_BASE_URL='$FAKE_URL' TERM=xterm NO_COLOR=1 '$ARCHIE' --model openai/m --routing off --allow 'Bash(sleep:*)'; echo EXITED rc=\$?; sleep 60"
check "the REPL starts" wait_for "agent backend-architect"
tm send-keys -t t "start two services" Enter
check "the turn ends" wait_for "started two"
check "the status line counts the background shells" wait_for "| 2 background (/bashes)]"
tm send-keys -t t "/bashes" Enter
check "/bashes lists them, running" wait_for "[bash_1: running, pid"
check "... with their commands" wait_for "exec sleep 301 # $mark-2"
tm send-keys -t t "/bashes kill bash_1" Enter
check "/bashes kill ID stops one" wait_for "[bash_1: stopped after"
check "... and it is gone" sh -c "! pgrep -f '$mark-[1]' >/dev/null"
check "... the other still runs" pgrep -f "$mark-[2]"
tm send-keys -t t "/bashes kill bash_9" Enter
check "an unknown id says which there are" wait_for "no background shell 'bash_9'; there are: bash_1 bash_2"
tm send-keys -t t C-d
check "the REPL exits" wait_for "EXITED rc=0"
gone() { for _ in $(seq 1 50); do pgrep -f "$mark-[2]" >/dev/null || return 0; sleep 0.1; done; return 1; }
check "the end of the REPL stops the other" gone
finish
