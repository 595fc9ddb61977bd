#!/bin/sh
test_description='gen: what the compiler does to code: inlining, __LINE__ moves, clones, fragments'
. "$(dirname "$0")/lib.sh"
require_tool gcc readelf objdump dwarfdump perl

d=$W/inline
test_expect_success 'inline: build; v0 and v1 behave as expected' '
	build_case inline &&
	expect_runs inline 4 &&
	# adjust() exists only inlined
	nm $d/v0/calc.o >nm.v0 &&
	test_grep -v adjust nm.v0
'

test_expect_success 'inline: both callers of the inlined adjust() are patched' '
	gen_case inline &&
	check_po_basics $d &&
	json_check $d/fix.json <<-\EOF &&
	names($j->{functions}) eq "compute score"
	fn("compute")->{action} eq "changed" && fn("score")->{action} eq "changed"
	fn("compute")->{cu} eq "calc.c" && fn("score")->{cu} eq "calc.c"
	!fn("adjust") && !fn("other")
	names($j->{unsafe}) eq "compute score"
	EOF
	check_func_matches_target $d compute &&
	check_func_matches_target $d score
'

# lineshift: v1 inserts 3 lines at the top of stock_get(); the 3 functions
# below it (stock_put, stock_sum, stock_check) differ only in __LINE__.
lineshift() {
	v=$1
	shift
	flags="$*"
	d=$W/lineshift-$v
	test_expect_success "lineshift [$v]: build; v0 and v1 behave as expected" '
		build_case lineshift $v $flags &&
		expect_runs $d 4 &&
		# the functions below stock_get really differ (in their lines)
		bad=0 &&
		for f in stock_put stock_sum stock_check; do
			objdump -d --no-show-raw-insn $d/v0/stock.o |
				sed -n "/<$f>:/,/^\$/p" | sed "s/^ *[0-9a-f]*://" >$f.v0 &&
			objdump -d --no-show-raw-insn $d/v1/stock.o |
				sed -n "/<$f>:/,/^\$/p" | sed "s/^ *[0-9a-f]*://" >$f.v1 &&
			test -s $f.v0 &&
			! cmp -s $f.v0 $f.v1 || { echo "$f: same code in v0 and v1"; bad=1; }
		done &&
		test $bad = 0
	'

	test_expect_success "lineshift [$v]: only stock_get() is patched, 3 are line-only" '
		gen_case lineshift $v &&
		check_po_basics $d &&
		json_check $d/fix.json <<-\EOF &&
		names($j->{functions}) eq "stock_get"
		fn("stock_get")->{action} eq "changed" && fn("stock_get")->{cu} eq "stock.c"
		names($j->{unsafe}) eq "stock_get"
		$j->{line_only_skipped} == 3
		!fn("stock_put") && !fn("stock_sum") && !fn("stock_check") && !fn("stock_init")
		EOF
		test_grep -E "^gen: 1 functions? changed, 0 new, 0 variables, 3 skipped \(only __LINE__ moved\);" $d/gen.out
	'
}
lineshift O2
lineshift O0 -O0
lineshift fsections -ffunction-sections -fdata-sections

d=$W/clones
test_expect_success 'clones: build; v0 and v1 behave as expected' '
	build_case clones &&
	expect_runs clones 4 &&
	nm $d/v0/clone.o >nm.v0 &&
	test_grep " t scale\.constprop\.0\$" nm.v0 &&
	test_grep " t check\.cold\$" nm.v0 &&
	nm $d/v1/clone.o >nm.v1 &&
	test_grep " t scale\.constprop\.0\$" nm.v1 &&
	test_grep " t check\.cold\$" nm.v1 &&
	test_grep -v " scale\$" nm.v0
'

test_expect_success 'clones: the clone and the cold fragment are patched as such' '
	gen_case clones &&
	check_po_basics $d &&
	json_check $d/fix.json <<-\EOF
	fn("scale.constprop.0")
	fn("scale.constprop.0")->{action} eq "changed"
	fn("scale.constprop.0")->{clone} && !fn("scale.constprop.0")->{fragment}
	fn("scale.constprop.0")->{static} && fn("scale.constprop.0")->{cu} eq "clone.c"
	fn("check.cold")
	fn("check.cold")->{action} eq "changed"
	fn("check.cold")->{fragment} && !fn("check.cold")->{clone}
	fn("check.cold")->{cu} eq "clone.c"
	# check() itself may come with its fragment; nothing else may
	!grep { $_->{name} !~ /^(scale\.constprop\.0|check\.cold|check)$/ } @{$j->{functions}}
	!fn("check") || !fn("check")->{fragment}
	EOF
'

test_done
