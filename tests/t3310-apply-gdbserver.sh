#!/bin/sh
test_description='katana apply|revert|status --remote: live targets patched through gdbserver'
. "$(dirname "$0")/lib.sh"

for t in gdb gdbserver gcc g++ perl; do
	require_tool $t
done


ONE_RE='^(\d+): compute=(\d+) (odd|even)$'
ONE_OLD='$c[1] == 2 * $c[0]'
ONE_NEW='$c[1] == 3 * $c[0]'

test_expect_success 'build onefunc (-O2 and -O0) and its patches' '
	build_case onefunc &&
	gen_case onefunc &&
	build_case onefunc O0 -O0 &&
	gen_case onefunc O0
'

test_expect_success 'onefunc: unsafe, apply, status, apply again (exit 4) and revert, each through a new gdbserver' '
	d=$(case_dir onefunc) &&
	start_case one $d &&
	test_when_finished "target_stop one" &&
	wait_for_expr $W/one.out "$ONE_RE" "$ONE_OLD" &&
	remote one 0 unsafe unsafe $d/fix.po &&
	test_grep -E "^katana: .fix\.po. for .*prog. \(load bias 0x[0-9a-f]+\): 1 unsafe function\$" unsafe.out &&
	test_grep -E "^  compute: 0x[0-9a-f]+-0x[0-9a-f]+\$" unsafe.out &&
	more_lines one 3 &&
	check_phases $W/one.out "$ONE_RE" "$ONE_OLD" &&
	n=$(wc -l <$W/one.out) &&
	remote one 0 apply apply $d/fix.po &&
	check_applied apply.out prog compute &&
	wait_for_expr $W/one.out "$ONE_RE" "$ONE_NEW" $n &&
	more_lines one 3 &&
	check_phases $W/one.out "$ONE_RE" "$ONE_OLD" "$ONE_NEW" &&
	remote one 0 status1 status &&
	test_grep -E "^katana: 1 patch applied" status1.out &&
	test_grep -E "^patch 1: fix\.po: applied, 1 function" status1.out &&
	remote one 4 again apply $d/fix.po &&
	test_grep "already applied to this process" again.err &&
	more_lines one 3 &&
	n=$(wc -l <$W/one.out) &&
	remote one 0 revert revert $d/fix.po &&
	test_grep -E "^katana: reverted: original code restored" revert.out &&
	wait_for_expr $W/one.out "$ONE_RE" "$ONE_OLD" $n &&
	more_lines one 3 &&
	check_phases $W/one.out "$ONE_RE" "$ONE_OLD" "$ONE_NEW" "$ONE_OLD" &&
	remote one 0 status2 status &&
	test_grep -E "^katana: 0 patches applied" status2.out &&
	test_grep -E "^patch 1: fix\.po: reverted" status2.out &&
	target_alive one
'

test_expect_success 'wrong target through gdbserver: refused (exit 4), target unchanged and alive' '
	start_case wrong $(case_dir onefunc O0) &&
	test_when_finished "target_stop wrong" &&
	wait_for_expr $W/wrong.out "$ONE_RE" "$ONE_OLD" &&
	remote wrong 4 wrong apply $(case_dir onefunc)/fix.po &&
	test_grep -E "checksum|build.id|build ID" wrong.err &&
	test_grep -v "^katana: applied" wrong.out &&
	more_lines wrong 10 &&
	check_phases $W/wrong.out "$ONE_RE" "$ONE_OLD" &&
	remote wrong 0 status status &&
	test_grep "no katana patches" status.out &&
	target_alive wrong
'

test_expect_success 'static-local through gdbserver: the running counter is kept' '
	build_case static-local &&
	gen_case static-local &&
	d=$(case_dir static-local) &&
	start_case sl $d &&
	test_when_finished "target_stop sl" &&
	wait_for_line $W/sl.out "^12: ticket=1012\$" &&
	n=$(wc -l <$W/sl.out) &&
	remote sl 0 apply apply $d/fix.po &&
	check_applied apply.out prog next_ticket &&
	re="^(\\d+): ticket=(\\d+)\$" &&
	wait_for_expr $W/sl.out "$re" "\$c[1] % 10 != (1000 + \$c[0]) % 10" $n &&
	more_lines sl 3 &&
	check_phases $W/sl.out "$re" "\$c[1] == 1000 + \$c[0]" "\$c[1] == \$p[1] + 10" &&
	target_alive sl
