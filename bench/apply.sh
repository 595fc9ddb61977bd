#!/bin/sh
# apply.sh - katana's benchmark (make bench).
#
#   sh bench/apply.sh KATANA OUT_DIR
#
# Builds its own target (bench/src/v0 and v1) and callgrind drivers in
# OUT_DIR, then measures, in one run, and prints one table:
#   1. how long `katana apply` / `katana revert` of a 10-function patch stop a
#      4-thread target (seen from inside it) and take in all, against a bare
#      `gdb -batch -nx -p PID -ex detach`;
#   2. `katana unsafe` (the safe-point scan) on 4 and on 50 threads;
#   3. instructions per call of a patched f0 (entry jmp + new code) against
#      the new f0 called directly, with callgrind;
#   4. a data transform: apply/revert of a patch whose struct gains a member
#      on a heap list of 1,000,000 nodes, against the program's own build of
#      that list and against the same patch on a 1-node list.
# See bench/README.md.  Environment: REPS (default 5), SCAN_REPS (3),
# CG_CALLS (100000), XF_NODES (1000000), XF_REPS (3), CC (gcc), GDB (gdb).
# Word splitting of $CFLAGS and of the sample lists is wanted.
# shellcheck disable=SC2086,SC2015
set -eu

if [ $# -ne 2 ]; then
	echo "usage: sh bench/apply.sh KATANA OUT_DIR" >&2
	exit 2
fi
katana=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
src=$here/src
CC=${CC:-gcc}
GDB=${GDB:-gdb}
REPS=${REPS:-5}
SCAN_REPS=${SCAN_REPS:-3}
CG_CALLS=${CG_CALLS:-100000}
XF_NODES=${XF_NODES:-1000000}
XF_REPS=${XF_REPS:-3}
CFLAGS="-g -O2"

die() {
	echo "bench: $*" >&2
	exit 1
}
note() {
	echo "bench: $*" >&2
}

[ -x "$katana" ] || die "$katana: not an executable (run make first)"
command -v "$CC" >/dev/null 2>&1 || die "$CC: compiler not found"
command -v "$GDB" >/dev/null 2>&1 || die "$GDB: not found"
mkdir -p "$out"
out=$(cd "$out" && pwd)

# ---------------------------------------------------------------- build
# build_pair SRC OUT SOURCES...: v0 and v1 of a target, objects per source
# under OUT/vN/, compiled from inside SRC/vN with relative paths (as
# tests/build-case.sh does, so both builds match) and linked as OUT/vN/prog;
# then OUT/fix.po.
build_pair() {
	_bs=$1 _bo=$2
	shift 2
	for v in v0 v1; do
		rm -rf "${_bo:?}/$v"
		mkdir -p "$_bo/$v"
		_objs=
		for s in "$@"; do
			(cd "$_bs/$v" && $CC $CFLAGS -frandom-seed="$s" -c "$s" \
				-o "$_bo/$v/${s%.c}.o") || die "compiling $_bs/$v/$s failed"
			_objs="$_objs $_bo/$v/${s%.c}.o"
		done
		$CC $CFLAGS -pthread $_objs -o "$_bo/$v/prog" || die "linking $_bo/$v/prog failed"
	done
	rm -f "$_bo/fix.po"
	"$katana" gen -o "$_bo/fix.po" "$_bo/v0" "$_bo/v1" prog >"$_bo/gen.log" 2>&1 ||
		die "katana gen failed (see $_bo/gen.log)"
}
build_pair "$src" "$out" main.c funcs.c

# ---------------------------------------------------------------- helpers
now_ns() {
	date +%s%N
}
# ms A_NS B_NS: B - A in ms
ms() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1e6 }'
}
# median of the numbers given
median() {
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 }
		END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# ratio A B: A / B, "-" if B is 0
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "-"; else printf "%.2fx", a / b }'
}

pid=
fifo=$out/ctl
outf=
lines=0
stop_target() {
	if [ -n "$pid" ]; then
		exec 3>&-
		kill "$pid" 2>/dev/null || :
		wait "$pid" 2>/dev/null || :
		pid=
	fi
}
trap 'stop_target' EXIT
trap 'exit 1' INT TERM HUP

