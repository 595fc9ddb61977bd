/* entry.S - how a thread enters and leaves the in-target stub.
 *
 * GDB enters the stub without an inferior call (doc/apply-design.md, "The
 * commit step and what happens if GDB dies"): it saves the thread's
 * registers, writes a struct kstub_request (resume_rip, resume_rsp,
 * resume_rdi, resume_orig_rax = the thread's rip, rsp, rdi and orig_rax),
 * sets rdi = &request, rsp = a
 * 16-byte aligned stack below the thread's red zone, orig_rax = -1, rip =
 * katana_stub_entry, puts a breakpoint on katana_stub_done and continues.
 *
 * katana_stub_entry is the first thing in the image (offset 0; stub.ld
 * asserts it).  It saves rflags and all 15 general registers on the stack
 * GDB gave it, clears DF (the ABI wants it clear in C), aligns the stack,
 * calls kstub_run(request), which returns whether the thread is traced.
 *
 * Traced (GDB alive): the thread goes to katana_stub_done, where GDB's
 * breakpoint stops it; GDB reads request->result and restores every
 * register from its own copy.  Nothing after the label runs.
 *
 * Not traced (GDB died while the stub ran; ptrace let go of the thread):
 * it jumps over katana_stub_done (whose int3 a killed GDB may have left
 * behind: the stub's code is a private mapping, GDB's breakpoints are
 * real writes) and must continue exactly where GDB took it,
 * with every register as it was, without a single register to spare for
 * the jump.  The trick used is IRETQ: at CPL 3 in 64-bit mode it is legal
 * and pops rip, cs, rflags, rsp and ss from the stack in one instruction.
 * The entry reserved room for that 5-word frame above the saved registers;
 * the exit fills it in (rip = request->resume_rip, cs/ss = the current
 * selectors, rflags = the ones saved at entry, rsp = request->resume_rsp),
 * overwrites the saved rdi slot with request->resume_rdi, pops every
 * general register and executes iretq.  Why this and not a jump:
 *   - no register is needed to hold the target (jmp *reg is out);
 *   - nothing is written to the thread's own stack (pushing resume_rip
 *     under its red zone and "ret $imm" would work too, but needs the stub
 *     stack to stay clear of that slot and depends on where GDB put it);
 *   - a signal delivered at any point of the exit sequence (GDB is gone,
 *     signals are live) only writes below rsp-128, and everything the exit
 *     still reads is at or above rsp; "jmp *-136(%rsp)" after restoring
 *     rsp would read a slot a signal frame may just have overwritten;
 *   - rflags, rsp and rip change atomically.
 * Why a software breakpoint: hardware ones do not fire on the project's
 * (virtualised) machines, and a `catch syscall` on a call made at the end
 * makes GDB stop the thread at every system call of the stub (the
 * program's malloc growing its heap during a data transform: thousands).
 * The window left is GDB dying between kstub_run's check and the
 * breakpoint, a few instructions.
 *
 * With request->resume_rsp == 0 (a planner that does not fill the two
 * late fields in) the thread resumes with rsp and rdi as they were at
 * katana_stub_entry.
 *
 * orig_rax cannot be set from user space.  GDB sets it to -1 (so the
 * kernel does not restart a system call into the stub), which leaves a
 * thread that was blocked in a system call with rax = -ERESTARTSYS (or
 * another internal restart code) and no restart.  So with resume_rsp set
 * the exit does the restart itself: if request->resume_orig_rax >= 0 and
 * the saved rax is one of those codes, rax = resume_orig_rax (or
 * restart_syscall for -ERESTART_RESTARTBLOCK) and rip = resume_rip - 2,
 * the syscall instruction: the call runs again with its restored
 * arguments, as it would have after any ptrace stop.
 *
 * Limits: under a CET user shadow stack (Linux >=
 * 6.6 with a glibc that opts in; not Debian 12's glibc 2.36) a return
 * without a matching call is not guaranteed to be accepted.
 *
 * Frame, from the final rsp F (= S - 176, S = rsp at entry):
 *   F+0 .. F+112   r15 r14 r13 r12 r11 r10 r9 r8 rbp rdi rsi rdx rcx rbx rax
 *   F+120          rflags at entry
 *   F+128 .. F+160 iretq frame: rip cs rflags rsp ss
 *   F+168          padding (keeps F 16-byte aligned when S is)
 */
#include "stub-asm.h"

#define F_R15 0
#define F_RBX 104
#define F_RAX 112
#define F_RDI 72
#define F_FLAGS 120
#define F_IRET_RIP 128
#define F_IRET_CS 136
#define F_IRET_RFLAGS 144
#define F_IRET_RSP 152
#define F_IRET_SS 160
#define F_SIZE 176

/* Linux's internal restart codes (include/linux/errno.h), seen in rax by
 * a tracer that stopped a thread inside a system call. */
#define ERESTARTSYS 512
#define ERESTARTNOINTR 513
#define ERESTARTNOHAND 514
#define ERESTART_RESTARTBLOCK 516
#define NR_restart_syscall 219

	.cfi_sections .debug_frame	/* .eh_frame is not in the image */
	.section .text.entry, "ax", @progbits
	.globl katana_stub_entry
	.type katana_stub_entry, @function
	.globl katana_stub_done
	.globl katana_stub_resume
	.hidden kstub_run

