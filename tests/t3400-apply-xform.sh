#!/bin/sh
test_description='katana apply with data transforms: live targets whose variables change layout keep their values; heap objects, revert, refusals'
. "$(dirname "$0")/lib.sh"

for t in gdb gcc perl; do
	require_tool $t
done

# xf_live CASE REGEX OLD NEW [MORE]: build and gen CASE, run v0, wait for a
# line of the old behaviour, apply, wait for the new one and MORE further
# lines; every line (captures in @c) fits OLD, then NEW, in that order.
# The target is left running as CASE (stopped at the end of the script).
xf_live() {
	_c=$1 _re=$2 _old=$3 _new=$4
	build_case "$_c" &&
	gen_case "$_c" &&
	_d=$(case_dir "$_c") &&
	start_case "$_c" "$_d" &&
	wait_for_expr "$W/$_c.out" "$_re" "$_old" &&
	more_lines "$_c" 3 &&
	_n=$(wc -l <"$W/$_c.out") &&
	katana_expect 0 "apply-$_c" apply "$_d/fix.po" "$(target_pid "$_c")" &&
	wait_for_expr "$W/$_c.out" "$_re" "$_new" "$_n" &&
	more_lines "$_c" "${5:-5}" &&
	check_phases "$W/$_c.out" "$_re" "$_old" "$_new" &&
	target_alive "$_c"
}

# check_xform_applied FILE TARGET VARS: the summary line of an apply that
# transformed the variables VARS (a regex).
check_xform_applied() {
	test_line_count = 1 "$1" &&
	test_grep -E "^katana: applied .fix\.po. to $2: [0-9]+ functions? redirected \([^)]*\), data transformed \([0-9]+ variables? \($3\)(, [0-9]+ heap objects? \([0-9]+ KiB\) built)?(, [0-9]+ pointers? re-pointed)?, [0-9.]+ ms in the process\), [0-9]+ KiB at 0x[0-9a-f]+, target stopped [0-9]+ ms, total [0-9]+ ms\$" "$1"
}

test_expect_success 'a member inserted in the middle of a global struct: old members keep their running values, the new one its initial value' '
	xf_live xf-insert "^(\\d+): port=8080 hits=(\\d+) workers=(\\d+)( backlog=16)?\$" \
		"\$c[1] == \$c[0] && \$c[2] == 4 + \$c[0] % 3 && !defined \$c[3]" \
		"\$c[1] == \$c[0] && \$c[2] == 4 + \$c[0] % 3 && defined \$c[3]" &&
	check_xform_applied apply-xf-insert.out prog cfg
'

test_expect_success 'katana status, then revert: the data goes back to the old layout with its current values' '
	pid=$(target_pid xf-insert) &&
	katana_expect 0 status status $pid &&
	test_grep -E "^patch 1: fix\.po: applied, 5 functions" status.out &&
	test_grep -E "^  memory 0x[0-9a-f]+-0x[0-9a-f]+ rw-" status.out &&
	n=$(wc -l <$W/xf-insert.out) &&
	katana_expect 0 revert revert $(case_dir xf-insert)/fix.po $pid &&
	test_grep -E "^katana: reverted: original code restored, data transformed back \(1 variable \(cfg\), [0-9.]+ ms in the process\), patch memory released" revert.out &&
	wait_for_expr $W/xf-insert.out "^(\\d+): port=8080 hits=(\\d+) workers=(\\d+)\$" "\$c[1] == \$c[0]" $n &&
	more_lines xf-insert 3 &&
	check_phases $W/xf-insert.out "^(\\d+): port=8080 hits=(\\d+) workers=(\\d+)( backlog=16)?\$" \
		"\$c[1] == \$c[0] && !defined \$c[3]" "\$c[1] == \$c[0] && defined \$c[3]" \
		"\$c[1] == \$c[0] && !defined \$c[3]" &&
	target_stop xf-insert
'

test_expect_success 'a revert of a data patch without its PO is refused: katana needs the backward transforms' '
	start_case xfi2 $(case_dir xf-insert) &&
	test_when_finished "target_stop xfi2" &&
	wait_for_line $W/xfi2.out "^3: " &&
	katana_expect 0 apply2 apply $(case_dir xf-insert)/fix.po $(target_pid xfi2) &&
	katana_expect 4 revert2 revert $(target_pid xfi2) &&
	test_line_count = 1 revert2.err &&
	test_grep "transformed data: give its file (katana revert fix.po)" revert2.err &&
	n=$(wc -l <$W/xfi2.out) &&
	more_lines xfi2 3 &&
	wait_for_expr $W/xfi2.out "backlog=16" 1 $n
