# katana.gdb - katana's GDB command set.  Source it in GDB:
#   (gdb) source PREFIX/share/katana/katana.gdb
# GDB's command language only: no Python, no Guile, and no inferior function
# calls (GDB 13.1 corrupts the extended register state on these CPUs; see
# doc/apply-design.md).  Strings never appear in expressions (GDB would
# allocate them in the target); names live in convenience variables.
#
# Internal commands are named katana-* and keep their state in $k_*
# convenience variables.

define-prefix katana
document katana
Hot-patch this process with katana Patch Objects.
Sub-commands are listed below; see `man katana` for the whole story.
end

# ------------------------------------------------------------------ errors
# GDB 13 has no `error` command: print the message, then run an undefined
# command, which stops every nested user command and sourced file.
define katana-fail
  katana-command-stopped
end
document katana-fail
Internal: abort the running katana command (after its message was printed).
end

# ------------------------------------------------------------------ syscalls
# katana-syscall NR [A0 .. A5]: run one system call on the current thread.
#   Missing arguments are 0.  out: $k_sc_ret (the raw return: -errno on failure)
# The thread's registers are saved first and restored after, orig_rax last:
# a thread stopped inside a blocking call (read, futex, ...) must come back
# exactly as it was, or the kernel would restart the wrong call.  Other
# threads do not run meanwhile (scheduler-locking on for the one step).
# katana-set-reg REG VALUE: set register REG of the thread (frame 0) to
# VALUE (one word: a number or a convenience variable).  Registers are read
# and written through the selected frame, and a write re-creates the frames;
# GDB then re-selects the old frame by its id and may pick an outer one
# whose id matches, so the next write to $rip would land in a return
# address on the stack.  So frame 0, before and after every write.
define katana-set-reg
  select-frame 0
  set $$arg0 = $arg1
  select-frame 0
end
document katana-set-reg
Internal: set a register of frame 0 (REG VALUE).
end

define katana-syscall
  set $k_sc_nr = $arg0
  set $k_sc_a0 = 0
  set $k_sc_a1 = 0
  set $k_sc_a2 = 0
  set $k_sc_a3 = 0
  set $k_sc_a4 = 0
  set $k_sc_a5 = 0
  if $argc > 1
    set $k_sc_a0 = $arg1
  end
  if $argc > 2
    set $k_sc_a1 = $arg2
  end
  if $argc > 3
    set $k_sc_a2 = $arg3
  end
  if $argc > 4
    set $k_sc_a3 = $arg4
  end
  if $argc > 5
    set $k_sc_a4 = $arg5
  end
  if $argc > 6
    set $k_sc_a5 = $arg6
  end
  if $k_sc_insn == 0
    katana-find-syscall
  end
  select-frame 0
  set $k_sv_rax = $rax
  set $k_sv_rdi = $rdi
  set $k_sv_rsi = $rsi
  set $k_sv_rdx = $rdx
  set $k_sv_r10 = $r10
  set $k_sv_r8 = $r8
  set $k_sv_r9 = $r9
  set $k_sv_rcx = $rcx
  set $k_sv_r11 = $r11
  set $k_sv_rip = $rip
  set $k_sv_eflags = $eflags
  set $k_sv_orig_rax = $orig_rax
  set $k_sv_lock = $_gdb_setting_str("scheduler-locking")
  # no restart of an interrupted call into ours
  katana-set-reg orig_rax -1
  katana-set-reg rax $k_sc_nr
  katana-set-reg rdi $k_sc_a0
  katana-set-reg rsi $k_sc_a1
  katana-set-reg rdx $k_sc_a2
  katana-set-reg r10 $k_sc_a3
  katana-set-reg r8 $k_sc_a4
  katana-set-reg r9 $k_sc_a5
  katana-set-reg rip $k_sc_insn
  set scheduler-locking on
  set $k_sc_ok = 0
  katana-quiet
  eval "thread apply %d -q -s katana-syscall-step", $_thread
  katana-loud
  set $k_sc_ret = (long)$rax
  katana-set-reg rax $k_sv_rax
  katana-set-reg rdi $k_sv_rdi
  katana-set-reg rsi $k_sv_rsi
  katana-set-reg rdx $k_sv_rdx
  katana-set-reg r10 $k_sv_r10
  katana-set-reg r8 $k_sv_r8
  katana-set-reg r9 $k_sv_r9
  katana-set-reg rcx $k_sv_rcx
  katana-set-reg r11 $k_sv_r11
  katana-set-reg rip $k_sv_rip
  katana-set-reg eflags $k_sv_eflags
  katana-set-reg orig_rax $k_sv_orig_rax
  katana-restore-scheduler-locking
  if $k_sc_ok == 0
    echo katana: the injected system call did not complete; the thread's registers were restored\n
    katana-fail
  end
end
document katana-syscall
Internal: katana-syscall NR [A0..A5] runs a system call on this thread; result in $k_sc_ret.
end

# The fallible part, run through `thread apply -s` so a failure returns here
# and the registers are restored whatever happened.
# (stepi prints the line it stops at: katana-syscall sent that nowhere.
# Never switch GDB's logging inside a `thread apply -s` body: an error
# there with logging on crashes GDB 13.1.)
define katana-syscall-step
  stepi
  if $pc == $k_sc_insn + 2
    set $k_sc_ok = 1
  end
