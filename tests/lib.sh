# lib.sh - a small TAP test library for katana's shell tests.
#
# A test script:
#
#	#!/bin/sh
#	test_description='what this script covers'
#	. "$(dirname "$0")/lib.sh"
#
#	test_expect_success 'build' 'build_case onefunc'
#	test_expect_success 'gen' '
#		gen_case onefunc &&
#		test "$(json_get "$W/onefunc/fix.json" "\$j->{target}{kind}")" = pie
#	'
#	test_done
#
# Each test body is eval'ed in a subshell inside the scratch directory, so
# chain commands with && (the result of the body is the result of its last
# command).  On failure the body and its output (stdout and stderr; every
# helper below says why it failed) are printed as TAP comments.  Variables
# set inside a body do not survive it; build into the scratch directory.
#
# Environment:
#   KATANA        the katana binary (default $KATANA_TOP/build/bin/katana)
#   KATANA_TOP    the repository (default: the parent of this directory)
#   KATANA_KEEP=1 keep the scratch directory (its path is printed)
#   KATANA_VERBOSE=1 print every body's output, also when it passes
#   KATANA_TRACE=1 run the bodies with set -x
#
# Scratch: $W (also $TEST_TMP), a fresh mktemp -d removed at exit.

# ------------------------------------------------------------------ setup
if [ -z "${KATANA_TOP:-}" ]; then
	KATANA_TOP=$(cd "$(dirname "$0")/.." && pwd)
fi
KATANA=${KATANA:-$KATANA_TOP/build/bin/katana}
TESTS=$KATANA_TOP/tests
CASES=$TESTS/cases
export KATANA KATANA_TOP
LC_ALL=C
export LC_ALL

test_count=0
test_failures=0
test_fixed=0
test_broken=0
test_planned=
test_name=$(basename "$0" .sh)

W=$(mktemp -d "${TMPDIR:-/tmp}/katana-$test_name.XXXXXX") || {
	echo "Bail out! cannot create a scratch directory"
	exit 1
}
TEST_TMP=$W
export W TEST_TMP

