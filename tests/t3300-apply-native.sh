#!/bin/sh
test_description='katana apply|revert|status|unsafe PID: live targets patched natively, their output changes'
. "$(dirname "$0")/lib.sh"

for t in gdb gcc g++ perl; do
	require_tool $t
done

ONE_RE='^(\d+): compute=(\d+) (odd|even)$'
ONE_OLD='$c[1] == 2 * $c[0]'
ONE_NEW='$c[1] == 3 * $c[0]'

# onefunc_live VARIANT KIND FLAGS...: build, gen and apply onefunc.
onefunc_live() {
	v=$1
	kind=$2
	shift 2
	flags="$*"
	test_expect_success "onefunc [$v] (${flags:-defaults}): apply switches the running program to compute=3N" '
		build_case onefunc $v $flags &&
		gen_case onefunc $v &&
		d=$(case_dir onefunc $v) &&
		test "$(elf_kind $d/v0/prog)" = $kind &&
		start_case one-$v $d &&
		test_when_finished "target_stop one-$v" &&
		wait_for_expr $W/one-$v.out "$ONE_RE" "$ONE_OLD" &&
		n=$(wc -l <$W/one-$v.out) &&
		katana_expect 0 apply-$v apply $d/fix.po $(target_pid one-$v) &&
		check_applied apply-$v.out prog compute &&
		wait_for_expr $W/one-$v.out "$ONE_RE" "$ONE_NEW" $n &&
		more_lines one-$v 3 &&
		check_phases $W/one-$v.out "$ONE_RE" "$ONE_OLD" "$ONE_NEW" &&
		target_alive one-$v
	'
}

test_expect_success 'hidden: globals a version script made local and copy-relocated stderr resolve; the program switches' '
	build_case hidden &&
	gen_case hidden &&
	expect_runs hidden 4 &&
	d=$(case_dir hidden) &&
	readelf -sW $d/v0/prog | grep -q " LOCAL .* scale\$" &&
	readelf -sW $d/v0/prog | grep -q " stderr@GLIBC" &&
	start_case hid $d &&
	test_when_finished "target_stop hid" &&
	wait_for_expr $W/hid.out "^(\\d+): compute=(\\d+)\$" "\$c[1] == 2 * \$c[0]" &&
	n=$(wc -l <$W/hid.out) &&
	katana_expect 0 apply-hid apply $d/fix.po $(target_pid hid) &&
	check_applied apply-hid.out prog compute &&
	wait_for_expr $W/hid.out "^(\\d+): compute=(\\d+)\$" "\$c[1] == 3 * \$c[0]" $n &&
	target_alive hid
'

onefunc_live O2 pie
onefunc_live O0 pie -O0
onefunc_live pie pie -fPIE -pie
onefunc_live nopie exec -fno-pie -no-pie
onefunc_live cet pie -fcf-protection=full

test_expect_success 'onefunc: the CET build starts compute() with endbr64' '
	objdump -d --no-show-raw-insn $(case_dir onefunc cet)/v0/prog |
		sed -n "/<compute>:/,/^\$/p" >compute.dis &&
	sed -n 2p compute.dis >first &&
	test_grep endbr64 first
'

test_expect_success 'onefunc in GDB: katana apply, katana status, detach' '
	d=$(case_dir onefunc O2) &&
	start_case gdb $d &&
	test_when_finished "target_stop gdb" &&
	wait_for_expr $W/gdb.out "$ONE_RE" "$ONE_OLD" &&
	n=$(wc -l <$W/gdb.out) &&
	gdb_batch -p $(target_pid gdb) -ex "katana apply $d/fix.po" \
		-ex "katana status" -ex detach >gdb.log 2>&1 &&
	test_grep -E "^katana: applied .fix\.po. to prog: 1 function redirected \(compute\)" gdb.log &&
	test_grep -E "^katana: 1 patch applied" gdb.log &&
	test_grep -E "^patch 1: fix\.po: applied, 1 function" gdb.log &&
	test_grep -E "^  compute: 0x[0-9a-f]+ -> 0x[0-9a-f]+ \(5-byte jump\)" gdb.log &&
	wait_for_expr $W/gdb.out "$ONE_RE" "$ONE_NEW" $n &&
	more_lines gdb 3 &&
	check_phases $W/gdb.out "$ONE_RE" "$ONE_OLD" "$ONE_NEW" &&
	target_alive gdb