end
document katana-syscall-step
Internal: one step over the syscall instruction.
end

define katana-restore-scheduler-locking
  # no $_streq without Python: tell the values apart by their letters
  if $k_sv_lock[0] == 'r'
    set scheduler-locking replay
  end
  if $k_sv_lock[0] == 's'
    set scheduler-locking step
  end
  if $k_sv_lock[0] == 'o' && $k_sv_lock[1] == 'f'
    set scheduler-locking off
  end
  if $k_sv_lock[0] == 'o' && $k_sv_lock[1] == 'n'
    set scheduler-locking on
  end
end
document katana-restore-scheduler-locking
Internal: put scheduler-locking back as it was.
end

# A `syscall` instruction in executable memory: libc's syscall() has one.
define katana-find-syscall
  set $k_sc_insn = 0
  katana-quiet
  # find sets $_ only on a match
  set $_ = 0
  find /b (char *)&syscall, +256, (char)0x0f, (char)0x05
  katana-loud
  set $k_sc_insn = (unsigned long)$_
  if $k_sc_insn == 0
    echo katana: no syscall instruction found in libc's syscall(); is libc loaded?\n
    katana-fail
  end
end
document katana-find-syscall
Internal: locate a syscall instruction in the target ($k_sc_insn).
end

set $k_sc_insn = 0

# While waiting for a safe point, look at every thread's frames again this
# often (ms), besides when a blocking frame returns.
set $k_tick_ms = 100

# ------------------------------------------------------------------ layout
# From gdbserver-stub/stub.h (filled in by the build).
set $k_map_size = @KSTUB_MAP_SIZE@
set $k_code_size = @KSTUB_CODE_SIZE@
set $k_req_off = @KSTUB_REQ_OFF@
set $k_scratch_off = @KSTUB_SCRATCH_OFF@
set $k_xplan_size = @KSTUB_XPLAN_SIZE@
set $k_xplan_flags = @KSTUB_XPLAN_FLAGS_OFF@
set $k_xplan_step = @KSTUB_XPLAN_STEP_OFF@
set $k_req_xplan_off = @KSTUB_REQ_XPLAN_OFF@

# ------------------------------------------------------------------ session
# Every katana command works in /tmp/katana-gdb-N, N = GDB's pid.  GDB
# cannot say its own pid, but the shell it runs can ($PPID): the number
# comes back through three exit codes.  Numbers only: a file name in a
# convenience variable cannot be used without GDB copying it into the target.
define katana-session
  if $k_session == 0
    shell exit $(( PPID & 255 ))
    set $k_session = $_shell_exitcode
    shell exit $(( (PPID >> 8) & 255 ))
    set $k_session = $k_session + ($_shell_exitcode << 8)
    shell exit $(( (PPID >> 16) & 255 ))
    set $k_session = $k_session + ($_shell_exitcode << 16)
    if $k_session < 2
      echo katana: cannot learn GDB's process id through the shell; run GDB with SHELL=/bin/sh\n
      katana-fail
    end
  end
end
document katana-session
Internal: learn this GDB's session number ($k_session).
end

# GDB's own output goes nowhere between katana-quiet and katana-loud
# (they nest).  Call them only outside `thread apply -s` bodies: GDB 13.1
# crashes when a body fails with logging switched on inside it.
define katana-quiet
  if $k_quiet == 0
    set logging file /dev/null
    set logging redirect on
    set logging enabled on
  end
  set $k_quiet = $k_quiet + 1
end
document katana-quiet
Internal: send GDB's output to /dev/null until the matching katana-loud.
end
define katana-loud
  if $k_quiet > 0
    set $k_quiet = $k_quiet - 1
    if $k_quiet == 0
      set logging enabled off
    end
  end
end
document katana-loud
Internal: undo one katana-quiet.
end

# katana-helper-check: after a helper shell command, stop on its failure.
define katana-helper-check
  if $_shell_exitcode != 0
    set $k_exit = $_shell_exitcode
    set $k_helper_failed = 1
    katana-fail
  end
end
document katana-helper-check
Internal: abort when the last helper call failed (its message was printed).
end

# katana-start OP ARGS...: the helper checks the arguments and prepares
# the session directory.
define katana-start
  katana-session
  if $k_stepping
    echo katana: a katana apply --step is stopped in the stub: continue to finish it, or katana abort\n
    katana-fail
  end
  set $k_exit = 2
  if $argc == 1
    eval "shell @KATANA@ gdb-helper start %d $arg0", $k_session
  end
  if $argc == 2
    eval "shell @KATANA@ gdb-helper start %d $arg0 $arg1", $k_session
  end
  if $argc == 3
    eval "shell @KATANA@ gdb-helper start %d $arg0 $arg1 $arg2", $k_session
  end
  if $argc == 4
    eval "shell @KATANA@ gdb-helper start %d $arg0 $arg1 $arg2 $arg3", $k_session
  end
  if $argc == 5
    eval "shell @KATANA@ gdb-helper start %d $arg0 $arg1 $arg2 $arg3 $arg4", $k_session
  end
  if $argc > 5
    echo katana: too many arguments (see help katana)\n
    katana-fail
  end
  katana-helper-check
  eval "source /tmp/katana-gdb-%d/start.gdb", $k_session
  if $_thread == 0
    eval "shell @KATANA@ gdb-helper report %d 9 0 0 0", $k_session
    set $k_exit = 1
    katana-fail
  end
