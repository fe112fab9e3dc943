#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Run every osmosis selftest program beside this script (busybox sh is
# enough), print their TAP, and sum the harness "# Totals:" lines.  A
# program that crashes or prints no Totals line counts as one failure.
# The last line is always:
#
#   osmosis-selftests: N passed, N failed, N skipped
#
# Exit 0 iff nothing failed.  Arguments, if any, name the programs to run.

dir=$(cd "$(dirname "$0")" && pwd)
tmp=${TMPDIR:-/tmp}
[ -d "$tmp" ] && [ -w "$tmp" ] || tmp=$dir
log=$tmp/osmosis-selftest.$$.log
trap 'rm -f "$log"' EXIT

if [ $# -gt 0 ]; then
	progs=
	for p in "$@"; do
		progs="$progs $dir/${p##*/}"
	done
else
	progs=$(ls "$dir"/*_test 2>/dev/null)
fi

# A hung program is killed after the kselftest "settings" timeout.
limit=$(sed -n 's/^timeout=\([0-9][0-9]*\)$/\1/p' "$dir/settings" 2>/dev/null)
# churn_test runs OSM_CHURN_SECONDS instead of its counts when set.
case ${OSM_CHURN_SECONDS:-} in
''|*[!0-9]*) ;;
*) [ -n "$limit" ] && limit=$((limit + OSM_CHURN_SECONDS)) ;;
esac
run=
if [ -n "$limit" ] && timeout -s KILL 5 true 2>/dev/null; then
	run="timeout -s KILL $limit"
fi

# field NAME LINE: the number after " NAME:" in a Totals line (0 if none).
field() {
	v=$(echo "$2" | sed -n "s/.* $1:\([0-9][0-9]*\).*/\1/p")
	echo "${v:-0}"
}

total=0
for p in $progs; do
	total=$((total + 1))
done

echo "TAP version 13"
echo "1..$total"

passed=0 failed=0 skipped=0 n=0
for p in $progs; do
	n=$((n + 1))
	name=${p##*/}
	echo "# selftests: osmosis: $name"
	if [ ! -x "$p" ]; then
		echo "# $name: not found or not executable"
		echo "not ok $n selftests: osmosis: $name # missing"
		failed=$((failed + 1))
		continue
	fi
	$run "$p" >"$log" 2>&1
	rc=$?
	[ -n "$run" ] && [ "$rc" -eq 137 ] &&
		echo "killed after ${limit}s" >>"$log"
	sed 's/^/# /' "$log"
	totals=$(grep '^# Totals: ' "$log" | tail -n 1)
	if [ -z "$totals" ]; then
		echo "# $name: exit code $rc and no Totals line"
		echo "not ok $n selftests: osmosis: $name # exit=$rc"
		failed=$((failed + 1))
		continue
	fi
	pass=$(field pass "$totals")
	fail=$(field fail "$totals")
	xfail=$(field xfail "$totals")
	xpass=$(field xpass "$totals")
	skip=$(field skip "$totals")
	error=$(field error "$totals")
	passed=$((passed + pass + xfail + xpass))
	skipped=$((skip + skipped))
	bad=$((fail + error))
	# Died after its Totals line, or exit code and Totals disagree.
	case $rc in
	0|4) ;;
	*) [ "$bad" -eq 0 ] && bad=1 ;;
	esac
	failed=$((failed + bad))
	if [ "$bad" -ne 0 ]; then
		echo "not ok $n selftests: osmosis: $name # exit=$rc"
	elif [ "$rc" -eq 4 ]; then
		echo "ok $n selftests: osmosis: $name # SKIP"
	else
		echo "ok $n selftests: osmosis: $name"
	fi
done

echo "osmosis-selftests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && exit 0
exit 1
