#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# CLI tests of osm on saved graphs: exit codes, text, JSON validity and
# content.  Usage: tests/run.sh [path-to-osm]    (output is TAP)

OSM=${1:-./osm}
HERE=$(cd "$(dirname "$0")" && pwd)
FIX=$HERE/../../libosm-user/tests
GOOD=$FIX/good.graph
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

n=0
fails=0

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

not_ok() {
	n=$((n + 1))
	fails=$((fails + 1))
	echo "not ok $n - $1"
	sed 's/^/#   /' "$TMP/out" "$TMP/err" 2>/dev/null | head -20
}

# expect RC DESC ARGS...: run osm, compare the exit code.
expect() {
	want=$1 desc=$2
	shift 2
	"$OSM" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ "$rc" -eq "$want" ]; then ok "$desc"; else
		echo "# exit $rc, wanted $want: osm $*" >>"$TMP/err"
		not_ok "$desc"
	fi
}

# Checks on the last run's output.
out_has() {
	if grep -q -- "$2" "$TMP/out"; then ok "$1"; else not_ok "$1"; fi
}

err_has() {
	if grep -q -- "$2" "$TMP/err"; then ok "$1"; else not_ok "$1"; fi
}

# out_is DESC FILE: the output is FILE, byte for byte.
out_is() {
	if cmp -s "$TMP/out" "$2"; then ok "$1"; else not_ok "$1"; fi
}

out_empty() {
	if [ ! -s "$TMP/out" ]; then ok "$1"; else not_ok "$1"; fi
}

json_valid() {
	if python3 -m json.tool "$TMP/out" >/dev/null 2>>"$TMP/err"; then
		ok "$1"
	else
		not_ok "$1"
	fi
}

# json_check DESC PYTHON-EXPR: the expression, over j = the output, holds.
json_check() {
	if python3 -c "
import json, sys
j = json.load(open(sys.argv[1]))
sys.exit(0 if ($2) else 1)" "$TMP/out" 2>>"$TMP/err"; then
		ok "$1"
	else
		echo "# failed: $2" >>"$TMP/err"
		not_ok "$1"
	fi
}

echo "# osm: $OSM, fixtures: $FIX"

# --- help at every level, usage errors -----------------------------------
expect 0 "--help" --help
out_has "--help shows usage" "Usage: osm"
expect 0 "help" help
expect 0 "-h" -h
expect 0 "-j help prints null" -j help
json_check "-j help is JSON null" "j is None"
expect 1 "no arguments" 
err_has "no arguments: Error on stderr" "^Error: "
expect 1 "unknown object" frobnicate
err_has "unknown object: Error on stderr" "^Error: unknown command"
out_empty "unknown object: nothing on stdout"
expect 1 "-j unknown object" -j frobnicate
json_check "-j error is {\"error\": ...} on stdout" "'error' in j"
expect 1 "unknown global option" --frobnicate
expect 0 "version" version
out_has "version names libosm" "libosm 0.1.0"
expect 0 "-V" -V
expect 0 "-j version" -j version
json_check "-j version" "j['version'] == '0.1.0' and j['graph_major'] == 1"
for obj in api graph query; do
	expect 0 "$obj help" $obj help
	out_has "$obj help: usage" "Usage: osm $obj"
	expect 0 "$obj --help" $obj --help
	expect 0 "$obj -h" $obj -h
done
expect 0 "g h (prefixes)" g h
out_has "g h shows graph help" "Usage: osm graph"
expect 0 "graph show --help" graph show --help
expect 0 "query shared help" query shared help
out_has "query shared help: usage" "Usage: osm query"
expect 1 "query without command" query
expect 1 "graph bogus verb" graph frobnicate
expect 1 "graph show extra arg" graph show extra --file "$GOOD"
err_has "extra arg: what is" "what is 'extra'"
expect 1 "graph show --file without value" graph show --file
expect 1 "graph show unknown option" graph show --frob --file "$GOOD"
expect 1 "api extra arg" api show extra

# --- graph ------------------------------------------------------------------
expect 0 "graph show --file" graph show --file "$GOOD"
out_has "show: counts" "26 nodes, 34 edges"
out_has "show: a node" "thread:101 .* comm=sshd-worker"
out_has "show: an edge" "files:bbbbbbbbbbbbbbbb *map *file:f00000000000000f fd=0 mode=rw"
cp "$TMP/out" "$TMP/show"
expect 0 "graph --file (show is the default)" graph --file "$GOOD"
out_is "default verb is show" "$TMP/show"
expect 0 "g s --file=F (prefix, = form)" g s --file="$GOOD"
out_is "g s is graph show" "$TMP/show"