test_at_exit() {
	# live targets started by target_start (from any test body)
	for _f in "$W"/*.pid "$W"/*.holder; do
		[ -f "$_f" ] && kill -9 "$(cat "$_f")" 2>/dev/null
	done
	if [ "${KATANA_KEEP:-0}" = 1 ]; then
		echo "# kept scratch directory $W"
	else
		rm -rf "$W"
	fi
}
trap 'test_at_exit' EXIT
trap 'exit 130' INT TERM HUP

if [ ! -x "$KATANA" ]; then
	echo "# katana binary '$KATANA' is missing: every katana test will fail"
fi
if [ -n "${test_description:-}" ]; then
	echo "# $test_name: $test_description" | head -n 1
fi

# ------------------------------------------------------------------ TAP
# plan N: announce the number of tests up front (else test_done does).
plan() {
	test_planned=$1
	echo "1..$1"
}

# skip_all REASON: skip the whole script.  Only for a tool that is genuinely
# missing from the machine, never for something katana should do.
skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

# require_tool CMD...: skip_all unless every CMD is on PATH.
require_tool() {
	for _t in "$@"; do
		command -v "$_t" >/dev/null 2>&1 || skip_all "missing tool: $_t"
	done
}

test_comment() { # print stdin as TAP comments
	sed 's/^/# /'
}

# Run body $2 in a subshell; print its status.  $1: description.
test_run_() {
	_out=$W/.test-output
	(
		cd "$W" || exit 125
		test_cleanup_=:
		test_when_finished() {
			test_cleanup_="{ $*
} && ($test_cleanup_)"
		}
		if [ "${KATANA_TRACE:-0}" = 1 ]; then set -x; fi
		eval "$2"
		_rc=$?
		set +x
		eval "$test_cleanup_" || { echo "test_when_finished failed"; _rc=1; }
		exit $_rc
	) >"$_out" 2>&1 </dev/null
}

# test_expect_success DESC BODY
test_expect_success() {
	if [ $# != 2 ]; then
		echo "Bail out! test_expect_success needs 2 arguments, got $#: $1"
		exit 1
	fi
	test_count=$((test_count + 1))
	if test_run_ "$1" "$2"; then
		echo "ok $test_count - $1"
		if [ "${KATANA_VERBOSE:-0}" = 1 ]; then
			test_comment <"$W/.test-output"
		fi
	else
		test_failures=$((test_failures + 1))
		echo "not ok $test_count - $1"
		{
			echo "test body:"
			printf '%s\n' "$2" | sed '/^[[:space:]]*$/d'
			echo "output:"
			head -n 200 "$W/.test-output"
		} | test_comment
	fi
}

# test_expect_failure DESC BODY: a known breakage (TAP TODO).
test_expect_failure() {
	test_count=$((test_count + 1))
	if test_run_ "$1" "$2"; then
		test_fixed=$((test_fixed + 1))
		echo "ok $test_count - $1 # TODO known breakage vanished"
	else
		test_broken=$((test_broken + 1))
		echo "not ok $test_count - $1 # TODO known breakage"
	fi
}

# test_skip DESC REASON: count a test as skipped.
test_skip() {
	test_count=$((test_count + 1))
	echo "ok $test_count - $1 # SKIP $2"
}

# test_done: print the plan (unless plan was called) and exit 0 if all
# tests passed, 1 otherwise.
test_done() {
	if [ -z "$test_planned" ]; then
		echo "1..$test_count"
	elif [ "$test_planned" != "$test_count" ]; then
		echo "# planned $test_planned tests but ran $test_count"
		exit 1
	fi
	if [ "$test_failures" -gt 0 ]; then
		echo "# failed $test_failures of $test_count"
		exit 1
	fi
	exit 0
}

# ------------------------------------------------------------------ helpers
# Used inside test bodies; each prints why it fails.

# test_cmp EXPECTED ACTUAL
test_cmp() {
	diff -u "$1" "$2"
}

# test_expect_code CODE CMD...: CMD must exit with CODE.
test_expect_code() {
	_want=$1
	shift
	"$@"
	_got=$?
	if [ "$_got" = "$_want" ]; then
		return 0
	fi
	echo "test_expect_code: '$*' exited $_got, want $_want" >&2
	return 1
}

# test_path_is_missing PATH / test_path_is_file PATH
test_path_is_missing() {
	if [ -e "$1" ] || [ -L "$1" ]; then
		echo "test_path_is_missing: '$1' exists" >&2
		return 1
	fi
}
test_path_is_file() {
	if [ ! -f "$1" ]; then
		echo "test_path_is_file: '$1' is not a file" >&2
		return 1
	fi
}

# test_grep [-v] [GREP OPTIONS] PATTERN FILE: like grep, but on failure show
# the file.
test_grep() {
	_neg=
	if [ "$1" = -v ]; then
		_neg=1
		shift
	fi
	eval "_file=\${$#}"
	if [ -n "$_neg" ]; then
		if ! grep "$@" >/dev/null; then
			return 0
		fi
		echo "test_grep: unexpected match for '$*' in $_file:" >&2
	else
		if grep "$@" >/dev/null; then
			return 0
		fi
		echo "test_grep: no match for '$*' in $_file:" >&2
	fi
	sed 's/^/| /' "$_file" >&2
	return 1
}

# test_line_count OP N FILE, e.g. test_line_count = 1 err
test_line_count() {
	_n=$(wc -l <"$3")
	if test "$_n" "$1" "$2"; then
		return 0
	fi
	echo "test_line_count: $3 has $_n lines, want $1 $2:" >&2
	sed 's/^/| /' "$3" >&2
	return 1
}

# ------------------------------------------------------------------ JSON
# Perl run by json_get/json_check: $j is the decoded document, and
#   fn(NAME [,CU])   the functions entry NAME (in CU), undef if none; dies
#                    when more than one matches
#   var(NAME [,CU])  likewise for variables
#   sym(NAME [,CU])  likewise for symbols
#   uns(NAME [,CU])  likewise for unsafe
#   names(LIST)      sorted "name" fields of an array ref, as one string
#                    joined by spaces ("names($j->{functions})")
json_prelude_='
use strict; use warnings; use JSON::PP;
our $j;
sub pick_ { my ($what, $n, $cu) = @_;
	my $l = $j->{$what};
	die "json: \"$what\" is not an array\n" unless ref $l eq "ARRAY";
	my @m = grep { $_->{name} eq $n && (!defined $cu ||
		(defined $_->{cu} && $_->{cu} eq $cu)) } @$l;
	die "json: ".scalar(@m)." $what entries named $n".
		(defined $cu ? " in $cu" : "")."\n" if @m > 1;
	return $m[0]; }
sub fn { pick_("functions", @_) }
sub var { pick_("variables", @_) }
sub sym { pick_("symbols", @_) }
sub uns { pick_("unsafe", @_) }
sub names { my $l = shift; die "json: not an array\n" unless ref $l eq "ARRAY";
	join(" ", sort map { $_->{name} } @$l) }
sub show_ { my $v = shift;
	return "null" unless defined $v;
	return $v ? "true" : "false" if JSON::PP::is_bool($v);
	return JSON::PP->new->canonical->encode($v) if ref $v;
	return $v; }
our %v; my $file = shift; my $expr = shift;
open(my $fh, "<", $file) or die "json: cannot open $file: $!\n";
my $text = do { local $/; <$fh> };
$j = eval { decode_json($text) };
die "json: $file is not valid JSON: $@" unless defined $j;
die "json: $file is not a JSON object\n" unless ref $j eq "HASH";
'

# json_get FILE EXPR: evaluate the perl expression EXPR over $j (see above)
# and print the result: a list or array one element per line, true/false
# for booleans, null for undef, canonical JSON for objects.
#   json_get fix.json '$j->{target}{kind}'
#   json_get fix.json 'map { $_->{name} } @{$j->{functions}}'
json_get() {
	perl -e "$json_prelude_"'
		my @r = eval $expr; die "json: $expr: $@" if $@;
		@r = @{$r[0]} if @r == 1 && ref $r[0] eq "ARRAY";
		print show_($_), "\n" for @r;' "$1" "$2"
}

# json_check FILE [NAME=VALUE...] [EXPR...]: every perl expression must be
# true; a failing one is printed, with the document.  Without EXPR
# arguments the expressions are read from stdin, one a line (blank lines and
# lines starting with # are ignored), which reads best in a test body:
#	json_check "$d/fix.json" kind="$kind" <<-\EOF
#	fn("compute")->{action} eq "changed"
#	$j->{target}{kind} eq $v{kind}
#	EOF
# NAME=VALUE arguments set $v{NAME} for the expressions.
json_check() {
	_jf=$1
	shift
	perl -e "$json_prelude_"'
		my @e;
		unshift @ARGV, $expr if defined $expr;
		for (@ARGV) {
			if (/^([A-Za-z_]\w*)=(.*)$/s) { $v{$1} = $2 } else { push @e, $_ }
		}
		unless (@e) {
			while (my $l = <STDIN>) {
				chomp $l; $l =~ s/^\s+//;
				push @e, $l unless $l eq "" || $l =~ /^#/;
			}
		}
		die "json_check: no expressions\n" unless @e;
		my $bad = 0;
		for my $e (@e) {
			my $r = eval $e;
			if ($@) { print STDERR "json_check: $e: $@"; $bad++; next }
			next if $r;
			print STDERR "json_check: false: $e\n"; $bad++;
		}
		if ($bad) {
			my $c = { %$j }; delete $c->{sections};
			print STDERR "json_check: document (", $file, "):\n",
				JSON::PP->new->canonical->pretty->encode($c);
			exit 1;
		}' "$_jf" "$@"
}

# ------------------------------------------------------------------ cases
# build_case NAME [VARIANT FLAGS...]: build tests/cases/NAME into
# $W/NAME (or $W/NAME-VARIANT), v0 and v1, with the case's default flags
# plus FLAGS.  The build log is in the output directory (build.log) and
# shown on failure.
build_case() {
	_c=$1
	_o=$W/$1
	shift
	if [ $# -gt 0 ]; then
		_o=$W/$_c-$1
		shift
	fi
	if ! sh "$TESTS/build-case.sh" "$CASES/$_c" "$_o" "$@" \
		>"$W/.build-$_c.log" 2>&1; then
		echo "build_case $_c: build failed:" >&2
		sed 's/^/| /' "$W/.build-$_c.log" >&2
		return 1
	fi
	mv "$W/.build-$_c.log" "$_o/build.log"
}

# case_dir NAME [VARIANT]: where build_case put it.
case_dir() {
	if [ $# -gt 1 ]; then
		echo "$W/$1-$2"
	else
		echo "$W/$1"
	fi
}

# case_env DIR VAR: a variable of DIR/case.env (EXE, RUN, KIND...).
case_env() {
	(. "$1/case.env" && eval "printf '%s\n' \"\$$2\"")
}

# gen_case NAME [VARIANT] [-- EXTRA_ARGS...]: in the case's output
# directory D, run `katana gen -o D/fix.po D/v0 D/v1 EXE`, with stdout in
# D/gen.out and stderr in D/gen.err; returns katana's exit status.  When gen
# succeeds, also `katana show --json D/fix.po > D/fix.json` (status 99 if
# show fails).  EXTRA_ARGS replace EXE (e.g. another target name).
gen_case() {
	_d=$(case_dir "$1")
	shift
	if [ $# -gt 0 ] && [ "$1" != -- ]; then
		_d=$(case_dir "$(basename "$_d")" "$1")
		shift
	fi
	[ "${1:-}" = -- ] && shift
	if [ ! -f "$_d/case.env" ]; then
		echo "gen_case: $_d was not built" >&2
		return 98
	fi
	_exe=${1:-$(case_env "$_d" EXE)}
	rm -f "$_d/fix.po" "$_d/fix.json"
	"$KATANA" gen -o "$_d/fix.po" "$_d/v0" "$_d/v1" "$_exe" \
		>"$_d/gen.out" 2>"$_d/gen.err"
	_rc=$?
	if [ $_rc != 0 ]; then
		echo "gen_case: katana gen exited $_rc; stdout:" >&2
		sed 's/^/| /' "$_d/gen.out" >&2
		echo "stderr:" >&2
		sed 's/^/| /' "$_d/gen.err" >&2
		return $_rc
	fi
	if ! "$KATANA" show --json "$_d/fix.po" >"$_d/fix.json" 2>"$_d/show.err"; then
		echo "gen_case: katana show --json $_d/fix.po failed:" >&2
		sed 's/^/| /' "$_d/show.err" >&2
		return 99
	fi
}

# run_case DIR VERSION N: run DIR/VERSION/$RUN for N iterations; stdout to
# DIR/VERSION.out, stderr to DIR/VERSION.err.
run_case() {
	_r=$(case_env "$1" RUN)
	"$1/$2/$_r" "$3" 0 >"$1/$2.out" 2>"$1/$2.err"
}

# expect_runs NAME|DIR N: run v0 and v1 for N iterations and compare their
# output with the case's expected output, tests/cases/NAME/expect.v0 and
# expect.v1 (so each case proves that v1 behaves differently).
expect_runs() {
	case $1 in
	/*) _d=$1 ;;
	*) _d=$(case_dir "$1") ;;
	esac
	_n=$(case_env "$_d" CASE_NAME)
	run_case "$_d" v0 "$2" && run_case "$_d" v1 "$2" &&
	test_cmp "$CASES/$_n/expect.v0" "$_d/v0.out" &&
	test_cmp "$CASES/$_n/expect.v1" "$_d/v1.out" &&
	if cmp -s "$_d/v0.out" "$_d/v1.out"; then
		echo "expect_runs: v0 and v1 of $_n behave the same" >&2
		return 1
	fi
}

# sym_field FILE SYMBOL FIELD: st_value (value) or st_size (size) of a
# defined symbol in an ELF file's .symtab, as a decimal number.  Fails when
# there is not exactly one definition.
sym_field() {
	readelf -sW "$1" | perl -ne '
		BEGIN { ($name, $field) = splice(@ARGV, 0, 2); }
		if (/^Symbol table .(\S+). /) { $tab = $1; next }
		next unless defined $tab && $tab eq ".symtab";
		@f = split;
		next unless @f >= 8 && $f[7] eq $name && $f[6] ne "UND";
		push @v, $field eq "value" ? hex($f[1]) :
			($f[2] =~ /^0x/ ? hex($f[2]) : $f[2]);
		END { if (@v != 1) { print STDERR "sym_field: ", scalar(@v),
			" definitions of $name\n"; exit 1 } print "$v[0]\n" }
	' "$2" "$3"
}

# build_id FILE: the GNU build ID of an ELF file, in hex ("" if none).
build_id() {
	readelf -nW "$1" | sed -n 's/.*Build ID: *\([0-9a-f]*\).*/\1/p'
}