'

test_expect_success 'katana unsafe lists compute() and changes nothing' '
	d=$(case_dir onefunc O2) &&
	start_case uns $d &&
	test_when_finished "target_stop uns" &&
	wait_for_line $W/uns.out "^3: compute=6 odd\$" &&
	katana_expect 0 unsafe unsafe $d/fix.po $(target_pid uns) &&
	test_grep -E "^katana: .fix\.po. for .*/prog. \(load bias 0x[0-9a-f]+\): 1 unsafe function\$" unsafe.out &&
	test_grep -E "^  compute: 0x[0-9a-f]+-0x[0-9a-f]+\$" unsafe.out &&
	test_grep -E "^katana: fix\.po: apply could commit now\$" unsafe.out &&
	more_lines uns 10 &&
	check_phases $W/uns.out "$ONE_RE" "$ONE_OLD" &&
	katana_expect 0 status status $(target_pid uns) &&
	test_grep "no katana patches" status.out
'

test_expect_success 'apply, status, already applied (exit 4), revert: compute=2N again' '
	d=$(case_dir onefunc O2) &&
	start_case rev $d &&
	test_when_finished "target_stop rev" &&
	pid=$(target_pid rev) &&
	wait_for_expr $W/rev.out "$ONE_RE" "$ONE_OLD" &&
	n=$(wc -l <$W/rev.out) &&
	katana_expect 0 apply apply $d/fix.po $pid &&
	wait_for_expr $W/rev.out "$ONE_RE" "$ONE_NEW" $n &&
	katana_expect 0 status1 status $pid &&
	test_grep -E "^katana: 1 patch applied" status1.out &&
	test_grep -E "^patch 1: fix\.po: applied" status1.out &&
	katana_expect 4 again apply $d/fix.po $pid &&
	test_grep "already applied to this process" again.err &&
	more_lines rev 3 &&
	n=$(wc -l <$W/rev.out) &&
	katana_expect 0 revert revert $pid &&
	test_grep -E "^katana: reverted: original code restored" revert.out &&
	wait_for_expr $W/rev.out "$ONE_RE" "$ONE_OLD" $n &&
	more_lines rev 3 &&
	check_phases $W/rev.out "$ONE_RE" "$ONE_OLD" "$ONE_NEW" "$ONE_OLD" &&
	katana_expect 0 status2 status $pid &&
	test_grep -E "^katana: 0 patches applied" status2.out &&
	test_grep -E "^patch 1: fix\.po: reverted" status2.out &&
	target_alive rev
'

test_expect_success 'wrong target: the -O2 patch on the -O0 build is refused (exit 4), nothing changes' '
	start_case wrong $(case_dir onefunc O0) &&
	test_when_finished "target_stop wrong" &&
	wait_for_expr $W/wrong.out "$ONE_RE" "$ONE_OLD" &&
	katana_expect 4 wrong apply $(case_dir onefunc O2)/fix.po $(target_pid wrong) &&
	test_grep -E "checksum|build.id|build ID" wrong.err &&
	test_grep -v "^katana: applied" wrong.out &&
	more_lines wrong 10 &&
	check_phases $W/wrong.out "$ONE_RE" "$ONE_OLD" &&
	katana_expect 0 status status $(target_pid wrong) &&
	test_grep "no katana patches" status.out &&
	target_alive wrong
'

test_expect_success 'wrong target: onefunc.s patch on the newfunc program is refused (exit 4)' '
	build_case newfunc O0 -O0 &&
	d=$(case_dir newfunc O0) &&
	start_case wrong2 $d &&
	test_when_finished "target_stop wrong2" &&
	wait_for_expr $W/wrong2.out "$ONE_RE" "$ONE_OLD" &&
	katana_expect 4 wrong2 apply $(case_dir onefunc O0)/fix.po $(target_pid wrong2) &&
	test_grep -E "checksum|build.id|build ID|other" wrong2.err &&
	more_lines wrong2 10 &&
	check_phases $W/wrong2.out "$ONE_RE" "$ONE_OLD" &&
	katana_expect 0 status status $(target_pid wrong2) &&
	test_grep "no katana patches" status.out
