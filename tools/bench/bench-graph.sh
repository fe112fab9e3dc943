#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# bench-graph.sh: libosm against networkx on one large synthetic graph, in
# one run: load time and peak memory (the library alone and the osm CLI),
# `shared` for one PD, the TCB of every process in one batch, `osm -j
# graph` end to end, and the answers, which must be equal.  Prints the
# numbers and their ratios; asserts only that the answers agree (a speed
# target is a benchmark, not a test).  Run by `make bench-graph`.
#
# TCB: libosm answers for every process with one querier (BENCH_TCB_ALL=0:
# only the sample below, minutes quicker); networkx (too slow for all of
# them) for every BENCH_TCB_STRIDE-th process in graph order (default 50:
# 100 of 5,000), after computing what a batch keeps (every group's reach,
# every thread's facts) once.  Per-process means are compared (networkx's:
# its preparation spread over every process, plus the mean of its
# sample); the sample's answers must be equal line for line (bench_load.c
# and nx_shared.py say what a line holds), and every tenth sampled answer
# equal, access modes included, to the same query without the querier.
#
# Environment: BENCH_DIR (default /tmp/osm-bench-graph) keeps the graph
# between runs; BENCH_ARGS, the generator's arguments (default: 5,000
# processes of 3 threads, 200 regions and 50 files each); BENCH_PD, the
# PD to ask about (default process:1000, the first); BENCH_NX=0 skips
# networkx (Debian's python3-networkx; BENCH_PYTHON picks the python).
#
# The load is measured twice, each in a new process: as programs load
# (a helper thread faults the memory in ahead of the parser) and on the
# calling thread alone (osm_graph_opts.single_thread), with the same
# answer.  Each waits BENCH_SETTLE seconds first (default 10): a virtual
# machine whose host takes freed memory back makes touching memory freed
# moments before far cheaper than touching it later, which would favour
# whichever run comes second.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${BENCH_DIR:-/tmp/osm-bench-graph}
args=${BENCH_ARGS:--p 5000 -t 3 -r 200 -f 50 -s 1}
pd=${BENCH_PD:-process:1000}
stride=${BENCH_TCB_STRIDE:-50}
tcb_all=${BENCH_TCB_ALL:-1}
mkdir -p "$dir"
graph="$dir/graph-$(echo "$args" | tr -c 'a-z0-9\n' _).graph"

if [[ ! -s "$graph" ]]; then
	echo "generating $graph ($args)"
	# shellcheck disable=SC2086
	"$here/gen_graph" $args >"$graph.tmp"
	mv "$graph.tmp" "$graph"
fi
cat "$graph" >/dev/null	# both sides read from the page cache

val() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }

settle=${BENCH_SETTLE:-10}
# The file from the page cache each time: the guest may reclaim it idle.
sleep "$settle"
cat "$graph" >/dev/null
BENCH_SINGLE_THREAD=1 "$here/bench_load" "$graph" "$pd" "$dir/answer.one" \
	>"$dir/libosm-one.out"
sleep "$settle"
cat "$graph" >/dev/null
"$here/bench_load" "$graph" "$pd" "$dir/answer.libosm" "$dir/tcb.libosm" \
	"$stride" "$( ((tcb_all)) && echo all || echo sample)" >"$dir/libosm.out"
if ! cmp -s "$dir/answer.one" "$dir/answer.libosm"; then
	echo "answers: a load on one thread DIFFERS: diff $dir/answer.one" \
		"$dir/answer.libosm" >&2
	exit 1
fi
cli_kib=$( { OSM_MAX_SIZE=max /usr/bin/env time -f '%M' \
	"$here/../osm" graph stats --file "$graph" >/dev/null; } 2>&1 | tail -n 1)
# osm -j graph, load and JSON writing: CPU seconds (user + system).
json_cpu=$( { OSM_MAX_SIZE=max /usr/bin/env time -f '%U %S' \
	"$here/../osm" -j graph --file "$graph" >/dev/null; } 2>&1 |
	tail -n 1 | awk '{ print $1 + $2 }')

# Debian's python3 and python3-networkx when installed, else any python3.
nx=${BENCH_NX:-1}
py=${BENCH_PYTHON:-python3}
[[ -z ${BENCH_PYTHON:-} ]] && /usr/bin/python3 -c 'import networkx' 2>/dev/null &&
	py=/usr/bin/python3
if (( nx )) && ! "$py" -c 'import networkx' 2>/dev/null; then
	echo "python3-networkx not installed: networkx side skipped"
	nx=0
fi
if (( nx )); then
	echo "networkx $("$py" -c 'import networkx; print(networkx.__version__)')" \
		"under $("$py" -c 'import sys; print(sys.version.split()[0])')"
	"$py" "$here/nx_shared.py" "$graph" "$pd" "$dir/answer.nx" \
		"$dir/tcb.nx" "$stride" >"$dir/nx.out"
