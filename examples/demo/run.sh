#!/bin/sh
# run.sh - katana's bundled demo (make demo).
#
#   sh examples/demo/run.sh KATANA BUILD_DIR
#
# Builds the buggy server (v0/) and the fixed one (v1/) the way a project
# would, generates a Patch Object from the difference, shows it, then starts
# the buggy server and fixes it while it runs (katana apply), shows the
# registry (katana status) and takes the fix back (katana revert).
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
heading "Live: start the buggy server (v0) and let it serve"
log="$out/server.log"
rm -f "$log"
"$out/v0/server" >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null' EXIT INT TERM
# wait for its output (a line per request, every 500 ms)
wait_lines() { # N: until the log has N lines
	_n=0
	while [ "$(wc -l <"$log")" -lt "$1" ]; do
		kill -0 "$pid" 2>/dev/null || die "the server died: $(cat "$log")"
		_n=$((_n + 1))
		[ "$_n" -lt 400 ] || die "the server printed nothing for 20 s"
		sleep 0.05
	done
}
wait_lines 3
sed 's/^/  server| /' "$log"
before=$(wc -l <"$log")

heading "katana apply: patch process $pid while it runs"
echo "\$ katana apply $out/fix.po $pid"
"$katana" apply "$out/fix.po" "$pid" || die "katana apply failed (exit $?)"
wait_lines $((before + 3))
echo
echo "  (the same process, pid $pid, never restarted:)"
sed -n "$((before + 1)),\$p" "$log" | sed 's/^/  server| /'

heading "katana status: what the process now runs"
echo "\$ katana status $pid"
"$katana" status "$pid" || die "katana status failed (exit $?)"

heading "katana revert: back to the old code, still no restart"
echo "\$ katana revert $pid"
"$katana" revert "$pid" || die "katana revert failed (exit $?)"
before=$(wc -l <"$log")
wait_lines $((before + 2))
sed -n "$((before + 1)),\$p" "$log" | sed 's/^/  server| /'
kill "$pid" 2>/dev/null
trap - EXIT INT TERM

heading "Done"
echo "The patch is $out/fix.po; the builds are in $out/v0 and $out/v1; the server's"
echo "output is in $log."
