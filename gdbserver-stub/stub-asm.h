/* stub-asm.h - what assembly needs from stub.h (which is C only): offsets
 * into struct kstub_request, for the stub's entry
 * (entry.S) and the unit test's trampoline.  stub.c checks every one
 * against stub.h, so a layout change breaks the build, not the resume. */
#ifndef KATANA_STUB_ASM_H
#define KATANA_STUB_ASM_H

#define KSTUB_REQ_OP 0
#define KSTUB_REQ_RESUME_RIP 24
#define KSTUB_REQ_RESULT 32
#define KSTUB_REQ_DONE 48
#define KSTUB_REQ_RESUME_RSP 56
#define KSTUB_REQ_RESUME_RDI 64
#define KSTUB_REQ_RESUME_ORIG_RAX 72
#define KSTUB_REQ_NEED_TRACER 88	/* katana.gdb writes it */

#endif
