#!/bin/sh
test_description='GDB killed while the stub transforms a big heap list: the process lives on, unpatched (or, if the stub had finished, fully patched), never half'
. "$(dirname "$0")/lib.sh"

for t in gdb gcc perl; do
	require_tool $t
done

# The benchmark's list program (bench/src/xf): NODES nodes on the heap,
# each line on stdin makes it walk the list and print
# "gap US sum S nodes N extra E" (extra: 0 in v0, the hits in v1).
NODES=1000000
SRC=$KATANA_TOP/bench/src/xf
LIST_RE='^gap (\d+) sum (\d+) nodes (\d+) extra (\d+)$'

# rss PID: resident KiB
rss() {
	awk '/^VmRSS:/ { print $2 }' /proc/$1/status
}

test_expect_success 'setup: the list program, v0 and v1, and its patch' '
	for v in v0 v1; do
		mkdir -p $W/list/$v &&
		for s in main.c list.c; do
			(cd $SRC/$v && gcc -g -O2 -frandom-seed=$s -c $s -o $W/list/$v/${s%.c}.o) || return 1
		done &&
		gcc -pthread $W/list/$v/main.o $W/list/$v/list.o -o $W/list/$v/prog || return 1
	done &&
	"$KATANA" gen -o $W/list/fix.po $W/list/v0 $W/list/v1 prog >gen.out 2>gen.err &&
	test_grep "1 transformed" gen.out
'

test_expect_success 'GDB killed while the stub builds the new nodes: the process runs on, never half-patched, and can be patched again' '
	target_start big $W/list/v0/prog $NODES &&
	test_when_finished "target_stop big" &&
	pid=$(target_pid big) &&
	wait_for_line $W/big.out "^built $NODES " 60 &&
	target_send big "" &&
	wait_for_expr $W/big.out "$LIST_RE" "\$c[2] == $NODES && \$c[3] == 0" &&
	sum=$(sed -n "s/^gap [0-9]* sum \\([0-9]*\\) .*/\\1/p" $W/big.out | tail -n 1) &&
	rss0=$(rss $pid) &&
	{ "$KATANA" apply $W/list/fix.po $pid >apply.out 2>apply.err & } &&
	kp=$! &&
	# synchronise on the stub allocating nodes (8 MB more resident)
	n=0 &&
	while [ $(rss $pid) -lt $((rss0 + 8192)) ] && [ $n -lt 3000 ]; do
		sleep 0.005; n=$((n + 1))
	done &&
	gp=$(pgrep -P $kp -x gdb) &&
	kill -9 $gp &&
	{ wait $kp; rc=$?; true; } &&
	test_comment <apply.err &&
	n=$(wc -l <$W/big.out) &&
	target_send big "" &&
	wait_for_expr $W/big.out "$LIST_RE" "\$c[2] == $NODES" $n &&
	target_alive big &&
	"$KATANA" status $pid >status.out &&
	if [ $rc = 0 ]; then
		# the stub had finished before the kill: fully patched
		test_comment <<-EOF &&
		the kill came after the commit (katana apply finished): checking the patched side
		EOF
		test_grep "^patch 1: fix\\.po: applied" status.out &&
		wait_for_expr $W/big.out "$LIST_RE" "\$c[1] == $sum && \$c[3] == $NODES" $n
	else
		test_grep "gdb died" apply.err &&
		test_grep "^patch 1: fix\\.po: staged (never committed)" status.out &&
		wait_for_expr $W/big.out "$LIST_RE" "\$c[1] == $sum && \$c[3] == 0" $n
	fi &&
	# the stub left behind (GDB breakpoint bytes included) works again
	if [ $rc = 0 ]; then
		"$KATANA" revert $W/list/fix.po $pid >revert1.out 2>&1 || return 1
	fi &&
	"$KATANA" apply $W/list/fix.po $pid >apply2.out 2>apply2.err &&
	test_grep -E "^katana: applied .fix\\.po. to prog: .*$NODES heap objects" apply2.out &&
	"$KATANA" status $pid >status2.out &&
	if [ $rc != 0 ]; then
		# the staged record of the killed apply: its memory released
		test_grep "^patch 1: fix\\.po: cancelled (never committed, memory released)" status2.out &&
		test_grep "^patch 2: fix\\.po: applied" status2.out
	else
		test_grep "^patch 1: fix\\.po: reverted" status2.out &&
		test_grep "^patch 2: fix\\.po: applied" status2.out
	fi &&
	n=$(wc -l <$W/big.out) &&
	target_send big "" &&
	wait_for_expr $W/big.out "$LIST_RE" "\$c[1] == $sum && \$c[2] == $NODES && \$c[3] >= $NODES" $n &&
	target_alive big
'

test_done
