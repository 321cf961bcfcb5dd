#!/bin/sh
# Installs the Debian packages archie builds and tests with, when any is
# missing.  Called by `make deps` (and so by `make test`).  Prints exactly
# what it installs; does nothing, silently, when everything is present.
set -eu

pkgs="pkg-config gcc make libc6-dev
libcurl4-openssl-dev libjansson-dev libfyaml-dev libsqlite3-dev
libpcre2-dev libedit-dev libseccomp-dev libcmocka-dev libpq-dev libmd4c-dev libssl-dev libmicrohttpd-dev
git jq curl tmux postgresql bubblewrap sqlite3 libgd-dev python3 source-highlight"

# Extra packages named on the command line (e.g. tools a target needs).
pkgs="$pkgs $*"

missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
	echo "deps: missing packages:$missing" >&2
	echo "deps: no apt-get here; install them with your package manager" >&2
	exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1; then
	sudo="sudo"
else
	echo "deps: missing packages:$missing" >&2
	echo "deps: not root and no sudo; run as root: apt-get install$missing" >&2
	exit 1
fi

echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "deps: installed:$missing"
