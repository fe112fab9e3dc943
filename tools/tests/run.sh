#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# CLI tests of osm on saved graphs: exit codes, text, JSON validity and
# content.  Usage: tests/run.sh [path-to-osm]    (output is TAP)

OSM=${1:-./osm}
HERE=$(cd "$(dirname "$0")" && pwd)
FIX=$HERE/../../libosm-user/tests
GOOD=$FIX/good.graph
VERSION=$(cat "$HERE/../../VERSION")
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

# py_check DESC SETUP EXPR ARGS...: after the python3 statements SETUP,
# EXPR holds; sys.argv[1:] is ARGS.
py_check() {
	desc=$1 setup=$2 expr=$3
	shift 3
	if python3 -c "
import csv, json, os, sys, xml.etree.ElementTree as E
$setup
sys.exit(0 if ($expr) else 1)" "$@" 2>>"$TMP/err"; then
		ok "$desc"
	else
		echo "# failed: $expr" >>"$TMP/err"
		not_ok "$desc"
	fi
}

# json_check DESC PYTHON-EXPR: the expression, over j = the output, holds.
json_check() {
	py_check "$1" "j = json.load(open(sys.argv[1]))" "$2" "$TMP/out"
}

# xml_check DESC PYTHON-EXPR: over the GraphML output: nodes, edges (the
# elements), keys ({id: element}), data(el) ({key: text} of an element).
xml_check() {
	py_check "$1" "
ns = '{http://graphml.graphdrawing.org/xmlns}'
x = E.parse(sys.argv[1]).getroot()
g = x.find(ns + 'graph')
nodes, edges = g.findall(ns + 'node'), g.findall(ns + 'edge')
keys = {k.get('id'): k for k in x.findall(ns + 'key')}
data = lambda el: {d.get('key'): d.text or '' for d in el.findall(ns + 'data')}
node = lambda id: data([n for n in nodes if n.get('id') == id][0])" \
		"$2" "$TMP/out"
}