'

test_expect_success 'members added to nested structs; unchanged members after them move' '
	xf_live xf-nested "^(\\d+): conn=65 requests=(\\d+) errors=(\\d+)(?: max_body=(\\d+) bytes=(\\d+))?\$" \
		"\$c[1] == \$c[0] && \$c[2] == int(\$c[0] / 3) && !defined \$c[3]" \
		"\$c[1] == \$c[0] && \$c[2] == int(\$c[0] / 3) && \$c[3] == 1024 && \$c[4] % 100 == 0 && (!@p || !defined \$p[4] || \$c[4] == \$p[4] + 100)" &&
	check_xform_applied apply-xf-nested.out prog srv &&
	target_stop xf-nested
'

test_expect_success 'a type shared by two compilation units: both users are patched, both see the new layout' '
	xf_live xf-shared "^(\\d+): report=(\\d+)(?: total=(\\d+) version=(\\d+))?\$" \
		"\$c[1] == 10 * \$c[0] + \$c[0] % 7 && !defined \$c[2]" \
		"\$c[1] == 10 * \$c[0] + \$c[0] % 7 && \$c[3] == 2 && (!defined \$p[2] || \$c[2] == \$p[2] + \$c[0] % 7)" &&
	check_xform_applied apply-xf-shared.out prog st &&
	json_check $(case_dir xf-shared)/fix.json "names(\$j->{functions}) =~ /a_record/ && names(\$j->{functions}) =~ /b_report/" &&
	target_stop xf-shared
'

HEAP_RE='^(\d+): sum=(\d+) tail=5 ring=(\d+) rk=([789])(?: weights=(\d+))?$'
test_expect_success 'a heap list hanging from global pointers (shared tail, a ring): every node rebuilt once, values kept' '
	xf_live xf-heap "$HEAP_RE" \
		"\$c[1] == 1500 + 15 * \$c[0] && \$c[2] == 3 * \$c[0] && !defined \$c[4]" \
		"\$c[1] == 1500 + 15 * \$c[0] && \$c[2] == 3 * \$c[0] && defined \$c[4] && (!defined \$p[4] || \$c[4] == \$p[4] + 8)" &&
	check_xform_applied apply-xf-heap.out prog "ring, tail, head" &&
	test_grep -E "8 heap objects \(1 KiB\) built, 3 pointers re-pointed" apply-xf-heap.out
'

test_expect_success 'the heap list reverted: old-layout nodes rebuilt from the new ones, the program runs on' '
	pid=$(target_pid xf-heap) &&
	n=$(wc -l <$W/xf-heap.out) &&
	katana_expect 0 revert-heap revert $(case_dir xf-heap)/fix.po $pid &&
	test_grep -E "data transformed back \(3 variables \(ring, tail, head\), 8 heap objects \(1 KiB\) built, 3 pointers re-pointed" revert-heap.out &&
	wait_for_expr $W/xf-heap.out "$HEAP_RE" "!defined \$c[4]" $n &&
	more_lines xf-heap 5 &&
	check_phases $W/xf-heap.out "$HEAP_RE" \
		"\$c[1] == 1500 + 15 * \$c[0] && !defined \$c[4]" \
		"\$c[1] == 1500 + 15 * \$c[0] && defined \$c[4]" \
		"\$c[1] == 1500 + 15 * \$c[0] && \$c[2] == 3 * \$c[0] && !defined \$c[4]" &&
	target_alive xf-heap &&
	target_stop xf-heap
'

test_expect_success 'katana unsafe on a heap patch: the functions holding nodes and the allocator are listed' '
	d=$(case_dir xf-heap) &&
	start_case xfh2 $d &&
	test_when_finished "target_stop xfh2" &&
	wait_for_line $W/xfh2.out "^3: " &&
	katana_expect 0 unsafe-heap unsafe $d/fix.po $(target_pid xfh2) &&
	test_grep -E "^  malloc: 0x[0-9a-f]+-0x[0-9a-f]+\$" unsafe-heap.out &&
	test_grep -E "^  list_tick: 0x" unsafe-heap.out &&
	test_grep "a thread is parked in a system call: heap objects can be allocated" unsafe-heap.out
'

