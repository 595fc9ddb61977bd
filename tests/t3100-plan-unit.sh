#!/bin/sh
# t3100-plan-unit.sh - the apply planner (gdb-ext/plan*.c) on real
# processes: builds and generates the cases here, then the unit test
# (tests/unit/plan.c) runs the programs, asks GDB for their mappings,
# memory and frames, and prints the TAP itself.
test_description='apply planner on live processes'
: "${KATANA_TOP:=$(cd "$(dirname "$0")/.." && pwd)}"
bin=$KATANA_TOP/build/tests/unit/plan
if [ ! -x "$bin" ]; then
	echo "1..0 # SKIP $bin not built"
	exit 0
fi
for t in gdb gcc objdump readelf; do
	command -v $t >/dev/null 2>&1 || { echo "1..0 # SKIP missing tool: $t"; exit 0; }
done
KATANA=${KATANA:-$KATANA_TOP/build/bin/katana}
export KATANA
W=$(mktemp -d "${TMPDIR:-/tmp}/katana-t3100.XXXXXX") || exit 1
trap 'rm -rf "$W"' EXIT
trap 'exit 130' INT TERM HUP

prep() { # NAME [VARIANT FLAGS...]
	c=$1 o=$W/$1
	shift
	if [ $# -gt 0 ]; then o=$W/$c-$1; shift; fi
	sh "$KATANA_TOP/tests/build-case.sh" "$KATANA_TOP/tests/cases/$c" "$o" "$@" \
		>"$W/build.log" 2>&1 &&
	exe=$(. "$o/case.env" && echo "$EXE") &&
	"$KATANA" gen -o "$o/fix.po" "$o/v0" "$o/v1" "$exe" >>"$W/build.log" 2>&1 || {
		echo "Bail out! cannot build and generate case $c"
		sed 's/^/# /' "$W/build.log"
		exit 1
	}
}
prep libcall
prep libcall pic -fPIC
prep onefunc
prep static-dup
prep tls
prep shlib
"$bin" "$W"
