#!/bin/sh
test_description='katana-syscall: system calls injected through GDB leave every thread as it was (native and gdbserver)'
. "$(dirname "$0")/lib.sh"

for t in gdb gdbserver gcc; do
	require_tool $t
done

test_expect_success 'build the blocked-read target' '
	gcc -g -O2 -pthread -o $W/blocked $TESTS/targets/blocked.c
'

# The GDB script: getpid, mmap at a fixed hint (twice: the second must fail
# with EEXIST, never map elsewhere), munmap, then the registers must be the
# ones the thread had inside read().
cat >"$W/inject.gdb.in" <<'GDB'
set $k_before_rax = $rax
set $k_before_orig = $orig_rax
set $k_before_rip = $rip
set $k_before_rsp = $rsp
katana-syscall 39
printf "getpid %ld\n", $k_sc_ret
katana-syscall 9 0x6f0000000000 8192 3 0x100022 -1 0
printf "mmap %#lx\n", $k_sc_ret
katana-syscall 9 0x6f0000000000 8192 3 0x100022 -1 0
printf "mmap-again %ld\n", $k_sc_ret
shell grep "^6f0000000000" /proc/@PID@/maps | sed "s/^/mapped /" >@MAPS@
katana-syscall 11 0x6f0000000000 8192
printf "munmap %ld\n", $k_sc_ret
printf "regs-kept %d\n", $rax == $k_before_rax && $orig_rax == $k_before_orig && $rip == $k_before_rip && $rsp == $k_before_rsp
# (never printf %s a GDB string: GDB would allocate it in the target)
printf "lock-replay %d\n", $_gdb_setting_str("scheduler-locking")[0] == 'r'
GDB

check_injection() { # NAME: the output of the script and the target after it
	test_grep "^getpid $(target_pid $1)\$" $1.gdb.out &&
	test_grep "^mmap 0x6f0000000000\$" $1.gdb.out &&
	test_grep "^mmap-again -17\$" $1.gdb.out &&
	test_grep "^munmap 0\$" $1.gdb.out &&
	test_grep "^regs-kept 1\$" $1.gdb.out &&
	test_grep "^lock-replay 1\$" $1.gdb.out &&
	test_grep "^mapped 6f0000000000-6f0000002000 rw-p" $W/$1.maps &&
	! grep -q "^6f0000000000" /proc/$(target_pid $1)/maps &&
	# the read() GDB interrupted still works, every thread still runs
	target_send $1 "after-$1" &&
	wait_for_line $W/$1.out "^got after-$1 \\(workers alive\\)\$" &&
	target_alive $1
}

# The script for one target: GDB's shell records the mapping while GDB
# still holds the target.
inject_script() { # NAME
	sed -e "s|@PID@|$(target_pid $1)|" -e "s|@MAPS@|$W/$1.maps|" $W/inject.gdb.in >$W/inject-$1.gdb
}

test_expect_success 'native: getpid, mmap with MAP_FIXED_NOREPLACE, munmap; read() unharmed' '
	target_start nat $W/blocked &&
	wait_for_line $W/nat.out "^ready " &&
	inject_script nat &&
	gdb_batch -p $(target_pid nat) -x $W/inject-nat.gdb -ex detach >nat.gdb.out 2>nat.gdb.err &&
	check_injection nat
'

test_expect_success 'gdbserver: the same through target remote' '
	target_start rem $W/blocked &&
	wait_for_line $W/rem.out "^ready " &&
	port=$(free_port) &&
	{ gdbserver --attach 127.0.0.1:$port $(target_pid rem) >gs.out 2>&1 & } &&
	wait_for_line gs.out "Listening on port" &&
	inject_script rem &&
	gdb_batch -iex "set sysroot /" -ex "target remote 127.0.0.1:$port" -x $W/inject-rem.gdb \
		-ex detach >rem.gdb.out 2>rem.gdb.err &&
	check_injection rem
'

test_expect_success 'a failed injection says so and restores the registers' '
	target_start bad $W/blocked &&
	wait_for_line $W/bad.out "^ready " &&
	cat >bad.gdb <<-\GDB &&
	set $k_before_rip = $rip
	set $k_before_orig = $orig_rax
	# not a syscall instruction (the cmp after the syscall in read): the step
	# does not land 2 bytes further
	set $k_sc_insn = $pc
	katana-syscall 39
	GDB
	gdb_batch -p $(target_pid bad) -x bad.gdb \
		-ex "printf \"regs-kept %d\\n\", \$rip == \$k_before_rip && \$orig_rax == \$k_before_orig" \
		-ex detach >bad.gdb.out 2>bad.gdb.err &&
	test_grep "^regs-kept 1\$" bad.gdb.out &&
	test_grep "katana: the injected system call did not complete; the thread.s registers were restored" bad.gdb.out &&
	target_send bad "still-fine" &&
	wait_for_line $W/bad.out "^got still-fine \\(workers alive\\)\$"
'

test_done