# start_target N: run v0/prog with N worker threads, its stdin on fd 3
start_target() {
	stop_target
	rm -f "$fifo"
	mkfifo "$fifo"
	outf=$out/prog-$1.out
	: >"$outf"
	"$out/v0/prog" "$1" <"$fifo" >"$outf" &
	pid=$!
	exec 3>"$fifo"
	lines=0
	wait_line
	sleep 0.2	# let the threads start
	gap	# reset the probe
}
# wait_line: until the target has printed one more line
wait_line() {
	lines=$((lines + 1))
	_wl=0
	while [ "$(wc -l <"$outf")" -lt "$lines" ]; do
		_wl=$((_wl + 1))
		[ $_wl -lt 1000 ] || die "target $pid does not answer"
		kill -0 "$pid" 2>/dev/null || die "target $pid died"
		sleep 0.01
	done
}
# gap: the target's largest probe gap (ms) since the last call, in g;
# resets it.  (Not to be called in $(...): lines must be kept.)
gap() {
	echo >&3
	wait_line
	g=$(sed -n "${lines}p" "$outf" | awk '{ printf "%.1f\n", $2 / 1000 }')
}

# ---------------------------------------------------------------- 1. apply
note "apply/revert/gdb attach-detach, $REPS times, 4 threads"
start_target 4
a_gap='' a_rep='' a_wall='' r_gap='' r_wall='' g_gap='' g_wall='' idle=''
i=0
while [ $i -lt "$REPS" ]; do
	i=$((i + 1))
	t0=$(now_ns)
	"$katana" apply "$out/fix.po" "$pid" >"$out/apply.log" 2>&1 ||
		die "katana apply failed: $(cat "$out/apply.log")"
	t1=$(now_ns)
	gap
	a_gap="$a_gap $g"
	a_wall="$a_wall $(ms "$t0" "$t1")"
	a_rep="$a_rep $(sed -n 's/.*target stopped \([0-9.]*\) ms.*/\1/p' "$out/apply.log" | tail -n 1)"
	last_apply=$(ms "$t0" "$t1")

	t0=$(now_ns)
	"$katana" revert "$pid" >"$out/revert.log" 2>&1 ||
		die "katana revert failed: $(cat "$out/revert.log")"
	t1=$(now_ns)
	gap
	r_gap="$r_gap $g"
	r_wall="$r_wall $(ms "$t0" "$t1")"

	# the same period without anything attached
	sleep "$(awk -v m="$last_apply" 'BEGIN { printf "%.3f", m / 1000 }')"
	gap
	idle="$idle $g"

	t0=$(now_ns)
	"$GDB" -batch -nx -p "$pid" -ex detach >"$out/gdb.log" 2>&1 ||
		die "gdb attach/detach failed: $(cat "$out/gdb.log")"
	t1=$(now_ns)
	gap
	g_gap="$g_gap $g"
	g_wall="$g_wall $(ms "$t0" "$t1")"
done
# shellcheck disable=SC2086
{
	m_a_gap=$(median $a_gap)
	m_a_rep=$(median $a_rep)
	m_a_wall=$(median $a_wall)
	m_r_gap=$(median $r_gap)
	m_r_wall=$(median $r_wall)
	m_g_gap=$(median $g_gap)
	m_g_wall=$(median $g_wall)
	m_idle=$(median $idle)
}

# ---------------------------------------------------------------- 2. scan
# scan N: median total time (ms) and in-target stop of `katana unsafe`,
# in scan_wall and scan_gap
scan() {
	start_target "$1"
	_w='' _g=''
	_i=0
	while [ $_i -lt "$SCAN_REPS" ]; do
		_i=$((_i + 1))
		t0=$(now_ns)
		_rc=0
		"$katana" unsafe "$out/fix.po" "$pid" >"$out/unsafe-$1.log" 2>&1 || _rc=$?
		t1=$(now_ns)
		# 0: could commit now; 4: a patched function is on a stack
		case $_rc in 0 | 4) ;; *) die "katana unsafe failed: $(cat "$out/unsafe-$1.log")" ;; esac
		gap
		_g="$_g $g"
		_w="$_w $(ms "$t0" "$t1")"
	done
	stop_target
	# shellcheck disable=SC2086
	scan_wall=$(median $_w) scan_gap=$(median $_g)
}
note "katana unsafe (safe-point scan), $SCAN_REPS times, 4 and 50 threads"
scan 4
s4_wall=$scan_wall s4_gap=$scan_gap
scan 50
s50_wall=$scan_wall s50_gap=$scan_gap
per_thr_wall=$(awk -v a="$s50_wall" -v b="$s4_wall" 'BEGIN { printf "%.2f", (a - b) / 46 }')
per_thr_gap=$(awk -v a="$s50_gap" -v b="$s4_gap" 'BEGIN { printf "%.2f", (a - b) / 46 }')

