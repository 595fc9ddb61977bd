#!/bin/sh
test_description='gen: string literals, new, const and initialised variables, layout changes (transformed)'
. "$(dirname "$0")/lib.sh"
require_tool gcc readelf objdump dwarfdump perl

d=$W/string
test_expect_success 'string: build; v0 and v1 behave as expected' '
	build_case string &&
	expect_runs string 4
'

test_expect_success 'string: greet() changes, its new literal is in .rodata.new' '
	gen_case string &&
	check_po_basics $d &&
	json_check $d/fix.json <<-\EOF &&
	names($j->{functions}) eq "greet"
	fn("greet")->{action} eq "changed" && fn("greet")->{cu} eq "greet.c"
	# farewell() uses a literal whose offset moved; its code did not change
	!fn("farewell")
	names($j->{unsafe}) eq "greet"
	@{$j->{variables}} == 0
	$j->{sections}{".rodata.new"} >= length("Hello, visitor %ld") + 1
	EOF
	section_has $d/fix.po .rodata.new "qq(Hello, visitor %ld\\0)" &&
	! section_has $d/fix.po .rodata.new "q(Helo visitor)" 2>/dev/null
'

d=$W/newglobal
test_expect_success 'newglobal: build; v0 and v1 behave as expected' '
	build_case newglobal &&
	expect_runs newglobal 4
'

test_expect_success 'newglobal: record() changed, threshold and calls are new variables' '
	gen_case newglobal &&
	check_po_basics $d &&
	json_check $d/fix.json <<-\EOF &&
	names($j->{functions}) eq "record"
	fn("record")->{action} eq "changed"
	names($j->{variables}) eq "calls threshold"
	var("threshold")->{action} eq "new"
	!var("threshold")->{static} && !var("threshold")->{const} && !var("threshold")->{tls}
	var("threshold")->{cu} eq "stats.c"
	var("threshold")->{type} eq "int"
	var("threshold")->{new_size} == 4 && var("threshold")->{old_size} == 0
	var("calls")->{action} eq "new"
	var("calls")->{static} && !var("calls")->{static_local}
	var("calls")->{cu} eq "stats.c"
	var("calls")->{type} eq "long" || var("calls")->{type} eq "long int"
	var("calls")->{new_size} == 8
	$j->{sections}{".data.new"} >= 4
	$j->{sections}{".bss.new"} >= 8
	# new variables are defined by the patch, not looked up in the target
	!sym("threshold") && !sym("calls")
	EOF
	test_grep -E "^gen: 1 functions? changed, 0 new, 2 variables;" $d/gen.out
'

test_expect_success 'newglobal: the initial value of threshold is in .data.new' '
	section_has $d/fix.po .data.new "pack(q(l<), 3)"
'

d=$W/consttable
test_expect_success 'consttable: build; v0 and v1 behave as expected' '
	build_case consttable &&
	expect_runs consttable 4 &&
	# the code of both users is the same in v0 and v1
	objdump -d --no-show-raw-insn $d/v0/report.o | sed 1,3d >r0 &&
	objdump -d --no-show-raw-insn $d/v1/report.o | sed 1,3d >r1 &&
	test_cmp r0 r1
'

test_expect_success 'consttable: rates is a const-update, both of its users are patched' '
	gen_case consttable &&
	check_po_basics $d &&
	json_check $d/fix.json <<-\EOF
	names($j->{variables}) eq "rates"
	var("rates")->{action} eq "const-update"
	var("rates")->{const} && !var("rates")->{static}
	var("rates")->{cu} eq "table.c"
	var("rates")->{type} =~ /\bint\b/ && var("rates")->{type} =~ /\[8\]/
	var("rates")->{old_size} == 32 && var("rates")->{new_size} == 32
	names($j->{functions}) eq "rate_for rate_total"
	fn("rate_for")->{action} eq "changed" && fn("rate_for")->{cu} eq "table.c"
	fn("rate_total")->{action} eq "changed" && fn("rate_total")->{cu} eq "report.c"
	names($j->{unsafe}) eq "rate_for rate_total"
	$j->{sections}{".rodata.new"} >= 32
	EOF
'

test_expect_success 'consttable: the new table contents are in .rodata.new' '
	section_has $d/fix.po .rodata.new "pack(q(l<*), 10, 20, 30, 40, 50, 60, 70, 80)"
'

d=$W/initchange
test_expect_success 'initchange: build; v0 and v1 behave as expected' '
	build_case initchange &&
	expect_runs initchange 4
'

test_expect_success 'initchange: retry_limit is init-changed, with a warning' '
	gen_case initchange &&
	check_po_basics $d &&
	json_check $d/fix.json <<-\EOF
	names($j->{functions}) eq "attempts"
	names($j->{variables}) eq "retry_limit"
	var("retry_limit")->{action} eq "init-changed"
	var("retry_limit")->{type} eq "int"
	!var("retry_limit")->{const} && !var("retry_limit")->{static}
	var("retry_limit")->{old_size} == 4 && var("retry_limit")->{new_size} == 4
	grep { /retry_limit/ } @{$j->{warnings}}
	# the running variable is used, not a new copy
	!$j->{sections}{".data.new"}
	sym("retry_limit") && !sym("retry_limit")->{external}
	EOF
'

d=$W/layout
test_expect_success 'layout: build; v0 and v1 behave as expected' '
	build_case layout &&
	expect_runs layout 4
'

test_expect_success 'layout: both variables are transformed, every user of them is patched' '
	gen_case layout &&
	check_po_basics $d &&
	json_check $d/fix.json <<-\EOF &&
	$j->{format_version} == 2
	var("cfg")->{action} eq "transform" && var("cfg")->{type} eq "struct config"
	var("server_stats")->{action} eq "transform" && var("server_stats")->{type} eq "struct stats"
	var("cfg")->{old_size} == 8 && var("cfg")->{new_size} == 12
	var("server_stats")->{old_size} == 8 && var("server_stats")->{new_size} == 16
	names($j->{functions}) eq "config_port count_hit"
	$j->{xtypes}[var("cfg")->{xtype}]{diff} =~ /.backlog. added/
	join("|", @{$j->{xtypes}[var("server_stats")->{xtype}]{forward}}) =~ /^int \+0 \(4 bytes, signed\) -> \+0 \(8 bytes, signed\)\|copy \+4 -> \+8, 4 bytes$/
	!$j->{allocator}
	EOF
	test_grep -E "^gen: 2 functions changed, 0 new, 2 variables, 2 transformed;" $d/gen.out
'

test_done