'

# proc_state_is PID LETTER: wait until /proc/PID/stat shows state LETTER.
proc_state_is() {
	_pn=250
	while [ $_pn -gt 0 ]; do
		[ "$(sed 's/.*) \(.\).*/\1/' /proc/$1/stat 2>/dev/null)" = "$2" ] && return 0
		sleep 0.02
		_pn=$((_pn - 1))
	done
	echo "proc_state_is: $1 is not in state $2: $(cat /proc/$1/stat 2>&1)" >&2
	return 1
}

test_expect_success 'apply -s: the process is left stopped, SIGCONT resumes it with compute=3N' '
	d=$(case_dir onefunc O2) &&
	start_case stop $d &&
	test_when_finished "target_stop stop" &&
	pid=$(target_pid stop) &&
	wait_for_expr $W/stop.out "$ONE_RE" "$ONE_OLD" &&
	katana_expect 0 apply apply -s $d/fix.po $pid &&
	check_applied apply.out prog compute &&
	proc_state_is $pid T &&
	n=$(wc -l <$W/stop.out) &&
	check_phases $W/stop.out "$ONE_RE" "$ONE_OLD" &&
	proc_state_is $pid T &&
	kill -CONT $pid &&
	wait_for_expr $W/stop.out "$ONE_RE" "$ONE_NEW" $n &&
	more_lines stop 3 &&
	check_phases $W/stop.out "$ONE_RE" "$ONE_OLD" "$ONE_NEW" &&
	target_alive stop
'

test_expect_success 'in GDB: katana unsafe, apply --wait, status; then revert in a second session' '
	d=$(case_dir onefunc O2) &&
	start_case gdb2 $d &&
	test_when_finished "target_stop gdb2" &&
	pid=$(target_pid gdb2) &&
	wait_for_expr $W/gdb2.out "$ONE_RE" "$ONE_OLD" &&
	n=$(wc -l <$W/gdb2.out) &&
	gdb_batch -p $pid -ex "katana unsafe $d/fix.po" -ex "katana apply $d/fix.po --wait 2" \
		-ex "katana status" -ex detach >gdb1.log 2>&1 &&
	test_grep -E "^katana: .fix\.po. for .*: 1 unsafe function" gdb1.log &&
	test_grep -E "^katana: applied .fix\.po. to prog: 1 function redirected \(compute\)" gdb1.log &&
	test_grep -E "^katana: 1 patch applied" gdb1.log &&
	wait_for_expr $W/gdb2.out "$ONE_RE" "$ONE_NEW" $n &&
	n=$(wc -l <$W/gdb2.out) &&
	gdb_batch -p $pid -ex "katana revert" -ex "katana status" -ex detach >gdb2.log 2>&1 &&
	test_grep -E "^katana: reverted: original code restored" gdb2.log &&
	test_grep -E "^katana: 0 patches applied" gdb2.log &&
	wait_for_expr $W/gdb2.out "$ONE_RE" "$ONE_OLD" $n &&
	more_lines gdb2 3 &&
	check_phases $W/gdb2.out "$ONE_RE" "$ONE_OLD" "$ONE_NEW" "$ONE_OLD" &&
	target_alive gdb2
'

# usage_error DESC ARGS...: exit 2, nothing on stdout, one "katana CMD:"
# line that says what is wrong (then the usage summary).
usage_error() {
	desc=$1
	shift
	args="$*"
	test_expect_success "usage error: $desc" '
		katana_expect 2 usage $args &&
		test_line_count = 0 usage.out &&
		grep "^katana [a-z]*: " usage.err >first &&
		test_line_count = 1 first &&
		test_grep -E "usage: katana apply" usage.err
	'
}
usage_error 'apply without PID' apply $W/onefunc/fix.po
usage_error 'apply with an unknown option' apply --bogus $W/onefunc/fix.po 1
usage_error 'apply --wait without a value' apply $W/onefunc/fix.po 1 --wait
usage_error 'unsafe without PID' unsafe $W/onefunc/fix.po
usage_error 'status without PID' status

