#!/bin/sh
test_description='gen: one changed function, across compiler and linker flags'
. "$(dirname "$0")/lib.sh"
require_tool gcc readelf objdump dwarfdump perl

# onefunc_variant NAME FLAGS...: build onefunc with FLAGS and check the patch.
onefunc_variant() {
	v=$1
	shift
	flags="$*"
	d=$W/onefunc-$v

	test_expect_success "onefunc [$v]: build (${flags:-defaults}); v0 and v1 behave as expected" '
		build_case onefunc $v $flags &&
		expect_runs $d 4
	'

	test_expect_success "onefunc [$v]: gen patches compute() and nothing else" '
		gen_case onefunc $v &&
		check_po_basics $d &&
		json_check $d/fix.json kind=$(elf_kind $d/v0/prog) <<-\EOF &&
		$j->{target}{kind} eq $v{kind}
		names($j->{functions}) eq "compute"
		fn("compute")->{action} eq "changed"
		fn("compute")->{cu} eq "calc.c"
		fn("compute")->{demangled} eq "compute"
		!fn("compute")->{static} && !fn("compute")->{fragment} && !fn("compute")->{clone}
		names($j->{unsafe}) eq "compute"
		# cu is needed for static functions only
		uns("compute")->{replaced} && (uns("compute")->{cu} // "calc.c") eq "calc.c"
		@{$j->{variables}} == 0
		@{$j->{warnings}} == 0
		$j->{line_only_skipped} == 0
		# compute references nothing; only its own old symbol may be listed
		!grep { $_->{name} ne "compute" } @{$j->{symbols}}
		!$j->{sections}{".rodata.new"}
		EOF
		check_func_matches_target $d compute &&
		test_grep -E "^gen: 1 functions? changed, 0 new, 0 variables;" $d/gen.out &&
		test_line_count = 0 $d/gen.err
	'
	# A debugger shows source lines of the new code: the PO carries its
	# line table, taken from the new object whatever its section layout.
	test_expect_success "onefunc [$v]: the PO maps compute() to calc.c lines" '
		dwarfdump -l $d/fix.po >lines &&
		test_grep -E "^0x0+ +\[ *[0-9]+, *[0-9]+\] NS uri: \".*/calc\.c\"" lines
	'
}

onefunc_variant O2
onefunc_variant O0 -O0
onefunc_variant O1 -O1
onefunc_variant Os -Os
onefunc_variant fsections -ffunction-sections -fdata-sections
onefunc_variant pie -fPIE -pie
onefunc_variant nopie -fno-pie -no-pie
onefunc_variant cet -fcf-protection=full
onefunc_variant nocet -fcf-protection=none
onefunc_variant O0-nopie-fsections -O0 -fno-pie -no-pie -ffunction-sections -fdata-sections

test_expect_success 'the variants are what they claim to be' '
	test "$(elf_kind $W/onefunc-pie/v0/prog)" = pie &&
	test "$(elf_kind $W/onefunc-nopie/v0/prog)" = exec &&
	test "$(elf_kind $W/onefunc-O0-nopie-fsections/v0/prog)" = exec &&
	readelf -SW $W/onefunc-fsections/v0/calc.o >sec &&
	test_grep "\.text\.compute " sec &&
	readelf -SW $W/onefunc-O2/v0/calc.o >sec2 &&
	test_grep -v "\.text\.compute " sec2 &&
	objdump -d $W/onefunc-cet/v0/calc.o >cet &&
	test_grep -A1 "<compute>:" cet >cet.compute &&
	grep -A1 "<compute>:" cet | test_grep endbr64 - &&
	objdump -d $W/onefunc-nocet/v0/calc.o >nocet &&
	test_grep -v endbr64 nocet &&
	cmp -s $W/onefunc-O0/v0/calc.o $W/onefunc-O2/v0/calc.o; test $? = 1
'

test_expect_success 'the old checksum of compute covers its bytes in the target' '
	# Without relocations in compute (non-PIE -O2), the masks are empty and
	# old_checksum is the FNV-1a 64 of the old bytes as linked.
	d=$W/onefunc-nopie &&
	json_check $d/fix.json "fn(\"compute\")->{masks} == 0" &&
	off=$(sym_field $d/v0/prog compute value) &&
	size=$(sym_field $d/v0/prog compute size) &&
	want=$(perl -e '"'"'
		my ($f, $addr, $size) = @ARGV;
		open my $fh, "-|", "objcopy", "-O", "binary", "--only-section=.text", $f, "/dev/stdout" or die;
		binmode $fh; local $/; my $text = <$fh>;
		my $out = `readelf -SW $f`;
		my ($base) = $out =~ /\s\.text\s+PROGBITS\s+([0-9a-f]+)/ or die "no .text";
		my $bytes = substr($text, $addr - hex($base), $size);
		use integer;
		my $h = 0xcbf29ce484222325;
		for my $b (unpack "C*", $bytes) { $h ^= $b; $h = ($h * 0x100000001b3) & 0xffffffffffffffff; }
		no integer; printf "0x%016x\n", $h;
	'"'"' $d/v0/prog $off $size) &&
	got=$(json_get $d/fix.json "fn(\"compute\")->{old_checksum}") &&
	got=$(printf "%s" "$got" | tr A-F a-f | sed "s/^0x0*//") &&
	want=$(echo "$want" | sed "s/^0x0*//") &&
	{ test "$got" = "$want" || { echo "old_checksum 0x$got, want 0x$want"; false; }; }
'

test_expect_success 'gen is deterministic: the same input gives the same PO' '
	d=$W/onefunc-O2 &&
	cp $d/fix.po first.po &&
	gen_case onefunc O2 &&
	cmp first.po $d/fix.po
'

test_expect_success 'katana show (text) prints the changed function' '
	$KATANA show $W/onefunc-O2/fix.po >show.out 2>show.err &&
	test_grep compute show.out &&
	test_line_count = 0 show.err
'

test_expect_success 'the PO carries .debug_frame: one FDE covering the new compute(), relocated against it' '
	d=$W/onefunc-O2 &&
	readelf -wf $d/fix.po >frames.out &&
	test_grep "^00000000 0000000000000010 ffffffff CIE" frames.out &&
	grep " FDE " frames.out >fdes.out &&
	test_line_count = 1 fdes.out &&
	size=$(readelf -sW $d/fix.po | awk '"'"'$8 == "compute" && $4 == "FUNC" { print $3 }'"'"') &&
	test_grep -E "pc=0+\.\.0*$(printf "%x" "$size")\$" fdes.out &&
	readelf -rW $d/fix.po >rel.out &&
	test_grep -A3 "rela.debug_frame" rel.out
'

# A library of the tree built without -g into a program built with it (redis
# links its bundled lua so): the library's objects have no compilation unit
# in the program's DWARF and were once left out, so a fix there was "no
# difference".
test_expect_success 'an object built without -g, in a program built with -g: its changes are found' '
	for v in v0 v1; do
		mkdir -p mixed/$v/lib &&
		if [ $v = v0 ]; then k=3; else k=5; fi &&
		cat >mixed/$v/lib/scale.c <<-EOF &&
		__attribute__((noipa)) long scale(long x) { return x * $k; }
		EOF
		cat >mixed/$v/main.c <<-\EOF &&
		#include <stdio.h>
		long scale(long x);
		int main(void) { printf("%ld\n", scale(7)); return 0; }
		EOF
		(cd mixed/$v && gcc -O2 -c lib/scale.c -o lib/scale.o &&
		 ar rc lib/libscale.a lib/scale.o &&
		 gcc -g -O2 -c main.c -o main.o && gcc main.o lib/libscale.a -o prog) || return 1
	done &&
	test "$(mixed/v0/prog)" = 21 && test "$(mixed/v1/prog)" = 35 &&
	"$KATANA" gen -o mixed.po mixed/v0 mixed/v1 prog >gen.out 2>gen.err &&
	test_grep "^gen: 1 function changed, 0 new, 0 variables" gen.out &&
	"$KATANA" show --json mixed.po >mixed.json &&
	json_check mixed.json <<-\EOF
	names($j->{functions}) eq "scale"
	EOF
'

test_done
