#!/bin/sh
test_description='data transforms through gdbserver (a struct gaining a member, a heap list), and katana vars: both types member by member and the values GDB reads, before and after apply, native and remote'
. "$(dirname "$0")/lib.sh"

for t in gdb gdbserver gcc perl; do
	require_tool $t
done

INS_RE='^(\d+): port=8080 hits=(\d+) workers=(\d+)( backlog=16)?$'
INS_OLD='$c[1] == $c[0] && !defined $c[3]'
INS_NEW='$c[1] == $c[0] && defined $c[3]'
HEAP_RE='^(\d+): sum=(\d+) tail=5 ring=(\d+) rk=([789])(?: weights=(\d+))?$'
HEAP_OLD='$c[1] == 1500 + 15 * $c[0] && $c[2] == 3 * $c[0] && !defined $c[4]'
HEAP_NEW='$c[1] == 1500 + 15 * $c[0] && $c[2] == 3 * $c[0] && defined $c[4]'

# last_iter NAME: the iteration number of the target's last complete line
last_iter() {
	sed -n 's/^\([0-9][0-9]*\): .*/\1/p' "$W/$1.out" | tail -n 1
}

# vars_table FILE: the member table katana vars prints for cfg
vars_table() {
	cat >expect.table <<-\EOF
	var cfg (config.c): transform, struct config: 24 -> 24 bytes
	  MEMBER           OLD                      NEW                      
	  port             int +0                   int +0                   kept
	  backlog          -                        int +4                   new: the patch's initial value
	  hits             long int +8              long int +8              kept
	  workers          int +16                  int +16                  kept
	EOF
	sed -n '/^var cfg/,/^  workers/p' "$1" >actual.table &&
	test_cmp expect.table actual.table
}

test_expect_success 'setup' '
	build_case xf-insert && gen_case xf-insert &&
	build_case xf-heap && gen_case xf-heap
'

test_expect_success 'katana vars before the apply: the member table, and the running value read by GDB in the old type' '
	d=$(case_dir xf-insert) &&
	start_case vars $d &&
	test_when_finished "target_stop vars" &&
	pid=$(target_pid vars) &&
	wait_for_line $W/vars.out "^3: " &&
	lo=$(last_iter vars) &&
	katana_expect 0 vars1 vars $d/fix.po $pid &&
	hi=$(last_iter vars) &&
	test_line_count = 0 vars1.err &&
	test_grep "^katana: .fix\\.po. for .prog.: 1 variable; the patch is not applied\$" vars1.out &&
	vars_table vars1.out &&
	hits=$(sed -n "s/^  now (0x[0-9a-f]*): {port = 8080, hits = \\([0-9]*\\), workers = [4-6]}\$/\\1/p" vars1.out) &&
	test -n "$hits" && test "$hits" -ge "$lo" && test "$hits" -le $((hi + 1)) &&
	katana_expect 0 apply apply $d/fix.po $pid &&
	lo=$(last_iter vars) &&
	katana_expect 0 vars2 vars $d/fix.po $pid &&
	hi=$(last_iter vars) &&
	test_grep "^katana: .fix\\.po. for .prog.: 1 variable; the patch is applied\$" vars2.out &&
	vars_table vars2.out &&
	hits=$(sed -n "s/^  now, in the patch.s storage (0x[0-9a-f]*): {port = 8080, backlog = 16, hits = \\([0-9]*\\), workers = [4-6]}\$/\\1/p" vars2.out) &&
	test -n "$hits" && test "$hits" -ge "$lo" && test "$hits" -le $((hi + 1)) &&
	test_grep -E "^  the old storage, unused since \\(0x[0-9a-f]+\\): \\{port = 8080, hits = [0-9]+, workers = [4-6]\\}\$" vars2.out &&
	n=$(wc -l <$W/vars.out) &&
	more_lines vars 3 &&
	check_phases $W/vars.out "$INS_RE" "$INS_OLD" "$INS_NEW"
'

