#!/bin/sh
# bench_design: `archie check-design` of the order-service design
# (tests/data/design/valid.md: 4 endpoints, 2 SQL blocks run on
# PostgreSQL), cold (initdb for the check) and warm (the cached template
# cluster copied).  Target: under 400 ms warm.  Median of 5 each.
#
#   bench_design.sh ARCHIE DOC
set -eu
ARCHIE=$(realpath "$1")
DOC=$(realpath "$2")
T=$(mktemp -d "${TMPDIR:-/tmp}/archie-bench-XXXXXX")
trap 'rm -rf "$T"' EXIT
export XDG_CACHE_HOME="$T/cache" ARCHIE_LOG=error
once() {	# once ENV...: ms for one check
	t0=$(date +%s%N)
	env "$@" "$ARCHIE" check-design "$DOC" >/dev/null
	t1=$(date +%s%N)
	echo $(( (t1 - t0) / 1000000 ))
}
median() { sort -n | sed -n 3p; }
cold=$(for _ in 1 2 3 4 5; do once ARCHIE_PG_TEMPLATE=0; done | median)
once ARCHIE_PG_TEMPLATE=1 >/dev/null	# makes the template
warm=$(for _ in 1 2 3 4 5; do once ARCHIE_PG_TEMPLATE=1; done | median)
awk -v c="$cold" -v w="$warm" 'BEGIN {
	printf "  check-design on PostgreSQL, cold (initdb):        %4d ms\n", c
	printf "  check-design on PostgreSQL, warm (the template):  %4d ms = %.2fx of cold (target < 400 ms)\n", w, w / (c > 0 ? c : 1)
}'