test_expect_success 'a union and an enum gain members: stored enumerators are renumbered, the union keeps its bytes' '
	xf_live xf-union-enum "^(\\d+): area=(\\d+) calls=(\\d+) kinds=(\\w+) codes=(\\d+)\$" \
		"\$c[2] == 3 * \$c[0] && \$c[3] eq \"csc\" && \$c[4] eq \"010\"" \
		"\$c[2] == 3 * \$c[0] && \$c[3] eq \"csc\" && \$c[4] eq \"020\"" &&
	check_xform_applied apply-xf-union-enum.out prog shapes
'

test_expect_success 'the union that gained a member cannot be reverted: refused before anything stops, the patch stays' '
	pid=$(target_pid xf-union-enum) &&
	katana_expect 4 revert-ue revert $(case_dir xf-union-enum)/fix.po $pid &&
	test_line_count = 1 revert-ue.err &&
	test_grep "var .shapes. (struct shape\[3\]): its transform cannot be undone: .*union member .tri. was added" revert-ue.err &&
	n=$(wc -l <$W/xf-union-enum.out) &&
	more_lines xf-union-enum 3 &&
	wait_for_expr $W/xf-union-enum.out "codes=020\$" 1 $n &&
	target_stop xf-union-enum
'

test_expect_success 'an int widened to long keeps its negative value' '
	xf_live xf-widen "^(\\d+): id=7 balance=(-?\\d+) bytes=(\\d)\$" \
		"\$c[1] == -5 - 3 * \$c[0] && \$c[2] == 4" \
		"\$c[1] == -5 - 3 * \$c[0] && \$c[2] == 8" &&
	json_check $(case_dir xf-widen)/fix.json "\$j->{xtypes}[0]{forward}[1] =~ /^int \\+4 \\(4 bytes, signed\\) -> \\+8 \\(8 bytes, signed\\)\$/" &&
	target_stop xf-widen
'

test_expect_success 'a member removed: the others keep their values' '
	xf_live xf-remove "^(\\d+): id=1 done=(\\d+)( debug=3)?\$" \
		"\$c[1] == \$c[0] && defined \$c[2]" "\$c[1] == \$c[0] && !defined \$c[2]" &&
	json_check $(case_dir xf-remove)/fix.json "\$j->{xtypes}[0]{diff} =~ /.debug_level. removed/" &&
	target_stop xf-remove
'

test_expect_success 'a file-scope static of a changed type; a same-named static of another file is left alone' '
	xf_live xf-static "^(\\d+): n=(\\d+) other=(\\d+)(?: wraps=(\\d+) limit=(\\d+))?\$" \
		"\$c[1] == \$c[0] && \$c[2] == 42 + \$c[0] && !defined \$c[3]" \
		"\$c[1] == \$c[0] && \$c[2] == 42 + \$c[0] && \$c[3] == 0 && \$c[4] == 1000" &&
	json_check $(case_dir xf-static)/fix.json <<-\EOF &&
	my @v = grep { $_->{name} eq "ctr" } @{$j->{variables}}; @v == 1
	var("ctr")->{action} eq "transform" && var("ctr")->{cu} eq "counter.c" && var("ctr")->{static}
	EOF
	target_stop xf-static
'

BITS_RE='^(\d+): ready=1 level=(-?\d+) count=(\d+)( mode=2)?$'
test_expect_success 'bit-fields moved and widened, a negative signed bit-field kept' '
	xf_live xf-bitfield "$BITS_RE" \
		"\$c[1] == (5 - \$c[0]) % 16 - 8 + (((5 - \$c[0]) % 16) < 0 ? 16 : 0) && \$c[2] == \$c[0] % 32 && !defined \$c[3]" \
		"\$c[1] == (5 - \$c[0]) % 16 - 8 + (((5 - \$c[0]) % 16) < 0 ? 16 : 0) && \$c[2] == \$c[0] % 512 && defined \$c[3]" 30
'

test_expect_success 'a revert whose value does not fit the old bit-field is refused by the transform: nothing changes' '
	pid=$(target_pid xf-bitfield) &&
	wait_for_expr $W/xf-bitfield.out "$BITS_RE" "\$c[2] >= 32" &&
	katana_expect 4 revert-bits revert $(case_dir xf-bitfield)/fix.po $pid &&
	test_line_count = 1 revert-bits.err &&
	test_grep -E "^katana: the data transform failed: var .fl.: a value does not fit its new field: the struct flags at 0x[0-9a-f]+\+0 holds [0-9]+; nothing was changed" revert-bits.err &&
	n=$(wc -l <$W/xf-bitfield.out) &&
	more_lines xf-bitfield 3 &&
	check_phases $W/xf-bitfield.out "$BITS_RE" "!defined \$c[3]" "\$c[2] == \$c[0] % 512 && defined \$c[3]" &&
	katana_expect 0 status-bits status $pid &&
	test_grep -E "^patch 1: fix\.po: applied" status-bits.out &&
	target_stop xf-bitfield