'

test_expect_success 'tls through gdbserver: tick() switches, the main thread keeps its counter' '
	build_case tls &&
	gen_case tls &&
	d=$(case_dir tls) &&
	start_case tls $d &&
	test_when_finished "target_stop tls" &&
	re="^(\\d+): main=(\\d+) thread=(\\d+) last=(\\d+)\$" &&
	wait_for_line $W/tls.out "^5: main=20 thread=10 last=4\$" &&
	n=$(wc -l <$W/tls.out) &&
	remote tls 0 apply apply $d/fix.po &&
	check_applied apply.out prog tick &&
	wait_for_expr $W/tls.out "$re" "\$c[2] == 11 * \$c[0]" $n &&
	more_lines tls 3 &&
	check_phases $W/tls.out "$re" \
		"\$c[2] == 2 * \$c[0] && (!@p || \$c[1] - \$c[0] == \$p[1] - \$p[0] + \$c[0])" \
		"\$c[2] == 11 * \$c[0] && \$c[1] - \$c[0] == \$p[1] - \$p[0] + 10 * \$c[0]" &&
	target_alive tls
'

test_expect_success 'cxx through gdbserver: Counter::step and Square::area switch' '
	build_case cxx &&
	gen_case cxx &&
	d=$(case_dir cxx) &&
	start_case cxx $d &&
	test_when_finished "target_stop cxx" &&
	re="^(\\d+): area=(\\d+) count=(\\d+)\$" &&
	wait_for_line $W/cxx.out "^3: area=12 count=6\$" &&
	n=$(wc -l <$W/cxx.out) &&
	remote cxx 0 apply apply $d/fix.po &&
	check_applied apply.out prog "_ZNK6Square4areaEv, _ZN7Counter4stepEi" &&
	wait_for_expr $W/cxx.out "$re" "\$c[0] % 2 && \$c[1] == \$c[0] * \$c[0]" $n &&
	more_lines cxx 3 &&
	check_phases $W/cxx.out "$re" \
		"(\$c[0] % 2 == 0 ? \$c[1] == 3 * \$c[0] * \$c[0] : \$c[1] == 4 * \$c[0]) && (!@p || \$c[2] == \$p[2] + \$c[0])" \
		"(\$c[0] % 2 == 0 ? \$c[1] == 3 * \$c[0] * \$c[0] : \$c[1] == \$c[0] * \$c[0]) && \$c[2] == \$p[2] + 2 * \$c[0]" &&
	target_alive cxx
'

SH_RE='^(\d+): (\w+) (\d+) mm \(calls (\d+)\)$'
test_expect_success 'shlib through gdbserver: foo_scale() in libfoo.so switches' '
	build_case shlib &&
	gen_case shlib &&
	d=$(case_dir shlib) &&
	start_case sh $d &&
	test_when_finished "target_stop sh" &&
	wait_for_line $W/sh.out "^3: length 300 mm \(calls 3\)\$" &&
	n=$(wc -l <$W/sh.out) &&
	remote sh 0 apply apply $d/fix.po &&
	check_applied apply.out libfoo.so foo_scale &&
	wait_for_expr $W/sh.out "$SH_RE" "\$c[2] == 101 * \$c[0] + 5" $n &&
	more_lines sh 3 &&
	check_phases $W/sh.out "$SH_RE" "\$c[1] eq \"length\" && \$c[2] == 100 * \$c[0]" \
		"\$c[1] eq \"length\" && \$c[2] == 101 * \$c[0] + 5" &&
	target_alive sh
'

test_expect_success 'threads: build the 8-thread target and its patch' '
	sh $TESTS/build-case.sh $TESTS/targets/threads $W/threads >threads-build.log 2>&1 &&
	"$KATANA" gen -o $W/threads/fix.po $W/threads/v0 $W/threads/v1 prog >gen.out &&
	test_grep "2 functions changed" gen.out
