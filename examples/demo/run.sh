#!/bin/sh
# run.sh - katana's bundled demo (make demo).
#
#   sh examples/demo/run.sh KATANA BUILD_DIR
#
# Builds the buggy server (v0/) and the fixed one (v1/) the way a project
# would, generates a Patch Object from the difference, and shows it.
set -eu

if [ $# -ne 2 ]; then
	echo "usage: sh examples/demo/run.sh KATANA BUILD_DIR" >&2
	exit 2
fi
katana=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
CC=${CC:-gcc}
CFLAGS="-g -O2 -ffunction-sections -fdata-sections"
srcs="server.c stats.c greet.c"

die() {
	echo "demo: $*" >&2
	exit 1
}
heading() {
	printf '\n==== %s\n\n' "$*"
}

[ -x "$katana" ] || die "$katana: not an executable (run make first)"
command -v "$CC" >/dev/null 2>&1 || die "$CC: compiler not found"
mkdir -p "$out"
out=$(cd "$out" && pwd)

for v in v0 v1; do
	heading "Building $v: $CC $CFLAGS"
	rm -rf "${out:?}/$v"
	mkdir -p "$out/$v"
	objs=
	for s in $srcs; do
		echo "  CC $v/$s"
		(cd "$here/$v" && $CC $CFLAGS -c "$s" -o "$out/$v/${s%.c}.o") ||
			die "compiling $v/$s failed"
		objs="$objs $out/$v/${s%.c}.o"
	done
	echo "  LD $v/server"
	# shellcheck disable=SC2086
	$CC $CFLAGS $objs -o "$out/$v/server" || die "linking $v/server failed"
done

heading "The running version (v0) has a bug: the visit count is off by one"
"$out/v0/server" 5 || die "v0/server failed"

heading "The fixed version (v1)"
"$out/v1/server" 5 || die "v1/server failed"

heading "katana gen: diff the two builds and write the patch"
rm -f "$out/fix.po"
echo "\$ katana gen -o $out/fix.po $out/v0 $out/v1 server"
"$katana" gen -o "$out/fix.po" "$out/v0" "$out/v1" server ||
	die "katana gen failed (exit $?)"
[ -f "$out/fix.po" ] || die "katana gen did not write $out/fix.po"

heading "katana show: what the patch contains"
echo "\$ katana show $out/fix.po"
"$katana" show "$out/fix.po" || die "katana show failed (exit $?)"

# ---------------------------------------------------------------- apply
# Next step (not yet part of the demo): start "$out/v0/server" (no argument:
# it serves forever), apply "$out/fix.po" to the running process, and watch
# the visit numbers become right without a restart.

heading "Done"
echo "The patch is $out/fix.po; the builds are in $out/v0 and $out/v1."
