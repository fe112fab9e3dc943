#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# What osm says when it cannot use the module: no module loaded, none
# installed, no device node, a kernel without CONFIG_MODULES, permission
# denied, too many walks, a module older or newer than osm (osm.8,
# DIAGNOSTICS).  Runs tests/osm-fakedev, osm's objects with a fake
# device (tests/fakedev.c).  Usage: tests/failure.sh [osm-fakedev]; TAP.

OSM=${1:-tests/osm-fakedev}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
n=0
fails=0

# case MODE WANT_RC DESC PATTERN ARGS...: run osm with OSM_FAKE=MODE; the
# exit code is WANT_RC and stderr matches PATTERN (a grep -E regex).
case_() {
	mode=$1 want=$2 desc=$3 pat=$4
	shift 4
	OSM_FAKE=$mode "$OSM" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	n=$((n + 1))
	if [ "$rc" -eq "$want" ] && grep -qE -- "$pat" "$TMP/err" "$TMP/out"; then
		echo "ok $n - $desc"
	else
		fails=$((fails + 1))
		echo "not ok $n - $desc (exit $rc, wanted $want; /$pat/)"
		sed 's/^/#   /' "$TMP/out" "$TMP/err" | head -n 10
	fi
}

for verb in "graph stats --backend module" "api" "spawn -- true"; do
	# shellcheck disable=SC2086 # the verb is several words
	{
	case_ nomod 1 "osm $verb, module not loaded: modprobe" \
		"not loaded: load it with 'modprobe osmosis'" $verb
	case_ noinstall 1 "osm $verb, module not installed: dkms" \
		"not installed for kernel .*osmosis-dkms.*dkms-install" $verb
	case_ nodevnode 1 "osm $verb, no device node: devtmpfs" \
		"loaded but the device node is missing.*devtmpfs" $verb
	case_ nomodules 1 "osm $verb, kernel without modules: CONFIG_MODULES" \
		"needs CONFIG_MODULES=y" $verb
	case_ denied 1 "osm $verb, permission denied: mode and LSM" \
		"Permission denied.*mode 0444.*LSM" $verb
	case_ busy 1 "osm $verb, too many walks: max_walks" \
		"max_walks_per_user and max_walks" $verb
	}
done

# Old modules.  No OSM_IOC_GET_API at all: older than any release.
case_ nohandshake 1 "osm api, module without the handshake: older" \
	"GET_API: .*older than this osm.*modinfo osmosis" api
case_ nohandshake 0 "osm graph, module without the handshake: still reads" \
	"^osmosis-graph 1\\.5" graph stats
# api 1.2: reads work, spawn (api 1.3) is refused with what to do.
case_ api1.2 0 "osm api, api 1.2 module: warns it is older" \
	"module is older than this osm \\(api 1\\.[0-9]+\\).*load the module of release" api
case_ api1.2 1 "osm spawn, api 1.2 module: no spawn (api 1.3)" \
	"api 1\\.2, without spawn \\(api 1\\.3\\): load the module of this osm's release" \
	spawn -- true
case_ api1.2 0 "osm graph, api 1.2 module: reads" \
	"^1 nodes" graph stats
# api 1.3: spawn exists, fields of 1.4 are refused (E2BIG).
case_ api1.3 1 "osm spawn, api 1.3 module: options added since refused" \
	"api 1\\.3, older than this osm's 1\\.[0-9]+: options added since are refused" \
	spawn -- true
# Another major: incompatible either way.
case_ api2.0 0 "osm api, api 2.0 module: install matching releases" \
	"knows api 1\\.x: install matching releases" api
case_ api2.0 1 "osm spawn, api 2.0 module: install one release" \
	"api 2\\.0, this osm speaks 1\\.x: install the module and osm of one release" \
	spawn -- true
# A graph format osm cannot read.
case_ graph2 1 "osm graph, format 2.0: different releases" \
	"unknown major version 2.*different releases.*modinfo osmosis" graph stats
# A current module: a failed spawn blames nothing on it.
case_ current 1 "osm spawn, current module: no module hint" \
	"cannot spawn true: Inappropriate ioctl for device$" spawn -- true

echo "1..$n"
[ "$fails" -eq 0 ]
