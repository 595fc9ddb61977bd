#!/bin/sh
test_description='katana apply --step in GDB: stops in the stub before each variable transform, with both layouts to print, then continue or katana abort; GDB going away at a stop commits nothing'
. "$(dirname "$0")/lib.sh"

for t in gdb gdbserver gcc perl; do
	require_tool $t
done

HEAP_RE='^(\d+): sum=(\d+) tail=5 ring=(\d+) rk=([789])(?: weights=(\d+))?$'
HEAP_OLD='$c[1] == 1500 + 15 * $c[0] && $c[2] == 3 * $c[0] && !defined $c[4]'
HEAP_NEW='$c[1] == 1500 + 15 * $c[0] && $c[2] == 3 * $c[0] && defined $c[4]'
INS_RE='^(\d+): port=8080 hits=(\d+) workers=(\d+)( backlog=16)?$'
INS_OLD='$c[1] == $c[0] && !defined $c[3]'
INS_NEW='$c[1] == $c[0] && defined $c[3]'

# step_line LOG VERB VAR K N OLD_TYPE: the stop message before variable K
# of N.
step_line() {
	test_grep -E "^katana: step: before the $2 of '$3' \(list\.c, $4 of $5: $6, 8 -> 8 bytes\)\$" "$1"
}

test_expect_success 'setup: the heap list and the inserted member, built and generated' '
	build_case xf-heap && gen_case xf-heap &&
	build_case xf-insert && gen_case xf-insert &&
	build_case onefunc && gen_case onefunc
'

test_expect_success 'the heap list stepped through: a stop before each of the three variables with its old and new type, next runs the stub line by line, continue finishes the apply' '
	d=$(case_dir xf-heap) &&
	start_case step1 $d &&
	test_when_finished "target_stop step1" &&
	wait_for_expr $W/step1.out "$HEAP_RE" "$HEAP_OLD && \$c[0] >= 3" &&
	n=$(wc -l <$W/step1.out) &&
	gdb_batch -p $(target_pid step1) -ex "katana apply $d/fix.po --step" \
		-ex "ptype old->ring" -ex "ptype new->ring" -ex "print *old->ring" \
		-ex "next" -ex "next" -ex "continue" -ex "print old->tail->key" \
		-ex "continue" -ex "continue" -ex "katana status" -ex "info breakpoints" \
		-ex detach >gdb1.log 2>&1 &&
	step_line gdb1.log re-pointing ring 1 3 "struct node \\*" &&
	step_line gdb1.log re-pointing tail 2 3 "struct node \\*" &&
	step_line gdb1.log re-pointing head 3 3 "struct node \\*" &&
	test_grep "continue: on to the next variable; katana abort: roll everything back" gdb1.log &&
	test_grep "continue: finish (heap objects, then the switch); katana abort" gdb1.log &&
	perl -0ne "exit !/type = struct node \\{\\s*int key;\\s*long value;\\s*struct node \\*next;\\s*\\} \\*\\s*type = struct node \\{\\s*int key;\\s*long value;\\s*long weight;\\s*struct node \\*next;\\s*\\} \\*/" gdb1.log &&
	test_grep -E "^\\\$1 = \\{key = [789], value = [0-9]+, next = 0x[0-9a-f]+\\}\$" gdb1.log &&
	test_grep -E "^[0-9]+[[:space:]]+if \\(prog_of\\(s, root->type, &op\\)\\)" gdb1.log &&
	test_grep -E "^\\\$2 = 5\$" gdb1.log &&
	test_grep -E "^katana: applied .fix\\.po. to prog: 6 functions redirected \\([^)]*\\), data transformed \\(3 variables \\(ring, tail, head\\), 8 heap objects \\(1 KiB\\) built, 3 pointers re-pointed" gdb1.log &&
	test_grep -E "^patch 1: fix\\.po: applied, 6 functions" gdb1.log &&
	test_grep "No breakpoints or watchpoints" gdb1.log &&
	wait_for_expr $W/step1.out "$HEAP_RE" "$HEAP_NEW" $n &&
	more_lines step1 5 &&
	check_phases $W/step1.out "$HEAP_RE" "$HEAP_OLD" "$HEAP_NEW && (!defined \$p[4] || \$c[4] == \$p[4] + 8)"
'

