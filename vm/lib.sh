# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Helpers sourced by the vm/ scripts: logging, paths, apt and the Debian
# kernel release naming.  Only functions and variables; no side effects
# beyond setting OSM_* defaults.

OSM_VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OSM_REPO=$(cd "$OSM_VM_DIR/.." && pwd)
OSM_VM_CACHE=${OSM_VM_CACHE:-/var/cache/osmosis-vm}
# The source package that provides checkpatch.pl and the kselftest headers.
OSM_SOURCE_SERIES=${OSM_SOURCE_SERIES:-6.12}
# Apt lists younger than this (seconds) are fresh enough to resolve against.
OSM_APT_MAX_AGE=${OSM_APT_MAX_AGE:-3600}
export OSM_VM_DIR OSM_REPO OSM_VM_CACHE DEBIAN_FRONTEND=noninteractive

osm_log() {
	printf '%s: %s\n' "${0##*/}" "$*" >&2
}

osm_die() {
	osm_log "error: $*"
	exit 1
}

# Refresh the apt lists unless a parent script already did or they are
# recent: resolving "newest release" is only as good as the lists.  The
# stamp counts because apt leaves unchanged lists' mtimes alone.
osm_apt_update() {
	local stamp=$OSM_VM_CACHE/.apt-updated newest try

	[[ ${OSM_APT_UPDATED:-0} == 1 ]] && return 0
	newest=$(find /var/lib/apt/lists/ "$stamp" -maxdepth 1 \
		\( -name '*_Packages*' -o -name .apt-updated \) \
		-printf '%T@\n' 2>/dev/null | sort -n | tail -n 1) || true
	newest=${newest:-0}
	if (( $(date +%s) - ${newest%.*} > OSM_APT_MAX_AGE )); then
		osm_log "apt-get update"
		# Another apt may hold the lists lock briefly; retry.
		for try in 1 2 3; do
			apt-get -q -o DPkg::Lock::Timeout=600 update >&2 && break
			(( try == 3 )) && osm_die "apt-get update failed"
			sleep 10
		done
		mkdir -p "$OSM_VM_CACHE"
		touch "$stamp"
	fi
	export OSM_APT_UPDATED=1
}