'

TH_RE='^thread (\d+): (\d+) v(\d)$'
test_expect_success 'threads through gdbserver: all 8 threads switch' '
	d=$W/threads &&
	start_case th $d threads &&
	test_when_finished "target_stop th" &&
	ok=1 &&
	for t in 1 2 3 4 5 6 7 8; do
		wait_for_line $W/th.out "^thread $t: 3 v1\$" || { ok=0; break; }
	done &&
	test $ok = 1 &&
	n=$(wc -l <$W/th.out) &&
	remote th 0 apply apply $d/fix.po &&
	check_applied apply.out prog "(version, blocker|blocker, version)" &&
	for t in 1 2 3 4 5 6 7 8; do
		wait_for_expr $W/th.out "$TH_RE" "\$c[0] == $t && \$c[2] == 2" $n || { ok=0; break; }
	done &&
	test $ok = 1 &&
	more_lines th 16 &&
	for t in 1 2 3 4 5 6 7 8; do
		check_phases $W/th.out "^thread $t: (\\d+) v(\\d)\$" "\$c[1] == 1" "\$c[1] == 2" ||
			{ ok=0; break; }
	done &&
	test $ok = 1 &&
	target_alive th
'

test_expect_success 'safe point through gdbserver: blocker() always on a stack, --wait 1 refused' '
	d=$W/threads &&
	start_case hold $d hold &&
	test_when_finished "target_stop hold" &&
	wait_for_line $W/hold.out "^holding\$" &&
	wait_for_line $W/hold.out "^thread 1: 3 v1\$" &&
	t0=$(date +%s) &&
	remote hold 4 apply apply --wait 1 $d/fix.po &&
	t1=$(date +%s) &&
	test $((t1 - t0)) -le 10 &&
	test_grep -E "^katana:   thread [0-9]+ frame #[0-9]+ \(pc 0x[0-9a-f]+\) is in blocker\$" apply.err &&
	test_grep -E "^katana: not safe to switch within 1\.0 s" apply.err &&
	more_lines hold 10 &&
	check_phases $W/hold.out "$TH_RE" "\$c[2] == 1" &&
	target_alive hold
'

test_expect_success 'safe point through gdbserver: blocker() on a stack part of the time: waits, switches' '
	d=$W/threads &&
	start_case part $d part &&
	test_when_finished "target_stop part" &&
	wait_for_line $W/part.out "^blocker 2: 300\$" &&
	n=$(wc -l <$W/part.out) &&
	remote part 0 apply apply --wait 5 $d/fix.po &&
	check_applied apply.out prog "(version, blocker|blocker, version)" &&
	wait_for_expr $W/part.out "^blocker (\\d+): (\\d+)\$" "\$c[1] == 301" $n &&
	wait_for_expr $W/part.out "$TH_RE" "\$c[2] == 2" $n &&
	check_phases $W/part.out "^blocker (\\d+): (\\d+)\$" "\$c[1] == 300" "\$c[1] == 301" &&
	check_phases $W/part.out "$TH_RE" "\$c[2] == 1" "\$c[2] == 2" &&
	target_alive part
'

test_expect_success 'usage error: --remote without HOST:PORT' '
	katana_expect 2 usage apply $(case_dir onefunc)/fix.po --remote &&
	test_line_count = 0 usage.out &&
	grep "^katana apply: " usage.err >first &&
	test_line_count = 1 first
'

test_expect_success 'usage error: --remote with a PID as well' '
	katana_expect 2 usage apply --remote 127.0.0.1:1 $(case_dir onefunc)/fix.po 1 &&
	test_line_count = 0 usage.out &&
	grep "^katana apply: " usage.err >first &&
	test_line_count = 1 first
'

test_expect_success 'nobody listening on the port: an error (exit 1), quickly' '
	port=$(free_port) &&
	t0=$(date +%s) &&
	katana_expect 1 noserver apply --remote 127.0.0.1:$port $(case_dir onefunc)/fix.po &&
	t1=$(date +%s) &&
	test $((t1 - t0)) -le 20 &&
	test -s noserver.err
'

test_done
