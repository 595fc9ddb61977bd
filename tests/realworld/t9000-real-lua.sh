#!/bin/sh
test_description='Debian 12 lua5.4: CVE-2022-28805 and CVE-2022-33099 generated from the package trees and hot-patched into a running interpreter, then reverted'
: "${KATANA_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
export KATANA_TOP
. "$KATANA_TOP/tests/lib.sh"
. "$KATANA_TOP/tests/realworld/real.sh"
real_require

L=$REAL/lua
# tick N total=T state=S cve28805=X cve33099=Y
TICK='^tick (\d+) total=(\d+) state=(\d+) cve28805=(\w+) cve33099=(\w+)$'
# every line follows the one before: nothing lost, nothing restarted
NEXT='(!@p || ($c[0] == $p[0] + 1 && $c[1] > $p[1]))'

for v in fs plain; do
	test_expect_success "lua [$v]: gen 0004 (CVE-2022-28805) finds exactly singlevar" '
		katana_expect 0 gen4-$v gen -o $W/lua4-$v.po $L/$v/p3 $L/$v/p4 src/lua5.4 &&
		test_grep "^gen: 1 function changed, 0 new, 0 variables" gen4-$v.out &&
		test "$(po_funcs $W/lua4-$v.po)" = "singlevar"
	'
	test_expect_success "lua [$v]: gen 0005 (CVE-2022-33099) finds exactly luaG_runerror and the clone luaV_concat.part.0" '
		katana_expect 0 gen5-$v gen -o $W/lua5-$v.po $L/$v/p4 $L/$v/p5 src/lua5.4 &&
		test "$(po_funcs $W/lua5-$v.po)" = "luaG_runerror luaV_concat.part.0"
	'
done

test_expect_success 'lua: the probes tell the builds apart (p3 old/old, p4 new/old, p5 new/new)' '
	for p in 3 4 5; do
		timeout 20 $L/fs/p$p/src/lua5.4 $RW/lua-load.lua 5 >probe$p.out 2>&1 &
		wait_for_line probe$p.out "^tick 3 " || return 1
		kill $! 2>/dev/null
	done
	test_grep "^tick 1 .* cve28805=old cve33099=old\$" probe3.out &&
	test_grep "^tick 1 .* cve28805=new cve33099=old\$" probe4.out &&
	test_grep "^tick 1 .* cve28805=new cve33099=new\$" probe5.out
'

# live_fix VARIANT N PROBE: the interpreter of tree pN-1 runs the workload;
# apply the pN patch, see PROBE turn new, revert, see it turn old, with
# every line of the workload in sequence and right.
live_fix() {
	v=$1 n=$2 probe=$3 prev=$(($2 - 1)) funcs=$4
	test_expect_success "lua [$v]: apply 000$n to a running lua5.4 ($funcs), then revert it: its state and output intact" '
		lua_start lua$n-$v $L/$v/p$prev &&
		test_when_finished "target_stop lua$n-$v" &&
		pid=$(target_pid lua$n-$v) &&
		wait_for_expr $W/lua$n-$v.out "$TICK" "\$c[$probe] eq q(old)" &&
		katana_expect 0 apply$n-$v apply $W/lua$n-$v.po $pid &&
		test_grep -E "^katana: applied .lua$n-$v\.po. to lua5\.4: [0-9]+ functions? redirected \($funcs\), [0-9]+ KiB at 0x[0-9a-f]+, target stopped [0-9.]+ ms, total [0-9.]+ ms\$" apply$n-$v.out &&
		k=$(wc -l <$W/lua$n-$v.out) &&
		wait_for_expr $W/lua$n-$v.out "$TICK" "\$c[$probe] eq q(new)" $k &&
		katana_expect 0 status$n-$v status $pid &&
		test_grep "^patch 1: lua$n-$v.po: applied" status$n-$v.out &&
		for f in $(echo "$funcs" | tr -d ,); do
			test_grep "^  $f: 0x[0-9a-f]* -> 0x[0-9a-f]* (5-byte jump)" status$n-$v.out || return 1
		done &&
		more_lines lua$n-$v 5 &&
		katana_expect 0 revert$n-$v revert $W/lua$n-$v.po $pid &&
		test_grep "^katana: reverted: original code restored" revert$n-$v.out &&
		k=$(wc -l <$W/lua$n-$v.out) &&
		wait_for_expr $W/lua$n-$v.out "$TICK" "\$c[$probe] eq q(old)" $k &&
		more_lines lua$n-$v 5 &&
		check_phases $W/lua$n-$v.out "$TICK" \
			"$NEXT && \$c[$probe] eq q(old)" "$NEXT && \$c[$probe] eq q(new)" "$NEXT && \$c[$probe] eq q(old)" &&
		! grep -n WRONG $W/lua$n-$v.out &&
		test_grep "^ready\$" $W/lua$n-$v.out &&
		test "$(grep -c "^ready" $W/lua$n-$v.out)" = 1 &&
		target_alive lua$n-$v
	'
}