# Install whatever of "$@" is missing; calling apt-get only then keeps a
# warm run fast and lets it work without network.
osm_apt_install() {
	local pkg missing=()

	for pkg in "$@"; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null |
			grep -q 'ok installed' || missing+=("$pkg")
	done
	(( ${#missing[@]} )) || return 0
	osm_apt_update
	osm_log "apt-get install ${missing[*]}"
	# The 6.12 headers depend on a linux-image; it is never booted on
	# this host, so skip building an initramfs for it (INITRD=No).
	INITRD=No apt-get -q -y -o DPkg::Lock::Timeout=600 install \
		--no-install-recommends "${missing[@]}" >&2
}

# ERE matching the plain amd64 flavour of a series' Debian releases:
# "<series>.0-<abi>-amd64" (6.1 style) or "<series>.<n>+deb<m>-amd64"
# (6.12 style).  Built from the series so no release is written down.
osm_release_regex() {
	local series=${1//./\\.}

	printf '^%s\\.[0-9]+(-[0-9]+|\\+deb[0-9]+)-amd64$' "$series"
}

# True if an apt source (not just dpkg's status file) offers package $1.
osm_apt_available() {
	apt-cache madison "$1" 2>/dev/null | grep -q ' Packages$'
}

# Print the newest release of series $1 that has both an unsigned image
# and headers in the apt lists.
osm_resolve_kernel() {
	local series=$1 re rel rels

	[[ $series =~ ^[0-9]+\.[0-9]+$ ]] || osm_die "bad series '$series'"
	osm_apt_update
	re=$(osm_release_regex "$series")
	mapfile -t rels < <(apt-cache pkgnames "linux-image-$series." |
		sed -n 's/^linux-image-\(.*\)-unsigned$/\1/p' |
		grep -E "$re" | sort -r -V)
	for rel in "${rels[@]}"; do
		if osm_apt_available "linux-image-$rel-unsigned" &&
		   osm_apt_available "linux-headers-$rel"; then
			printf '%s\n' "$rel"
			return 0
		fi
	done
	osm_die "no linux-image-*-unsigned with headers for series $series"
}

# Serialise users of one cache area: engineers and CI may run vm/ scripts
# at the same time on one machine.  Holds until osm_unlock or exit.
osm_lock() {
	local file=$OSM_VM_CACHE/locks/$1.lock

	mkdir -p "${file%/*}"
	exec {OSM_LOCK_FD}>"$file"
	if ! flock -n "$OSM_LOCK_FD"; then
		osm_log "waiting for $file"
		flock "$OSM_LOCK_FD"
	fi
}

osm_unlock() {
	exec {OSM_LOCK_FD}>&-
}

# Program names in $2 (space- or comma-separated), comma-joined; dies
# naming variable $1 on anything but a name.
osm_name_list() {
	local t words list=()

	IFS=$', \t\n' read -r -a words <<<"$2"
	for t in "${words[@]}"; do
		[[ -n $t ]] || continue
		[[ $t =~ ^[A-Za-z0-9_]+$ ]] ||
			osm_die "$1: '$t' is not a selftest program name"
		list+=("$t")
	done
	(IFS=,; echo "${list[*]}")
}

# The guest's test-mode settings as kernel command-line words:
#   OSM_VM_TESTS          osm.tests=         selftest programs (default all)
#   OSM_VM_REPEAT         osm.repeat=        rounds of them (default 1)
#   OSM_VM_STRESS_ROUNDS  osm.stress_rounds= stress loop rounds (guest: 20)
#   OSM_VM_STRESS         osm.stress=        its programs (guest's list)
#   OSM_VM_UNLOAD_ROUNDS  osm.unload_rounds= rmmod/insmod/read rounds (100)
#   OSM_VM_SHARD          osm.shard=         I/N: this VM's share of the
#                                            run (vm/init.sh parse_shard)
# Dies on a bad value, so call it before anything slow.
osm_test_cmdline() {
	local words=() list

	list=$(osm_name_list OSM_VM_TESTS "${OSM_VM_TESTS:-}") || exit 1
	[[ -z $list ]] || words+=("osm.tests=$list")
	list=$(osm_name_list OSM_VM_STRESS "${OSM_VM_STRESS:-}") || exit 1
	[[ -z $list ]] || words+=("osm.stress=$list")
	if [[ -n ${OSM_VM_REPEAT:-} ]]; then
		[[ $OSM_VM_REPEAT =~ ^[1-9][0-9]{0,3}$ ]] ||
			osm_die "OSM_VM_REPEAT must be 1..9999, not '$OSM_VM_REPEAT'"
		words+=("osm.repeat=$OSM_VM_REPEAT")
	fi
	if [[ -n ${OSM_VM_STRESS_ROUNDS:-} ]]; then
		[[ $OSM_VM_STRESS_ROUNDS =~ ^[0-9]{1,4}$ ]] ||
			osm_die "OSM_VM_STRESS_ROUNDS must be 0..9999, not '$OSM_VM_STRESS_ROUNDS'"
		words+=("osm.stress_rounds=$((10#$OSM_VM_STRESS_ROUNDS))")
	fi
	if [[ -n ${OSM_VM_UNLOAD_ROUNDS:-} ]]; then
		[[ $OSM_VM_UNLOAD_ROUNDS =~ ^[0-9]{1,4}$ ]] ||
			osm_die "OSM_VM_UNLOAD_ROUNDS must be 0..9999, not '$OSM_VM_UNLOAD_ROUNDS'"
		words+=("osm.unload_rounds=$((10#$OSM_VM_UNLOAD_ROUNDS))")
	fi
	if [[ -n ${OSM_VM_SHARD:-} ]]; then
		if [[ ! $OSM_VM_SHARD =~ ^([1-9])/([1-9])$ ]] ||
		   (( BASH_REMATCH[1] > BASH_REMATCH[2] )); then
			osm_die "OSM_VM_SHARD must be I/N with 1 <= I <= N <= 9, not '$OSM_VM_SHARD'"
		fi
		words+=("osm.shard=$OSM_VM_SHARD")
	fi
	if [[ -n ${OSM_VM_CHURN_SECONDS:-} ]]; then
		[[ $OSM_VM_CHURN_SECONDS =~ ^[0-9]{1,5}$ ]] ||
			osm_die "OSM_VM_CHURN_SECONDS must be 0..99999, not '$OSM_VM_CHURN_SECONDS'"
		words+=("osm.churn_seconds=$((10#$OSM_VM_CHURN_SECONDS))")
	fi
	echo "${words[*]}"
}

# Seconds a test boot of release $1 may take: OSM_VM_TIMEOUT, else 900
# plus room for each selftests round after the first and stress round
# after the 20th (measured under TCG: ~30 s and ~11 s) and churn_test's
# OSM_VM_CHURN_SECONDS in every round; the debug kernel gets
# OSM_DEBUG_SLOWDOWN times that.  Call osm_test_cmdline first.
osm_test_timeout() {
	local repeat=${OSM_VM_REPEAT:-1} rounds=$((10#${OSM_VM_STRESS_ROUNDS:-20}))
	local secs

	if [[ -n ${OSM_VM_TIMEOUT:-} ]]; then
		echo "$OSM_VM_TIMEOUT"
		return
	fi
	secs=$((900 + 120 * (repeat - 1) + 30 * (rounds > 20 ? rounds - 20 : 0) +
		repeat * 10#${OSM_VM_CHURN_SECONDS:-0}))
	osm_is_debug_rel "${1:-}" && secs=$((secs * OSM_DEBUG_SLOWDOWN))
	echo "$secs"
}

# The debug kernel (vm/build-debug-kernel) is series "debug"; its
# release ends in the LOCALVERSION of vm/debug-kernel.config.
OSM_DEBUG_SUFFIX=-osm-debug
# How much slower than a Debian kernel the suite runs on it under TCG
# (KASAN + lockdep + kmemleak): the factor for the VM and per-test
# timeouts.
OSM_DEBUG_SLOWDOWN=${OSM_DEBUG_SLOWDOWN:-4}
# The stress loop's rounds there unless OSM_VM_STRESS_ROUNDS is set.
OSM_DEBUG_STRESS_ROUNDS=${OSM_DEBUG_STRESS_ROUNDS:-2}
# VMs vm/test-all splits the debug run across (one per host core).
OSM_DEBUG_SHARDS=${OSM_DEBUG_SHARDS:-2}

osm_is_debug_rel() {
	[[ $1 == *"$OSM_DEBUG_SUFFIX" ]]
}

# The series vm/test-all runs (OSM_VM_SERIES), and whether they include
# the debug kernel.
osm_vm_series() {
	echo "${OSM_VM_SERIES:-6.1 6.12 debug}"
}

osm_vm_series_has_debug() {
	[[ " $(osm_vm_series) " == *" debug "* ]]
}

# Start vm/build-debug-kernel in the background (it builds at nice 19 and
# holds its lock, so a later vm/run --kernel debug waits for it or finds
# it cached) and print its pid, which is also its process group (setsid:
# kill -- -PID stops make and the compilers too).  Its output goes to
# $OSM_VM_CACHE/logs/debug-kernel-build.log; a failed build is repeated,
# and reported, by the vm/run that needs it.
osm_debug_kernel_prebuild() {
	local log=$OSM_VM_CACHE/logs/debug-kernel-build.log

	mkdir -p "${log%/*}"
	osm_log "building the debug kernel in the background (log: $log)"
	setsid "$OSM_VM_DIR/build-debug-kernel" >"$log" 2>&1 </dev/null &
	echo $!
}

# A Debian release's headers package, or the debug kernel's module-build
# tree.
osm_headers_dir() {
	if osm_is_debug_rel "$1"; then
		printf '%s/build\n' "$(osm_kernel_tree "$1")"
	else
		printf '/usr/src/linux-headers-%s\n' "$1"
	fi
}

osm_kernel_tree() {
	printf '%s/kernel/%s\n' "$OSM_VM_CACHE" "$1"
}

osm_vmlinuz() {
	printf '%s/boot/vmlinuz-%s\n' "$(osm_kernel_tree "$1")" "$1"
}