end
document katana-start
Internal: katana-start OP ARGS... checks the arguments of a katana command.
end

# ------------------------------------------------------------------ the ops
# katana-op OP: runs katana-op-body under a try (thread apply -s swallows
# the error) so that whatever fails, katana-undo runs and leaves the target
# as it was.  $k_done is set last by a body that succeeded.
define katana-op
  set $k_op = $arg0
  set $k_done = 0
  set $k_stage = 0
  set $k_err = 0
  set $k_base = 0
  set $k_stub_new = 0
  set $k_fd = -1
  set $k_reg_written = 0
  set $k_timer = -1
  set $k_tick = -1
  set $k_wait_first = 0
  set $k_wait_last = -1
  set $k_urg = 0
  set $k_err_no = 0
  set $k_helper_failed = 0
  set $k_stub_result = 0
  set $k_xplan = 0
  set $k_heap = 0
  set $k_alloc_thread = 0
  set $k_thread0 = 0
  set $k_exit = 1
  set $k_sv_lock0 = $_gdb_setting_str("scheduler-locking")
  set $k_quiet = 0
  katana-quiet
  eval "thread apply %d -q -s katana-op-body", $_thread
  set $k_quiet = 1
  katana-loud
  if $k_done == 0
    katana-undo
    katana-report
    katana-end
    katana-fail
  end
  if $k_op == 5
    katana-vars-print
  end
  # apply --step goes on in the breakpoint commands (katana-step-*)
  if $k_stepping == 0
    katana-end
  end
  set $k_exit = 0
end

# The session directory goes when the command ends (KATANA_KEEP=1 in GDB's
# environment keeps it, to look at what the helper wrote).
define katana-end
  eval "shell [ -n \"$KATANA_KEEP\" ] || rm -rf /tmp/katana-gdb-%d", $k_session
end
document katana-end
Internal: remove the session directory.
end
document katana-op
Internal: run one katana operation with clean-up on failure.
end

# GDB's own chatter (restore, catch, ...) goes nowhere (katana-op made it
# quiet); katana speaks through the helper, whose output is not GDB's.
define katana-op-body
  # 1. what the process maps; the memory to check
  set $k_stage = 1
  eval "pipe info proc mappings | @KATANA@ gdb-helper maps %d", $k_session
  katana-helper-check
  eval "source /tmp/katana-gdb-%d/maps.gdb", $k_session
  # 2. verify (apply), list (status, unsafe), choose (revert)
  set $k_stage = 2
  eval "shell @KATANA@ gdb-helper verify %d", $k_session
  katana-helper-check
  if $k_op == 1
    katana-apply-body
  end
  if $k_op == 2
    eval "pipe katana-frames-all | @KATANA@ gdb-helper frames %d", $k_session
    katana-helper-check
  end
  if $k_op == 4
    katana-revert-body
  end
  set $k_done = 1
end
document katana-op-body
Internal: the fallible part of a katana operation.
end

define katana-apply-body
  eval "source /tmp/katana-gdb-%d/alloc.gdb", $k_session
  if $k_sc_insn == 0
    katana-find-syscall
  end
  # the memory of applies that never committed (GDB killed, --step quit)
  katana-discard-stale
  # 3. memory near the code (MAP_FIXED_NOREPLACE at each hint), else anywhere
  set $k_stage = 3
  set $k_i = 0
  while $k_i < $k_nhints && $k_base == 0
    eval "set $k_try = $k_hint%d", $k_i
    katana-syscall 9 $k_try $k_alloc_size 3 0x100022 -1 0
    if $k_sc_ret == $k_try
      set $k_base = $k_try
    end
    if $k_sc_ret != $k_try && $k_sc_ret > 0
      # an old kernel ignoring MAP_FIXED_NOREPLACE mapped it elsewhere
      katana-syscall 11 $k_sc_ret $k_alloc_size
    end
    set $k_i = $k_i + 1
  end
  if $k_base == 0
    katana-syscall 9 0 $k_alloc_size 3 0x22 -1 0
    if $k_sc_ret > 0
      set $k_base = $k_sc_ret
    end
  end
  if $k_base == 0
    set $k_err = 1
    set $k_err_no = $k_sc_ret
    katana-fail
  end
  # 4. the stub, once per process: a memfd named katana
  set $k_stage = 4
  if $k_stub_base == 0
    katana-stub-place
  end
  # 5. relocate at the base, write, read back, protect, stage the record
  set $k_stage = 5
  eval "shell @KATANA@ gdb-helper layout %d 0x%lx 0x%lx", $k_session, $k_base, $k_stub_base
  katana-helper-check
  eval "source /tmp/katana-gdb-%d/layout.gdb", $k_session
  katana-restore-regions
  katana-check-regions
  if $katana_regions_ok == 0
    set $k_err = 2
    katana-fail
  end
  katana-protect-regions
  if $k_prot_ok == 0
    set $k_err = 3
    katana-fail
  end
  set $k_reg_written = 1
  katana-registry-write
  # 6. a safe point, then the commit in one in-target step
  set $k_stage = 6
  katana-safe-point
  set $k_stage = 7
  katana-alloc-thread
  if $k_step
    katana-step-begin
  else
    katana-stub-call 1 $k_index
    katana-back-thread
    katana-apply-committed
  end
end
document katana-apply-body
Internal: the steps of katana apply.
end

