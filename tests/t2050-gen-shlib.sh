#!/bin/sh
test_description='gen: patching a shared library, and the program that uses it'
. "$(dirname "$0")/lib.sh"
require_tool gcc readelf objdump dwarfdump perl

d=$W/shlib
test_expect_success 'shlib: build; v0 and v1 behave as expected' '
	build_case shlib &&
	expect_runs shlib 4 &&
	test "$(elf_kind $d/v0/libfoo.so)" = shared &&
	readelf -dW $d/v0/prog >dyn &&
	test_grep "Shared library: \[libfoo.so\]" dyn
'

test_expect_success 'shlib: a patch for libfoo.so has foo_scale() only' '
	gen_case shlib &&
	check_po_basics $d libfoo.so &&
	fb=$(sym_field $d/v0/libfoo.so foo_base value) &&
	fc=$(sym_field $d/v0/libfoo.so foo_calls value) &&
	json_check $d/fix.json fb=$fb fc=$fc <<-\EOF &&
	$j->{target}{name} eq "libfoo.so" && $j->{target}{kind} eq "shared"
	names($j->{functions}) eq "foo_scale"
	fn("foo_scale")->{action} eq "changed"
	fn("foo_scale")->{cu} eq "lib/foo.c"
	!fn("banner")
	names($j->{unsafe}) eq "foo_scale"
	@{$j->{variables}} == 0
	# defined in the library (another object of it): not external
	sym("foo_base") && sym("foo_base")->{kind} eq "func"
	!sym("foo_base")->{external} && !sym("foo_base")->{static}
	sym("foo_base")->{old_value} == $v{fb}
	sym("foo_calls") && sym("foo_calls")->{kind} eq "object"
	!sym("foo_calls")->{external}
	sym("foo_calls")->{old_value} == $v{fc}
	EOF
	check_func_matches_target $d foo_scale
'

d=$W/shlib-prog
test_expect_success 'shlib: a patch for prog has banner() only' '
	build_case shlib prog &&
	gen_case shlib prog -- prog &&
	check_po_basics $d prog &&
	json_check $d/fix.json <<-\EOF
	$j->{target}{name} eq "prog" && $j->{target}{kind} eq "pie"
	names($j->{functions}) eq "banner"
	fn("banner")->{cu} eq "main.c" && fn("banner")->{action} eq "changed"
	!fn("foo_scale")
	# the new literal
	$j->{sections}{".rodata.new"} >= 4
	EOF
'

test_done