test_expect_success 'static-local: the running counter is kept (steps of 10 from where it was)' '
	build_case static-local &&
	gen_case static-local &&
	d=$(case_dir static-local) &&
	start_case sl $d &&
	test_when_finished "target_stop sl" &&
	wait_for_line $W/sl.out "^12: ticket=1012\$" &&
	n=$(wc -l <$W/sl.out) &&
	katana_expect 0 apply apply $d/fix.po $(target_pid sl) &&
	check_applied apply.out prog next_ticket &&
	re="^(\\d+): ticket=(\\d+)\$" &&
	wait_for_expr $W/sl.out "$re" "\$c[1] % 10 != (1000 + \$c[0]) % 10" $n &&
	more_lines sl 3 &&
	check_phases $W/sl.out "$re" "\$c[1] == 1000 + \$c[0]" "\$c[1] == \$p[1] + 10" &&
	target_alive sl
'

test_expect_success 'static-dup: only b.c.s helper() changes' '
	build_case static-dup &&
	gen_case static-dup &&
	d=$(case_dir static-dup) &&
	start_case sd $d &&
	test_when_finished "target_stop sd" &&
	re="^(\\d+): a=(\\d+) b=(\\d+)\$" &&
	wait_for_line $W/sd.out "^3: " &&
	n=$(wc -l <$W/sd.out) &&
	katana_expect 0 apply apply $d/fix.po $(target_pid sd) &&
	check_applied apply.out prog helper &&
	wait_for_expr $W/sd.out "$re" "\$c[2] == 10 * \$c[0] + 5" $n &&
	more_lines sd 3 &&
	check_phases $W/sd.out "$re" "\$c[1] == 100 + \$c[0] && \$c[2] == 10 * \$c[0] + 1" \
		"\$c[1] == 100 + \$c[0] && \$c[2] == 10 * \$c[0] + 5" &&
	target_alive sd
'

# At -O2 compute() is 4 bytes followed at once by limit(): refused by design.
test_expect_success 'newfunc [O2]: a 4-byte compute() with no padding is refused (exit 4)' '
	build_case newfunc &&
	gen_case newfunc &&
	d=$(case_dir newfunc) &&
	start_case nf2 $d &&
	test_when_finished "target_stop nf2" &&
	wait_for_expr $W/nf2.out "$ONE_RE" "$ONE_OLD" &&
	katana_expect 4 apply apply $d/fix.po $(target_pid nf2) &&
	test_grep "too short for a 5-byte jump" apply.err &&
	more_lines nf2 5 &&
	check_phases $W/nf2.out "$ONE_RE" "$ONE_OLD"
'

test_expect_success 'newfunc [O0]: the fixed compute() calls the new limit()' '
	gen_case newfunc O0 &&
	d=$(case_dir newfunc O0) &&
	start_case nf $d &&
	test_when_finished "target_stop nf" &&
	wait_for_line $W/nf.out "^5: compute=10 odd" &&
	n=$(wc -l <$W/nf.out) &&
	katana_expect 0 apply apply $d/fix.po $(target_pid nf) &&
	check_applied apply.out prog compute &&
	wait_for_expr $W/nf.out "$ONE_RE" "\$c[1] == 5" $n &&
	more_lines nf 3 &&
	check_phases $W/nf.out "$ONE_RE" "$ONE_OLD" "\$c[1] == 5" &&
	target_alive nf
'

LC_RE='^(\d+): (\w+)=(\d)$'
LC_OLD='$c[2] == 1'
LC_NEW='$c[2] == ($c[1] eq "bartholomew" ? 0 : 1)'

