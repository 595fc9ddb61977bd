#!/bin/sh
# t1010-po-tools: a PO is an ordinary relocatable object to binutils and
# dwarfdump (no warnings), and `katana show` reads it, as text and as JSON,
# and refuses a corrupt one with exactly one line on stderr.
: "${KATANA_TOP:?run through 'make check'}" "${KATANA:?run through 'make check'}"
unit=$KATANA_TOP/build/tests/unit/po_roundtrip

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT HUP INT TERM

n=0
fails=0
ok() { # cond-exit-status description
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fails=$((fails + 1)); fi
}
# run TOOL...: stdout+stderr to $tmp/out, fail on a non-zero exit or any
# warning/error in the output
clean_run() {
	"$@" >"$tmp/out" 2>&1 || { sed 's/^/# /' "$tmp/out"; return 1; }
	# the PO's own section .katana.warnings is not a complaint
	if grep -Ei 'warning|error' "$tmp/out" | grep -v '\.katana\.warnings' >"$tmp/bad"; then
		sed 's/^/# /' "$tmp/bad"
		return 1
	fi
	return 0
}

echo "1..12"
po=$tmp/fix.po
"$unit" --write "$po"
ok $? "write a sample PO"

clean_run readelf -a -W "$po"
ok $? "readelf -a -W: no warnings or errors"
clean_run objdump -dr "$po"
ok $? "objdump -dr: no warnings or errors"
grep -q 'R_X86_64_PLT32.*memcpy' "$tmp/out"
ok $? "objdump shows the relocations"
clean_run dwarfdump -a "$po"
ok $? "dwarfdump -a: no warnings or errors"

"$KATANA" show "$po" >"$tmp/show" 2>"$tmp/err"
ok $(( $? != 0 || $(wc -c <"$tmp/err") != 0 )) "katana show: exit 0, quiet stderr"
grep -q '^  changed  parse_request ' "$tmp/show" && grep -q 'check_len(int)' "$tmp/show" &&
	grep -q '^functions skipped (only __LINE__ constants moved): 2$' "$tmp/show"
ok $? "text output lists functions (demangled) and the skip count"

"$KATANA" -l --json "$po" >"$tmp/json"
ok $? "katana -l --json: exit 0"
perl -MJSON::PP -e '
	local $/; my $j = decode_json(<STDIN>);
	my @f = @{$j->{functions}};
	exit !($j->{format_version} == 1 && $j->{target}{kind} eq "pie" &&
	       @f == 2 && $f[1]{name} eq "_Z9check_leni" &&
	       $f[1]{demangled} eq "check_len(int)" && $j->{sections}{".text.new"} == 35 &&
	       $j->{relocations} == 9 && @{$j->{warnings}} == 2 &&
	       $j->{warnings}[1] =~ /"warning"\twith\\escapes/ &&
	       $j->{line_only_skipped} == 2 && @{$j->{symbols}} == 6);
' <"$tmp/json"
ok $? "JSON parses and holds the expected values"

head -c 1000 "$po" >"$tmp/trunc.po"
"$KATANA" show "$tmp/trunc.po" >/dev/null 2>"$tmp/err"
rc=$?
sed 's/^/# /' "$tmp/err"
ok $(( rc != 1 )) "truncated PO: exit 1"
[ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "^katana: '.*trunc.po': .*; regenerate it with 'katana gen'$" "$tmp/err"
ok $? "truncated PO: exactly one line saying what is wrong and what to do"

"$KATANA" show >/dev/null 2>&1
ok $(( $? != 2 )) "no file: usage error"

exit $(( fails != 0 ))