# After the stub's run of a commit: its result, then the symbols.
define katana-apply-committed
  if $k_stub_result != 0
    set $k_err = 6
    katana-fail
  end
  # committed: from here on nothing is undone
  set $k_stage = 8
  set $k_base = 0
  set $k_stub_new = 0
  set $k_reg_written = 0
  katana-symbols
  eval "shell @KATANA@ gdb-helper done %d 0", $k_session
end
define katana-revert-body
  eval "source /tmp/katana-gdb-%d/revert.gdb", $k_session
  if $k_sc_insn == 0
    katana-find-syscall
  end
  set $k_confirm = $_gdb_setting("confirm")
  set confirm off
  eval "thread apply %d -q -s katana-revert-symbols", $_thread
  if $k_confirm
    set confirm on
  end
  set $k_stage = 6
  katana-safe-point
  set $k_stage = 7
  katana-alloc-thread
  katana-stub-call 2 $k_index
  katana-back-thread
  if $k_stub_result != 0
    set $k_err = 6
    katana-fail
  end
  set $k_stage = 9
  # the code goes away: so do its symbols (those of the apply in this
  # session and those loaded above)
  set $k_confirm = $_gdb_setting("confirm")
  set confirm off
  eval "thread apply %d -q -s katana-revert-unsymbols", $_thread
  eval "thread apply %d -q -s katana-revert-unsymbols", $_thread
  if $k_confirm
    set confirm on
  end
  katana-release
  eval "shell @KATANA@ gdb-helper done %d 0", $k_session
end
document katana-revert-body
Internal: the steps of katana revert.
end

# Load the patch's symbols (and the stub's, once) into this session.
define katana-symbols
  set $k_confirm = $_gdb_setting("confirm")
  set confirm off
  eval "thread apply %d -q -s katana-load-symbols", $_thread
  if $k_stub_syms == 0
    eval "thread apply %d -q -s katana-stub-symbols", $_thread
    set $k_stub_syms = 1
  end
  if $k_confirm
    set confirm on
  end
end
document katana-symbols
Internal: add-symbol-file for the code just committed.
end

# The stub mapping: memfd_create("katana"), ftruncate, mmap shared RW, the
# code written, its pages mapped again private R+X, close.  The name is written at the patch
# memory's start for the call (it is zeroed again after).
define katana-stub-place
  set {unsigned long}$k_base = 0x0000616e6174616b
  katana-syscall 319 $k_base 1
  set {unsigned long}$k_base = 0
  if $k_sc_ret < 0
    set $k_err = 4
    set $k_err_no = $k_sc_ret
    katana-fail
  end
  set $k_fd = $k_sc_ret
  katana-syscall 77 $k_fd $k_map_size
  if $k_sc_ret != 0
    set $k_err = 4
    set $k_err_no = $k_sc_ret
    katana-fail
  end
  katana-syscall 9 0 $k_map_size 3 1 $k_fd 0
  if $k_sc_ret < 0 && $k_sc_ret > -4096
    set $k_err = 4
    set $k_err_no = $k_sc_ret
    katana-fail
  end
  set $k_stub_base = $k_sc_ret
  set $k_stub_new = 1
  katana-stub-write
  # the code mapped again, private and R+X, from the same file: a private
  # mapping takes GDB's breakpoints (copy on write; a shared one refuses
  # ptrace's writes once it is not writable), for --step and debugging
  katana-syscall 9 $k_stub_base $k_code_size 5 0x12 $k_fd 0
  if $k_sc_ret != $k_stub_base
    set $k_err = 4
    set $k_err_no = $k_sc_ret
    katana-fail
  end
  katana-syscall 3 $k_fd
  set $k_fd = -1
end
document katana-stub-place
Internal: put katana's stub into the process.
end

# ------------------------------------------------------------------ safe point
define katana-frame-1
  printf "katana-frame %d %d 0x%lx\n", $_thread, $katana_lvl, $pc
  set $katana_lvl = $katana_lvl + 1
end
document katana-frame-1
Internal: one line per frame for the safe-point check.
end

define katana-frames-1
  printf "katana-thread %d 0x%lx %ld\n", $_thread, $pc, $orig_rax
  set $katana_lvl = 0
  frame apply all -q -s katana-frame-1
end
document katana-frames-1
Internal: every frame of this thread.
end

define katana-frames-all
  printf "katana-current %d\n", $_thread
  thread apply all -q -s katana-frames-1
end
document katana-frames-all
Internal: the current thread, then every frame of every thread.
end

define katana-check-frames
  eval "pipe katana-frames-all | @KATANA@ gdb-helper frames %d", $k_session
  katana-helper-check
  eval "source /tmp/katana-gdb-%d/frames.gdb", $k_session
end
document katana-check-frames
Internal: is any thread inside what the operation changes?  ($k_blocked)
end