test_expect_success 'katana vars in GDB: the same table, the value in the new type after apply, and the heap objects behind pointers' '
	d=$(case_dir xf-heap) &&
	start_case gvars $d &&
	test_when_finished "target_stop gvars" &&
	wait_for_expr $W/gvars.out "$HEAP_RE" "$HEAP_OLD && \$c[0] >= 3" &&
	gdb_batch -p $(target_pid gvars) -ex "katana vars $d/fix.po" -ex "katana apply $d/fix.po" \
		-ex "katana vars $d/fix.po" -ex detach >gdb.log 2>&1 &&
	test_grep "^katana: .fix\\.po. for .prog.: 3 variables; the patch is not applied\$" gdb.log &&
	test_grep "^katana: .fix\\.po. for .prog.: 3 variables; the patch is applied\$" gdb.log &&
	test "$(grep -c "^var \\(ring\\|tail\\|head\\) (list\\.c): fixup, struct node \\*\$" gdb.log)" = 6 &&
	test_grep -E "^  weight           -                        long int \\+16             new: zero\$" gdb.log &&
	test_grep -E "^  next             struct node \\* \\+16        struct node \\* \\+24        kept, moved\$" gdb.log &&
	test_grep -E "^    which points to: \\{key = 5, value = [0-9]+, next = 0x0\\}\$" gdb.log &&
	test_grep -E "^    which points to: \\{key = 5, value = [0-9]+, weight = 0, next = 0x0\\}\$" gdb.log &&
	test_grep -E "^katana: applied .fix\\.po. to prog" gdb.log
'

test_expect_success 'a struct gaining a member, through gdbserver: vars, apply, vars, revert, each through a new gdbserver' '
	d=$(case_dir xf-insert) &&
	start_case rins $d &&
	test_when_finished "target_stop rins" &&
	wait_for_expr $W/rins.out "$INS_RE" "$INS_OLD && \$c[0] >= 3" &&
	remote rins 0 rvars1 vars $d/fix.po &&
	vars_table rvars1.out &&
	test_grep -E "^  now \\(0x[0-9a-f]+\\): \\{port = 8080, hits = [0-9]+, workers = [4-6]\\}\$" rvars1.out &&
	n=$(wc -l <$W/rins.out) &&
	remote rins 0 rapply apply $d/fix.po &&
	test_grep -E "^katana: applied .fix\\.po. to prog: 5 functions redirected \\([^)]*\\), data transformed \\(1 variable \\(cfg\\), [0-9.]+ ms in the process\\)" rapply.out &&
	wait_for_expr $W/rins.out "$INS_RE" "$INS_NEW" $n &&
	more_lines rins 3 &&
	remote rins 0 rvars2 vars $d/fix.po &&
	test_grep -E "^  now, in the patch.s storage \\(0x[0-9a-f]+\\): \\{port = 8080, backlog = 16, hits = [0-9]+, workers = [4-6]\\}\$" rvars2.out &&
	n=$(wc -l <$W/rins.out) &&
	remote rins 0 rrevert revert $d/fix.po &&
	test_grep -E "^katana: reverted: original code restored, data transformed back \\(1 variable \\(cfg\\)" rrevert.out &&
	wait_for_expr $W/rins.out "$INS_RE" "$INS_OLD" $n &&
	more_lines rins 3 &&
	check_phases $W/rins.out "$INS_RE" "$INS_OLD" "$INS_NEW" "$INS_OLD" &&
	target_alive rins
'

test_expect_success 'a heap list through gdbserver: every node rebuilt (sharing and the cycle kept), status, then reverted' '
	d=$(case_dir xf-heap) &&
	start_case rheap $d &&
	test_when_finished "target_stop rheap" &&
	wait_for_expr $W/rheap.out "$HEAP_RE" "$HEAP_OLD && \$c[0] >= 3" &&
	n=$(wc -l <$W/rheap.out) &&
	remote rheap 0 rhapply apply $d/fix.po &&
	test_grep -E "data transformed \\(3 variables \\(ring, tail, head\\), 8 heap objects \\(1 KiB\\) built, 3 pointers re-pointed" rhapply.out &&
	wait_for_expr $W/rheap.out "$HEAP_RE" "$HEAP_NEW" $n &&
	more_lines rheap 5 &&
	check_phases $W/rheap.out "$HEAP_RE" "$HEAP_OLD" "$HEAP_NEW && (!defined \$p[4] || \$c[4] == \$p[4] + 8)" &&
	remote rheap 0 rhstatus status &&
	test_grep -E "^patch 1: fix\\.po: applied, 6 functions" rhstatus.out &&
	n=$(wc -l <$W/rheap.out) &&
	remote rheap 0 rhrevert revert $d/fix.po &&
	test_grep -E "data transformed back \\(3 variables \\(ring, tail, head\\), 8 heap objects \\(1 KiB\\) built" rhrevert.out &&
	wait_for_expr $W/rheap.out "$HEAP_RE" "!defined \$c[4]" $n &&
	more_lines rheap 5 &&
	check_phases $W/rheap.out "$HEAP_RE" "$HEAP_OLD" "$HEAP_NEW" "$HEAP_OLD" &&
	target_alive rheap
'

test_done