# csv_check DESC DIR PYTHON-EXPR: over DIR/nodes.csv and DIR/edges.csv
# read by the csv module: nodes, edges (lists of rows, header first) and
# node(id) ({column: value} of a row).
csv_check() {
	py_check "$1" "
rd = lambda n: list(csv.reader(open(sys.argv[1] + '/' + n, newline='', encoding='utf-8')))
nodes, edges = rd('nodes.csv'), rd('edges.csv')
node = lambda id: dict(zip(nodes[0], [r for r in nodes if r[0] == id][0]))" \
		"$3" "$2"
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
out_has "version names osm" "^osm v$VERSION "
out_has "version names libosm" "libosm $VERSION"
expect 0 "-V" -V
expect 0 "-j version" -j version
json_check "-j version" "j['version'] == '$VERSION' and j['graph_major'] == 1"
for obj in api graph query spawn; do
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

# --- graph graphml, graph neo4j --------------------------------------------
# Markup and CSV characters in a value: the fixture with another comm.
SPECIAL="a&b<c>\"d'e,f"
export SPECIAL
sed "s/comm=sshd-worker/comm=a\\&b<c>\"d'e,f/" "$GOOD" >"$TMP/special.graph"

expect 0 "graph graphml" graph graphml --file "$GOOD"
if python3 -c 'import xml.etree.ElementTree as E,sys; E.parse(sys.argv[1])' \
	"$TMP/out" 2>>"$TMP/err"; then
	ok "graphml parses"
else
	not_ok "graphml parses"
fi
xml_check "graphml: GraphML, directed, 26 nodes and 34 edges" \
	"x.tag == ns + 'graphml' and g.get('edgedefault') == 'directed' and len(nodes) == 26 and len(edges) == 34"
xml_check "graphml: every data key declared for its element" \
	"all(keys[k].get('for') == 'node' for n in nodes for k in data(n)) and all(keys[k].get('for') == 'edge' for e in edges for k in data(e))"
xml_check "graphml: keys are string attributes with n_/e_ ids" \
	"all(k.get('attr.type') == 'string' for k in keys.values()) and keys['n_comm'].get('attr.name') == 'comm' and keys['e_fd'].get('for') == 'edge' and {'type', 'class', 'kind'} <= set(keys)"
xml_check "graphml: a node" \
	"node('thread:101') == {'type': 'thread', 'class': 'pd', 'n_tid': '101', 'n_tgid': '100', 'n_comm': 'sshd-worker'}"
xml_check "graphml: an edge" \
	"[data(e) for e in edges if e.get('source') == 'files:aaaaaaaaaaaaaaaa' and e.get('target') == 'file:f00000000000000f'] == [{'kind': 'map', 'e_fd': '0', 'e_mode': 'rw'}]"
expect 0 "graph graphml, markup characters" graph graphml --file "$TMP/special.graph"
xml_check "graphml: markup characters round-trip" \
	"node('thread:101')['n_comm'] == os.environ['SPECIAL']"
expect 0 "graph graphml, escaped values" graph graphml --file "$FIX/escaped.graph"
xml_check "graphml: tab, newline kept; invalid UTF-8 and backslash as \\xHH" \
	"node('inode:0:2:99')['n_path'] == '/tmp/caf\u00e9\\\\x5cdir/a=b\nline\\\\xff' and node('thread:7')['n_comm'] == 'my prog\tx'"
expect 0 "graph graphml, unknown records" graph graphml --file "$FIX/unknown.graph"
xml_check "graphml: unknown classes and kinds kept" \
	"node('widget:9')['class'] == 'blob' and [data(e)['kind'] for e in edges][2] == 'entangle'"
expect 1 "-j graph graphml" -j graph graphml --file "$GOOD"
json_check "-j graph graphml: JSON error" "'error' in j"

expect 0 "graph neo4j" graph neo4j --dir "$TMP/neo" --file "$GOOD"
out_has "neo4j: summary" "^wrote $TMP/neo/nodes.csv and $TMP/neo/edges.csv: 26 nodes, 34 edges$"
csv_check "neo4j: one row per node and edge" "$TMP/neo" \
	"len(nodes) == 27 and len(edges) == 35"
csv_check "neo4j: every row as wide as its header" "$TMP/neo" \
	"all(len(r) == len(nodes[0]) for r in nodes) and all(len(r) == len(edges[0]) for r in edges)"
csv_check "neo4j: headers" "$TMP/neo" \
	"nodes[0][:4] == ['id:ID', 'type', 'class', ':LABEL'] and 'comm' in nodes[0] and edges[0] == [':START_ID', ':END_ID', ':TYPE', 'mode', 'fd']"
csv_check "neo4j: a PD and a resource, an absent attribute empty" "$TMP/neo" \
	"node('thread:101')[':LABEL'] == 'PD;Thread' and node('thread:101')['comm'] == 'sshd-worker' and node('thread:101')['pid'] == '' and node('net_ns:4026531840')[':LABEL'] == 'Resource;NetNs'"
csv_check "neo4j: the cgroup's id attribute is attr_id" "$TMP/neo" \
	"node('cgroup:1')['attr_id'] == '1' and nodes[0].count('id') == 0"
csv_check "neo4j: relationship types" "$TMP/neo" \
	"['files:aaaaaaaaaaaaaaaa', 'file:f00000000000000f', 'MAP', 'rw', '0'] in edges and sorted(set(e[2] for e in edges[1:])) == ['HOLD', 'MAP', 'MEMBER', 'SUBSET']"
expect 0 "-j graph neo4j, markup and CSV characters" \
	-j graph neo4j --dir "$TMP/neo" --file "$TMP/special.graph"
json_check "-j graph neo4j: files and counts" \
	"j == {'nodes_csv': '$TMP/neo/nodes.csv', 'edges_csv': '$TMP/neo/edges.csv', 'nodes': 26, 'edges': 34}"
csv_check "neo4j: comma and quote round-trip" "$TMP/neo" \
	"node('thread:101')['comm'] == os.environ['SPECIAL']"
if grep -q '"a&b<c>""d'"'"'e,f"' "$TMP/neo/nodes.csv"; then
	ok "neo4j: RFC 4180 quoting"
else
	not_ok "neo4j: RFC 4180 quoting"
fi
expect 0 "graph neo4j, escaped values" graph neo4j --dir "$TMP/neo/esc" --file "$FIX/escaped.graph"
csv_check "neo4j: newline and tab kept; invalid UTF-8 and backslash as \\xHH" "$TMP/neo/esc" \
	"node('inode:0:2:99')['path'] == '/tmp/caf\u00e9\\\\x5cdir/a=b\nline\\\\xff' and node('process:7')['comm'] == 'my prog\tx' and len(nodes) == 6"
expect 1 "graph neo4j without --dir" graph neo4j --file "$GOOD"
err_has "neo4j without --dir: message" "needs --dir"
: >"$TMP/plain"
expect 1 "graph neo4j --dir on a file" graph neo4j --dir "$TMP/plain/sub" --file "$GOOD"
err_has "neo4j --dir on a file: message" "cannot create directory .*Not a directory"
mkdir -p "$TMP/neo/blocked/nodes.csv"
expect 1 "graph neo4j, nodes.csv not writable" graph neo4j --dir "$TMP/neo/blocked" --file "$GOOD"
err_has "neo4j not writable: message" "cannot write .*nodes.csv"
expect 1 "-j graph neo4j error" -j graph neo4j --dir "$TMP/plain" --file "$GOOD"
json_check "-j graph neo4j error: JSON error only" "list(j) == ['error']"
expect 1 "graph show --dir" graph show --dir "$TMP/neo" --file "$GOOD"

# --- exports byte for byte -------------------------------------------------
# golden/ holds the outputs of the writers of one fprintf/putc per
# character, before they copied runs of plain bytes at once; synth.graph
# (tools/tests/gen_graph.py --procs 6 --threads 2 --vmas 3 --files 4
# --seed 3) has values to escape in every format.
GOLD=$HERE/golden
for g in "$FIX/good.graph" "$FIX/escaped.graph" "$FIX/unknown.graph" \
	"$FIX/control.graph" "$FIX/servers.graph" "$HERE/synth.graph"; do
	b=$(basename "$g" .graph)
	expect 0 "$b: -j graph show" -j graph show --file "$g"
	out_is "$b: -j graph show is as before" "$GOLD/$b.json"
	expect 0 "$b: graph show" graph show --file "$g"
	out_is "$b: graph show is as before" "$GOLD/$b.txt"
	expect 0 "$b: graph dot" graph dot --file "$g"
	out_is "$b: graph dot is as before" "$GOLD/$b.dot"
	expect 0 "$b: graph graphml" graph graphml --file "$g"
	out_is "$b: graph graphml is as before" "$GOLD/$b.graphml"
	expect 0 "$b: graph neo4j" graph neo4j --dir "$TMP/gold-$b" --file "$g"
	if cmp -s "$TMP/gold-$b/nodes.csv" "$GOLD/$b.nodes.csv" &&
	   cmp -s "$TMP/gold-$b/edges.csv" "$GOLD/$b.edges.csv"; then
		ok "$b: graph neo4j is as before"
	else
		not_ok "$b: graph neo4j is as before"
	fi
done
expect 0 "good: -p graph show" -p graph show --file "$GOOD"
out_is "good: -p graph show is as before" "$GOLD/good.pretty.json"

# DOT took descriptors with atoi(): 2^32 came out as -1.
sed 's/ fd=4 / fd=4294967296 /; s/ fd=5 / fd=x5 /' "$FIX/servers.graph" >"$TMP/bigfd.graph"
expect 0 "graph dot, fd beyond int" graph dot --file "$TMP/bigfd.graph"
out_has "dot: fd 2^32 as it is" 'taillabel="fd 4294967296 rw"'
out_has "dot: an fd that is no number as it is" 'taillabel="fd x5 rw"'
out_has "dot: small fd" 'taillabel="fd 3 r"'

# --- bad graphs -------------------------------------------------------------
expect 1 "missing end" graph show --file "$FIX/missing-end.graph"
err_has "missing end: message" "cut short"
expect 1 "unknown major" graph show --file "$FIX/unknown-major.graph"
err_has "unknown major: message" "line 1: unknown major version 2"
expect 1 "bad end counts" graph stats --file "$FIX/bad-count.graph"
err_has "bad end counts: message" "malformed graph"
expect 1 "edge to undeclared node" graph show --file "$FIX/undeclared-edge.graph"
err_has "edge to undeclared node: line and id" "line 7: edge to undeclared node 'mm:9999999999999999'"
expect 1 "not a graph" graph stats --file /dev/zero
err_has "not a graph: refused at line 1" "/dev/zero: malformed graph: line 1: NUL byte"
OSM_MAX_SIZE=100 expect 1 "OSM_MAX_SIZE below the graph" graph stats --file "$GOOD"
err_has "OSM_MAX_SIZE: message" "larger than 100 (raise OSM_MAX_SIZE)"
OSM_MAX_SIZE=1G expect 0 "OSM_MAX_SIZE=1G" graph stats --file "$GOOD"
OSM_MAX_SIZE=max expect 0 "OSM_MAX_SIZE=max" graph stats --file "$GOOD"
OSM_MAX_SIZE=lots expect 1 "OSM_MAX_SIZE not a size" graph stats --file "$GOOD"
err_has "OSM_MAX_SIZE not a size: message" "OSM_MAX_SIZE='lots' is not a size"
expect 1 "no such file" graph show --file "$TMP/nope.graph"
err_has "no such file: message" "No such file"
expect 1 "-j bad graph" -j graph show --file "$FIX/missing-end.graph"
json_check "-j bad graph: JSON error only" "list(j) == ['error']"
if [ ! -e /dev/osmosis ]; then
	expect 1 "no device: graph --backend module" graph --backend module
	# Which fix depends on the host: load, install, or no module support.
	err_has "no device: hint" 'modprobe osmosis\|CONFIG_MODULES=y'
	# Without capabilities (so not bpf either, and no BPF program is
	# loaded on the machine that runs these tests).
	if setpriv --bounding-set=-all "$OSM" -v graph stats >"$TMP/out" \
		2>"$TMP/err"; then
		ok "no device, no capabilities: graph falls back to procfs"
	else
		not_ok "no device, no capabilities: graph falls back to procfs"
	fi
	err_has "no device: -v names the backend" "backend procfs"
	expect 1 "no device: api" api
	err_has "no device: api hint" 'modprobe osmosis\|CONFIG_MODULES=y'
	expect 1 "-j no device: api" -j api
	json_check "-j no device: api JSON error" "'error' in j"
else
	expect 0 "api" api
	expect 0 "-j api" -j api
	json_check "-j api" "j['api_major'] == 1 and 'graph_read' in j['features']"
	expect 0 "graph from the device" -j graph show
	json_valid "graph from the device: valid JSON"
fi

# --- spawn: --explain and argument errors (running needs the module) ------
expect 0 "spawn --explain (process)" spawn --explain -- true
out_has "explain: preset" "^preset  *process$"
out_has "explain: mm copied" "^mm  *copy$"
out_has "explain: sysvsem new" "^sysvsem  *new$"
out_has "explain: net shared" "^net  *share$"
out_has "explain: command" "^command  *true$"
expect 0 "-j spawn container, net shared, --mem" \
	-j spawn --preset container --share net --mem 64M --explain -- sh -c 'exit 3'
json_check "container: namespaces" \
	"j['preset'] == 'container' and j['modes']['net'] == 'share' and all(j['modes'][n] == 'new' for n in ['user', 'pid', 'mnt', 'uts', 'ipc', 'cgroupns']) and j['modes']['time'] == 'share'"
json_check "container: --mem makes a new cgroup" \
	"j['modes']['cgroup'] == 'new' and j['memory_max'] == 67108864 and j['pids_max'] == 'max' and 'cgroup_parent' not in j"
json_check "container: argv and no_new_privs" \
	"j['argv'] == ['sh', '-c', 'exit 3'] and j['no_new_privs'] is False"
expect 0 "-j spawn sandbox --explain" -j spawn --preset sandbox --explain -- x
json_check "sandbox: no_new_privs" "j['no_new_privs'] is True and j['modes']['net'] == 'new'"
expect 0 "-j spawn pir, --pids, --cgroup-parent, --join, --new" \
	-j spawn --preset pir --pids 10 --cgroup-parent /sys/fs/cgroup/d \
	--join net=1 --new uts,ipc --copy fs --share sysvsem --explain -- x
json_check "pir: limits, parent, join, lists" \
	"j['pids_max'] == 10 and j['memory_max'] == 'max' and j['cgroup_parent'] == '/sys/fs/cgroup/d' and j['join'] == {'net': 1} and j['modes']['net'] == 'join' and j['modes']['uts'] == j['modes']['ipc'] == 'new' and j['modes']['sysvsem'] == 'share'"
expect 0 "spawn --explain --no-new-privs" spawn --no-new-privs --explain -- x
out_has "--no-new-privs" "^no_new_privs  *yes$"
expect 1 "spawn without a command" spawn --preset process
err_has "no command: message" "no command"
expect 1 "spawn -- without a command" spawn --
expect 1 "spawn: command without --" spawn true
err_has "command without --: message" "what is 'true'"
expect 1 "spawn: unknown preset" spawn --preset nope -- x
err_has "unknown preset: message" "unknown preset 'nope'"
expect 1 "spawn: function preset" spawn --preset thread -- x
err_has "function preset: message" "preset 'thread' runs a function, not a program"
expect 1 "spawn: tis preset" spawn --preset tis -- x
expect 1 "spawn: unknown resource" spawn --new netns -- x
err_has "unknown resource: message" "unknown resource 'netns'"
expect 1 "spawn: empty resource list" spawn --share '' -- x
expect 1 "spawn: bad --mem" spawn --mem 12Q -- x
err_has "bad --mem: message" "bad size '12Q'"
expect 1 "spawn: --mem 0" spawn --mem 0 -- x
expect 1 "spawn: --pids too many" spawn --pids 9999999 -- x
expect 1 "spawn: --join without =" spawn --join net -- x
expect 1 "spawn: --join a resource" spawn --join mm=1 -- x
err_has "--join mm: message" "'mm' is not a namespace"
expect 1 "spawn: --join bad pid" spawn --join net=abc -- x
expect 1 "spawn: option without value" spawn --mem
err_has "option without value: message" "needs a value"
expect 1 "spawn: unknown option" spawn --frob x -- x
expect 1 "spawn: --share mm" spawn --share mm -- x
err_has "--share mm: message" "cannot share the caller's mm"
expect 1 "spawn: --share files" spawn --share files -- x
err_has "--share files: message" "sighand or files"
expect 1 "-j spawn error" -j spawn --preset nope -- x
json_check "-j spawn error is JSON" "'error' in j"
if [ ! -e /dev/osmosis ]; then
	expect 1 "no device: spawn" spawn -- true
	err_has "no device: spawn hint" "modprobe osmosis\\|CONFIG_MODULES\\|devtmpfs"
fi

# --- queries ----------------------------------------------------------------
expect 0 "query shared 100" query shared 100 --file "$GOOD"
out_has "shared: heading" "process:100 (sshd) shares resources with 3 PDs"
out_has "shared: a group" "process:1 (init): 5 shared"
expect 0 "-j query shared 100" -j query shared 100 --file "$GOOD"
json_check "-j shared: groups and counts" \
	"j['pd'] == 'process:100' and j['count'] == 3 and [(s['pd'], s['count']) for s in j['shares']] == [('kernel:0', 2), ('process:1', 5), ('process:200', 2)]"
json_check "-j shared: resources" \
	"[r['id'] for r in j['shares'][2]['resources']] == ['mnt_ns:4026531841', 'inode:0:2:17'] and j['shares'][2]['resources'][1] == {'id': 'inode:0:2:17', 'type': 'inode', 'label': '/bin/busybox', 'mine': 'r', 'theirs': 'r'}"
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

CTL=$FIX/control.graph
expect 0 "query control 100" query control 100 --ptrace-scope 0 --file "$CTL"
out_has "control: heading" "process:100 (p100) can be controlled by 9 PDs (ptrace_scope 0)"
out_has "control: by rule" "^tracer: 1"
expect 0 "-j query control 110 scope 1" -j query control 110 --ptrace-scope=1 --file "$CTL"
json_check "-j control: rules per PD" \
	"j['count'] == 8 and j['ptrace_scope'] == 1 and [(c['pd'], c['rules']) for c in j['controllers']] == [('process:1', ['signal', 'ptrace']), ('process:100', ['parent', 'signal', 'ptrace']), ('process:200', ['signal']), ('process:210', ['signal']), ('process:300', ['signal']), ('process:400', ['ptrace']), ('process:800', ['signal']), ('process:820', ['signal'])]"
expect 0 "-j q control --threads" -j q control process:800 --threads --ptrace-scope 0 --file "$CTL"
json_check "control --threads: threads" \
	"[c['pd'] for c in j['controllers']][:3] == ['thread:1', 'thread:100', 'thread:101'] and j['controllers'][0]['type'] == 'thread'"
expect 1 "control: bad --ptrace-scope" query control 100 --ptrace-scope 4 --file "$CTL"
err_has "bad --ptrace-scope: message" "0, 1, 2 or 3"
expect 1 "control: --types refused" query control 100 --types mm --file "$CTL"
expect 0 "-j control kernel" -j query control kernel --file "$CTL"
json_check "control kernel: none" "j['count'] == 0 and j['controllers'] == []"

SERVERS=$FIX/servers.graph
expect 0 "query servers 1" query servers 1 --file "$SERVERS"
out_has "servers: heading" "process:1 (client) is served by 2 PDs besides the kernel"
out_has "servers: the FUSE daemon" "process:2 (sshfs): 1 channels"
expect 0 "-j query servers 1" -j query servers 1 --file "$SERVERS"
json_check "-j servers: who and what" \
	"[(s['pd'], [r['id'] for r in s['resources']]) for s in j['servers']] == [('process:1', ['uffd:00000000000000aa']), ('process:2', ['fuse:0:40'])]"
expect 0 "-j servers --types fuse" -j query servers 1 --types fuse --file "$SERVERS"
json_check "servers --types filters channels" \
	"[s['pd'] for s in j['servers']] == ['process:2']"
expect 0 "-j servers of the daemon" -j query servers 2 --file "$SERVERS"
json_check "servers: the kernel serves the daemon" "j['count'] == 0 and j['servers'] == []"
expect 0 "-j shared: channels are not shared" -j query shared 1 --file "$SERVERS"
json_check "servers: no shares" "j['count'] == 0"

# Graph 1.6: a spawned PD's record, its preset, and compare naming it.
SPAWNED=$TMP/spawned.graph
cat >"$SPAWNED" <<'GRAPH'
osmosis-graph 1.6 epoch=1 pid_ns=4026531836 view=full
node process:5 pd pid=5 ppid=1 comm=sh
node process:6 pd pid=6 ppid=5 comm=box spawn=ccccnsssnnnnnnns spawn_nnp=1
node process:7 pd pid=7 ppid=5 comm=app spawn=ccccnnssssssssss spawn_cgroup=77 spawn_cpu_max=50000/200000
node thread:5 pd tid=5 tgid=5 comm=sh
node thread:6 pd tid=6 tgid=6 comm=box
node thread:7 pd tid=7 tgid=7 comm=app
node net_ns:4026531840 res inum=4026531840
edge thread:5 member process:5
edge thread:6 member process:6
edge thread:7 member process:7
edge thread:5 hold net_ns:4026531840 mode=rw
edge thread:7 hold net_ns:4026531840 mode=rw
end nodes=7 edges=5
GRAPH
expect 0 "query spawn 6" query spawn 6 --file "$SPAWNED"
out_has "spawn: the preset" "process:6 (box) was spawned as sandbox"
out_has "spawn: a mode" "user       new"
expect 0 "query spawn 5" query spawn 5 --file "$SPAWNED"
out_has "spawn: no record" "process:5 (sh) was not made by osm spawn"
expect 0 "-j query spawn 7" -j query spawn 7 --file "$SPAWNED"
json_check "-j spawn: kind, modes, attrs" \
	"j['kind'] == 'pir' and j['modes']['cgroup'] == 'new' and j['modes']['net'] == 'share' and j['attrs'] == {'cgroup': '77', 'cpu_max': '50000/200000'}"
expect 0 "-j compare 5 7" -j compare 5 7 --file "$SPAWNED"
json_check "compare names the preset" \
	"j['a_spawn'] == '-' and j['b_spawn'] == 'pir' and j['shared_types'] == 1"

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


# The OSmosis queries on query.graph (answers worked out in test_query.c).
QG=$FIX/query.graph
expect 0 "tcb 200" tcb 200 --ptrace-scope 0 --file "$QG"
out_has "tcb: counts first" "process:200 (b): TCB of 2 PDs (2 share resources, 2 can control it, 1 serve it)"
out_has "tcb: by type" "inode      2 PDs, 4 resources"
out_has "tcb: why" "process:300 (c): shares 2; controls it (signal,ptrace); serves it through 1 channels;"
expect 0 "-j tcb 200" -j tcb 200 --file "$QG" --ptrace-scope=0
json_check "-j tcb: entries" \
	"j['count'] == 2 and j['query'] == 'tcb' and [(p['pd'], p['why'], p['rules'], [c['id'] for c in p['channels']]) for p in j['pds']] == [('process:100', ['shared', 'control'], ['parent'], []), ('process:300', ['shared', 'control', 'server'], ['signal', 'ptrace'], ['fuse:0:40'])] and j['pds'][0]['shared'][0] == {'id': 'inode:0:1:10', 'type': 'inode', 'mine': 'rw', 'theirs': 'rw', 'label': '/dev/shm/x'}"
expect 0 "query tcb: same under query" -j query tcb 200 --ptrace-scope 0 --file "$QG"
json_check "query tcb" "j['count'] == 2"
expect 0 "-j tcb --mode rw" -j tcb 200 --mode rw --ptrace-scope 0 --file "$QG"
json_check "tcb --mode rw: only writable" \
	"[r['id'] for r in j['pds'][0]['shared']] == ['inode:0:1:10']"
expect 0 "-j tcb thread granularity" -j tcb thread:100 --granularity thread --file "$QG"
json_check "tcb --granularity thread: the sibling thread" \
	"j['granularity'] == 'thread' and 'thread:101' in [p['pd'] for p in j['pds']] and len([p for p in j['pds'] if p['pd'] == 'thread:101'][0]['shared']) == 8"
expect 0 "-j tcb --threads" -j tcb thread:100 --threads --file "$QG"
json_check "--threads is thread granularity" "j['granularity'] == 'thread'"
expect 0 "ib 300" ib 300 --ptrace-scope 0 --file "$QG"
out_has "ib: heading" "impact boundary of 3 PDs"
expect 0 "-j ib 300" -j ib 300 --ptrace-scope 0 --file "$QG"
json_check "-j ib: PDs" \
	"j['query'] == 'ib' and [p['pd'] for p in j['pds']] == ['kernel:0', 'process:100', 'process:200'] and j['pds'][2]['rules'] == ['signal', 'ptrace']"
expect 0 "control as an object" -j control 200 --ptrace-scope 0 --file "$QG"
json_check "control: same as query control" \
	"[(c['pd'], c['rules']) for c in j['controllers']] == [('process:100', ['parent']), ('process:300', ['signal', 'ptrace'])]"
expect 0 "compare two threads" compare thread:100 thread:101 --file "$QG"
out_has "compare: counts first" "thread:100 (a) vs thread:101 (a): 6 of 7 resource types shared"
out_has "compare: isolated cred" "cred       0 of 1/1"
expect 0 "-j compare" -j compare 100 200 --file "$QG"
json_check "-j compare: per type" \
	"j['shared_types'] == 1 and j['count'] == 7 and [(t['type'], t['shared'], [n['id'] for n in t['nodes']]) for t in j['types'] if t['shared']] == [('inode', True, ['inode:0:1:10', 'inode:0:1:20'])]"
expect 0 "-j query compare --mode rw" -j query compare 100 200 --mode rw --file "$QG"
json_check "compare --mode rw" \
	"[len(t['nodes']) for t in j['types'] if t['type'] == 'inode'] == [1]"
expect 1 "compare: one PD" compare 100 --file "$QG"
expect 0 "holders net_ns:1" holders net_ns:1 --file "$QG"
out_has "holders: heading" "net_ns:1: 3 holders, 2 can write (granularity process)"
expect 0 "-j holders thread" -j holders net_ns:1 --granularity thread --file "$QG"
json_check "-j holders: threads" \
	"[(h['pd'], h['access']) for h in j['holders']] == [('thread:2', 'rw'), ('thread:100', 'r'), ('thread:101', 'r'), ('thread:300', 'rw')]"
expect 0 "-j query holders --mode rw" -j query holders net_ns:1 --mode rw --file "$QG"
json_check "holders --mode rw" "j['count'] == 2 and j['writers'] == 2"
expect 1 "holders of a PD" holders 100 --file "$QG"
err_has "holders of a PD: message" "is a PD"
expect 1 "holders: bad granularity" holders net_ns:1 --granularity bogus --file "$QG"
expect 0 "bfs in --reach" bfs net_ns:1 --dir in --reach --file "$QG"
out_has "bfs: counts first" "net_ns:1: 8 nodes (dir in, depth 0: no limit)"
out_has "bfs: by depth" "depth 2: 3"
expect 0 "-j bfs" -j bfs thread:100 --kinds hold --file "$QG"
json_check "-j bfs: hold edges" \
	"[n['id'] for n in j['nodes']] == ['thread:100', 'mm:a', 'files:a', 'net_ns:1', 'cred:a'] and j['nodes'][1]['via'] == {'src': 'thread:100', 'kind': 'hold', 'dst': 'mm:a'}"
expect 0 "-j query bfs --depth --classes" -j query bfs 100 --depth 2 --classes res --dir both --file "$QG"
json_check "bfs --depth 2 from a process" \
	"max(n['depth'] for n in j['nodes']) == 2 and all(n['class'] == 'res' for n in j['nodes'])"
expect 0 "-j bfs --mode rw --reach" -j bfs thread:100 --reach --mode rw --classes res --file "$QG"
json_check "bfs --mode rw: writable reach" \
	"[n['id'] for n in j['nodes']] == ['mm:a', 'files:a', 'vma:a:1000', 'file:1', 'inode:0:1:10']"
expect 1 "bfs: bad --dir" bfs net_ns:1 --dir up --file "$QG"
expect 1 "bfs: bad --depth" bfs net_ns:1 --depth -1 --file "$QG"
expect 1 "bfs: bad --mode" bfs net_ns:1 --mode x --file "$QG"
expect 0 "-j query shared --granularity thread --mode rw" -j query shared thread:100 --granularity thread --mode rw --file "$QG"
json_check "shared: threads of one process, writable" \
	"j['granularity'] == 'thread' and j['mode'] == 'rw' and [(s['pd'], s['count']) for s in j['shares']] == [('thread:101', 5), ('thread:200', 1)] and all(r['mine'] == r['theirs'] == 'rw' for s in j['shares'] for r in s['resources'])"
expect 0 "query shared: modes in text" query shared 100 --file "$QG"
out_has "shared: access of each side" "inode:0:1:20  r/r  /lib/libc.so"
expect 1 "query shared: bad --mode" query shared 100 --mode x --file "$QG"
expect 0 "tcb help" tcb help
out_has "tcb help: usage" "Usage: osm tcb"
expect 1 "tcb on an empty graph" -j tcb kernel --file "$FIX/empty.graph"
json_check "empty graph: no kernel" "'no node' in j['error']"
expect 0 "-j bfs on a one-node walk" -j bfs fuse:0:40 --file "$QG"
json_check "bfs: only the start" "j['count'] == 1 and 'via' not in j['nodes'][0]"
# --- draw ------------------------------------------------------------------
# dot_labels: the labels of the last run's DOT output, one per line of
# labels (\n kept as a separator) for python checks.
draw_check() {
	py_check "$1" "
import re
dot = open(sys.argv[1], encoding='utf-8').read()
labels = [l.replace('\\\\n', '\n') for l in re.findall(r'label=\"((?:[^\"\\\\]|\\\\.)*)\"', dot)]
heads = [l.split('\n')[0] for l in labels]" "$2" "$TMP/out"
}
HAVE_DOT=$(command -v dot || true)

expect 0 "draw help" draw help
out_has "draw help: usage" "Usage: osm draw PD"
expect 1 "draw without PD" draw
err_has "draw without PD: message" "missing PD"
expect 0 "draw 100 (DOT on stdout)" draw 100 --file "$GOOD"
out_has "draw: a digraph" "^digraph osm_draw {"
out_has "draw: the PD in its box" "subgraph cluster_pd"
draw_check "draw: PD, threads, what they hold, who shares" \
	"'process 100' in heads and 'thread 100' in heads and 'thread 101' in heads and 'address space' in heads and 'file table' in heads and 'process 1' in heads and 'process 200' in heads and 'kernel' in heads"
draw_check "draw: the parent controls it, the rule on the edge" \
	"'parent' in labels"
if grep -q 'pd -> ns \[ltail=cluster_pd\]' "$TMP/out"; then ok "draw: namespaces as one table"; else not_ok "draw: namespaces as one table"; fi
cp "$TMP/out" "$TMP/draw100.dot"
if [ -n "$HAVE_DOT" ]; then
	if dot -Tcanon "$TMP/draw100.dot" >"$TMP/canon" 2>"$TMP/err" && [ ! -s "$TMP/err" ]; then
		ok "draw: dot reads the DOT without a warning"
	else
		not_ok "draw: dot reads the DOT without a warning"
	fi
	expect 0 "draw -o FILE.svg" draw 100 -o "$TMP/d.svg" --file "$GOOD"
	py_check "draw: an SVG that parses" \
		"x = E.parse(sys.argv[1]).getroot()" "x.tag.endswith('svg')" "$TMP/d.svg"
	expect 0 "draw -o FILE.png" draw 100 --file "$GOOD" -o "$TMP/d.png"
	py_check "draw: a PNG" "b = open(sys.argv[1], 'rb').read(8)" \
		"b == b'\\x89PNG\\r\\n\\x1a\\n'" "$TMP/d.png"
	expect 0 "draw --output=FILE.png of escaped values" \
		draw 7 --output="$TMP/e.svg" --file "$FIX/escaped.graph"
	py_check "draw: escaped values make a valid SVG" \
		"x = E.parse(sys.argv[1]).getroot()" "'my prog' in ''.join(x.itertext())" "$TMP/e.svg"
else
	echo "# dot not installed: SVG and PNG not tested"
fi
expect 0 "draw -o FILE.dot" draw 100 -o "$TMP/d.dot" --file "$GOOD"
if cmp -s "$TMP/d.dot" "$TMP/draw100.dot"; then ok "draw: -o FILE.dot is the DOT text"; else not_ok "draw: -o FILE.dot is the DOT text"; fi
expect 0 "draw a thread" draw thread:101 --file "$GOOD"
draw_check "draw thread: the thread, no box" "'thread 101' in heads and 'style=invis' in dot"
expect 0 "draw kernel" draw kernel --file "$GOOD"
draw_check "draw kernel" "'kernel' in heads"
expect 0 "draw a FUSE client" draw 1 --file "$FIX/servers.graph"
draw_check "draw: servers and channels" \
	"'process 2' in heads and 'FUSE sshfs' in heads and 'userfaultfd' in heads and labels.count('serves') == 2 and labels.count('request') == 2"

# Counts: a graph of 3 processes with 24 regions and 16 descriptors each
# (the first 3 shared by all); the expected counts from the graph file.
python3 "$HERE/gen_graph.py" --procs 3 --threads 2 --vmas 24 --files 16 --seed 5 >"$TMP/c.graph"
expect 0 "draw 1003 (collapsed)" draw 1003 --file "$TMP/c.graph"
py_check "draw: counts as in the graph" "
import collections, re
nodes, edges = {}, []
for line in open(sys.argv[2]):
    f = line.split()
    if f[0] == 'node': nodes[f[1]] = f[2]
    elif f[0] == 'edge': edges.append((f[1], f[2], f[3]))
out = collections.defaultdict(list)
for s, k, d in edges: out[s].append((k, d))
def held(pid):
    ths = [s for s, k, d in edges if k == 'member' and d == 'process:%d' % pid]
    return {d for t in ths for k, d in out[t] if k == 'hold'}
def table(pid, t): return [d for d in held(pid) if d.startswith(t + ':')][0]
files = lambda pid: {d for k, d in out[table(pid, 'files')] if k == 'map'}
vmas = lambda pid: [s for s, k, d in edges if k == 'subset' and d == table(pid, 'mm')]
others = [1000, 1006]
shared_files = files(1003) & (files(1000) | files(1006))
own_files = files(1003) - shared_files
libs = {d for v in vmas(1003) for k, d in out[v] if k == 'map'}
olibs = {d for p in others for v in vmas(p) for k, d in out[v] if k == 'map'}
dot = open(sys.argv[1], encoding='utf-8').read()
heads = [l.split('\\\\n')[0] for l in re.findall(r'label=\"((?:[^\"\\\\]|\\\\.)*)\"', dot)]
want = ['vma ×%d' % len(vmas(1003)), 'file ×%d' % len(own_files), 'inode ×%d' % len(own_files)]
if len(libs & olibs) >= 4: want.append('inode ×%d' % len(libs & olibs))
if len(libs - olibs) >= 4: want.append('inode ×%d' % len(libs - olibs))
print('# want', want, 'shared files', len(shared_files), file=sys.stderr)" \
	"all(w in heads for w in want) and heads.count('open file rw') + heads.count('open file r') + heads.count('open file w') == len(shared_files) == 3 and len(vmas(1003)) == 24" \
	"$TMP/out" "$TMP/c.graph"
draw_check "draw: like PDs are one node, the rest apart" \
	"'process ×2' not in heads and 'process 1000' in heads and 'process 1006' in heads and 'kernel' in heads"
expect 0 "draw --all" draw 1003 --all --file "$TMP/c.graph"
draw_check "draw --all: no counts, every region" \
	"not any('×' in h for h in heads) and heads.count('region r-xp') + heads.count('region rw-p') + heads.count('region r--p') == 24"
expect 0 "draw --depth 1" draw 1003 --depth 1 --file "$TMP/c.graph"
draw_check "draw --depth 1: only what the threads hold" \
	"'address space' in heads and 'file table' in heads and not any(h.startswith(('vma', 'file ×', 'inode', 'open file', 'region')) for h in heads) and any('leads to shared' in l for l in labels)"
python3 "$HERE/gen_graph.py" --procs 12 --threads 5 --vmas 2 --files 3 --seed 2 >"$TMP/t.graph"
expect 0 "draw, many PDs" draw 1006 --file "$TMP/t.graph"
draw_check "draw: PDs joined alike grouped, threads of one name grouped" \
	"any(h.startswith('process ×') for h in heads) and 'thread ×5' in heads"

expect 1 "draw a resource" draw mm:1111111111111111 --file "$GOOD"
err_has "draw a resource: message" "not a protection domain"
expect 1 "draw a missing PD" draw 4242 --file "$GOOD"
err_has "draw a missing PD: message" "no node 'process:4242'"
expect 1 "draw -o FILE.jpg" draw 100 -o "$TMP/d.jpg" --file "$GOOD"
err_has "draw -o FILE.jpg: message" "name it .svg, .png or .dot"
expect 1 "draw --depth 0" draw 100 --depth 0 --file "$GOOD"
err_has "draw --depth 0: message" "bad --depth"
expect 1 "draw -o without a value" draw 100 --file "$GOOD" -o
expect 1 "-j draw" -j draw 100 --file "$GOOD"
json_check "-j draw: JSON error" "'error' in j"
expect 1 "draw on a bad graph" draw 100 --file "$FIX/missing-end.graph"
PATH=/nonexistent expect 1 "draw -o FILE.png without dot" draw 100 -o "$TMP/n.png" --file "$GOOD"
err_has "draw without dot: message" "'dot' is not installed"
if [ ! -e "$TMP/n.png" ]; then ok "draw without dot: no file"; else not_ok "draw without dot: no file"; fi

# --- diff -------------------------------------------------------------------
# Hand-built graphs: B is A with other hash ids (same partition: equal);
# C moves thread 11 from A's mm to thread 20's (exactly that edge);
# D has no cgroup and says so in unseen= (left out: equal).
cat >"$TMP/dA.graph" <<'G'
osmosis-graph 1.8 epoch=1 pid_ns=1 view=full backend=module
node kernel:0 pd name=kernel
node process:10 pd pid=10
node thread:10 pd tid=10
node thread:11 pd tid=11
node process:20 pd pid=20
node thread:20 pd tid=20
node mm:aaaa res vmas=1
node vma:aaaa:1000 res start=0x1000
node mm:bbbb res vmas=0
node files:cccc res fds=1
node file:dddd res mode=r
node inode:0:1:5 res
node cgroup:7 res
edge thread:10 member process:10
edge thread:11 member process:10
edge thread:20 member process:20
edge thread:10 hold mm:aaaa mode=rw
edge thread:11 hold mm:aaaa mode=rw
edge thread:20 hold mm:bbbb mode=rw
edge vma:aaaa:1000 subset mm:aaaa
edge thread:10 hold files:cccc mode=rw
edge thread:11 hold files:cccc mode=rw
edge thread:20 hold files:cccc mode=rw
edge files:cccc map file:dddd fd=3 mode=r
edge file:dddd map inode:0:1:5
edge thread:10 hold cgroup:7 mode=r
end nodes=13 edges=13
G
sed -e 's/aaaa/9191/g; s/bbbb/8282/g; s/cccc/7373/g; s/dddd/6464/g' \
	-e 's/backend=module/backend=procfs/' "$TMP/dA.graph" >"$TMP/dB.graph"
sed -e 's/thread:11 hold mm:9191/thread:11 hold mm:8282/' "$TMP/dB.graph" >"$TMP/dC.graph"
sed -e "/cgroup/d" -e "s/^osmosis-graph.*/& unseen=cgroup,owner/" -e "s/^end.*/end nodes=12 edges=12/" \
	"$TMP/dB.graph" >"$TMP/dD.graph"
expect 0 "diff: other hash ids, same partition: equal" diff "$TMP/dA.graph" "$TMP/dB.graph"
out_has "diff equal: summary" "^equal: 0 nodes and 0 edges differ"
expect 1 "diff: one moved thread differs" diff "$TMP/dA.graph" "$TMP/dC.graph"
if [ "$(grep -c '^[-+] ' "$TMP/out")" = 2 ] &&
   grep -q '^- edge thread:11 hold mm<hold>thread:10>$' "$TMP/out" &&
   grep -q '^+ edge thread:11 hold mm<hold>thread:20>$' "$TMP/out"; then
	ok "diff: exactly the moved thread's edge"
else
	not_ok "diff: exactly the moved thread's edge"
fi
out_has "diff differ: summary" "^differ: 0 nodes and 2 edges differ"
expect 0 "diff: unseen= types left out" diff "$TMP/dA.graph" "$TMP/dD.graph"
expect 1 "-j diff" -j diff "$TMP/dA.graph" "$TMP/dC.graph"
json_check "-j diff: keys" "j['equal'] is False and len(j['only_a']) == 1 and len(j['only_b']) == 1 and j['differ']['edges'] == 2 and j['b']['backend'] == 'procfs'"
expect 2 "diff: missing file" diff "$TMP/dA.graph" "$TMP/nonexistent"
expect 2 "diff: unknown backend" diff "$TMP/dA.graph" backend:nope
expect 2 "diff: one argument" diff "$TMP/dA.graph"
expect 0 "diff help" diff help
"$OSM" diff backend:procfs backend:procfs >"$TMP/out" 2>"$TMP/err"
if [ $? -le 1 ]; then ok "diff of two live procfs walks runs"; else not_ok "diff of two live procfs walks runs"; fi
expect 0 "graph stats --backend procfs" graph stats --backend procfs
out_has "graph --backend procfs: format 1.8" "^osmosis-graph 1\.8"
expect 0 "graph dump --backend procfs" graph dump --backend procfs
out_has "graph dump --backend procfs: header" "backend=procfs unseen="
expect 1 "graph --backend bogus" graph stats --backend bogus
expect 1 "graph --backend with --file" graph stats --backend procfs --file "$GOOD"

echo "1..$n"
[ "$fails" -eq 0 ] || { echo "# $fails of $n failed"; exit 1; }
echo "# all $n passed"
