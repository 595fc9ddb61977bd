#!/bin/sh
test_description='gen: command line, exit codes, default output, errors'
. "$(dirname "$0")/lib.sh"
require_tool gcc readelf perl

d=$W/onefunc
s=$W/same

test_expect_success 'setup: build onefunc and same' '
	build_case onefunc &&
	build_case same &&
	run_case $s v0 4 && run_case $s v1 4 &&
	test_cmp $KATANA_TOP/tests/cases/same/expect.v0 $s/v0.out &&
	test_cmp $s/v0.out $s/v1.out
'

test_expect_success 'identical trees: exit 3, no file written' '
	test_expect_code 3 gen_case same &&
	test_path_is_missing $s/fix.po &&
	test_path_is_missing $s/v0/prog.po &&
	(cd $s && katana_expect 3 ../same-default gen v0 v1 prog) &&
	test_path_is_missing $s/v0/prog.po &&
	ls $s/v0 >files &&
	test_grep -v -E "\.po|tmp" files
'

test_expect_success 'a tree compared with itself: exit 3' '
	test_expect_code 3 $KATANA gen -o self.po $d/v0 $d/v0 prog &&
	test_path_is_missing self.po
'

test_expect_success 'default output is OLD_DIR/EXE.po' '
	test_when_finished "rm -f $d/v0/prog.po" &&
	(cd $d && katana_expect 0 ../default gen v0 v1 prog) &&
	test_path_is_file $d/v0/prog.po &&
	test_path_is_missing $d/v1/prog.po &&
	test_line_count = 1 default.out &&
	test_grep -E "^gen: 1 functions? changed, 0 new, 0 variables; wrote (.*/)?v0/prog\.po \([0-9]+ (KiB|bytes|B)\)$" default.out &&
	$KATANA show --json $d/v0/prog.po >default.json &&
	json_check default.json "names(\$j->{functions}) eq \"compute\"" &&
	check_po_tools $d/v0/prog.po
'

test_expect_success '-o writes where asked; the contents are the same as the default' '
	gen_case onefunc &&
	(cd $d && $KATANA gen v0 v1 prog >/dev/null) &&
	test_when_finished "rm -f $d/v0/prog.po" &&
	po_same $d/fix.po $d/v0/prog.po
'

test_expect_success '-g is gen' '
	katana_expect 0 alias -g -o alias.po $d/v0 $d/v1 prog &&
	po_same alias.po $d/fix.po &&
	test_grep "wrote .*alias\.po" alias.out
'

test_expect_success 'gen -v writes the same patch' '
	katana_expect 0 verbose gen -v -o verbose.po $d/v0 $d/v1 prog &&
	po_same verbose.po $d/fix.po
'

# usage DESC ARGS...: exit 2, nothing on stdout, a message on stderr, no PO.
usage() {
	desc=$1
	shift
	args="$*"
	test_expect_success "usage error: $desc" '
		rm -f $d/v0/prog.po &&
		(cd $d && katana_expect 2 ../usage $args) &&
		test_line_count = 0 usage.out &&
		test -s usage.err &&
		test_grep -i -E "usage|option|argument|missing|unknown" usage.err &&
		test_path_is_missing $d/v0/prog.po
	'
}
usage 'no arguments' gen
usage 'only OLD_DIR' gen v0
usage 'no EXE' gen v0 v1
usage 'too many arguments' gen v0 v1 prog extra
usage '-o without a value' gen v0 v1 prog -o
usage 'unknown option' gen --frobnicate v0 v1 prog
usage '-g without arguments' -g
usage 'unknown command' frobnicate

# error DESC NAME ARGS...: exit 1 with one line on stderr naming NAME.
error() {
	desc=$1
	name=$2
	shift 2
	args="$*"
	test_expect_success "error: $desc" '
		(cd $d && katana_expect 1 ../error $args) &&
		test_line_count = 1 error.err &&
		test_grep -F "$name" error.err &&
		test_line_count = 0 error.out &&
		test_path_is_missing $d/v0/prog.po &&
		test_path_is_missing $d/v0/nosuch.po &&
		test_path_is_missing $d/nodir
	'
}
error 'missing OLD_DIR' no-such-old gen no-such-old v1 prog
error 'missing NEW_DIR' no-such-new gen v0 no-such-new prog
error 'OLD_DIR is a file' calc.o gen v0/calc.o v1 prog
error 'EXE not in the trees' nosuch gen v0 v1 nosuch
error 'output directory does not exist' nodir/out.po gen -o nodir/out.po v0 v1 prog

