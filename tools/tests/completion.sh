#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# tools/tests/completion.sh: the bash completion's tables match the
# command tables of tools/*.c (main_cmds[] and each object's cmds[]),
# and completing a few command lines gives the right words.  TAP.
# shellcheck disable=SC1090,SC1091,SC2154 # the sourced scripts set them
HERE=$(cd "$(dirname "$0")" && pwd)
TOOLS=$HERE/..
COMP=$TOOLS/bash-completion/osm
n=0
fails=0

check() {
	n=$((n + 1))
	if [[ $2 == "$3" ]]; then
		echo "ok $n - $1"
	else
		fails=$((fails + 1))
		echo "not ok $n - $1"
		echo "#   got:  '$2'"
		echo "#   want: '$3'"
	fi
}

# The words of $1 separated by single spaces.
words() {
	tr -s ' \t\n' '\n' <<<"$1" | grep . | paste -sd ' '
}

# The names of a "static const struct cmd NAME[] = {" table in file $1.
c_table() {
	awk -v t="$2" '
		$0 ~ "static const struct cmd " t "\\[\\] = \\{" { on = 1; next }
		on && /^\};/ { exit }
		on && match($0, /\{ *"[^"]+"/) {
			s = substr($0, RSTART, RLENGTH); sub(/^\{ *"/, "", s)
			sub(/"$/, "", s); printf "%s%s", sep, s; sep = " "
		}' "$1"
}

. "$COMP"
check "objects match main_cmds[] in main.c" \
	"$(words "$_osm_objects")" "$(c_table "$TOOLS/main.c" main_cmds)"
for f in "$TOOLS"/*.c; do
	grep -q 'static const struct cmd cmds\[\] = {' "$f" || continue
	obj=$(basename "$f" .c)
	check "commands of '$obj' match cmds[] in $obj.c" \
		"$(words "${_osm_cmds[$obj]-}")" "$(c_table "$f" cmds)"
done
for obj in "${!_osm_cmds[@]}"; do
	[[ -f $TOOLS/$obj.c ]] || check "'$obj' has a $obj.c" "" "$obj.c"
done

bc=/usr/share/bash-completion/bash_completion
if [[ ! -f $bc ]]; then
	n=$((n + 1))
	echo "ok $n - # SKIP bash-completion not installed"
	echo "1..$n"
	exit $((fails > 0))
fi
. "$bc"
. "$COMP"
# Outside a real completion compopt fails: its effect is not tested.
compopt() { :; }

# complete LINE: what <TAB> at the end of LINE offers, sorted.
complete_line() {
	local COMP_LINE=$1 COMP_POINT=${#1} COMP_WORDS COMP_CWORD COMPREPLY=()

	read -r -a COMP_WORDS <<<"$1"
	[[ $1 == *' ' ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	_osm osm "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	printf '%s\n' "${COMPREPLY[@]}" | sort | paste -sd ' '
}

check "osm <TAB>" "$(complete_line 'osm ')" \
	"$(words "$_osm_objects" | tr ' ' '\n' | sort | paste -sd ' ')"
check "osm g<TAB>" "$(complete_line 'osm g')" "graph"
check "osm -j gr st<TAB> (prefixes)" "$(complete_line 'osm -j gr st')" "stats"
check "osm graph neo4j --<TAB>" "$(complete_line 'osm graph neo4j --')" "--backend --dir --file"
check "osm q c 1 --<TAB>" "$(complete_line 'osm q c 1 --')" \
	"--file --ptrace-scope --threads"
check "osm query shared 1 --types mm,net<TAB>" \
	"$(complete_line 'osm query shared 1 --types mm,net')" "mm,net_ns"
check "osm spawn --preset c<TAB>" "$(complete_line 'osm spawn --preset c')" \
	"container"
check "osm spawn --join ne<TAB>" "$(complete_line 'osm spawn --join ne')" "net="
check "osm query shared k<TAB>" "$(complete_line 'osm query shared k')" "kernel"
check "osm --v<TAB>" "$(complete_line 'osm --v')" "--verbose --version"
check "osm graph --backend p<TAB>" "$(complete_line 'osm graph --backend p')" "procfs"
check "osm tcb 1 --gr<TAB> (a query command as an object)" \
	"$(complete_line 'osm tcb 1 --gr')" "--granularity"
check "osm query tcb 1 --granularity t<TAB>" \
	"$(complete_line 'osm query tcb 1 --granularity t')" "thread"
check "osm bfs process:1 --dir <TAB>" "$(complete_line 'osm bfs process:1 --dir ')" \
	"both in out"
check "osm bfs process:1 --kinds hold,m<TAB>" \
	"$(complete_line 'osm bfs process:1 --kinds hold,m')" "hold,map hold,member"
check "osm draw k<TAB>" "$(complete_line 'osm draw k')" "kernel"
check "osm compare 1 k<TAB> (second PD)" "$(complete_line 'osm compare 1 k')" "kernel"
echo "1..$n"
(( fails == 0 ))
