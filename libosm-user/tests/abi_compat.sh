#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
#
# tests/abi_compat.sh: a binary built against libosm 0.2.0's osm.h
# (tests/abi-0.2.0/) keeps working with the libosm.so just built.  It
# must bind only to 0.1.0/0.2.0 symbols, and print the same answers, on
# every graph fixture, as the same program built against the current
# osm.h (the *_sz entry points).  Both run under valgrind when it is
# installed.  TAP output.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
old=tests/abi_dump_0.2.0 new=tests/abi_dump
vg=()
if command -v valgrind >/dev/null; then
	vg=(valgrind -q --leak-check=full --errors-for-leak-kinds=all
	    --error-exitcode=1)
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 fails=0
result() {
	n=$((n + 1))
	if [[ $1 == 0 ]]; then
		echo "ok $n - $2"
	else
		fails=$((fails + 1))
		echo "not ok $n - $2"
		sed 's/^/#   /' "$tmp/err" | head -n 40
	fi
}

# The symbol versions each binary asks libosm for.
vers() {
	objdump -T "$1" | awk '/osm_/ { print $(NF - 1), $NF }' | sort -u
}
vers "$old" >"$tmp/old.vers"
rc=0
grep -v -E '^\(?OSM_0\.[12]\.0\)? ' "$tmp/old.vers" >"$tmp/err" && rc=1
grep -q '_sz$' "$tmp/old.vers" && rc=1
[[ -s $tmp/old.vers ]] || rc=1
result $rc "$old binds only to OSM_0.1.0 and OSM_0.2.0 symbols"
vers "$new" >"$tmp/new.vers"
rc=0
grep -q 'OSM_0\.3\.0.* osm_query__tcb_sz$' "$tmp/new.vers" || rc=1
cp "$tmp/new.vers" "$tmp/err"
result $rc "$new calls the OSM_0.3.0 *_sz entry points"

for f in tests/query.graph tests/control.graph tests/servers.graph \
	 tests/good.graph; do
	rc=0
	LD_LIBRARY_PATH=. "${vg[@]}" "$old" "$f" >"$tmp/old" 2>"$tmp/err" ||
		rc=1
	LD_LIBRARY_PATH=. "${vg[@]}" "$new" "$f" >"$tmp/new" 2>>"$tmp/err" ||
		rc=1
	[[ $(wc -l <"$tmp/new") -gt 10 ]] || { echo "short output" >>"$tmp/err"; rc=1; }
	diff -u "$tmp/old" "$tmp/new" >>"$tmp/err" || rc=1
	result $rc "$f: 0.2.0 binary and current binary give the same answers ($(wc -l <"$tmp/new") lines)"
done
echo "1..$n"
(( fails == 0 ))