katana_stub_entry:
	.cfi_startproc
	.cfi_def_cfa rsp, 0		/* CFA = rsp at entry; no caller frame */
	.cfi_undefined rip
	/* lea, not sub: the flags are not saved yet. */
	lea	-(F_SIZE - F_FLAGS - 8)(%rsp), %rsp
	.cfi_adjust_cfa_offset F_SIZE - F_FLAGS - 8
	pushfq
	.cfi_adjust_cfa_offset 8
	push	%rax
	.cfi_adjust_cfa_offset 8
	push	%rbx
	.cfi_adjust_cfa_offset 8
	push	%rcx
	.cfi_adjust_cfa_offset 8
	push	%rdx
	.cfi_adjust_cfa_offset 8
	push	%rsi
	.cfi_adjust_cfa_offset 8
	push	%rdi
	.cfi_adjust_cfa_offset 8
	push	%rbp
	.cfi_adjust_cfa_offset 8
	push	%r8
	.cfi_adjust_cfa_offset 8
	push	%r9
	.cfi_adjust_cfa_offset 8
	push	%r10
	.cfi_adjust_cfa_offset 8
	push	%r11
	.cfi_adjust_cfa_offset 8
	push	%r12
	.cfi_adjust_cfa_offset 8
	push	%r13
	.cfi_adjust_cfa_offset 8
	push	%r14
	.cfi_adjust_cfa_offset 8
	push	%r15
	.cfi_adjust_cfa_offset 8
	cld
	mov	%rsp, %rbx		/* F; kstub_run preserves rbx */
	.cfi_def_cfa rbx, F_SIZE
	and	$-16, %rsp		/* in case GDB's rsp was not aligned */
	call	kstub_run		/* rdi: the request, as GDB set it */
	mov	%rbx, %rsp
	.cfi_def_cfa rsp, F_SIZE
	test	%eax, %eax		/* traced? */
	jz	katana_stub_resume

katana_stub_done:
	/* GDB's breakpoint: reached only while the thread is traced. */
	nop
katana_stub_resume:
	/* Resume the thread where GDB took it (see the top of this file). */
	mov	F_RDI(%rsp), %rdi			/* the request */
	mov	KSTUB_REQ_RESUME_RIP(%rdi), %rax
	mov	%rax, F_IRET_RIP(%rsp)
	mov	%cs, %eax				/* zero-extends */
	mov	%rax, F_IRET_CS(%rsp)
	mov	F_FLAGS(%rsp), %rax
	mov	%rax, F_IRET_RFLAGS(%rsp)
	mov	%ss, %eax
	mov	%rax, F_IRET_SS(%rsp)
	lea	F_SIZE(%rsp), %rax			/* rsp at entry */
	mov	KSTUB_REQ_RESUME_RSP(%rdi), %rcx
	test	%rcx, %rcx
	jz	1f
	mov	%rcx, %rax				/* the thread's own rsp */
	mov	KSTUB_REQ_RESUME_RDI(%rdi), %rcx
	mov	%rcx, F_RDI(%rsp)			/* and its own rdi */
	/* Interrupted in a system call: restart it, as the kernel would
	 * have if GDB had not set orig_rax = -1 (rax = the call again, or
	 * restart_syscall for -ERESTART_RESTARTBLOCK; rip back over the
	 * 2-byte syscall instruction). */
	mov	KSTUB_REQ_RESUME_ORIG_RAX(%rdi), %rdx
	test	%rdx, %rdx
	js	1f
	mov	F_RAX(%rsp), %rcx
	cmp	$-ERESTARTSYS, %rcx
	je	2f
	cmp	$-ERESTARTNOINTR, %rcx
	je	2f
	cmp	$-ERESTARTNOHAND, %rcx
	je	2f
	cmp	$-ERESTART_RESTARTBLOCK, %rcx
	jne	1f
	mov	$NR_restart_syscall, %edx
2:	mov	%rdx, F_RAX(%rsp)
	subq	$2, F_IRET_RIP(%rsp)
1:	mov	%rax, F_IRET_RSP(%rsp)
	pop	%r15
	.cfi_adjust_cfa_offset -8
	pop	%r14
	.cfi_adjust_cfa_offset -8
	pop	%r13
	.cfi_adjust_cfa_offset -8
	pop	%r12
	.cfi_adjust_cfa_offset -8
	pop	%r11
	.cfi_adjust_cfa_offset -8
	pop	%r10
	.cfi_adjust_cfa_offset -8
	pop	%r9
	.cfi_adjust_cfa_offset -8
	pop	%r8
	.cfi_adjust_cfa_offset -8
	pop	%rbp
	.cfi_adjust_cfa_offset -8
	pop	%rdi
	.cfi_adjust_cfa_offset -8
	pop	%rsi
	.cfi_adjust_cfa_offset -8
	pop	%rdx
	.cfi_adjust_cfa_offset -8
	pop	%rcx
	.cfi_adjust_cfa_offset -8
	pop	%rbx
	.cfi_adjust_cfa_offset -8
	pop	%rax
	.cfi_adjust_cfa_offset -8
	lea	8(%rsp), %rsp			/* past the saved rflags */
	.cfi_adjust_cfa_offset -8
	iretq					/* rip, cs, rflags, rsp, ss */
	.cfi_endproc
	.size katana_stub_entry, . - katana_stub_entry

	.section .note.GNU-stack, "", @progbits