test_expect_success 'error: EXE only in OLD_DIR' '
	mkdir -p half/v0 half/v1 &&
	cp $d/v0/calc.o $d/v0/main.o $d/v0/prog half/v0/ &&
	cp $d/v1/calc.o $d/v1/main.o half/v1/ &&
	katana_expect 1 half gen -o half.po half/v0 half/v1 prog &&
	test_line_count = 1 half.err &&
	test_grep prog half.err &&
	test_path_is_missing half.po
'

test_expect_success 'error: a failed gen leaves no file behind in the output directory' '
	mkdir out &&
	test_expect_code 1 $KATANA gen -o out/x.po $d/v0 $d/no-such-dir prog 2>/dev/null &&
	test_expect_code 1 $KATANA gen -o out/x.po half/v0 half/v1 prog 2>/dev/null &&
	test_expect_code 1 $KATANA gen -o out/x.po $d/v0 $d/v1 nosuch 2>/dev/null &&
	ls -A out >left &&
	test_line_count = 0 left
'

test_expect_success 'exit codes are distinct: 0, 1, 2, 3' '
	$KATANA gen -o codes.po $d/v0 $d/v1 prog >/dev/null 2>&1; c0=$? &&
	$KATANA gen -o codes.po $d/v0 $d/nodir prog >/dev/null 2>&1; c1=$? &&
	$KATANA gen >/dev/null 2>&1; c2=$? &&
	$KATANA gen -o codes.po $s/v0 $s/v1 prog >/dev/null 2>&1; c3=$? &&
	test "$c0 $c1 $c2 $c3" = "0 1 2 3"
'

test_expect_success 'show --json: an error for files that are not POs' '
	katana_expect 1 show show --json $d/v0/calc.o &&
	test -s show.err &&
	katana_expect 1 show show --json $KATANA_TOP/tests/cases/onefunc/case.sh &&
	test -s show.err &&
	katana_expect 1 show show --json no-such.po &&
	test_grep no-such.po show.err
'

test_expect_success 'help names gen and its exit codes' '
	$KATANA --help >help.out &&
	test_grep "katana gen" help.out &&
	test_grep -- "-g" help.out
'

# Objects in one tree only are reported.  What a new one defines is new
# unless it moved from another object (gone() moved from old.c to new.c
# unchanged: nothing to patch); an old one's code stays, as a PO warning says.
test_expect_success 'objects present in one tree only are reported' '
	mkdir -p one/v0 one/v1 &&
	printf "int gone(int x);\nint keep(int x) { return x; }\nint main(void) { return keep(0) + gone(0); }\n" >one/v0/main.c &&
	printf "int gone(int x) { return x + 2; }\n" >one/v0/old.c &&
	printf "int gone(int x);\nint fresh(int x);\nint keep(int x) { return x + 3; }\nint main(void) { return keep(0) + gone(0) + fresh(0); }\n" >one/v1/main.c &&
	printf "int gone(int x) { return x + 2; }\nint fresh(int x) { return x * 5; }\n" >one/v1/new.c &&
	(cd one/v0 && gcc -g -O2 -c main.c old.c && gcc -o prog main.o old.o) &&
	(cd one/v1 && gcc -g -O2 -c main.c new.c && gcc -o prog main.o new.o) &&
	$KATANA gen -o one.po one/v0 one/v1 prog >one.out 2>one.err &&
	test_grep "^gen: '"'"'new.o'"'"': only in the new tree; what it defines is new unless it moved from another object\$" one.err &&
	test_grep "^gen: '"'"'old.o'"'"': only in the old tree; its code stays" one.err &&
	$KATANA show --json one.po >one.json &&
	json_check one.json <<-\EOF
	fn("fresh")->{action} eq "new" && fn("fresh")->{cu} eq "new.c"
	# main changed and calls gone as the running program has it, in old.o
	!fn("gone") && sym("gone") && !sym("gone")->{external}
	fn("keep")->{action} eq "changed"
	grep { /old\.o.*only in the old tree/ } @{$j->{warnings}}
	EOF
'

test_done