# check_po_tools FILE: the standard tools read the PO without complaint:
# readelf -a -W, objdump -dr and dwarfdump -a all exit 0 and print nothing
# on stderr and no warning/error; it is an x86-64 relocatable object with
# a .text.new section and DWARF (a compile unit).
check_po_tools() {
	_po=$1
	_ok=0
	for _tool in "readelf -a -W" "objdump -dr" "dwarfdump -a"; do
		_log=$W/.tool-$(echo "$_tool" | cut -d' ' -f1)
		# shellcheck disable=SC2086
		if ! $_tool "$_po" >"$_log.out" 2>"$_log.err"; then
			echo "check_po_tools: '$_tool $_po' failed:" >&2
			cat "$_log.err" >&2
			_ok=1
			continue
		fi
		if [ -s "$_log.err" ]; then
			echo "check_po_tools: '$_tool $_po' wrote to stderr:" >&2
			cat "$_log.err" >&2
			_ok=1
		fi
		# The PO's own section .katana.warnings is not a complaint, nor
		# is a name (a member called errors: DW_AT_name errors).
		if sed -e 's/\.katana\.warnings//g' -e '/DW_AT_name/d' "$_log.out" |
			grep -i -E '(^|[^a-z_])(warning|error)s?([^a-z_]|$)' >"$_log.bad"; then
			echo "check_po_tools: '$_tool $_po' complains:" >&2
			head -n 20 "$_log.bad" >&2
			_ok=1
		fi
	done
	[ $_ok = 0 ] || return 1
	grep -q 'Type: *REL (Relocatable file)' "$W/.tool-readelf.out" || {
		echo "check_po_tools: $_po is not ET_REL" >&2; return 1; }
	grep -q 'Machine: *Advanced Micro Devices X86-64' "$W/.tool-readelf.out" || {
		echo "check_po_tools: $_po is not x86-64" >&2; return 1; }
	grep -q 'Disassembly of section \.text\.new:' "$W/.tool-objdump.out" || {
		echo "check_po_tools: objdump shows no .text.new" >&2; return 1; }
	grep -q 'DW_TAG_compile_unit' "$W/.tool-dwarfdump.out" || {
		echo "check_po_tools: dwarfdump finds no compile unit in $_po" >&2
		return 1; }
}