# Wait for a safe point: temporary breakpoints where the blocking frames
# return, the target runs, until no thread is inside or the wait is over.
# The wait is a one-shot POSIX timer in the target whose SIGURG stops it
# (GDB takes the signal; SIGURG is ignored by default should GDB die).  A
# second, periodic timer stops it every $k_tick_ms to look again: a blocking
# frame may never return to its caller (lua's luaG_runerror leaves by
# longjmp), so its temporary breakpoint alone would wait out the deadline.
define katana-safe-point
  katana-check-frames
  if $k_blocked && $k_wait_ms > 0
    # the timers' signals stop the target only while it runs: a tick
    # during an injected system call's stepi is swallowed (nostop nopass)
    handle SIGURG nostop noprint nopass
    set $k_urg = 1
    katana-timer-arm
    set $k_sv_lock = $_gdb_setting_str("scheduler-locking")
    set scheduler-locking off
    set $k_left = 1
    while $k_blocked && $k_left
      katana-wait-breaks
      if $k_nwait > 0
        set $k_wait_last = $bpnum
        set $k_wait_first = $bpnum - $k_nwait + 1
      end
      handle SIGURG stop print nopass
      continue
      handle SIGURG nostop noprint nopass
      if $k_wait_last >= $k_wait_first
        eval "delete %d-%d", $k_wait_first, $k_wait_last
        set $k_wait_last = -1
      end
      katana-timer-left
      katana-check-frames
    end
    handle SIGURG nostop noprint pass
    set $k_urg = 0
    katana-restore-scheduler-locking
    katana-timer-disarm
  end
  if $k_blocked
    set $k_err = 5
    katana-fail
  end
end
document katana-safe-point
Internal: wait (up to $k_wait_ms) until no thread is inside the changed code.
end

# timer_create(CLOCK_MONOTONIC, {SIGEV_SIGNAL, SIGURG}, &id), then
# timer_settime(id, 0, {0, wait}); the tick timer likewise, periodic.
# Structures in the stub's scratch area: sigevent at +0, timer ids at +64
# and +68, the deadline's itimerspec at +80, timer_gettime's at +112, the
# tick's at +144.
define katana-timer-arm
  set $k_scr = $k_stub_base + $k_scratch_off
  set {unsigned long}($k_scr) = 0
  set {int}($k_scr + 8) = 23
  set {int}($k_scr + 12) = 0
  set {unsigned long}($k_scr + 16) = 0
  set {unsigned long}($k_scr + 80) = 0
  set {unsigned long}($k_scr + 88) = 0
  set {unsigned long}($k_scr + 96) = $k_wait_ms / 1000
  set {unsigned long}($k_scr + 104) = ($k_wait_ms % 1000) * 1000000
  # the tick: every $k_tick_ms, or the whole wait if that is shorter
  set $k_tk = $k_tick_ms
  if $k_tk > $k_wait_ms || $k_tk <= 0
    set $k_tk = $k_wait_ms
  end
  set {unsigned long}($k_scr + 144) = $k_tk / 1000
  set {unsigned long}($k_scr + 152) = ($k_tk % 1000) * 1000000
  set {unsigned long}($k_scr + 160) = $k_tk / 1000
  set {unsigned long}($k_scr + 168) = ($k_tk % 1000) * 1000000
  katana-syscall 222 1 $k_scr $k_scr+64
  if $k_sc_ret != 0
    set $k_err = 7
    set $k_err_no = $k_sc_ret
    katana-fail
  end
  set $k_timer = {int}($k_scr + 64)
  katana-syscall 222 1 $k_scr $k_scr+68
  if $k_sc_ret != 0
    set $k_err = 7
    set $k_err_no = $k_sc_ret
    katana-fail
  end
  set $k_tick = {int}($k_scr + 68)
  katana-syscall 223 $k_timer 0 $k_scr+80 0
  katana-syscall 223 $k_tick 0 $k_scr+144 0
end
document katana-timer-arm
Internal: arm the wait's deadline and its periodic re-check in the target.
end

define katana-timer-left
  set $k_scr = $k_stub_base + $k_scratch_off
  katana-syscall 224 $k_timer $k_scr+112
  set $k_left = {unsigned long}($k_scr + 128) + {unsigned long}($k_scr + 136)
  if $k_sc_ret != 0
    set $k_left = 0
  end
end
document katana-timer-left
Internal: is there time left ($k_left)?
end

define katana-timer-disarm
  if $k_tick >= 0
    katana-syscall 226 $k_tick
    set $k_tick = -1
  end
  if $k_timer >= 0
    katana-syscall 226 $k_timer
    set $k_timer = -1
  end
end
document katana-timer-disarm
Internal: delete the wait's timers (a pending signal of them goes too).
end

# ------------------------------------------------------------------ threads
# A transform that allocates heap objects calls the program's malloc from
# the stub: on a thread parked in a system call of libc (vector registers
# dead), which the last stack walk found ($k_alloc_thread).  The selected
# thread is put back after the stub call.
define katana-alloc-thread
  set $k_thread0 = $_thread
  if $k_heap && $k_alloc_thread > 0 && $k_alloc_thread != $_thread
    katana-quiet
    eval "thread %d", $k_alloc_thread
    katana-loud
  end
end
document katana-alloc-thread
Internal: select the thread the stub allocates on.
end

define katana-back-thread
  if $k_thread0 > 0 && $_thread != $k_thread0
    katana-quiet
    eval "thread %d", $k_thread0
    katana-loud
  end
  set $k_thread0 = 0
end
document katana-back-thread
Internal: select again the thread that was selected before the stub call.
end