'

test_expect_success 'objects reachable only through void *: gen refuses, naming each path' '
	build_case xf-voidptr &&
	d=$(case_dir xf-voidptr) &&
	test_expect_code 1 gen_case xf-voidptr &&
	test_path_is_missing $d/fix.po &&
	test_grep -E "var .slot. \(void \*\): item_tick\(\) keeps objects of .struct item., whose layout changes, and also uses .slot.: .*refused \(if none are, pass --allow-opaque slot\)" $d/gen.err &&
	test_grep -E "var .slots. \(void \*\[4\]\):" $d/gen.err &&
	test_grep -E "^gen: refused: 2 changes to data cannot be made to the running program; no patch written" $d/gen.err
'

test_expect_success 'with --allow-opaque the paths become warnings in the PO' '
	d=$(case_dir xf-voidptr) &&
	"$KATANA" gen --allow-opaque slot --allow-opaque slots -o $d/fix.po $d/v0 $d/v1 prog >gen.out 2>gen.err &&
	test_grep -E "^gen: .* [0-9]+ warnings?; wrote" gen.out &&
	"$KATANA" show --json $d/fix.po >fix.json &&
	json_check fix.json "grep { /var .slot. \\(void \\*\\).*accepted with --allow-opaque/ } @{\$j->{warnings}}"
'

test_expect_success 'a transform that fails in the process changes nothing: the v1 -> v0 bit-field patch on a running v1 whose count no longer fits' '
	d=$(case_dir xf-bitfield) &&
	"$KATANA" gen -o $d/back.po $d/v1 $d/v0 prog >genb.out 2>genb.err &&
	target_start bv1 $d/v1/prog 0 20 &&
	test_when_finished "target_stop bv1" &&
	wait_for_expr $W/bv1.out "$BITS_RE" "\$c[2] >= 32" &&
	n=$(wc -l <$W/bv1.out) &&
	katana_expect 4 back apply $d/back.po $(target_pid bv1) &&
	test_grep -E "^katana: the data transform failed: var .fl.: a value does not fit its new field" back.err &&
	more_lines bv1 5 &&
	check_phases $W/bv1.out "$BITS_RE" "\$c[2] == \$c[0] % 512 && defined \$c[3]" &&
	katana_expect 0 status-bv1 status $(target_pid bv1) &&
	test_grep -E "^patch 1: back\.po: staged \(never committed\)|^katana: 0 patches applied|no katana patches" status-bv1.out &&
	! grep -q "back.po: applied" status-bv1.out
'

# -O0: at -O2 v0's record() is 3 bytes long, too short for the jump
test_expect_success 'new global variables: the fix uses a new initialised global and a new static, live' '
	build_case newglobal O0 -O0 &&
	gen_case newglobal O0 &&
	d=$(case_dir newglobal O0) &&
	json_check $d/fix.json <<-\EOF &&
	var("threshold")->{action} eq "new" && var("calls")->{action} eq "new"
	EOF
	start_case ng $d &&
	test_when_finished "target_stop ng" &&
	wait_for_line $W/ng.out "^5: record=5\$" &&
	n=$(wc -l <$W/ng.out) &&
	katana_expect 0 apply-ng apply $d/fix.po $(target_pid ng) &&
	wait_for_expr $W/ng.out "^(\\d+): record=(\\d+)\$" "\$c[1] > 100" $n &&
	more_lines ng 3 &&
	check_phases $W/ng.out "^(\\d+): record=(\\d+)\$" "\$c[1] == \$c[0]" \
		"\$c[1] > 100 && (\$c[1] - \$c[0]) % 100 == 0 && (\$p[1] <= 100 || \$c[1] - \$c[0] == \$p[1] - \$p[0] + 100)"
'

test_expect_success 'changed const data: both users of a const table switch to the new table, live' '
	xf_live consttable "^(\\d+): rate=(\\d+) total=(\\d+)\$" "\$c[2] == 351" "\$c[2] == 360" &&
	target_stop consttable
'