# check_gen_summary DIR: gen's stdout is one summary line naming DIR/fix.po
# and its size ("gen: 1 function changed, 0 new, 0 variables[, more];
# wrote DIR/fix.po (3 KiB)").
check_gen_summary() {
	test_line_count = 1 "$1/gen.out" &&
	test_grep -E "^gen: [0-9]+ functions? changed, [0-9]+ new, [0-9]+ variables?(, [^;]*)?; wrote .*fix\.po \([0-9]+ (KiB|bytes|B)\)$" "$1/gen.out"
}

# check_po_basics DIR: what every PO generated by gen_case must satisfy:
# tool checks, the JSON header fields, file size, the target's build ID,
# and consistency between functions and unsafe.
check_po_basics() {
	_d=$1
	_size=$(wc -c <"$_d/fix.po")
	_exe=${2:-$(case_env "$_d" EXE)}
	_bid=$(build_id "$_d/v0/$_exe")
	check_po_tools "$_d/fix.po" &&
	check_gen_summary "$_d" &&
	json_check "$_d/fix.json" \
		'$j->{file} =~ m{(^|/)fix\.po$}' \
		"\$j->{size} == $_size" \
		'$j->{format_version} == ((@{$j->{xtypes}} || @{$j->{ptrs}} || grep { $_->{data} || $_->{allocator} } @{$j->{unsafe}}) ? 2 : 1)' \
		'$j->{generator} =~ /katana/' \
		"\$j->{target}{name} eq '$_exe'" \
		"\$j->{target}{build_id} eq '$_bid'" \
		'ref $j->{functions} eq "ARRAY" && ref $j->{variables} eq "ARRAY"' \
		'ref $j->{unsafe} eq "ARRAY" && ref $j->{symbols} eq "ARRAY"' \
		'ref $j->{warnings} eq "ARRAY" && ref $j->{sections} eq "HASH"' \
		'$j->{relocations} =~ /^\d+$/ && $j->{line_only_skipped} =~ /^\d+$/' \
		'!grep { $_->{action} !~ /^(changed|new)$/ } @{$j->{functions}}' \
		'!grep { $_->{old_checksum} !~ /^0x[0-9a-f]+$/ } @{$j->{functions}}' \
		'!grep { $_->{new_size} <= 0 } @{$j->{functions}}' \
		'!grep { $_->{action} eq "changed" && $_->{old_size} <= 0 } @{$j->{functions}}' \
		'!grep { $_->{action} eq "new" && ($_->{old_size} || $_->{old_value}) } @{$j->{functions}}' \
		'!grep { my $f = $_; $f->{action} eq "changed" && !grep { $_->{name} eq $f->{name} && (!defined $_->{cu} || $_->{cu} eq $f->{cu}) && $_->{replaced} } @{$j->{unsafe}} } @{$j->{functions}}' \
		'!grep { my $f = $_; $f->{action} eq "new" && grep { $_->{name} eq $f->{name} } @{$j->{unsafe}} } @{$j->{functions}}' \
		'!@{$j->{functions}} || $j->{sections}{".text.new"} > 0'
}