# The fix reads stderr (a libc variable): in a non-PIC program the new code
# refers to it PC-relative, which cannot reach libc from patch memory.
test_expect_success 'libcall [non-PIC objects]: refused, stderr out of reach (exit 1), nothing changes' '
	build_case libcall &&
	gen_case libcall &&
	d=$(case_dir libcall) &&
	start_case lc0 $d &&
	test_when_finished "target_stop lc0" &&
	wait_for_line $W/lc0.out "^3: ann=1\$" &&
	katana_expect 1 apply apply $d/fix.po $(target_pid lc0) &&
	test_grep -E "R_X86_64_PC32 against .stderr.*out of range; patch memory must be within 2 GiB" apply.err &&
	more_lines lc0 5 &&
	check_phases $W/lc0.out "$LC_RE" "$LC_OLD" &&
	test_grep -v "too long" $W/lc0.out &&
	katana_expect 0 status status $(target_pid lc0) &&
	test_grep "no katana patches" status.out &&
	target_alive lc0
'

test_expect_success 'libcall [-fPIC]: the fix calls strlen and fprintf(stderr) from libc' '
	build_case libcall pic -fPIC &&
	gen_case libcall pic &&
	d=$(case_dir libcall pic) &&
	start_case lc $d &&
	test_when_finished "target_stop lc" &&
	wait_for_line $W/lc.out "^4: bartholomew=1\$" &&
	n=$(wc -l <$W/lc.out) &&
	katana_expect 0 apply apply $d/fix.po $(target_pid lc) &&
	check_applied apply.out prog check_name &&
	wait_for_expr $W/lc.out "$LC_RE" "\$c[1] eq \"bartholomew\" && \$c[2] == 0" $n &&
	test_grep "^name bartholomew too long (11)\$" $W/lc.out &&
	more_lines lc 3 &&
	check_phases $W/lc.out "$LC_RE" "$LC_OLD" "$LC_NEW" &&
	target_alive lc
'

test_expect_success 'tls: tick() switches in new threads and keeps the main thread.s counter' '
	build_case tls &&
	gen_case tls &&
	d=$(case_dir tls) &&
	start_case tls $d &&
	test_when_finished "target_stop tls" &&
	re="^(\\d+): main=(\\d+) thread=(\\d+) last=(\\d+)\$" &&
	wait_for_line $W/tls.out "^5: main=20 thread=10 last=4\$" &&
	n=$(wc -l <$W/tls.out) &&
	katana_expect 0 apply apply $d/fix.po $(target_pid tls) &&
	check_applied apply.out prog tick &&
	wait_for_expr $W/tls.out "$re" "\$c[2] == 11 * \$c[0]" $n &&
	more_lines tls 3 &&
	check_phases $W/tls.out "$re" \
		"\$c[2] == 2 * \$c[0] && \$c[3] == \$c[0] - 1 && (!@p || \$c[1] - \$c[0] == \$p[1] - \$p[0] + \$c[0])" \
		"\$c[2] == 11 * \$c[0] && \$c[3] == \$c[0] - 1 && \$c[1] - \$c[0] == \$p[1] - \$p[0] + 10 * \$c[0]" &&
	target_alive tls
'

test_expect_success 'cxx: Counter::step and the virtual Square::area switch' '
	build_case cxx &&
	gen_case cxx &&
	d=$(case_dir cxx) &&
	start_case cxx $d &&
	test_when_finished "target_stop cxx" &&
	re="^(\\d+): area=(\\d+) count=(\\d+)\$" &&
	wait_for_line $W/cxx.out "^3: area=12 count=6\$" &&
	n=$(wc -l <$W/cxx.out) &&
	katana_expect 0 apply apply $d/fix.po $(target_pid cxx) &&
	check_applied apply.out prog "_ZNK6Square4areaEv, _ZN7Counter4stepEi" &&
	wait_for_expr $W/cxx.out "$re" "\$c[0] % 2 && \$c[1] == \$c[0] * \$c[0]" $n &&
	more_lines cxx 3 &&
	check_phases $W/cxx.out "$re" \
		"(\$c[0] % 2 == 0 ? \$c[1] == 3 * \$c[0] * \$c[0] : \$c[1] == 4 * \$c[0]) && (!@p || \$c[2] == \$p[2] + \$c[0])" \
		"(\$c[0] % 2 == 0 ? \$c[1] == 3 * \$c[0] * \$c[0] : \$c[1] == \$c[0] * \$c[0]) && \$c[2] == \$p[2] + 2 * \$c[0]" &&
	target_alive cxx
