#!/bin/sh
test_description='gen: new functions, and references to libc the old program never made'
. "$(dirname "$0")/lib.sh"
require_tool gcc readelf objdump dwarfdump perl

# newfunc [VARIANT FLAGS...]
newfunc() {
	v=$1
	shift
	flags="$*"
	d=$W/newfunc-$v
test_expect_success "newfunc [$v]: build; v0 and v1 behave as expected" '
	build_case newfunc $v $flags &&
	expect_runs $d 4 &&
	nm $d/v0/prog >nm.v0 &&
	test_grep -v " limit\$" nm.v0
'

test_expect_success "newfunc [$v]: compute() changed, limit() new" '
	gen_case newfunc $v &&
	check_po_basics $d &&
	ns=$(sym_field $d/v1/prog limit size) &&
	json_check $d/fix.json ns=$ns <<-\EOF &&
	names($j->{functions}) eq "compute limit"
	fn("compute")->{action} eq "changed"
	fn("limit")->{action} eq "new"
	fn("limit")->{cu} eq "calc.c" && !fn("limit")->{static}
	fn("limit")->{new_size} == $v{ns}
	fn("limit")->{old_size} == 0 && fn("limit")->{old_value} == 0
	# a new function is not running: it is not unsafe
	names($j->{unsafe}) eq "compute"
	# limit is defined by the patch, not looked up in the target
	!sym("limit")
	!fn("describe")
	EOF
	check_func_matches_target $d compute &&
	test_grep -E "^gen: 1 functions? changed, 1 new, 0 variables;" $d/gen.out
'
}
# At -O2 without -ffunction-sections, compute() ends in a 2-byte jmp to
# limit(), resolved by the assembler.
newfunc O2

# The moved copy cannot keep the 2-byte jump: it jumps to a 5-byte veneer
# appended to compute(), whose PC32 relocation reaches limit() in the patch.
test_expect_success 'newfunc [O2]: the short tail jump reaches limit() through a veneer' '
	objdump -dr $W/newfunc-O2/fix.po >dis &&
	sed -n "/<compute>:/,\$p" dis >compute.dis &&
	test_grep -E "jmp +[0-9a-f]+ <compute\+0x4>" compute.dis &&
	test_grep -E "^ +[0-9a-f]+:\s+e9 00 00 00 00" compute.dis &&
	test_grep -E "R_X86_64_PC32\s+limit-0x4" compute.dis
'
newfunc fsections -ffunction-sections -fdata-sections
newfunc O0 -O0

d=$W/libcall
test_expect_success 'libcall: build; v0 and v1 behave as expected' '
	build_case libcall &&
	expect_runs libcall 4 &&
	test_line_count = 0 $d/v0.err &&
	echo "name bartholomew too long (11)" >expect.err &&
	echo "name bartholomew too long (11)" >>expect.err &&
	test_cmp expect.err $d/v1.err &&
	# the old program never uses them; the new object does
	nm -D $d/v0/prog >dyn.v0 &&
	test_grep -v -E " (strlen|fprintf|stderr)(@|\$)" dyn.v0 &&
	nm $d/v1/name.o >nm.v1 &&
	test_grep " U strlen\$" nm.v1 &&
	test_grep " U fprintf\$" nm.v1 &&
	test_grep " U stderr\$" nm.v1
'

test_expect_success 'libcall: strlen, fprintf and stderr are external symbols' '
	gen_case libcall &&
	check_po_basics $d &&
	json_check $d/fix.json <<-\EOF
	names($j->{functions}) eq "check_name"
	fn("check_name")->{action} eq "changed"
	# the object leaves them untyped; gen types them from the linked new build
	sym("strlen") && sym("strlen")->{external} && sym("strlen")->{kind} eq "func"
	sym("fprintf") && sym("fprintf")->{external} && sym("fprintf")->{kind} eq "func"
	sym("stderr") && sym("stderr")->{external} && sym("stderr")->{kind} eq "object"
	!sym("strlen")->{weak} && !sym("fprintf")->{weak} && !sym("stderr")->{weak}
	!grep { $_->{external} && ($_->{static} || $_->{old_value}) } @{$j->{symbols}}
	!grep { $_->{external} && defined $_->{cu} } @{$j->{symbols}}
	# the new format string
	$j->{sections}{".rodata.new"} >= length("name %s too long (%zu)\n") + 1
	@{$j->{variables}} == 0
	EOF
'

test_done