for v in fs plain; do
	live_fix $v 4 3 singlevar
	live_fix $v 5 4 "luaG_runerror, luaV_concat.part.0"
done

test_expect_success 'lua in GDB: after katana apply, bt through the patched luaG_runerror and luaV_concat.part.0 reaches main (the PO'"'"'s CFI)' '
	lua_start luabt $L/fs/p4 &&
	test_when_finished "target_stop luabt" &&
	gdb_batch -p $(target_pid luabt) -ex "katana apply $W/lua5-fs.po" \
		-ex "break luaG_errormsg" -ex continue -ex bt -ex delete -ex detach >bt.out 2>&1 &&
	test_grep "^katana: applied .lua5-fs.po." bt.out &&
	test_grep -E "^#1  0x[0-9a-f]+ in luaG_runerror \(\)" bt.out &&
	test_grep -E "^#[0-9]+ +0x[0-9a-f]+ in luaV_execute " bt.out &&
	test_grep -E "^#[0-9]+ +0x[0-9a-f]+ in main " bt.out &&
	! grep -n -e "Backtrace stopped" -e " in ?? ()" bt.out &&
	more_lines luabt 3 &&
	! grep -n WRONG $W/luabt.out
'

# Neither fix touches luaV_execute (the interpreter loop, always on the
# stack): the case did not occur.  What such a fix gets is shown on the
# same kind of frame: a message handler that never returns keeps
# luaG_runerror on the stack for good.
test_expect_success 'lua: luaG_runerror never leaves the stack: refused within --wait, naming thread and function; the interpreter runs on unharmed' '
	cat >errloop.lua <<-\EOF &&
	local function fails() local a = nil; return a + 1 end
	local function forever(m)
	  local beat = 0
	  while true do
	    local s = 0
	    for i = 1, 200000 do s = s + i end
	    beat = beat + 1
	    io.stdout:write("beat ", beat, " ", s, "\n"); io.stdout:flush()
	  end
	end
	xpcall(fails, forever)
	EOF
	target_start errloop $L/fs/p4/src/lua5.4 $W/errloop.lua &&
	test_when_finished "target_stop errloop" &&
	wait_for_line $W/errloop.out "^beat 2 " &&
	cp $W/lua5-fs.po $W/errloop.po &&
	katana_expect 4 refuse apply --wait 1.5 $W/errloop.po $(target_pid errloop) &&
	test_grep -E "^katana:   thread 1 frame #[0-9]+ \(pc 0x[0-9a-f]+\) is in luaG_runerror" refuse.err &&
	test_grep "^katana: not safe to switch within 1.5 s: .*nothing was changed" refuse.err &&
	katana_expect 0 st-refused status $(target_pid errloop) &&
	test_grep "^katana: no katana patches in this process\$" st-refused.out &&
	more_lines errloop 3 &&
	check_phases $W/errloop.out "^beat (\\d+) (\\d+)\$" "(!@p || \$c[0] == \$p[0] + 1) && \$c[1] == 20000100000" &&
	target_alive errloop
'

test_done