# ---------------------------------------------------------------- 3. callgrind
# cg_ipc BIN: callgrind Ir per call of f0 from drive() (inclusive: for the
# jmp variant callgrind books f0_new as called by f0, so it is included)
cg_ipc() {
	valgrind --tool=callgrind --compress-strings=no --compress-pos=no \
		--callgrind-out-file="$out/$1.callgrind" "$out/$1" "$CG_CALLS" \
		>"$out/$1.log" 2>&1 || return 1
	awk '/^fn=/ { indrive = ($0 == "fn=drive"); next }
		indrive && /^cfn=/ { tof0 = ($0 == "cfn=f0"); next }
		indrive && tof0 && /^calls=/ { split($0, c, /[= ]/); calls += c[2]; cost = 1; next }
		cost { ir += $2; cost = 0; tof0 = 0 }
		END { if (calls) printf "%.2f\n", ir / calls; else exit 1 }' "$out/$1.callgrind"
}
cg=
if command -v valgrind >/dev/null 2>&1; then
	note "callgrind, $CG_CALLS calls of f0, new and patched"
	mkdir -p "$out/cg"
	(cd "$src/callgrind" && $CC $CFLAGS -c drive.c -o "$out/cg/drive.o" &&
		$CC -c jmp.s -o "$out/cg/jmp.o") || die "compiling the callgrind drivers failed"
	objcopy --redefine-sym f0=f0_new "$out/v1/funcs.o" "$out/cg/funcs-new.o" ||
		die "objcopy failed"
	$CC "$out/cg/drive.o" "$out/v1/funcs.o" -o "$out/cg_new" &&
		$CC "$out/cg/drive.o" "$out/cg/jmp.o" "$out/cg/funcs-new.o" -o "$out/cg_jmp" &&
		$CC "$out/cg/drive.o" "$out/v0/funcs.o" -o "$out/cg_old" ||
		die "linking the callgrind drivers failed"
	if cg_new=$(cg_ipc cg_new) && cg_jmp=$(cg_ipc cg_jmp) && cg_old=$(cg_ipc cg_old); then
		cg=yes
	else
		note "callgrind failed (see $out/cg_*.log)"
		cg=failed
	fi
fi

# ---------------------------------------------------------------- 4. data
# A heap list of XF_NODES nodes whose struct gains a member (src/xf): the
# stub rebuilds every node inside the process.  Each round on a fresh
# target: the program's own build of the list (it prints the time), apply
# (katana's "N ms in the process" and the probe gap), a walk that checks
# the values, revert (the same back).  The same patch on a 1-node list
# gives the stop without the transform's work.
note "data transforms: heap list of $XF_NODES nodes, $XF_REPS times"
build_pair "$src/xf" "$out/xf" main.c list.c

# start_list N: the list target with N nodes (stdin on fd 3)
start_list() {
	stop_target
	rm -f "$fifo"
	mkfifo "$fifo"
	outf=$out/xf-$1.out
	: >"$outf"
	"$out/xf/v0/prog" "$1" <"$fifo" >"$outf" &
	pid=$!
	exec 3>"$fifo"
	lines=0
	wait_line
	built=$(awk '$1 == "built" { printf "%.1f\n", $3 / 1000 }' "$outf")
	gap
}
# walk: one line of the target (gap, sum, nodes, extra) in w_*
walk() {
	echo >&3
	wait_line
	set -- $(sed -n "${lines}p" "$outf")
	g=$(awk -v v="$2" 'BEGIN { printf "%.1f\n", v / 1000 }')
	w_sum=$4 w_nodes=$6 w_extra=$8
}
# in_process LOG: the "N ms in the process" of a katana summary
in_process() {
	sed -n 's/.* \([0-9.]*\) ms in the process.*/\1/p' "$1"
}
x_own='' x_apply='' x_gap='' x_rev='' x_rgap='' x_small=''
x_kib=$(awk -v n="$XF_NODES" 'BEGIN { printf "%d", n * 48 / 1024 }')
i=0
while [ $i -lt "$XF_REPS" ]; do
	i=$((i + 1))
	start_list "$XF_NODES"
	x_own="$x_own $built"
	walk
	sum0=$w_sum
	"$katana" apply "$out/xf/fix.po" "$pid" >"$out/xf/apply.log" 2>&1 ||
		die "katana apply (xf) failed: $(cat "$out/xf/apply.log")"
	walk
	x_gap="$x_gap $g"
	x_apply="$x_apply $(in_process "$out/xf/apply.log")"
	[ "$w_sum" = "$sum0" ] && [ "$w_nodes" = "$XF_NODES" ] && [ "$w_extra" = "$XF_NODES" ] ||
		die "after apply the list is wrong: sum $w_sum (was $sum0), $w_nodes nodes, extra $w_extra"
	x_kib=$(sed -n 's/.* heap objects (\([0-9]*\) KiB) built.*/\1/p' "$out/xf/apply.log")
	"$katana" revert "$out/xf/fix.po" "$pid" >"$out/xf/revert.log" 2>&1 ||
		die "katana revert (xf) failed: $(cat "$out/xf/revert.log")"
	walk
	x_rgap="$x_rgap $g"
	x_rev="$x_rev $(in_process "$out/xf/revert.log")"
	[ "$w_sum" = "$sum0" ] && [ "$w_nodes" = "$XF_NODES" ] && [ "$w_extra" = 0 ] ||
		die "after revert the list is wrong: sum $w_sum (was $sum0), $w_nodes nodes, extra $w_extra"

	start_list 1
	"$katana" apply "$out/xf/fix.po" "$pid" >"$out/xf/apply1.log" 2>&1 ||
		die "katana apply (xf, 1 node) failed: $(cat "$out/xf/apply1.log")"
	walk
	x_small="$x_small $g"