'

SH_RE='^(\d+): (\w+) (\d+) mm \(calls (\d+)\)$'
test_expect_success 'shlib: foo_scale() in libfoo.so switches in the running program' '
	build_case shlib &&
	gen_case shlib &&
	d=$(case_dir shlib) &&
	start_case sh $d &&
	test_when_finished "target_stop sh" &&
	wait_for_line $W/sh.out "^3: length 300 mm \(calls 3\)\$" &&
	n=$(wc -l <$W/sh.out) &&
	katana_expect 0 apply apply $d/fix.po $(target_pid sh) &&
	check_applied apply.out libfoo.so foo_scale &&
	wait_for_expr $W/sh.out "$SH_RE" "\$c[2] == 101 * \$c[0] + 5" $n &&
	more_lines sh 3 &&
	check_phases $W/sh.out "$SH_RE" "\$c[1] eq \"length\" && \$c[2] == 100 * \$c[0]" \
		"\$c[1] eq \"length\" && \$c[2] == 101 * \$c[0] + 5" &&
	target_alive sh
'

test_expect_success 'shlib: two patches (libfoo.so, prog); revert undoes the latest, then the named one' '
	d=$(case_dir shlib) &&
	"$KATANA" gen -o $d/prog.po $d/v0 $d/v1 prog >gen-prog.out &&
	start_case sh2 $d &&
	test_when_finished "target_stop sh2" &&
	pid=$(target_pid sh2) &&
	wait_for_line $W/sh2.out "^3: length 300 mm" &&
	n=$(wc -l <$W/sh2.out) &&
	katana_expect 0 apply1 apply $d/fix.po $pid &&
	wait_for_expr $W/sh2.out "$SH_RE" "\$c[2] == 101 * \$c[0] + 5" $n &&
	n=$(wc -l <$W/sh2.out) &&
	katana_expect 0 apply2 apply $d/prog.po $pid &&
	test_grep -E "^katana: applied .prog\.po. to prog: 1 function redirected \(banner\)" apply2.out &&
	wait_for_expr $W/sh2.out "$SH_RE" "\$c[1] eq \"len\"" $n &&
	katana_expect 0 status status $pid &&
	test_grep -E "^katana: 2 patches applied" status.out &&
	n=$(wc -l <$W/sh2.out) &&
	katana_expect 0 revert1 revert $pid &&
	wait_for_expr $W/sh2.out "$SH_RE" "\$c[1] eq \"length\"" $n &&
	n=$(wc -l <$W/sh2.out) &&
	katana_expect 0 revert2 revert $d/fix.po $pid &&
	wait_for_expr $W/sh2.out "$SH_RE" "\$c[2] == 100 * \$c[0]" $n &&
	more_lines sh2 3 &&
	check_phases $W/sh2.out "$SH_RE" \
		"\$c[1] eq \"length\" && \$c[2] == 100 * \$c[0]" \
		"\$c[1] eq \"length\" && \$c[2] == 101 * \$c[0] + 5" \
		"\$c[1] eq \"len\" && \$c[2] == 101 * \$c[0] + 5" \
		"\$c[1] eq \"length\" && \$c[2] == 101 * \$c[0] + 5" \
		"\$c[1] eq \"length\" && \$c[2] == 100 * \$c[0]" &&
	katana_expect 0 status2 status $pid &&
	test_grep -E "^katana: 0 patches applied" status2.out &&
	target_alive sh2
'

# KNOWN BUG: the patched foo_scale() increments libfoo.so.s own foo_calls,
# not the copy the program uses (prog has a copy relocation for foo_calls;
# the library reaches it through its GOT, the patch refers to the library.s
# symbol directly), so "calls" stops counting after the apply.
test_expect_failure 'shlib: foo_calls keeps counting after the apply (copy-relocated global)' '
	d=$(case_dir shlib) &&
	start_case shc $d &&
	test_when_finished "target_stop shc" &&
	wait_for_line $W/shc.out "^3: length 300 mm \(calls 3\)\$" &&
	n=$(wc -l <$W/shc.out) &&
	katana_expect 0 apply apply $d/fix.po $(target_pid shc) &&
	wait_for_expr $W/shc.out "$SH_RE" "\$c[2] == 101 * \$c[0] + 5" $n &&
	more_lines shc 3 &&
	check_phases $W/shc.out "$SH_RE" "\$c[3] == \$c[0]"
