#!/bin/sh
test_description='gen: C++ member and virtual functions'
. "$(dirname "$0")/lib.sh"
require_tool g++ readelf objdump dwarfdump perl

d=$W/cxx
test_expect_success 'cxx: build; v0 and v1 behave as expected' '
	build_case cxx &&
	expect_runs cxx 4
'

test_expect_success 'cxx: Counter::step and Square::area are patched, mangled' '
	gen_case cxx &&
	check_po_basics $d &&
	json_check $d/fix.json <<-\EOF &&
	names($j->{functions}) eq "_ZN7Counter4stepEi _ZNK6Square4areaEv"
	fn("_ZN7Counter4stepEi")->{demangled} eq "Counter::step(int)"
	fn("_ZNK6Square4areaEv")->{demangled} eq "Square::area() const"
	fn("_ZN7Counter4stepEi")->{action} eq "changed"
	fn("_ZNK6Square4areaEv")->{action} eq "changed"
	fn("_ZN7Counter4stepEi")->{cu} eq "shapes.cc"
	fn("_ZNK6Square4areaEv")->{cu} eq "shapes.cc"
	!fn("_ZN7Counter4stepEi")->{static} && !fn("_ZNK6Square4areaEv")->{static}
	names($j->{unsafe}) eq "_ZN7Counter4stepEi _ZNK6Square4areaEv"
	!fn("_ZNK6Circle4areaEv") && !fn("_Z10make_shapel")
	@{$j->{variables}} == 0
	# the vtables did not change
	!grep { $_->{name} =~ /^_ZTV/ } @{$j->{variables}}
	EOF
	check_func_matches_target $d _ZN7Counter4stepEi &&
	check_func_matches_target $d _ZNK6Square4areaEv
'

test_expect_success 'cxx: the DWARF of the PO names the new functions' '
	dwarfdump -a $d/fix.po >dw &&
	test_grep -E "DW_AT_name.*step" dw &&
	test_grep -E "DW_AT_name.*area" dw
'

test_done