done
stop_target
# shellcheck disable=SC2086
{
	m_x_own=$(median $x_own)
	m_x_apply=$(median $x_apply)
	m_x_gap=$(median $x_gap)
	m_x_rev=$(median $x_rev)
	m_x_rgap=$(median $x_rgap)
	m_x_small=$(median $x_small)
}
x_added=$(awk -v a="$m_x_gap" -v b="$m_x_small" 'BEGIN { printf "%.1f", a - b }')

# ---------------------------------------------------------------- table
row() {
	printf '  %-50s %10s %10s %8s\n' "$@"
}
echo
echo "katana bench: $(nproc) CPUs, Linux $(uname -r), $(uname -m);" \
	"median of $REPS (apply) / $SCAN_REPS (scan); times in ms"
echo
row "measure" "katana" "baseline" "ratio"
row "target stop, apply 10 funcs, 4 thr [vs gdb]" "$m_a_gap" "$m_g_gap" "$(ratio "$m_a_gap" "$m_g_gap")"
row "  as katana reports it" "$m_a_rep" "-" "-"
row "total wall, apply [vs gdb attach+detach]" "$m_a_wall" "$m_g_wall" "$(ratio "$m_a_wall" "$m_g_wall")"
row "target stop, revert, 4 thr [vs gdb]" "$m_r_gap" "$m_g_gap" "$(ratio "$m_r_gap" "$m_g_gap")"
row "total wall, revert [vs gdb attach+detach]" "$m_r_wall" "$m_g_wall" "$(ratio "$m_r_wall" "$m_g_wall")"
row "target stop, apply [vs idle, same period]" "$m_a_gap" "$m_idle" "$(ratio "$m_a_gap" "$m_idle")"
row "unsafe scan total, 50 thr [vs 4 thr]" "$s50_wall" "$s4_wall" "$(ratio "$s50_wall" "$s4_wall")"
row "unsafe scan target stop, 50 thr [vs 4 thr]" "$s50_gap" "$s4_gap" "$(ratio "$s50_gap" "$s4_gap")"
row "scan cost per extra thread, total" "$per_thr_wall" "-" "-"
row "scan cost per extra thread, target stop" "$per_thr_gap" "-" "-"
case $cg in
yes)
	row "instr/call f0: patched (jmp+new) [vs new]" "$cg_jmp" "$cg_new" "$(ratio "$cg_jmp" "$cg_new")"
	row "instr/call f0: unpatched old [vs new]" "$cg_old" "$cg_new" "$(ratio "$cg_old" "$cg_new")"
	;;
failed) row "callgrind: failed" "-" "-" "-" ;;
*) row "callgrind: not installed" "-" "-" "-" ;;
esac
k=$(awk -v n="$XF_NODES" 'BEGIN { if (n % 1000000 == 0) printf "%dM", n / 1000000; else if (n % 1000 == 0) printf "%dk", n / 1000; else print n }')
row "transform $k heap nodes, in process [vs own build]" "$m_x_apply" "$m_x_own" "$(ratio "$m_x_apply" "$m_x_own")"
row "target stop, apply + $k nodes [vs 1 node]" "$m_x_gap" "$m_x_small" "$(ratio "$m_x_gap" "$m_x_small")"
row "  stop added by the $k-node transform" "$x_added" "-" "-"
row "transform back (revert), in process [vs own build]" "$m_x_rev" "$m_x_own" "$(ratio "$m_x_rev" "$m_x_own")"
row "target stop, revert + $k nodes [vs 1-node apply]" "$m_x_rgap" "$m_x_small" "$(ratio "$m_x_rgap" "$m_x_small")"
row "heap built by the transform, KiB" "$x_kib" "-" "-"
exit 0