'

# ---------------------------------------------------------------- threads
test_expect_success 'threads: build the 8-thread target and its patch' '
	sh $TESTS/build-case.sh $TESTS/targets/threads $W/threads >threads-build.log 2>&1 &&
	"$KATANA" gen -o $W/threads/fix.po $W/threads/v0 $W/threads/v1 prog >gen.out &&
	test_grep "2 functions changed" gen.out
'

TH_RE='^thread (\d+): (\d+) v(\d)$'
test_expect_success 'threads: all 8 threads switch to the new version()' '
	d=$W/threads &&
	start_case th $d threads &&
	test_when_finished "target_stop th" &&
	ok=1 &&
	for t in 1 2 3 4 5 6 7 8; do
		wait_for_line $W/th.out "^thread $t: 3 v1\$" || { ok=0; break; }
	done &&
	test $ok = 1 &&
	n=$(wc -l <$W/th.out) &&
	katana_expect 0 apply apply $d/fix.po $(target_pid th) &&
	check_applied apply.out prog "(version, blocker|blocker, version)" &&
	for t in 1 2 3 4 5 6 7 8; do
		wait_for_expr $W/th.out "$TH_RE" "\$c[0] == $t && \$c[2] == 2" $n || { ok=0; break; }
	done &&
	test $ok = 1 &&
	more_lines th 16 &&
	check_phases $W/th.out "$TH_RE" "1" &&
	for t in 1 2 3 4 5 6 7 8; do
		check_phases $W/th.out "^thread $t: (\\d+) v(\\d)\$" "\$c[1] == 1" "\$c[1] == 2" ||
			{ ok=0; break; }
	done &&
	test $ok = 1 &&
	target_alive th
'

test_expect_success 'safe point: a thread always inside blocker(): --wait 1 refused (exit 4), names it' '
	d=$W/threads &&
	start_case hold $d hold &&
	test_when_finished "target_stop hold" &&
	wait_for_line $W/hold.out "^holding\$" &&
	wait_for_line $W/hold.out "^thread 1: 3 v1\$" &&
	t0=$(date +%s) &&
	katana_expect 4 apply apply --wait 1 $d/fix.po $(target_pid hold) &&
	t1=$(date +%s) &&
	test $((t1 - t0)) -le 8 &&
	test_grep -E "^katana:   thread [0-9]+ frame #[0-9]+ \(pc 0x[0-9a-f]+\) is in blocker\$" apply.err &&
	test_grep -E "^katana: not safe to switch within 1\.0 s" apply.err &&
	test_grep -v "^katana: applied" apply.out &&
	more_lines hold 10 &&
	check_phases $W/hold.out "$TH_RE" "\$c[2] == 1" &&
	katana_expect 0 status status $(target_pid hold) &&
	test_grep "no katana patches" status.out &&
	target_alive hold
'

test_expect_success 'safe point: blocker() on the stack part of the time: apply waits, then switches' '
	d=$W/threads &&
	start_case part $d part &&
	test_when_finished "target_stop part" &&
	wait_for_line $W/part.out "^blocker 2: 300\$" &&
	n=$(wc -l <$W/part.out) &&
	katana_expect 0 apply apply --wait 5 $d/fix.po $(target_pid part) &&
	check_applied apply.out prog "(version, blocker|blocker, version)" &&
	wait_for_expr $W/part.out "^blocker (\\d+): (\\d+)\$" "\$c[1] == 301" $n &&
	wait_for_expr $W/part.out "$TH_RE" "\$c[2] == 2" $n &&
	check_phases $W/part.out "^blocker (\\d+): (\\d+)\$" "\$c[1] == 300" "\$c[1] == 301" &&
	check_phases $W/part.out "$TH_RE" "\$c[2] == 1" "\$c[2] == 2" &&
	target_alive part
'

test_done