# check_func_matches_target DIR NAME: the "changed" entry NAME records the
# old function as linked in v0/EXE (old_value, old_size) and the new one as
# linked in v1/EXE (new_size).  Only for functions with a unique symbol name.
check_func_matches_target() {
	_exe=$(case_env "$1" EXE)
	_ov=$(sym_field "$1/v0/$_exe" "$2" value) &&
	_os=$(sym_field "$1/v0/$_exe" "$2" size) &&
	_ns=$(sym_field "$1/v1/$_exe" "$2" size) &&
	json_check "$1/fix.json" \
		"fn('$2')->{old_value} == $_ov" \
		"fn('$2')->{old_size} == $_os" \
		"fn('$2')->{new_size} >= $_ns && (fn('$2')->{new_size} - $_ns) % 5 == 0"
}

# elf_kind FILE: exec, pie or shared, as katana names the target kinds.
elf_kind() {
	_h=$(readelf -hlW "$1") || return 1
	case $_h in
	*"Type:"*"EXEC ("*) echo exec ;;
	*"Type:"*"DYN ("*)
		case $_h in
		*"Requesting program interpreter"*) echo pie ;;
		*) echo shared ;;
		esac ;;
	*) echo "elf_kind: $1: not an executable or shared object" >&2; return 1 ;;
	esac
}