EMB_RE='^(\d+): a=1 x=(\d+) key=(\d+)( b=7)?$'
test_expect_success 'a struct of unchanged layout embedded in one that moves: all its members carried over, not only its pointers; and back' '
	xf_live xf-embed-inplace "$EMB_RE" \
		"\$c[1] == \$c[0] && \$c[2] == \$c[0] + 5 && !defined \$c[3]" \
		"\$c[1] == \$c[0] && \$c[2] == \$c[0] + 5 && defined \$c[3]" &&
	check_xform_applied apply-xf-embed-inplace.out prog g &&
	n=$(wc -l <$W/xf-embed-inplace.out) &&
	katana_expect 0 revert-emb revert $(case_dir xf-embed-inplace)/fix.po $(target_pid xf-embed-inplace) &&
	wait_for_expr $W/xf-embed-inplace.out "$EMB_RE" "!defined \$c[3]" $n &&
	more_lines xf-embed-inplace 3 &&
	check_phases $W/xf-embed-inplace.out "$EMB_RE" \
		"\$c[1] == \$c[0] && !defined \$c[3]" "\$c[1] == \$c[0] && defined \$c[3]" \
		"\$c[1] == \$c[0] && \$c[2] == \$c[0] + 5 && !defined \$c[3]" &&
	target_stop xf-embed-inplace
'

SELF_RE='^(\d+): a=(\d+) kept=(\w+) cleared=(\w+)(?: b=(\d+))?$'
test_expect_success 'pointers a variable holds to itself: re-pointed to its new storage where the program kept them, left alone where it cleared them; and back' '
	xf_live xf-self-ptr "$SELF_RE" \
		"\$c[1] == \$c[0] && \$c[2] eq \"self\" && \$c[3] eq \"null\" && !defined \$c[4]" \
		"\$c[1] == \$c[0] && \$c[2] eq \"self\" && \$c[3] eq \"null\" && defined \$c[4]" &&
	check_xform_applied apply-xf-self-ptr.out prog "cleared, kept" &&
	n=$(wc -l <$W/xf-self-ptr.out) &&
	katana_expect 0 revert-self revert $(case_dir xf-self-ptr)/fix.po $(target_pid xf-self-ptr) &&
	wait_for_expr $W/xf-self-ptr.out "$SELF_RE" "!defined \$c[4]" $n &&
	more_lines xf-self-ptr 3 &&
	check_phases $W/xf-self-ptr.out "$SELF_RE" \
		"\$c[2] eq \"self\" && \$c[3] eq \"null\" && !defined \$c[4]" \
		"\$c[2] eq \"self\" && \$c[3] eq \"null\" && defined \$c[4]" \
		"\$c[1] == \$c[0] && \$c[2] eq \"self\" && \$c[3] eq \"null\" && !defined \$c[4]" &&
	target_stop xf-self-ptr
'

END_RE='^(\d+): sum=(\d+) end=(\w+)(?: w=(\d+))?$'
test_expect_success 'pointers just past the end of a transformed array (a const end pointer, a cursor left there) follow it to the end of its new storage; and back' '
	xf_live xf-array-end "$END_RE" \
		"\$c[1] == 10 * \$c[0] && \$c[2] eq \"yes\" && !defined \$c[3]" \
		"\$c[1] == 10 * \$c[0] && \$c[2] eq \"yes\" && defined \$c[3] && (!@p || !defined \$p[3] || \$c[3] == \$p[3] + 4)" &&
	check_xform_applied apply-xf-array-end.out prog "recs, cur, rend" &&
	"$KATANA" show $(case_dir xf-array-end)/fix.po >show-end.out &&
	# the initialiser of rend changed only by the new size of the array:
	# re-pointing gives exactly the value of v1, so gen warns about nothing
	test_grep -E "^ *fixup +rend " show-end.out &&
	! grep -n "initialiser changed" show-end.out &&
	n=$(wc -l <$W/xf-array-end.out) &&
	katana_expect 0 revert-end revert $(case_dir xf-array-end)/fix.po $(target_pid xf-array-end) &&
	wait_for_expr $W/xf-array-end.out "$END_RE" "!defined \$c[3]" $n &&
	more_lines xf-array-end 3 &&
	check_phases $W/xf-array-end.out "$END_RE" \
		"\$c[1] == 10 * \$c[0] && \$c[2] eq \"yes\" && !defined \$c[3]" \
		"\$c[1] == 10 * \$c[0] && \$c[2] eq \"yes\" && defined \$c[3]" \
		"\$c[1] == 10 * \$c[0] && \$c[2] eq \"yes\" && !defined \$c[3]" &&
	target_stop xf-array-end
'

test_done
