#!/bin/sh
test_description='gen: static functions and variables, thread-locals'
. "$(dirname "$0")/lib.sh"
require_tool gcc readelf objdump dwarfdump perl

d=$W/static-dup
test_expect_success 'static-dup: build; v0 and v1 behave as expected' '
	build_case static-dup &&
	expect_runs static-dup 4 &&
	# the case is meaningful: two static helpers, and the call from b.c
	# helper() to scale() is resolved by the assembler (no relocation)
	local_sym_field $d/v0/prog a.c helper value &&
	local_sym_field $d/v0/prog b.c helper value &&
	objdump -dr $d/v1/b.o | sed -n "/<helper>:/,/^\$/p" >helper.dis &&
	test_grep "call.*<scale>" helper.dis &&
	test_grep -v "R_X86_64" helper.dis
'

test_expect_success 'static-dup: only b.c helper() is patched, named by its cu' '
	gen_case static-dup &&
	check_po_basics $d &&
	json_check $d/fix.json <<-\EOF
	names($j->{functions}) eq "helper"
	fn("helper")->{cu} eq "b.c"
	fn("helper")->{action} eq "changed"
	fn("helper")->{static}
	!fn("helper", "a.c")
	names($j->{unsafe}) eq "helper"
	uns("helper")->{cu} eq "b.c" && uns("helper")->{replaced}
	@{$j->{variables}} == 0
	!fn("a_value") && !fn("b_value") && !fn("scale")
	EOF
'

test_expect_success 'static-dup: old_value and sizes are those of b.c helper()' '
	ov=$(local_sym_field $d/v0/prog b.c helper value) &&
	os=$(local_sym_field $d/v0/prog b.c helper size) &&
	ns=$(local_sym_field $d/v1/prog b.c helper size) &&
	json_check $d/fix.json ov=$ov os=$os ns=$ns <<-\EOF
	fn("helper")->{old_value} == $v{ov}
	fn("helper")->{old_size} == $v{os}
	fn("helper")->{new_size} == $v{ns}
	EOF
'

test_expect_success 'static-dup: the new helper() calls the old static scale() of b.c' '
	sv=$(local_sym_field $d/v0/prog b.c scale value) &&
	json_check $d/fix.json sv=$sv <<-\EOF
	sym("scale")
	sym("scale")->{kind} eq "func"
	sym("scale")->{static} && !sym("scale")->{external}
	sym("scale")->{cu} eq "b.c"
	sym("scale")->{old_value} == $v{sv}
	$j->{relocations} >= 1
	EOF
'

d=$W/static-local
test_expect_success 'static-local: build; v0 and v1 behave as expected' '
	build_case static-local &&
	expect_runs static-local 4 &&
	nm $d/v0/ticket.o >nm.out &&
	test_grep -E " d counter\.[0-9]+$" nm.out
'

test_expect_success 'static-local: the patched next_ticket() uses the old counter' '
	gen_case static-local &&
	check_po_basics $d &&
	cname=$(sed -n "s/.* d \(counter\.[0-9]*\)\$/\1/p" nm.out) &&
	cv=$(local_sym_field $d/v0/prog ticket.c $cname value) &&
	json_check $d/fix.json cname=$cname cv=$cv <<-\EOF
	names($j->{functions}) eq "next_ticket"
	fn("next_ticket")->{action} eq "changed"
	fn("next_ticket")->{cu} eq "ticket.c"
	names($j->{unsafe}) eq "next_ticket"
	# not a new variable: no copy, the running value is kept
	@{$j->{variables}} == 0
	!$j->{sections}{".data.new"} && !$j->{sections}{".bss.new"}
	sym($v{cname})
	sym($v{cname})->{kind} eq "object"
	sym($v{cname})->{static} && !sym($v{cname})->{external}
	sym($v{cname})->{cu} eq "ticket.c"
	sym($v{cname})->{old_value} == $v{cv}
	sym($v{cname})->{size} == 4
	EOF
'

d=$W/tls
test_expect_success 'tls: build; v0 and v1 behave as expected' '
	build_case tls &&
	expect_runs tls 4
'

test_expect_success 'tls: the patched tick() uses the old thread-local variables' '
	gen_case tls &&
	check_po_basics $d &&
	json_check $d/fix.json <<-\EOF
	names($j->{functions}) eq "tick"
	fn("tick")->{action} eq "changed" && fn("tick")->{cu} eq "tick.c"
	@{$j->{variables}} == 0
	!$j->{sections}{".tdata.new"} && !$j->{sections}{".tbss.new"}
	sym("ticks") && sym("ticks")->{kind} eq "tls"
	!sym("ticks")->{static} && !sym("ticks")->{external}
	sym("last") && sym("last")->{kind} eq "tls"
	sym("last")->{static} && sym("last")->{cu} eq "tick.c"
	!sym("last")->{external}
	!fn("last_tick")
	EOF
'

test_done