expect 0 "-j graph show" -j graph show --file "$GOOD"
json_valid "-j graph show is valid JSON"
json_check "-j graph show: layout" \
	"j['version'] == '1.0' and j['header']['view'] == 'full' and len(j['nodes']) == 26 and len(j['edges']) == 34"
json_check "-j graph show: node" \
	"j['nodes'][6] == {'id': 'thread:101', 'type': 'thread', 'class': 'pd', 'attrs': {'tid': '101', 'tgid': '100', 'comm': 'sshd-worker'}}"
json_check "-j graph show: edge" \
	"j['edges'][11] == {'src': 'files:aaaaaaaaaaaaaaaa', 'kind': 'map', 'dst': 'file:f00000000000000f', 'attrs': {'fd': '0', 'mode': 'rw'}}"
expect 0 "-p graph show" -p graph show --file "$GOOD"
json_valid "-p graph show is valid JSON"
json_check "-p and -j agree" "len(j['nodes']) == 26"

expect 0 "-j graph show escaped values" -j graph show --file "$FIX/escaped.graph"
json_valid "escaped: valid JSON"
json_check "escaped: control and non-UTF-8 bytes survive" \
	"[n for n in j['nodes'] if n['id'] == 'inode:0:2:99'][0]['attrs']['path'] == '/tmp/caf\u00e9\\\\dir/a=b\nline\u00ff' and j['nodes'][0]['attrs']['comm'] == 'my prog\tx' and j['header']['note'] == 'a b'"
if python3 -c "import sys; sys.stdin.buffer.read().decode('utf-8')" <"$TMP/out"; then
	ok "escaped: JSON output is UTF-8"
else
	not_ok "escaped: JSON output is UTF-8"
fi
expect 0 "graph show escaped values as text" graph show --file "$FIX/escaped.graph"
out_has "text re-escapes values" 'path=/tmp/caf\\xc3\\xa9\\x5cdir/a=b\\x0aline\\xff'

expect 0 "-j graph show unknown records" -j graph show --file "$FIX/unknown.graph"
json_check "unknown: minor 7, unknown types kept" \
	"j['version'] == '1.7' and [n['class'] for n in j['nodes'] if n['type'] == 'widget'] == ['blob']"

expect 0 "graph dump" graph dump --file "$GOOD"
out_is "dump is byte-identical" "$GOOD"
expect 0 "graph dump of a cut-short graph" graph dump --file "$FIX/missing-end.graph"
expect 1 "-j graph dump" -j graph dump --file "$GOOD"
json_check "-j graph dump: JSON error" "'error' in j"

expect 0 "graph dot" graph dot --file "$GOOD"
out_has "dot: digraph" "^digraph osmosis {"
out_has "dot: an edge" '"thread:1" -> "mm:1111111111111111"'
if command -v dot >/dev/null 2>&1; then
	if dot -Tsvg "$TMP/out" >/dev/null 2>&1; then ok "dot accepts it"; else not_ok "dot accepts it"; fi
fi
expect 0 "graph dot escaped" graph dot --file "$FIX/escaped.graph"
expect 1 "-j graph dot" -j graph dot --file "$GOOD"

expect 0 "graph stats" graph stats --file "$GOOD"
out_has "stats: totals" "26 nodes: 9 pd, 17 res"
expect 0 "-j graph stats" -j graph stats --file "$GOOD"
json_check "-j graph stats" \
	"j['nodes'] == 26 and j['edges'] == 34 and j['pds'] == 9 and j['node_types']['thread'] == 5 and j['edge_kinds']['hold'] == 19"

# --- bad graphs -------------------------------------------------------------
expect 1 "missing end" graph show --file "$FIX/missing-end.graph"
err_has "missing end: message" "cut short"
expect 1 "unknown major" graph show --file "$FIX/unknown-major.graph"
err_has "unknown major: message" "graph format 2.0 is not supported"
expect 1 "bad end counts" graph stats --file "$FIX/bad-count.graph"
err_has "bad end counts: message" "malformed graph"
expect 1 "edge to undeclared node" graph show --file "$FIX/undeclared-edge.graph"
expect 1 "no such file" graph show --file "$TMP/nope.graph"
err_has "no such file: message" "No such file"
expect 1 "-j bad graph" -j graph show --file "$FIX/missing-end.graph"
json_check "-j bad graph: JSON error only" "list(j) == ['error']"
if [ ! -e /dev/osmosis ]; then
	expect 1 "no device: graph" graph
	err_has "no device: hint" "module loaded"
	expect 1 "no device: api" api
	expect 1 "-j no device: api" -j api
	json_check "-j no device: api JSON error" "'error' in j"
