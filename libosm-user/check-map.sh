#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
#
# check-map.sh HEADER MAP [LIB]: every OSM_API function declared in
# HEADER (osm.h) is listed in the version script MAP (libosm.map), and
# nothing else is; no global wildcard; with LIB (libosm.so), it exports
# exactly those symbols, each at its node's version.  The Makefile runs
# it around every link of libosm.so, so a new public function without a
# map entry (or a map entry without a function) fails the build.
set -euo pipefail

(( $# == 2 || $# == 3 )) || { echo "usage: $0 HEADER MAP [LIB]" >&2; exit 2; }
hdr=$1 map=$2 lib=${3:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0

err() {
	echo "check-map.sh: $*" >&2
	bad=1
}

# Declarations start a line with OSM_API; the name is the identifier
# just before the first '(' on that line.
grep -E '^OSM_API[[:space:]]' "$hdr" | while IFS= read -r line; do
	name=$(sed -nE 's/^[^(]*[^A-Za-z0-9_(]([A-Za-z_][A-Za-z0-9_]*)[[:space:]]*\(.*/\1/p' <<<"$line")
	if [[ -z $name ]]; then
		echo "?$line"
	else
		echo "$name"
	fi
done | sort >"$tmp/hdr"
if grep '^?' "$tmp/hdr" >&2; then
	err "$hdr: OSM_API line(s) above without 'name(' on the same line"
fi

# "NODE symbol" for each global symbol of the map, comments stripped.
perl -0777 -pe 's{/\*.*?\*/}{}gs' "$map" | awk -v map="$map" '
	/^[[:space:]]*[A-Za-z0-9_.]+[[:space:]]*\{/ {
		node = $1; sub(/\{.*/, "", node); scope = ""; next
	}
	/^[[:space:]]*global:/ { scope = "global"; next }
	/^[[:space:]]*local:/ { scope = "local"; next }
	/^[[:space:]]*\}/ { node = ""; next }
	/^[[:space:]]*$/ { next }
	{
		sym = $1; sub(/;$/, "", sym)
		if (scope != "global")
			next
		if (sym ~ /[*?\[]/) {
			print "wildcard " node " " sym
			next
		}
		print node " " sym
	}' >"$tmp/map.all"
if grep '^wildcard ' "$tmp/map.all" >&2; then
	err "$map: a global wildcard exports by accident: list each symbol"
fi
grep -v '^wildcard ' "$tmp/map.all" | sort -k2 >"$tmp/map"
awk '{ print $1 }' "$tmp/map" | sort -u |
	grep -vxE 'OSM_[0-9]+\.[0-9]+\.[0-9]+' >"$tmp/nodes" || true
if [[ -s $tmp/nodes ]]; then
	sed 's/^/  /' "$tmp/nodes" >&2
	err "$map: node names are OSM_MAJOR.MINOR.PATCH"
fi
awk '{ print $2 }' "$tmp/map" | sort | uniq -d >"$tmp/dups"
if [[ -s $tmp/dups ]]; then
	sed 's/^/  /' "$tmp/dups" >&2
	err "$map: symbols listed twice (above)"
fi
awk '{ print $2 }' "$tmp/map" | sort -u >"$tmp/map.syms"

grep -v '^?' "$tmp/hdr" | comm -23 - "$tmp/map.syms" >"$tmp/missing"
if [[ -s $tmp/missing ]]; then
	sed 's/^/  /' "$tmp/missing" >&2
	err "declared OSM_API in $hdr but not in $map (add them to a new node, see its comment)"
fi
grep -v '^?' "$tmp/hdr" | comm -13 - "$tmp/map.syms" >"$tmp/extra"
if [[ -s $tmp/extra ]]; then
	sed 's/^/  /' "$tmp/extra" >&2
	err "listed in $map but not declared OSM_API in $hdr"
fi

if [[ -n $lib ]]; then
	# What the library really exports, as "NODE symbol".
	nm -D --defined-only "$lib" | awk '$3 ~ /@@?/ {
		split($3, p, /@@?/); if (p[1] != p[2]) print p[2] " " p[1] }' |
		sort -k2 >"$tmp/lib"
	# (the version definitions themselves are absolute "A" symbols)
	nm -D --defined-only "$lib" | awk '$2 != "A" && $3 !~ /@/ { print $3 }' \
		>"$tmp/unver"
	if [[ -s $tmp/unver ]]; then
		sed 's/^/  /' "$tmp/unver" >&2
		err "$lib exports unversioned symbols"
	fi
	if ! diff -u "$tmp/map" "$tmp/lib" >"$tmp/diff"; then
		cat "$tmp/diff" >&2
		err "$lib exports differ from $map (- map, + library)"
	fi
fi
exit "$bad"