# ------------------------------------------------------------------ stub call
# katana-stub-call OP INDEX: run the stub on this thread without an inferior
# call.  The request holds the thread's own rip/rsp/rdi/orig_rax (the stub
# resumes the thread by itself should GDB die meanwhile); GDB stops it at
# the return of the stub's getpid and restores every register.
define katana-stub-call
  katana-stub-enter $arg0 $arg1
  katana-quiet
  break *($k_stub_base + $k_stub_done_off)
  set $k_catch = $bpnum
  eval "thread apply %d -q -s katana-stub-run", $_thread
  eval "delete %d", $k_catch
  katana-loud
  katana-stub-leave
end
document katana-stub-call
Internal: katana-stub-call OP INDEX runs the in-target stub (1 commit, 2 revert).
end

# katana-stub-enter OP INDEX: the request, the thread's registers saved,
# the registers set for the stub; scheduler-locking on.
define katana-stub-enter
  select-frame 0
  set $k_req = $k_stub_base + $k_req_off
  set {unsigned long}($k_req) = $arg0
  set {unsigned long}($k_req + 8) = $arg1
  set {unsigned long}($k_req + 16) = $k_stub_base + $k_code_size
  set {unsigned long}($k_req + 24) = $rip
  set {long}($k_req + 32) = -1
  set {unsigned long}($k_req + 40) = 0
  set {unsigned long}($k_req + 48) = 0
  set {unsigned long}($k_req + 56) = $rsp
  set {unsigned long}($k_req + 64) = $rdi
  set {long}($k_req + 72) = $orig_rax
  set {unsigned long}($k_req + $k_req_xplan_off) = $k_xplan
  set {unsigned long}($k_req + $k_req_xplan_off + 8) = 1
  set $k_cv_rax = $rax
  set $k_cv_rbx = $rbx
  set $k_cv_rcx = $rcx
  set $k_cv_rdx = $rdx
  set $k_cv_rsi = $rsi
  set $k_cv_rdi = $rdi
  set $k_cv_rbp = $rbp
  set $k_cv_rsp = $rsp
  set $k_cv_r8 = $r8
  set $k_cv_r9 = $r9
  set $k_cv_r10 = $r10
  set $k_cv_r11 = $r11
  set $k_cv_r12 = $r12
  set $k_cv_r13 = $r13
  set $k_cv_r14 = $r14
  set $k_cv_r15 = $r15
  set $k_cv_rip = $rip
  set $k_cv_eflags = $eflags
  set $k_cv_orig_rax = $orig_rax
  set $k_sv_lock = $_gdb_setting_str("scheduler-locking")
  set $k_stub_ok = 0
  katana-set-reg orig_rax -1
  katana-set-reg rdi $k_req
  set $k_stub_rsp = ((unsigned long)$rsp - 1024) & ~0xfUL
  katana-set-reg rsp $k_stub_rsp
  katana-set-reg rip $k_stub_base
  set scheduler-locking on
end
document katana-stub-enter
Internal: point a thread at the stub (katana-stub-enter OP INDEX).
end

# katana-stub-leave: the thread's registers back, the stub's result read.
define katana-stub-leave
  katana-set-reg rax $k_cv_rax
  katana-set-reg rbx $k_cv_rbx
  katana-set-reg rcx $k_cv_rcx
  katana-set-reg rdx $k_cv_rdx
  katana-set-reg rsi $k_cv_rsi
  katana-set-reg rdi $k_cv_rdi
  katana-set-reg rbp $k_cv_rbp
  katana-set-reg rsp $k_cv_rsp
  katana-set-reg r8 $k_cv_r8
  katana-set-reg r9 $k_cv_r9
  katana-set-reg r10 $k_cv_r10
  katana-set-reg r11 $k_cv_r11
  katana-set-reg r12 $k_cv_r12
  katana-set-reg r13 $k_cv_r13
  katana-set-reg r14 $k_cv_r14
  katana-set-reg r15 $k_cv_r15
  katana-set-reg rip $k_cv_rip
  katana-set-reg eflags $k_cv_eflags
  katana-set-reg orig_rax $k_cv_orig_rax
  katana-restore-scheduler-locking
  set $k_stub_result = {long}($k_req + 32)
  # what the transform did (or why it failed), for the summary or report
  if $k_xplan
    katana-quiet
    eval "dump binary memory /tmp/katana-gdb-%d/xplan.out 0x%lx 0x%lx", $k_session, $k_xplan, $k_xplan + $k_xplan_size
    katana-loud
  end
  if $k_stub_ok == 0
    # a fault in the stub: drop the signal rather than let it kill the target
    queue-signal 0
    set $k_err = 8
    katana-fail
  end
end
document katana-stub-leave
Internal: take the thread back from the stub.
end

define katana-stub-run
  set $k_n = 0
  while $k_n < 8 && $k_stub_ok == 0
    continue
    if $pc == $k_stub_base + $k_stub_done_off && {unsigned long}($k_req + 48) == 1
      set $k_stub_ok = 1
    end
    if $k_stub_ok == 0 && ($_siginfo.si_signo == 11 || $_siginfo.si_signo == 7 || $_siginfo.si_signo == 4 || $_siginfo.si_signo == 8)
      set $k_n = 100
    end
    set $k_n = $k_n + 1
  end
end
document katana-stub-run
Internal: let the stub run to katana_stub_done.
end