else
	expect 0 "api" api
	expect 0 "-j api" -j api
	json_check "-j api" "j['api_major'] == 1 and 'graph_read' in j['features']"
	expect 0 "graph from the device" -j graph show
	json_valid "graph from the device: valid JSON"
fi

# --- queries ----------------------------------------------------------------
expect 0 "query shared 100" query shared 100 --file "$GOOD"
out_has "shared: heading" "process:100 (sshd) shares resources with 3 PDs"
out_has "shared: a group" "process:1 (init): 5 shared"
expect 0 "-j query shared 100" -j query shared 100 --file "$GOOD"
json_check "-j shared: groups and counts" \
	"j['pd'] == 'process:100' and j['count'] == 3 and [(s['pd'], s['count']) for s in j['shares']] == [('kernel:0', 2), ('process:1', 5), ('process:200', 2)]"
json_check "-j shared: resources" \
	"[r['id'] for r in j['shares'][2]['resources']] == ['mnt_ns:4026531841', 'inode:0:2:17'] and j['shares'][2]['resources'][1] == {'id': 'inode:0:2:17', 'type': 'inode', 'label': '/bin/busybox'}"
expect 0 "-j q s thread:101 (prefixes)" -j q s thread:101 --file "$GOOD"
json_check "thread: own process left out" \
	"[s['pd'] for s in j['shares']] == ['kernel:0', 'process:1', 'process:200']"
expect 0 "-j shared --types" -j query shared 100 --types net_ns,mnt_ns --file "$GOOD"
json_check "shared --types filters" \
	"[(s['pd'], s['count']) for s in j['shares']] == [('kernel:0', 2), ('process:1', 2), ('process:200', 1)]"
expect 0 "-j shared kernel" -j query shared kernel --types=net_ns --file "$GOOD"
json_check "kernel: kthreads fold into kernel:0" \
	"j['pd'] == 'kernel:0' and [s['pd'] for s in j['shares']] == ['process:1', 'process:100']"
expect 0 "-j shared with nothing shared" -j query shared 200 --types net_ns --file "$GOOD"
json_check "nothing shared: empty list" "j['count'] == 0 and j['shares'] == []"
expect 0 "-j shared, unknown PD type" -j query shared 5 --file "$FIX/unknown.graph"
json_check "unknown PD and resource types" \
	"[(s['pd'], s['resources'][0]['type']) for s in j['shares']] == [('sandbox:1', 'io')]"

expect 0 "query reachable" query reachable thread:200 --types vma,inode --file "$GOOD"
out_has "reachable: heading" "thread:200 (sh) reaches 3 resources"
expect 0 "-j q r kernel" -j q r kernel --file "$GOOD"
json_check "-j reachable kernel" \
	"j['count'] == 2 and [r['id'] for r in j['resources']] == ['mnt_ns:4026531841', 'net_ns:4026531840']"
expect 0 "-p query reachable 100" -p query reachable 100 --file "$GOOD"
json_check "-p reachable 100" "j['count'] == 8 and j['label'] == 'sshd'"

expect 1 "query shared: missing PD" query shared --file "$GOOD"
expect 1 "query shared: no such PD" query shared 999 --file "$GOOD"
err_has "no such PD: message" "no node 'process:999'"
expect 1 "query shared: a resource" query shared mm:1111111111111111 --file "$GOOD"
err_has "resource: message" "not a protection domain"
expect 1 "query shared: unknown type" query shared 100 --types netns --file "$GOOD"
err_has "unknown type: message" "unknown resource type 'netns'"
expect 1 "query shared: empty types" query shared 100 --types , --file "$GOOD"
expect 1 "query shared: two PDs" query shared 100 200 --file "$GOOD"
expect 1 "query shared: bad option" query shared 100 --bogus --file "$GOOD"
expect 1 "query bogus verb" query frobnicate 100
expect 1 "-j query error" -j query shared 999 --file "$GOOD"
json_check "-j query error is JSON" "'error' in j"
expect 1 "query on a bad graph" query shared 100 --file "$FIX/unknown-major.graph"

echo "1..$n"
[ "$fails" -eq 0 ] || { echo "# $fails of $n failed"; exit 1; }
echo "# all $n passed"