fi

bytes=$(val text_bytes "$dir/libosm.out")
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')
echo "graph: $(val nodes "$dir/libosm.out") nodes," \
	"$(val edges "$dir/libosm.out") edges, $mb MB of text ($args)"
awk -v b="$bytes" -v cli="$cli_kib" -v nx="$nx" -v json="$json_cpu" \
    -v lo="$dir/libosm.out" -v no="$dir/nx.out" -v pd="$pd" \
    -v one="$dir/libosm-one.out" '
function get(file, key,    line, f) {
	while ((getline line < file) > 0) {
		split(line, f, " ")
		if (f[1] == key) { close(file); return f[2] }
	}
	close(file)
	return ""
}
BEGIN {
	lt = get(lo, "load_s"); lc = get(lo, "load_cpu_s")
	lm = get(lo, "load_maxrss_kib") * 1024; ls = get(lo, "shared_s")
	lp = get(lo, "tcb_per_process_s"); ln = get(lo, "tcb_processes")
	printf "%-28s %12s %12s %10s\n", "", "libosm", "networkx", "ratio"
	if (nx) {
		nt = get(no, "load_s"); nm = get(no, "load_maxrss_kib") * 1024
		ns = get(no, "shared_s"); np = get(no, "tcb_per_process_s")
		printf "%-28s %11.3fs %11.3fs %9.1fx\n", "load", lt, nt, nt / lt
		printf "%-28s %10.0fMB %10.0fMB %9.1fx\n", "load peak RSS", \
			lm / 1e6, nm / 1e6, nm / lm
		printf "%-28s %11.4fs %11.4fs %9.1fx\n", "shared(" pd ")", \
			ls, ns, ns / ls
		printf "%-28s %11.4fs %11.4fs %9.1fx\n", "TCB per process, batch", \
			lp, np, np / lp
	} else {
		printf "%-28s %11.3fs\n", "load", lt
		printf "%-28s %10.0fMB\n", "load peak RSS", lm / 1e6
		printf "%-28s %11.4fs\n", "shared", ls
		printf "%-28s %11.4fs\n", "TCB per process, batch", lp
	}
	printf "TCB of all %d processes in one batch: %.2fs CPU; target 50x networkx\n", \
		ln, get(lo, "tcb_batch_cpu_s")
	printf "TCB of one process (CPU): first on a new querier %.0f ms, warm %.1f ms, without a querier %.0f ms; target 50\n", \
		get(lo, "tcb_first_s") * 1e3, get(lo, "tcb_sample_per_process_s") * 1e3, \
		get(lo, "tcb_single_s") * 1e3
	printf "osm -j graph: %.0f MB/s (CPU %.3fs); target 100\n", \
		b / 1e6 / json, json
	printf "libosm load: %.0f MB/s (wall), %.0f MB/s (CPU %.3fs); target 300\n", \
		b / 1e6 / lt, b / 1e6 / lc, lc
	printf "libosm load CPU: user %.3fs, system %.3fs, %d minor faults\n", \
		get(lo, "load_user_s"), get(lo, "load_sys_s"), get(lo, "load_minflt")
	ot = get(one, "load_s"); oc = get(one, "load_cpu_s")
	printf "libosm load on one thread: %.0f MB/s (wall %.3fs), %.0f MB/s (CPU %.3fs; user %.3fs, system %.3fs); with the helper %.2fx faster (wall)\n", \
		b / 1e6 / ot, ot, b / 1e6 / oc, oc, get(one, "load_user_s"), \
		get(one, "load_sys_s"), ot / lt
	printf "peak RSS / text: library %.2fx, osm graph stats %.2fx (%.0f MB); target 1.5\n", \
		lm / b, cli * 1024 / b, cli * 1024 / 1e6
	if (nx)
		printf "networkx peak RSS / text: %.2fx\n", nm / b
}'
checked=$(val tcb_single_checked "$dir/libosm.out")
if [[ $checked != "$(val tcb_single_equal "$dir/libosm.out")" ]]; then
	echo "TCB answers: batch DIFFERS from single queries" >&2
	exit 1
fi
echo "TCB answers: batch equal to single queries ($checked processes, access modes included)"
if (( nx )); then
	if cmp -s "$dir/answer.libosm" "$dir/answer.nx"; then
		echo "answers: equal ($(val shared_pds "$dir/libosm.out") PDs share with $pd)"
	else
		echo "answers: DIFFER: diff $dir/answer.libosm $dir/answer.nx" >&2
		exit 1
	fi
	if cmp -s "$dir/tcb.libosm" "$dir/tcb.nx"; then
		echo "TCB answers: equal ($(val tcb_sample "$dir/nx.out") processes," \
			"$(wc -l <"$dir/tcb.nx") entries)"
	else
		echo "TCB answers: DIFFER: diff $dir/tcb.libosm $dir/tcb.nx" >&2
		exit 1
	fi
fi
