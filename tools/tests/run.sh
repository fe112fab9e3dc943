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
	# Which fix depends on the host: load, install, or no module support.
	err_has "no device: hint" 'modprobe osmosis\|CONFIG_MODULES=y'
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
	err_has "no device: spawn hint" "module loaded"
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