test_expect_success 'at a stop, *old holds the running value and *new the new layout with its initial values; the applied data keeps the value' '
	d=$(case_dir xf-insert) &&
	start_case step2 $d &&
	test_when_finished "target_stop step2" &&
	wait_for_expr $W/step2.out "$INS_RE" "$INS_OLD && \$c[0] >= 3" &&
	gdb_batch -p $(target_pid step2) -ex "katana apply $d/fix.po --step" \
		-ex "print old->cfg.hits" -ex "print new->cfg" \
		-ex "continue" -ex detach >gdb2.log 2>&1 &&
	test_grep -E "^katana: step: before the transform of .cfg. \\(config\\.c, 1 of 1: struct config, 24 -> 24 bytes\\)\$" gdb2.log &&
	hits=$(sed -n "s/^\\\$1 = //p" gdb2.log) &&
	test -n "$hits" && test "$hits" -ge 3 &&
	test_grep -E "^\\\$2 = \\{port = 8080, backlog = 16, hits = 0, workers = [0-9]+\\}\$" gdb2.log &&
	test_grep -E "^katana: applied .fix\\.po. to prog: .*data transformed \\(1 variable \\(cfg\\)" gdb2.log &&
	n=$(wc -l <$W/step2.out) &&
	wait_for_expr $W/step2.out "$INS_RE" "$INS_NEW" $n &&
	more_lines step2 3 &&
	check_phases $W/step2.out "$INS_RE" "$INS_OLD" "$INS_NEW"
'

test_expect_success 'katana abort at the second stop: the stub frees what it built, nothing changes, no patch memory or breakpoint is left' '
	d=$(case_dir xf-heap) &&
	start_case step3 $d &&
	test_when_finished "target_stop step3" &&
	pid=$(target_pid step3) &&
	wait_for_expr $W/step3.out "$HEAP_RE" "$HEAP_OLD && \$c[0] >= 3" &&
	cp /proc/$pid/maps maps.before &&
	gdb_batch -p $pid -ex "katana apply $d/fix.po --step" -ex "continue" \
		-ex "katana abort" -ex "katana status" -ex "info breakpoints" \
		-ex detach >gdb3.log 2>&1 &&
	step_line gdb3.log re-pointing tail 2 3 "struct node \\*" &&
	test_grep "^katana: aborting: the stub finishes this variable, frees what it built and changes nothing\$" gdb3.log &&
	test_grep "^katana: aborted at a --step stop (var .tail.); nothing was changed\$" gdb3.log &&
	test_grep "^katana: no katana patches in this process\$" gdb3.log &&
	test_grep "No breakpoints or watchpoints" gdb3.log &&
	test_grep -v "applied" gdb3.log &&
	cp /proc/$pid/maps maps.after &&
	test_cmp maps.before maps.after &&
	n=$(wc -l <$W/step3.out) &&
	more_lines step3 5 &&
	check_phases $W/step3.out "$HEAP_RE" "$HEAP_OLD"
'

# mapped PID LO HI [EXCEPT]: some byte of [LO, HI) (hex) is mapped in PID
# outside the ranges listed in the file EXCEPT ("lo hi" per line, hex).
mapped() {
	perl -e '
		my ($pid, $lo, $hi, $ex) = @ARGV;
		($lo, $hi) = (hex $lo, hex $hi);
		my @ex;
		if ($ex) { open my $e, "<", $ex or die; @ex = map { [map { hex } split] } <$e>; }
		open my $m, "<", "/proc/$pid/maps" or die;
		for (<$m>) {
			my ($a, $b) = map { hex } /^(\w+)-(\w+)/;
			next if $b <= $lo || $a >= $hi;
			my ($s, $t) = ($a < $lo ? $lo : $a, $b > $hi ? $hi : $b);
			next if grep { $_->[0] <= $s && $t <= $_->[1] } @ex;
			exit 0;
		}
		exit 1;
	' "$@"
}