# ------------------------------------------------------------------ undo
# Before the commit everything katana did is taken back, in reverse.
define katana-undo
  katana-back-thread
  if $k_urg
    katana-quiet
    handle SIGURG nostop noprint pass
    katana-loud
    set $k_urg = 0
  end
  if $k_wait_last >= $k_wait_first
    katana-quiet
    eval "delete %d-%d", $k_wait_first, $k_wait_last
    katana-loud
    set $k_wait_last = -1
  end
  set $k_sv_lock = $k_sv_lock0
  katana-restore-scheduler-locking
  katana-timer-disarm
  if $k_fd >= 0
    katana-syscall 3 $k_fd
    set $k_fd = -1
  end
  if $k_reg_written && $k_stub_new == 0
    katana-registry-undo
  end
  if $k_stub_new
    katana-syscall 11 $k_stub_base $k_map_size
    set $k_stub_new = 0
  end
  if $k_base
    katana-syscall 11 $k_base $k_alloc_size
    set $k_base = 0
  end
end
document katana-undo
Internal: release what a failed katana command allocated.
end

define katana-report
  set $k_rv = 0
  if $k_err == 1 || $k_err == 4 || $k_err == 7
    set $k_rv = $k_err_no
  end
  if $k_err == 6
    set $k_rv = $k_stub_result
  end
  if $k_err != 0 || $k_helper_failed == 0
    eval "shell @KATANA@ gdb-helper report %d %d %d %ld %ld", $k_session, $k_err, $k_stage, $k_rv, $k_wait_ms
    set $k_exit = $_shell_exitcode
  end
end
document katana-report
Internal: say why a katana command failed.
end

# ------------------------------------------------------------------ --step
# katana apply FILE.po --step: the stub is entered with the transform plan
# in step mode and stops (a breakpoint on kstub_xform_var) before each
# variable's transform, with its symbols and, for that variable, struct
# katana_old / katana_new loaded (the stub's `old` and `new` point to
# them); the command returns to the prompt there.  `continue` goes on to
# the next variable; at the end of the stub's run (its getpid) the apply
# finishes as without --step.  katana abort makes the stub stop after
# the variable it is in, free what it built and change nothing.
define katana-step-begin
  set {unsigned int}($k_xplan + $k_xplan_flags) = 1
  set {unsigned long}($k_xplan + $k_xplan_step + 8) = 0
  katana-stub-enter 1 $k_index
  set $k_stepping = 1
  set $k_step_file = -1
  set $k_confirm = $_gdb_setting("confirm")
  set confirm off
  if $k_stub_syms == 0
    katana-stub-symbols
    set $k_stub_syms = 1
  end
  katana-stub-source
  eval "source /tmp/katana-gdb-%d/step.gdb", $k_session
  if $k_confirm
    set confirm on
  end
  continue
end
document katana-step-begin
Internal: start the stub in step mode.
end

define katana-step-stop
  set $k_step_root = {unsigned long}($k_xplan + $k_xplan_step)
  set $k_confirm = $_gdb_setting("confirm")
  set confirm off
  katana-quiet
  if $k_step_file >= 0
    eval "thread apply %d -q -s remove-symbol-file /tmp/katana-gdb-%d/step-%d.o", $_thread, $k_session, $k_step_file
  end
  eval "thread apply %d -q -s add-symbol-file /tmp/katana-gdb-%d/step-%d.o", $_thread, $k_session, $k_step_root
  katana-loud
  set $k_step_file = $k_step_root
  if $k_confirm
    set confirm on
  end
  eval "shell @KATANA@ gdb-helper step %d %d", $k_session, $k_step_root
end
document katana-step-stop
Internal: a --step stop before a variable's transform.
end

# kstub_step_confirm, before the stub's commit: GDB is still here (the
# stub commits nothing without it).
define katana-step-go
  set {unsigned long}($k_xplan + $k_xplan_step + 16) = 1
  continue
end
document katana-step-go
Internal: --step: let the stub commit.
end

# katana_stub_done: the end of the stub's run.
define katana-step-done
  if {unsigned long}($k_req + 48) == 1
    set $k_stub_ok = 1
    katana-step-finish
  else
    continue
  end
end
document katana-step-done
Internal: the end of a --step run of the stub.
end

define katana-step-finish
  katana-quiet
  eval "delete %d", $k_step_bp
  eval "delete %d", $k_step_go
  eval "delete %d", $k_catch
  if $k_step_file >= 0
    eval "thread apply %d -q -s remove-symbol-file /tmp/katana-gdb-%d/step-%d.o", $_thread, $k_session, $k_step_file
    set $k_step_file = -1
  end
  set $k_stepping = 0
  set $k_done = 0
  eval "thread apply %d -q -s katana-step-end", $_thread
  set $k_quiet = 1
  katana-loud
  if $k_done == 0
    katana-undo
    katana-report
  end
  katana-end
end
document katana-step-finish
Internal: take the thread back after --step, commit or undo.
end

define katana-step-end
  katana-stub-leave
  katana-back-thread
  katana-apply-committed
  set $k_done = 1
end
document katana-step-end
Internal: the fallible end of a --step run.
end

define katana abort
  if $k_stepping == 0
    echo katana: abort: no katana apply --step is stopped in the stub\n
    katana-fail
  end
  set $k_sig = 0
  eval "thread apply %d -q -s set $k_sig = $_siginfo.si_signo", $_thread
  if $k_sig == 11 || $k_sig == 7 || $k_sig == 4 || $k_sig == 8
    # the stub faulted (while stepping): it cannot go on; katana-stub-leave
    # drops the signal, the apply is undone
    set $k_stub_ok = 0
    katana-step-finish
  else
    echo katana: aborting: the stub finishes this variable, frees what it built and changes nothing\n
    set {unsigned long}($k_xplan + $k_xplan_step + 8) = 1
    continue
  end
