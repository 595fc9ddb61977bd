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
  katana-internal-error-stop
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
  set $orig_rax = -1
  set $rax = $k_sc_nr
  set $rdi = $k_sc_a0
  set $rsi = $k_sc_a1
  set $rdx = $k_sc_a2
  set $r10 = $k_sc_a3
  set $r8 = $k_sc_a4
  set $r9 = $k_sc_a5
  set $rip = $k_sc_insn
  set scheduler-locking on
  set $k_sc_ok = 0
  eval "thread apply %d -q -s katana-syscall-step", $_thread
  set logging enabled off
  set $k_sc_ret = (long)$rax
  set $rax = $k_sv_rax
  set $rdi = $k_sv_rdi
  set $rsi = $k_sv_rsi
  set $rdx = $k_sv_rdx
  set $r10 = $k_sv_r10
  set $r8 = $k_sv_r8
  set $r9 = $k_sv_r9
  set $rcx = $k_sv_rcx
  set $r11 = $k_sv_r11
  set $rip = $k_sv_rip
  set $eflags = $k_sv_eflags
  set $orig_rax = $k_sv_orig_rax
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
define katana-syscall-step
  # stepi would print the source line it stops at: send that nowhere
  set logging file /dev/null
  set logging redirect on
  set logging enabled on
  stepi
  set logging enabled off
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
  set logging file /dev/null
  set logging redirect on
  set logging enabled on
  # find sets $_ only on a match
  set $_ = 0
  find /b (char *)&syscall, +256, (char)0x0f, (char)0x05
  set logging enabled off
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