test_expect_success 'GDB quits at a stop: the stub sees nobody confirm its commit and changes nothing; the process runs on, a later apply works' '
	d=$(case_dir xf-heap) &&
	start_case step4 $d &&
	test_when_finished "target_stop step4" &&
	pid=$(target_pid step4) &&
	wait_for_expr $W/step4.out "$HEAP_RE" "$HEAP_OLD && \$c[0] >= 3" &&
	gdb_batch -p $pid -ex "katana apply $d/fix.po --step" -ex "continue" >gdb4.log 2>&1 &&
	step_line gdb4.log re-pointing tail 2 3 "struct node \\*" &&
	n=$(wc -l <$W/step4.out) &&
	more_lines step4 5 &&
	check_phases $W/step4.out "$HEAP_RE" "$HEAP_OLD" &&
	katana_expect 0 status4 status $pid &&
	test_grep -E "^patch 1: fix\\.po: staged \\(never committed\\)" status4.out &&
	# the staged patch memory is still mapped
	sed -n "s/^  memory 0x\\([0-9a-f]*\\)-0x\\([0-9a-f]*\\) .*/\\1 \\2/p" status4.out >staged.mem &&
	test -s staged.mem &&
	while read lo hi; do
		mapped $pid $lo $hi || return 1
	done <staged.mem &&
	katana_expect 0 apply4 apply $d/fix.po $pid &&
	test_grep -E "^katana: applied .fix\\.po. to prog: .*8 heap objects" apply4.out &&
	wait_for_expr $W/step4.out "$HEAP_RE" "$HEAP_NEW" $n &&
	# that apply released it: only the new patch may map those addresses
	katana_expect 0 status4b status $pid &&
	test_grep -E "^patch 1: fix\\.po: cancelled \\(never committed, memory released\\)" status4b.out &&
	test_grep -E "^patch 2: fix\\.po: applied" status4b.out &&
	sed -n "/^patch 2:/,\$ s/^  memory 0x\\([0-9a-f]*\\)-0x\\([0-9a-f]*\\) .*/\\1 \\2/p" status4b.out >applied.mem &&
	while read lo hi; do
		! mapped $pid $lo $hi applied.mem || return 1
	done <staged.mem &&
	more_lines step4 3 &&
	check_phases $W/step4.out "$HEAP_RE" "$HEAP_OLD" "$HEAP_NEW"
'

test_expect_success 'misuse: abort with nothing stopped, a second apply while stopped, --step on a patch without data, --step outside GDB' '
	d=$(case_dir xf-insert) &&
	start_case step5 $d &&
	test_when_finished "target_stop step5" &&
	pid=$(target_pid step5) &&
	wait_for_line $W/step5.out "^3: " &&
	gdb_batch -p $pid -ex "katana abort" -ex "katana apply $(case_dir onefunc)/fix.po --step" \
		-ex "katana apply $d/fix.po --step" -ex "katana apply $d/fix.po" \
		-ex "katana revert" -ex "continue" -ex "katana status" -ex detach >gdb5.log 2>&1 &&
	test_grep "^katana: abort: no katana apply --step is stopped in the stub\$" gdb5.log &&
	test_grep "^katana: apply --step: .fix\\.po. transforms no data; there is nothing to step through (apply it without --step)\$" gdb5.log &&
	test "$(grep -c "^katana: a katana apply --step is stopped in the stub: continue to finish it, or katana abort\$" gdb5.log)" = 2 &&
	test_grep -E "^katana: applied .fix\\.po. to prog" gdb5.log &&
	test_grep -E "^patch 1: fix\\.po: applied" gdb5.log &&
	test_grep -v "^patch 2" gdb5.log &&
	katana_expect 2 standalone apply $d/fix.po --step $pid &&
	test_line_count = 1 standalone.err &&
	test_grep "use it in GDB (gdb -p PID, then katana apply FILE.po --step)" standalone.err &&
	test_line_count = 0 standalone.out
'

test_expect_success 'through gdbserver: the same stop, the same values, the apply finishes' '
	d=$(case_dir xf-insert) &&
	start_case step6 $d &&
	test_when_finished "target_stop step6" &&
	wait_for_expr $W/step6.out "$INS_RE" "$INS_OLD && \$c[0] >= 3" &&
	port=$(gdbserver_attach step6) &&
	gdb_batch -ex "target remote 127.0.0.1:$port" -ex "katana apply $d/fix.po --step" \
		-ex "print old->cfg.port" -ex "print new->cfg.backlog" -ex "continue" \
		-ex detach >gdb6.log 2>&1 &&
	test_grep -E "^katana: step: before the transform of .cfg." gdb6.log &&
	test_grep -E "^\\\$1 = 8080\$" gdb6.log &&
	test_grep -E "^\\\$2 = 16\$" gdb6.log &&
	test_grep -E "^katana: applied .fix\\.po. to prog: .*data transformed \\(1 variable \\(cfg\\)" gdb6.log &&
	n=$(wc -l <$W/step6.out) &&
	wait_for_expr $W/step6.out "$INS_RE" "$INS_NEW" $n &&
	more_lines step6 3 &&
	check_phases $W/step6.out "$INS_RE" "$INS_OLD" "$INS_NEW"
'

test_done