end
document katana abort
Roll back a katana apply --step stopped in the stub: katana abort
The stub stops after the variable it is in, frees the objects it built,
writes nothing, and the apply is undone: the process is as it was.
end

# ------------------------------------------------------------------ vars
# What katana vars prints: the helper's text and GDB's values of the
# variables, in their old and new types (a types file the helper wrote,
# loaded only meanwhile), logged to a file the helper then prints, so the
# standalone command shows it too.  Outside katana-op-body (logging must
# not be switched inside a `thread apply -s` body); each value is printed
# under `thread apply -s`, so an unreadable one cannot stop the rest.
define katana-vars-print
  katana-quiet
  eval "add-symbol-file /tmp/katana-gdb-%d/types.o", $k_session
  katana-loud
  eval "set logging file /tmp/katana-gdb-%d/vars.txt", $k_session
  set logging overwrite on
  set logging redirect on
  set logging enabled on
  eval "source /tmp/katana-gdb-%d/vars.gdb", $k_session
  set logging enabled off
  katana-quiet
  eval "remove-symbol-file /tmp/katana-gdb-%d/types.o", $k_session
  katana-loud
  eval "shell @KATANA@ gdb-helper cat %d vars.txt", $k_session
end
document katana-vars-print
Internal: print what katana vars found.
end

# ------------------------------------------------------------------ commands
define katana apply
  if $argc == 0
    katana-start apply
  end
  if $argc == 1
    katana-start apply $arg0
  end
  if $argc == 2
    katana-start apply $arg0 $arg1
  end
  if $argc == 3
    katana-start apply $arg0 $arg1 $arg2
  end
  if $argc > 3
    katana-start apply $arg0 $arg1 $arg2 $arg3
  end
  katana-op 1
end
document katana apply
Apply a patch to this process: katana apply FILE.po [--wait SECONDS] [--step]
Checks the build-id and the old code of every function the patch replaces,
maps the new code near the old, waits (default 5 s) until no thread runs in
a function the patch changes, and redirects every function in one step in
the process (never half-patched).  Data whose layout changed is rebuilt in
the new layout inside the process in the same step.  Any failure leaves
the process exactly as it was.  Prints one summary line.
--step: stop before each variable's transform, in katana's stub, with both
types loaded (print *old, print *new, next, step); continue goes on,
katana abort rolls back.  See also katana unsafe, katana revert, katana vars.
end

define katana unsafe
  if $argc == 0
    katana-start unsafe
  end
  if $argc == 1
    katana-start unsafe $arg0
  end
  if $argc > 1
    katana-start unsafe $arg0 $arg1
  end
  katana-op 2
end
document katana unsafe
List what stops a patch from being applied now: katana unsafe FILE.po
The unsafe functions with their addresses in this process, every thread and
frame inside one, and whether katana apply could commit right now.
end

define katana status
  if $argc == 0
    katana-start status
  end
  if $argc > 0
    katana-start status $arg0
  end
  katana-op 3
end
document katana status
List the patches applied to this process: katana status
Read from the registry katana keeps in the process, so another GDB session
(or katana status PID) sees the same.
end

define katana vars
  if $argc == 0
    katana-start vars
  end
  if $argc > 0
    katana-start vars $arg0
  end
  katana-op 5
end
document katana vars
Show the variables a patch touches: katana vars FILE.po
For each: its old and new type member by member, what the patch does to it
(transform, fixup, new, const update), and its value in this process,
printed by GDB in the right type: before the patch in the old layout, after
it the new storage in the new layout.  Changes nothing.
end

define katana revert
  if $argc == 0
    katana-start revert
  end
  if $argc == 1
    katana-start revert $arg0
  end
  if $argc == 2
    katana-start revert $arg0 $arg1
  end
  if $argc == 3
    katana-start revert $arg0 $arg1 $arg2
  end
  if $argc > 3
    katana-start revert $arg0 $arg1 $arg2 $arg3
  end
  katana-op 4
end
document katana revert
Revert the most recent patch: katana revert [FILE.po] [--wait SECONDS]
Waits for a safe point like apply, puts the original code back in one step
in the process and releases the patch's memory.  Patches are reverted most
recent first.
end

# ------------------------------------------------------------------ standalone
# Used by `katana apply ... PID` (cmd/apply.c), which runs GDB in batch mode.
define katana-mark
  katana-session
  eval "shell @KATANA@ gdb-helper mark %d $arg0", $k_session
end
document katana-mark
Internal: katana-mark NAME records a time (the standalone marks the attach).
end

# katana-exit STOP: detach (STOP 1: leave the process stopped) and quit
# GDB with the katana command's exit status.
define katana-exit
  if $_thread != 0
    if $arg0
      queue-signal SIGSTOP
    end
    detach
  end
  eval "shell rm -rf /tmp/katana-gdb-%d", $k_session
  quit $k_exit
end
document katana-exit
Internal: end a standalone katana run.
end

set $k_session = 0
set $k_quiet = 0
set $k_stepping = 0
set $k_step = 0
set $k_stub_syms = 0
set $k_exit = 0
