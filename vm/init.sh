#!/bin/sh
# shellcheck shell=dash
# SPDX-License-Identifier: GPL-2.0-only
#
# /init of the osmosis test VM (busybox sh, PID 1).
#
# Stage 1 copies the initramfs onto a tmpfs and switch_roots to it:
# pivot_root refuses an initramfs root, and container-like tests need it.
# Stage 2 mounts the usual file systems, loads /osmosis.ko and runs the
# mode named by osm.mode= on the kernel command line:
#   test   /selftests/run_tests.sh (osm.tests= programs, comma-separated,
#          else all; osm.repeat= rounds, default 1), a stress loop (below),
#          module lifecycle checks, control_test under Yama's
#          ptrace_scope 3 (last: it stays set), a kmemleak scan (debug kernel),
#          dmesg scan (osm.shard=I/N: a share of it, see parse_shard),
#          then the sentinel line
#          vm/run parses:
#          OSM-VM-RESULT passed=N failed=M skipped=K dmesg=clean|dirty
#   demo   show osm api, the graph and a query
#   shell  interactive shell
# Every mode ends in poweroff; if init dies the kernel panics and, with
# panic=-1 and qemu -no-reboot, the VM exits anyway.

export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root

# The stress loop runs these programs osm.stress_rounds= times (default
# 20) in test mode, one ok/not ok per program and round; osm.stress=
# (comma-separated) replaces the list.  One not in /selftests is skipped.
STRESS_TESTS="stress_test parked_walk_test"
STRESS_ROUNDS=20

# The report headers of oopses, WARN/BUG, the sanitizers (KASAN, KFENCE,
# UBSAN), lockdep, RCU, debugobjects, DEBUG_LIST, kmemleak and the hung
# task and stall detectors.  Most start "BUG:" or "WARNING:"; the rest
# are named so no report slips by a changed prefix.
DMESG_BAD='BUG:|WARNING:|Oops|Call Trace|KASAN|KFENCE|UBSAN|ODEBUG|possible recursive locking|circular locking|lockdep|general protection|kernel BUG|suspicious RCU usage|sleeping function called from invalid context|list_(add|del) corruption|list corruption|new suspected memory leaks|trying to register non-static key|turning off the locking correctness validator|blocked for more than|detected stall|self-detected stall'
# Boot lines that match the above and report nothing: the debug kernel
# announces lockdep.
DMESG_BENIGN='RCU lockdep checking is enabled'

stage1() {
	mount -t proc proc /proc
	mkdir -p /newroot
	mount -t tmpfs -o mode=0755 tmpfs /newroot
	for f in /*; do
		case $f in
		/proc|/sys|/dev|/newroot) ;;
		*) cp -a "$f" /newroot/ ;;
		esac
	done
	mkdir -p /newroot/proc /newroot/sys /newroot/dev
	umount /proc
	exec switch_root /newroot /init stage2
}

mounts() {
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t devtmpfs devtmpfs /dev
	# The inherited console is the deleted node of the initramfs.
	exec </dev/console >/dev/console 2>&1
	mkdir -p /dev/pts /dev/shm
	mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
	mount -t tmpfs tmpfs /dev/shm
	mount -t cgroup2 cgroup2 /sys/fs/cgroup
	# osm-bench's floor lives in debugfs (module/bench_floor.c).
	mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	mount -t tmpfs tmpfs /tmp
	mount -t tmpfs tmpfs /run
	hostname osmosis-vm
	ip link set lo up 2>/dev/null
}

# cmdline_arg NAME DEFAULT: the value of NAME= on the kernel command line.
cmdline_arg() {
	read -r cmdline </proc/cmdline
	for arg in $cmdline; do
		case $arg in
		"$1"=*) echo "${arg#"$1"=}"; return ;;
		esac
	done
	echo "$2"
}

passed=0
failed=0
skipped=0

ok() {
	passed=$((passed + 1))
	echo "ok - vm: $*"
}

not_ok() {
	failed=$((failed + 1))
	echo "not ok - vm: $*"
}

# numeric_arg NAME DEFAULT: cmdline_arg into $num; a value that is not
# a number is a failure, and DEFAULT is used.
numeric_arg() {
	num=$(cmdline_arg "$1" "$2")
	case $num in
	''|*[!0-9]*)
		not_ok "$1=$num is not a number; using $2"
		num=$2
		;;
	esac
}

check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# "P F S" from run_tests.sh's last line in file $1, or nothing:
#   osmosis-selftests: N passed, N failed, N skipped
summary() {
	tail -n 1 "$1" | sed -n \
		's/^osmosis-selftests: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p'
}

# " name" for each program marked "not ok" in run_tests.sh output $1.
failed_programs() {
	sed -n 's/^not ok [0-9]* selftests: osmosis: \([^ ]*\).*/ \1/p' "$1" |
		tr -d '\n'
}