# local_sym_field FILE CU SYMBOL FIELD: like sym_field, for a local symbol
# of compilation unit CU (the STT_FILE symbol preceding it in .symtab).
local_sym_field() {
	readelf -sW "$1" | perl -ne '
		BEGIN { ($cu, $name, $field) = splice(@ARGV, 0, 3); }
		@f = split;
		next unless @f >= 7;
		if ($f[3] eq "FILE") { $cur = $f[7] // ""; next }
		next unless @f >= 8 && $f[7] eq $name && $f[4] eq "LOCAL" &&
			$f[6] ne "UND" && defined $cur && $cur eq $cu;
		push @v, $field eq "value" ? hex($f[1]) :
			($f[2] =~ /^0x/ ? hex($f[2]) : $f[2]);
		END { if (@v != 1) { print STDERR "local_sym_field: ", scalar(@v),
			" definitions of $name in $cu\n"; exit 1 } print "$v[0]\n" }
	' "$2" "$3" "$4"
}

# section_has FILE SECTION PERL: the contents of SECTION (objcopy) contain
# the bytes of the perl expression PERL, e.g. 'pack("l<*", 30, 40, 50)' or
# '"Hello\0"'.
section_has() {
	objcopy -O binary --only-section="$2" "$1" "$W/.section.bin" &&
	perl -e '
		my ($f, $sec, $expr) = @ARGV;
		open my $fh, "<:raw", $f or die; local $/; my $b = <$fh>;
		my $want = eval $expr; die $@ if $@;
		exit 0 if index($b, $want) >= 0;
		printf STDERR "section_has: %s of %d bytes lacks %s\n", $sec, length $b, $expr;
		exit 1;' "$W/.section.bin" "$2" "$3"
}

# po_same A.po B.po: katana show --json reports the same contents for both
# (everything but the "file" field, which names the file itself, and the
# sizes that depend on it: "size" and those of the .debug_* sections, whose
# compile unit may be named after the file).
po_same() {
	for _p in "$1" "$2"; do
		"$KATANA" show --json "$_p" | perl -MJSON::PP -e '
			my $j = decode_json(do { local $/; <STDIN> });
			delete @$j{qw(file size)};
			delete $j->{sections}{$_} for grep { /^\.debug_/ } keys %{$j->{sections}};
			print JSON::PP->new->canonical->pretty->encode($j);' \
			>"$W/.po_same.$(basename "$_p").json" || return 1
	done
	test_cmp "$W/.po_same.$(basename "$1").json" "$W/.po_same.$(basename "$2").json"
}

# katana_expect CODE NAME ARGS...: run katana ARGS with stdout in NAME.out
# and stderr in NAME.err (relative to the current directory); its exit
# status must be CODE (else show both outputs).
katana_expect() {
	_want=$1
	_name=$2
	shift 2
	"$KATANA" "$@" >"$_name.out" 2>"$_name.err"
	_got=$?
	[ "$_got" = "$_want" ] && return 0
	echo "katana_expect: 'katana $*' exited $_got, want $_want; stdout:" >&2
	sed 's/^/| /' "$_name.out" >&2
	echo "stderr:" >&2
	sed 's/^/| /' "$_name.err" >&2
	return 1
}

# ------------------------------------------------------------------ live targets
# wait_for_line FILE REGEX [SECONDS]: wait until FILE has a line matching
# REGEX (synchronise on the target's own output, never on a bare sleep).
wait_for_line() {
	_wf_n=$(( ${3:-20} * 50 ))
	while [ "$_wf_n" -gt 0 ]; do
		if grep -E -q -- "$2" "$1" 2>/dev/null; then
			return 0
		fi
		sleep 0.02
		_wf_n=$((_wf_n - 1))
	done
	echo "wait_for_line: no line matching '$2' in '$1' after ${3:-20} s:" >&2
	sed 's/^/| /' "$1" >&2 2>/dev/null
	return 1
}

# target_start NAME CMD...: run CMD in the background with its stdin on the
# fifo NAME.in (held open by a background writer), stdout+stderr in
# NAME.out, pid in NAME.pid.  Stop it with target_stop NAME; every target
# still running is killed when the script exits.
target_start() {
	_ts=$1
	shift
	rm -f "$W/$_ts.in" "$W/$_ts.out"
	mkfifo "$W/$_ts.in" || return 1
	"$@" <"$W/$_ts.in" >"$W/$_ts.out" 2>&1 &
	echo $! >"$W/$_ts.pid"
	# a writer that never closes: the target sees EOF only when told
	sleep 100000 >"$W/$_ts.in" &
	echo $! >"$W/$_ts.holder"
}

# target_send NAME LINE: write a line to the target's stdin.
target_send() {
	printf '%s\n' "$2" >"$W/$1.in"
}

target_pid() {
	cat "$W/$1.pid"
}

target_alive() {
	kill -0 "$(target_pid "$1")" 2>/dev/null
}

target_stop() {
	for _f in "$W/$1.pid" "$W/$1.holder"; do
		[ -f "$_f" ] && kill -9 "$(cat "$_f")" 2>/dev/null
	done
	return 0
}

# gdb_batch ARGS...: GDB as the tests run it: no init files, no pagination,
# no debuginfod, with katana's command file loaded.
gdb_batch() {
	gdb -batch -nx -iex 'set debuginfod enabled off' -iex 'set pagination off' \
		-iex 'set confirm off' -x "$KATANA_TOP/build/share/katana/katana.gdb" "$@"
}

# free_port: a TCP port on 127.0.0.1 nobody listens on.
free_port() {
	perl -MIO::Socket::INET -e '$s = IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1:0") or die; print $s->sockport, "\n"'
}

# ------------------------------------------------------------------ live output
# (for the apply tests: targets print one line per iteration)

# check_phases FILE REGEX EXPR...: the complete lines of FILE matching the
# perl REGEX (captures in @c, those of the previous such line in @p) go
# through the phases EXPR... in order: each line satisfies the current
# phase's expression or a later one (which becomes current), and the last
# phase is reached.  E.g. old behaviour, then new, never old again.
check_phases() {
	perl -e '
		my ($f, $re, @e) = @ARGV;
		our (@c, @p);
		my @s = map { my $x = $_; eval "sub { $x }" or die "bad expression $x: $@" } @e;
		my $ph = 0;
		open my $fh, "<", $f or die "$f: $!\n";
		while (my $l = <$fh>) {
			next unless $l =~ /\n\z/ && $l =~ /$re/;
			@c = ($l =~ /$re/);
			my $k = $ph;
			$k++ while $k < @s && !$s[$k]->();
			if ($k >= @s) {
				print STDERR "check_phases: line $. fits no phase from #$ph ($e[$ph]): $l";
				exit 1;
			}
			$ph = $k;
			@p = @c;
		}
		if ($ph != $#s) {
			print STDERR "check_phases: only reached phase #$ph ($e[$ph]) of $#s\n";
			exit 1;
		}' "$@" && return 0
	echo "check_phases: $1 (last 40 lines):" >&2
	tail -n 40 "$1" | sed 's/^/| /' >&2
	return 1
}

# wait_for_expr FILE REGEX EXPR [AFTER] [SECONDS]: wait until a complete
# line of FILE after line AFTER (default 0) matches REGEX and satisfies
# EXPR (captures in @c).
wait_for_expr() {
	_we_n=$(( ${5:-20} * 20 ))
	while [ "$_we_n" -gt 0 ]; do
		if perl -e '
			my ($f, $re, $x, $after) = @ARGV;
			our @c;
			my $s = eval "sub { $x }" or die "bad expression $x: $@";
			open my $fh, "<", $f or exit 1;
			while (my $l = <$fh>) {
				next if $. <= $after;
				next unless $l =~ /\n\z/ && (@c = ($l =~ /$re/));
				exit 0 if $s->();
			}
			exit 1;' "$1" "$2" "$3" "${4:-0}"; then
			return 0
		fi
		sleep 0.05
		_we_n=$((_we_n - 1))
	done
	echo "wait_for_expr: no line after $((${4:-0})) matching /$2/ with $3 in $1 after ${5:-20} s:" >&2
	tail -n 40 "$1" | sed 's/^/| /' >&2
	return 1
}

# more_lines NAME K: wait until the target NAME printed K more lines.
more_lines() {
	_ml=$(wc -l <"$W/$1.out")
	wait_for_expr "$W/$1.out" "" 1 $((_ml + $2 - 1))
}

# gdbserver_attach NAME: attach a new gdbserver to target NAME on a free
# port of 127.0.0.1 and print the port once it listens (log in
# NAME.gs.log, pid in NAME.gs.pid: killed at exit).  gdbserver --attach
# exits when GDB detaches: one per katana --remote command.
gdbserver_attach() {
	_gp=$(free_port) || return 1
	rm -f "$W/$1.gs.log"
	{ gdbserver --attach "127.0.0.1:$_gp" "$(target_pid "$1")" >"$W/$1.gs.log" 2>&1 & }
	echo $! >"$W/$1.gs.pid"
	wait_for_line "$W/$1.gs.log" "Listening on port $_gp" >&2 || return 1
	echo "$_gp"
}

# remote NAME CODE OUT ARGS...: a new gdbserver on target NAME, then
# katana ARGS --remote 127.0.0.1:PORT (the --remote option goes right after
# the subcommand, ARGS' first word); exit CODE, output in OUT.out/OUT.err;
# the gdbserver must then have let go of the target and exited.
remote() {
	_rn=$1
	_rc=$2
	_ro=$3
	_rsub=$4
	shift 4
	_rp=$(gdbserver_attach "$_rn") &&
	katana_expect "$_rc" "$_ro" "$_rsub" --remote "127.0.0.1:$_rp" "$@" &&
	wait_for_line "$W/$_rn.gs.log" "^Detaching from process $(target_pid "$_rn")" 10
}

# start_case NAME DIR [ARGS]: run DIR/v0's program forever, every 20 ms
# (or with ARGS), as target NAME.
start_case() {
	_sn=$1
	_sd=$2
	shift 2
	[ $# -gt 0 ] || set -- 0 20
	target_start "$_sn" "$_sd/v0/$(case_env "$_sd" RUN)" "$@"
}

# check_applied FILE TARGET FUNCS: FILE is one success line of katana apply.
check_applied() {
	test_line_count = 1 "$1" &&
	test_grep -E "^katana: applied .fix\.po. to $2: [0-9]+ functions? redirected \($3\), [0-9]+ KiB at 0x[0-9a-f]+, target stopped [0-9]+ ms, total [0-9]+ ms\$" "$1"
}