# run_tests.sh over programs $2... (all if none), labelled $1 in the
# log; add its totals.  Its counts are left in $run_passed, $run_failed.
counted_run() {
	label=$1
	shift
	round_t0=$(date +%s)
	run_passed=0
	run_failed=1
	{ (cd /selftests && ./run_tests.sh "$@") 2>&1
	  echo $? >/tmp/selftests.rc; } | tee /tmp/selftests.log
	rc=$(cat /tmp/selftests.rc)
	sum=$(summary /tmp/selftests.log)
	if [ -z "$sum" ]; then
		not_ok "$label: run_tests.sh (exit $rc) did not end with its summary line"
		return
	fi
	# shellcheck disable=SC2086 # split "P F S"
	set -- "$label" $sum
	passed=$((passed + $2))
	failed=$((failed + $3))
	skipped=$((skipped + $4))
	run_passed=$2
	run_failed=$3
	echo "# vm: $1: $2 passed, $3 failed, $4 skipped in $(($(date +%s) - round_t0)) s"
	if [ "$3" -ne 0 ]; then
		echo "# vm: $1 FAILED:$(failed_programs /tmp/selftests.log)"
	elif [ "$rc" -ne 0 ]; then
		not_ok "$1: run_tests.sh exited $rc but reported no failure"
	fi
}

# Round $1 of $2 of run_tests.sh over $round_tests (all if empty).
selftests_round() {
	# shellcheck disable=SC2086 # $round_tests is a list of names
	counted_run "selftests round $1/$2" $round_tests
}

# osm.shard=I/N: this VM is the I-th of N booted side by side on one
# kernel (vm/test-all on the debug kernel: one VM per host core, as TCG
# runs a guest on one).  It runs every N-th selftest program from the
# I-th (of osm.tests= or all, in name order); shard 1 also the stress
# loop, shard N the module lifecycle, unload, benchmark and Yama steps;
# every shard its own kmemleak and dmesg scans.  Default 1/1: all.
parse_shard() {
	arg=$(cmdline_arg osm.shard 1/1)
	shard_i=${arg%%/*}
	shard_n=${arg#*/}
	case $shard_i in ''|*[!0-9]*) shard_i=0 ;; esac
	case $shard_n in ''|*[!0-9]*) shard_n=0 ;; esac
	if [ "$shard_i" -lt 1 ] || [ "$shard_i" -gt "$shard_n" ]; then
		not_ok "osm.shard=$arg is not I/N with 1 <= I <= N; running all"
		shard_i=1
		shard_n=1
	fi
	round_tests=$tests
	[ "$shard_n" -gt 1 ] || return 0
	if [ -n "$tests" ]; then
		all=$tests
	else
		all=$(cd /selftests 2>/dev/null && ls -- *_test 2>/dev/null)
	fi
	round_tests=
	k=0
	for p in $all; do
		[ $((k % shard_n + 1)) -eq "$shard_i" ] &&
			round_tests="$round_tests $p"
		k=$((k + 1))
	done
	round_tests=${round_tests# }
	echo "# vm: shard $shard_i/$shard_n: ${round_tests:-no selftest programs}"
}

# Is this VM shard $1 (first or last) of osm.shard=?
shard_is() {
	case $1 in
	first) [ "$shard_i" -eq 1 ] ;;
	last) [ "$shard_i" -eq "$shard_n" ] ;;
	esac
}

selftests() {
	if [ ! -x /selftests/run_tests.sh ]; then
		not_ok "/selftests/run_tests.sh missing (selftests/out not built)"
		return
	fi
	# A shard left without programs runs none (not all of them).
	[ "$shard_n" -eq 1 ] || [ -n "$round_tests" ] || return 0
	r=1
	while [ "$r" -le "$repeat" ]; do
		echo "### selftests round $r/$repeat${round_tests:+: $round_tests}"
		selftests_round "$r" "$repeat"
		r=$((r + 1))
	done
}

# Is program $1 among osm.tests= (or is there no selection)?
selected() {
	[ -z "$tests" ] && return 0
	case " $tests " in
	*" $1 "*) return 0 ;;
	esac
	return 1
}

# Stress round $1 of $2 of program $3: one ok or not ok.  A round counts
# only if it ran tests and none failed.
stress_round() {
	round_t0=$(date +%s)
	(cd /selftests && ./run_tests.sh "$3") >/tmp/stress.log 2>&1
	rc=$?
	sed 's/^/# /' /tmp/stress.log
	secs=$(($(date +%s) - round_t0))
	# shellcheck disable=SC2046 # split "P F S"
	set -- "$1" "$2" "$3" $(summary /tmp/stress.log)
	if [ $# -eq 6 ]; then
		echo "# vm: stress round $1/$2: $3 took $secs s: exit $rc, $4 passed, $5 failed, $6 skipped"
	else
		echo "# vm: stress round $1/$2: $3 took $secs s: exit $rc, no summary line"
	fi
	if [ "$rc" -eq 0 ] && [ $# -eq 6 ] && [ "$4" -gt 0 ] && [ "$5" -eq 0 ]; then
		ok "stress round $1/$2: $3"
	else
		not_ok "stress round $1/$2: $3"
	fi
}

# The programs of $stress that are selected and built, stress_rounds
# times in a row.
stress_loop() {
	progs=
	for p in $stress; do
		if ! selected "$p"; then
			echo "# vm: stress loop: $p not in osm.tests, not run"
		elif [ ! -x "/selftests/$p" ]; then
			echo "# vm: stress loop: $p not in /selftests, skipped"
		else
			progs="$progs $p"
		fi
	done
	[ "$stress_rounds" -gt 0 ] && [ -n "$progs" ] || return 0
	echo "### stress loop: $stress_rounds rounds of$progs"
	loop_t0=$(date +%s)
	r=1
	while [ "$r" -le "$stress_rounds" ]; do
		for p in $progs; do
			stress_round "$r" "$stress_rounds" "$p"
		done
		r=$((r + 1))
	done
	echo "# vm: stress loop: $stress_rounds rounds of$progs in $(($(date +%s) - loop_t0)) s"
}

cycles() {
	i=0
	while [ $i -lt 200 ] && cat /dev/osmosis >/dev/null; do
		i=$((i + 1))
	done
	echo "$i of 200 cycles done"
	[ $i -eq 200 ]
}

# Wait until process $1 has /dev/osmosis open.
holds_device() {
	n=0
	while [ $n -lt 100 ]; do
		for fd in /proc/"$1"/fd/*; do
			[ "$(readlink "$fd")" = /dev/osmosis ] && return 0
		done
		n=$((n + 1))
		sleep 0.1
	done
	return 1
}

# Does process $1 have /dev/osmosis open?
has_device() {
	for fd in /proc/"$1"/fd/*; do
		[ "$(readlink "$fd")" = /dev/osmosis ] && return 0
	done
	return 1
}

# Wait until osm spawn ($spawner) has its PD recorded and running sleep,
# and neither of them holds /dev/osmosis any more.
spawn_settled() {
	n=0
	while [ $n -lt 100 ]; do
		kid=$(cat /proc/"$spawner"/task/*/children 2>/dev/null)
		kid=${kid%% *}	# the file ends in a space
		if [ -n "$kid" ] &&
		   [ "$(cat /proc/"$kid"/comm 2>/dev/null)" = sleep ] &&
		   ! has_device "$spawner" && ! has_device "$kid" &&
		   [ "$(cat /sys/module/osmosis/parameters/spawn_records)" -ge 1 ]
		then
			return 0
		fi
		n=$((n + 1))
		sleep 0.1
	done
	echo "spawner $spawner, child '$kid' ($(cat /proc/"$kid"/comm 2>&1)), records $(cat /sys/module/osmosis/parameters/spawn_records)"
	return 1
}

graph_header() {
	head -n 1 /dev/osmosis | grep -q '^osmosis-graph '
}

is_loaded() {
	grep -q '^osmosis ' /proc/modules
}

# The max_nodes cap holds: a walk past it fails with E2BIG, and the
# same walk succeeds again once the cap is restored.
node_cap() {
	param=/sys/module/osmosis/parameters/max_nodes
	saved=$(cat $param)
	echo 8 >$param
	cat /dev/osmosis >/dev/null 2>/tmp/cap.err
	rc=$?
	echo "$saved" >$param
	echo "read with max_nodes=8: exit $rc, $(cat /tmp/cap.err)"
	[ $rc -ne 0 ] && grep -q 'Argument list too long' /tmp/cap.err &&
		cat /dev/osmosis >/dev/null
}

# The module's MODULE_VERSION is the tree's VERSION (mkinitramfs copies it).
module_version() {
	echo "module version $(cat /sys/module/osmosis/version), VERSION $(cat /osmosis.version)"
	[ "$(cat /sys/module/osmosis/version)" = "$(cat /osmosis.version)" ]
}

# osm as nobody on a device it may not open names the node's mode; by
# default it falls back to a backend it may use (procfs).
osm_denied() {
	chmod 000 /dev/osmosis
	su -s /bin/sh nobody -c 'osm graph stats --backend module' \
		2>/tmp/denied.err
	rc=$?
	su -s /bin/sh nobody -c 'osm -v graph stats' >/dev/null \
		2>/tmp/denied2.err
	rc2=$?
	chmod 444 /dev/osmosis
	echo "osm as nobody, mode 000: exit $rc, $(cat /tmp/denied.err);" \
		"default: exit $rc2, $(cat /tmp/denied2.err)"
	[ $rc -eq 1 ] && grep -q 'Permission denied.*mode 0444' /tmp/denied.err &&
		[ $rc2 -eq 0 ] && grep -q 'backend procfs' /tmp/denied2.err
}

# osm with no module loaded says how to load it.
osm_no_module() {
	osm graph stats --backend module 2>/tmp/nomod.err
	rc=$?
	echo "osm without the module: exit $rc, $(cat /tmp/nomod.err)"
	[ $rc -eq 1 ] && grep -q "modprobe osmosis" /tmp/nomod.err
}

lifecycle() {
	check "200 open/read/close cycles of /dev/osmosis" cycles
	check "MODULE_VERSION is VERSION" module_version
	if command -v osm >/dev/null; then
		check "osm denied the device says so and names its mode" \
			osm_denied
	fi
	check "max_nodes caps one walk (E2BIG), then reads work again" node_cap

	sh -c 'exec 3</dev/osmosis && exec sleep 3600' &
	holder=$!
	check "a reader holds /dev/osmosis open" holds_device $holder
	if rmmod osmosis 2>/tmp/rmmod.err; then
		not_ok "rmmod succeeded while a reader holds /dev/osmosis"
		insmod /osmosis.ko
	else
		ok "rmmod refused while in use: $(cat /tmp/rmmod.err)"
	fi
	kill $holder
	wait $holder 2>/dev/null

	# A PD spawned through the module outlives it: rmmod drops its record.
	spawner=
	if command -v osm >/dev/null; then
		osm spawn -- sleep 3600 &
		spawner=$!
		check "osm spawn: the PD runs, recorded, device closed" \
			spawn_settled
	fi
	check "rmmod after the reader closed" rmmod osmosis
	check "/dev/osmosis gone after rmmod" test ! -e /dev/osmosis
	if command -v osm >/dev/null; then
		check "osm without the module says 'modprobe osmosis'" \
			osm_no_module
	fi
	check "insmod again" insmod /osmosis.ko
	check "read after re-insmod starts with osmosis-graph" graph_header
	if command -v osm >/dev/null; then
		check "osm control check: kernel and library agree on a child" \
			control_check_agrees
	fi
	if [ -n "$spawner" ]; then
		# shellcheck disable=SC2046 # the pids of its children
		kill $(cat /proc/"$spawner"/task/*/children) 2>/dev/null
		wait "$spawner"
		check "osm spawn passes the PD's death by SIGTERM on (exit 143)" \
			test $? -eq 143
	fi
}

# ---- unload: refused or safe, never a use-after-free ------------------
HELPER=/selftests/osm_unload_helper

# Wait until file $1 has a line $2 (10 s at most).
wait_line() {
	n=0
	while [ $n -lt 100 ]; do
		grep -qx "$2" "$1" 2>/dev/null && return 0
		n=$((n + 1))
		sleep 0.1
	done
	echo "no '$2' in $1: $(cat "$1" 2>&1)"
	return 1
}

# rmmod must be refused (the module in use); put it back if it was not.
rmmod_refused() {
	if rmmod osmosis 2>/tmp/rmmod.err; then
		echo "rmmod succeeded: $1"
		insmod /osmosis.ko
		return 1
	fi
	echo "rmmod refused ($1): $(cat /tmp/rmmod.err)"
}

# A walk parked after one chunk holds the module.
unload_parked() {
	$HELPER park >/tmp/park.out 2>&1 &
	parker=$!
	wait_line /tmp/park.out parked && rmmod_refused "a walk parked"
	rc=$?
	kill $parker
	wait $parker 2>/dev/null
	return $rc
}

# A reader looping over whole walks while rmmod runs 30 times: each is
# refused, or unloads between two walks (cat then fails to open).
unload_race() {
	(while :; do cat /dev/osmosis >/dev/null 2>&1 || sleep 0.02; done) &
	racer=$!
	sleep 0.2
	refused=0
	unloaded=0
	i=0
	while [ $i -lt 30 ]; do
		if rmmod osmosis 2>/dev/null; then
			unloaded=$((unloaded + 1))
			insmod /osmosis.ko || break
		else
			refused=$((refused + 1))
		fi
		i=$((i + 1))
		sleep 0.05
	done
	kill $racer
	wait $racer 2>/dev/null
	sleep 0.5
	echo "30 rmmod with a reader looping: $refused refused, $unloaded between walks"
	is_loaded && [ $i -eq 30 ] && [ $refused -gt 0 ] && $HELPER check-graph
}

# A spawn in flight: PREPARE done, COMMIT not yet.  $1 = hold: the
# preparer keeps the device open, rmmod is refused, its child commits;
# $1 = close: it closed it, rmmod drops the request, and after insmod
# the child's commit finds no such request (ENOENT).
unload_spawn() {
	want=
	rm -f /tmp/go
	mkfifo /tmp/go
	if [ "$1" = hold ]; then
		$HELPER prepare </tmp/go >/tmp/prep.out 2>&1 &
	else
		$HELPER prepare close </tmp/go >/tmp/prep.out 2>&1 &
	fi
	preparer=$!
	exec 4>/tmp/go
	rc=1
	if wait_line /tmp/prep.out prepared; then
		echo "spawn_records: $(cat /sys/module/osmosis/parameters/spawn_records)"
		if [ "$1" = hold ]; then
			rmmod_refused "a spawn prepared, device open" && want=0
		elif rmmod osmosis && insmod /osmosis.ko; then
			want=ENOENT
		fi
		echo go >&4
		[ -n "$want" ] && wait_line /tmp/prep.out "commit: $want" && rc=0
	fi
	exec 4>&-
	wait $preparer
	want=
	return $rc
}

# rmmod, insmod and a whole walk read and parsed, $1 times.
unload_loop() {
	t0=$(date +%s)
	i=0
	while [ $i -lt "$1" ]; do
		rmmod osmosis || { echo "round $i: rmmod failed"; return 1; }
		insmod /osmosis.ko || { echo "round $i: insmod failed"; return 1; }
		$HELPER check-graph || { echo "round $i: read failed"; return 1; }
		i=$((i + 1))
	done
	echo "$1 rounds of rmmod, insmod, read and parse in $(($(date +%s) - t0)) s"
}

unload() {
	if [ ! -x $HELPER ]; then
		not_ok "unload checks: $HELPER missing (selftests/out not built)"
		return
	fi
	numeric_arg osm.unload_rounds 100
	check "rmmod refused while a walk is parked mid-read" unload_parked
	check "rmmod racing a looping reader: refused or between walks" \
		unload_race
	check "rmmod refused while a spawn is prepared on an open device" \
		unload_spawn hold
	check "rmmod with a spawn prepared, device closed: request dropped (ENOENT)" \
		unload_spawn close
	check "$num rounds of rmmod, insmod, whole walk parsed" unload_loop "$num"
}

# osm control check: this shell over a child it forked, by every rule
# but tracer, and the library's answer the same (exit 0).
control_check_agrees() {
	sleep 60 &
	kid=$!
	osm control check $$ $kid >/tmp/ctl.out 2>&1
	rc=$?
	kill $kid
	wait $kid 2>/dev/null
	echo "osm control check $$ $kid: exit $rc: $(tr '\n' ' ' </tmp/ctl.out)"
	[ $rc -eq 0 ] && grep -q '^kernel: parent signal ptrace$' /tmp/ctl.out
}

# Yama's ptrace_scope 3 (no attach at all) cannot be set back until
# reboot, so control_test checks it last, after every step that may
# ptrace: OSM_TEST_YAMA_SCOPE3=1 runs its yama_scope_3 fixture only.
# Its results count like the selftests'; with Yama there, a run that
# passed nothing (and failed nothing) fails too.
yama_scope_3() {
	selected control_test && [ -x /selftests/control_test ] || return 0
	echo "### control_test under Yama ptrace_scope 3 (set until poweroff)"
	export OSM_TEST_YAMA_SCOPE3=1
	counted_run "yama ptrace_scope 3: control_test" control_test
	unset OSM_TEST_YAMA_SCOPE3
	if [ "$run_passed" -eq 0 ] && [ "$run_failed" -eq 0 ] &&
	   [ -e /proc/sys/kernel/yama/ptrace_scope ]; then
		not_ok "yama ptrace_scope 3: control_test passed no test"
	fi
}

# The debug kernel's kmemleak: scan for what the suite, the lifecycle, unload
# checks and the rmmod left unreferenced, and fail on any report.
# Objects younger than ~5 s are not reported yet, so wait and scan twice.
kmemleak_scan() {
	km=/sys/kernel/debug/kmemleak
	[ -e $km ] || return 0
	km_t0=$(date +%s)
	# A kmemleak that turned itself off (out of metadata) refuses the
	# scan: that is no evidence, so it fails too.
	if ! { sleep 6 && echo scan >$km && sleep 6 && echo scan >$km &&
	       cat $km >/tmp/kmemleak.log; }; then
		dmesg | grep -i kmemleak | tail -n 5
		not_ok "kmemleak scan failed (kmemleak off?)"
		return
	fi
	echo "# vm: kmemleak: two scans in $(($(date +%s) - km_t0)) s"
	if [ -s /tmp/kmemleak.log ]; then
		echo "### kmemleak ($(grep -c '^unreferenced object' /tmp/kmemleak.log) unreferenced objects):"
		cat /tmp/kmemleak.log
		not_ok "kmemleak reports leaks"
	else
		ok "kmemleak: no leaks"
	fi
}

# Any oops, warning or sanitizer report fails the run.
dmesg_scan() {
	if dmesg | grep -Ev "$DMESG_BENIGN" | grep -Eq "$DMESG_BAD"; then
		echo "### dmesg (matches $DMESG_BAD):"
		dmesg | grep -Ev "$DMESG_BENIGN" | grep -E -B 2 -A 30 "$DMESG_BAD"
		not_ok "dmesg shows a kernel warning or oops"
		echo dirty >/tmp/dmesg.state
	else
		ok "dmesg clean"
		echo clean >/tmp/dmesg.state
	fi
}

# The rest of the informational benchmark: physical memory, the
# backends, a diff and spawn latency ($num extra processes).
benchmark_more() {
	echo "### osm-bench -s $num -t 2 -i 3 --phys (informational)"
	osm-bench -s "$num" -t 2 -i 3 --phys 2>&1 | sed 's/^/# /'
	echo "### osm-bench -s $num -t 2 -i 3 --backends (informational)"
	osm-bench -s "$num" -t 2 -i 3 --backends 2>&1 | sed 's/^/# /'
	echo "### osm diff backend:module backend:procfs (informational)"
	osm diff backend:module backend:procfs 2>&1 | tail -n 60 | sed 's/^/# /'
	echo "### osm-bench --spawn-latency 50 (informational)"
	osm-bench --spawn-latency 50 2>&1 | sed 's/^/# /'
}

# OSM_VM_BENCH_BASE: the read with each base module and with the
# tree's, in turn, three times each in one boot (a busy host slows a TCG
# guest by changing amounts, so only runs side by side compare).  The
# tree's module is loaded again at the end.
bench_ab() {
	for round in 1 2 3; do
		for ko in $(cd / && ls osmosis-base*.ko | sed 's/\.ko$//') osmosis; do
			rmmod osmosis && insmod "/$ko.ko" || return 0
			echo "### bench_ab round $round $ko: $(osm-bench -s "$num" -t 2 -i 5 --read-only 2>&1 | tail -n 1)"
		done
	done
}

# The graph text of each base module and of the tree's, read one after
# the other on the quiet system, with what differs by design made equal:
# the load's epoch and every keyed token (a new key each load) become
# numbers in order of appearance.  init reads the device itself, so no
# reader process comes and goes between the two.
read_graph() {
	while IFS= read -r line; do
		printf '%s\n' "$line"
	done </dev/osmosis
}

bench_same_text() {
	for ko in $(cd / && ls osmosis-base*.ko | sed 's/\.ko$//'); do
		rmmod osmosis && insmod "/$ko.ko" || return 0
		read_graph >/tmp/text.raw
		awk "$TOKEN_AWK" </tmp/text.raw >/tmp/text.base
		rmmod osmosis && insmod /osmosis.ko || return 0
		read_graph >/tmp/text.raw
		awk "$TOKEN_AWK" </tmp/text.raw >/tmp/text.tree
		echo "### text: $ko against the tree: $(wc -l </tmp/text.tree) lines, $(diff /tmp/text.base /tmp/text.tree | grep -c '^[-+][^-+]') differ"
		diff /tmp/text.base /tmp/text.tree | head -n 40 | sed 's/^/# /'
	done
}

TOKEN_AWK='
{
	sub(/ epoch=[0-9a-f]+/, " epoch=E")
	out = ""
	while (match($0, /[a-z_]+:[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]/)) {
		t = substr($0, RSTART, RLENGTH)
		if (!(t in seen))
			seen[t] = "T" (++n)
		out = out substr($0, 1, RSTART - 1) seen[t]
		$0 = substr($0, RSTART + RLENGTH)
	}
	print out $0
}'

# Informational, not a test: speed is a ratio measured side by side.
# osm.bench_spawn= sets the extra processes (default 100; 0 = no bench).
benchmark() {
	command -v osm-bench >/dev/null || return 0
	numeric_arg osm.bench_spawn 100
	[ "$num" -gt 0 ] || return 0
	echo "### osm-bench -s $num -t 2 -i 5 (informational)"
	osm-bench -s "$num" -t 2 -i 5 2>&1 | sed 's/^/# /'
	[ -f /osmosis-base1.ko ] && bench_same_text && bench_ab
	# osm.bench_quick=1: only that side-by-side run (and the profile).
	if [ "$(cmdline_arg osm.bench_quick 0)" != 1 ]; then
		benchmark_more
	fi
	[ "$(cmdline_arg osm.profile 0)" = 1 ] && command -v perf >/dev/null ||
		return 0
	# Where the time goes: kernel symbols of a graph read, whole system.
	echo "### perf: osm-bench -s $num -i 5 --read-only (profile)"
	perf record -q -g -o /tmp/perf.data -- \
		osm-bench -s "$num" -t 2 -i 5 --read-only 2>&1 | sed 's/^/# /'
	# Only the samples under osm_walk_read(), as shares of those: the
	# run also spawns the extra processes, which perf sees too.
	perf script -i /tmp/perf.data -F ip,sym 2>/dev/null |
		awk "$PROFILE_AWK" >/tmp/perf.read
	echo "### perf: the read path: $(grep '^samples' /tmp/perf.read)"
	echo "### perf: self time, share of the read"
	grep '^self' /tmp/perf.read | sort -k2 -rn | head -n 40 | sed 's/^/# /'
	echo "### perf: time in and under, share of the read"
	grep '^incl' /tmp/perf.read | sort -k2 -rn | head -n 60 | sed 's/^/# /'
}

# perf script -F ip,sym prints each sample's call chain, leaf first,
# blank-line separated: count the leaf (self) and each function once
# (inclusive) of the samples whose chain holds osm_walk_read.
PROFILE_AWK='
function flush(   i, k) {
	if (n && inread) {
		reads++
		self[sym[1]]++
		for (i = 1; i <= n; i++) {
			k = sym[i]
			if (!(k in seen)) { seen[k] = 1; incl[k]++ }
		}
	}
	if (n) all++
	n = 0; inread = 0
	for (k in seen) delete seen[k]
}
NF == 0 { flush(); next }
{
	s = $2; sub(/\+0x[0-9a-f]+$/, "", s); sym[++n] = s
	if (s == "osm_walk_read") inread = 1
}
END {
	flush()
	printf "samples %d, %d in osm_walk_read\n", all, reads
	for (k in self) printf "self %6.2f%% %s\n", 100 * self[k] / reads, k
	for (k in incl) printf "incl %6.2f%% %s\n", 100 * incl[k] / reads, k
}'

# osm.slowdown=N (the debug kernel): each selftest program gets N times
# its kselftest "settings" timeout.
scale_timeout() {
	numeric_arg osm.slowdown 1
	[ "$num" -gt 1 ] && [ -f /selftests/settings ] || return 0
	t=$(sed -n 's/^timeout=\([0-9][0-9]*\)$/\1/p' /selftests/settings)
	[ -n "$t" ] || return 0
	sed -i "s/^timeout=.*/timeout=$((t * num))/" /selftests/settings
	echo "# vm: per-program timeout ${t} s x $num = $((t * num)) s"
}

mode_test() {
	# vm/boot's tsc=unstable under TCG: the HPET, not the host's TSC.
	echo "# vm: clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>&1)"
	scale_timeout
	tests=$(cmdline_arg osm.tests "" | tr , ' ')
	numeric_arg osm.repeat 1
	repeat=$((num > 0 ? num : 1))
	stress=$(cmdline_arg osm.stress "$STRESS_TESTS" | tr , ' ')
	numeric_arg osm.stress_rounds "$STRESS_ROUNDS"
	stress_rounds=$num
	# churn_test runs this long instead of its CI counts (0: counts).
	numeric_arg osm.churn_seconds 0
	[ "$num" -eq 0 ] || export OSM_CHURN_SECONDS="$num"
	parse_shard
	if is_loaded; then
		ok "insmod /osmosis.ko"
		selftests
		if shard_is first; then
			stress_loop
		fi
		if shard_is last; then
			lifecycle
			unload
			benchmark
			yama_scope_3
		fi
	else
		not_ok "insmod /osmosis.ko"
		selftests
	fi
	kmemleak_scan
	dmesg_scan
	echo "OSM-VM-RESULT passed=$passed failed=$failed skipped=$skipped dmesg=$(cat /tmp/dmesg.state)"
}

run() {
	echo "### $*"
	"$@" 2>&1
	echo
}

mode_demo() {
	# A PD with its own net, uts and ipc namespaces, so the graph has
	# more than one of each and the query has something to show.
	unshare -n -u -i sleep 3600 &
	pd=$!
	sleep 0.5
	if ! command -v osm >/dev/null; then
		echo "osm tool not in this image (tools/osm not built yet)"
	else
		run osm api
	fi
	echo "### head -n 40 /dev/osmosis"
	head -n 40 /dev/osmosis
	echo
	command -v osm >/dev/null || return 0
	echo "### osm graph | head"
	osm graph 2>&1 | head
	echo
	run osm graph stats
	if osm query help >/dev/null 2>&1; then
		run osm query shared $pd
		run osm query shared 1 --types mm,net_ns
	else
		echo "osm has no query command yet"
	fi
	benchmark
}

mode_shell() {
	echo "osmosis VM: module loaded, /dev/osmosis ready; exit to power off"
	setsid cttyhack sh -l
}

[ "$1" = stage2 ] || stage1
mounts
mode=$(cmdline_arg osm.mode shell)
echo "osmosis VM: $(uname -r), mode $mode"
# In-tree modules the tests need (vm/mkinitramfs), before osmosis.ko.
for m in /lib/osm-modules/*.ko; do
	[ -f "$m" ] || continue
	insmod "$m" || echo "insmod $m failed"
done
insmod /osmosis.ko || echo "insmod /osmosis.ko failed"
case $mode in
test) mode_test ;;
demo) mode_demo ;;
*) mode_shell ;;
esac
sleep 1
poweroff -f
