/* stub.h - the in-target stub's data: registry of applied patches and the
 * request GDB hands it.  Shared by the freestanding stub (gdbserver-stub/)
 * and the host planner (gdb-ext/), which writes requests and reads the
 * registry through GDB.  Layout is fixed: little-endian x86-64, no
 * pointers (addresses are uint64_t), sizes asserted below.
 *
 * Memory layout of the stub mapping (one memfd mapping named "katana",
 * KSTUB_MAP_SIZE bytes; /proc/PID/maps shows "/memfd:katana (deleted)"):
 *   [0, KSTUB_CODE_SIZE)              the stub's code (katana-stub.bin), R+X
 *   [KSTUB_REG_OFF, +registry)        struct kstub_registry, RW
 *   [KSTUB_REQ_OFF, +request)         struct kstub_request GDB fills
 *   [KSTUB_SCRATCH_OFF, +0x100)       scratch for injected system calls'
 *                                     arguments (timer, memfd name)
 *   [KSTUB_HEAP_OFF, KSTUB_MAP_SIZE)  the patches' site, region and name
 *                                     tables, allocated upwards (heap_used)
 * See doc/apply-design.md.
 */
#ifndef KATANA_STUB_H
#define KATANA_STUB_H

#include <stdint.h>

#define KSTUB_MAGIC 0x5247414e4154414bULL	/* "KATANARG" little-endian */
#define KSTUB_VERSION 2			/* 2: the code area grew for data transforms */
#define KSTUB_CODE_SIZE 0x4000		/* code area, page aligned */
#define KSTUB_MAX_PATCHES 64
#define KSTUB_MAP_SIZE 0x40000		/* the whole stub mapping */
#define KSTUB_REG_OFF KSTUB_CODE_SIZE
#define KSTUB_REQ_OFF (KSTUB_CODE_SIZE + 0x2000)
#define KSTUB_SCRATCH_OFF (KSTUB_REQ_OFF + 0x100)
#define KSTUB_HEAP_OFF (KSTUB_CODE_SIZE + 0x3000)
#define KSTUB_JUMP_MAX 16		/* bytes of a site's jump (5 or 14 used) */
#define KSTUB_SITE_PROT 5		/* PROT_READ|PROT_EXEC: what the stub leaves
					 * a site's page(s) with after writing */
#define KSTUB_NO_SITE (~0ULL)		/* failed_site when no site failed */

enum kstub_op {
	KSTUB_OP_COMMIT = 1,	/* write every site's jump of patch[index] */
	KSTUB_OP_REVERT = 2,	/* write every site's original bytes back */
};

enum kstub_state {
	KSTUB_FREE = 0,
	KSTUB_STAGED = 1,	/* code written and checked, not redirected */
	KSTUB_APPLIED = 2,
	KSTUB_REVERTED = 3,
	KSTUB_CANCELLED = 4,	/* staged, never committed (GDB went away, or
				 * --step quit); a later apply released its
				 * memory.  Only hosts write it. */
};

/* One function entry redirected by a patch. */
struct kstub_site {
	uint64_t addr;			/* old function's entry in the target */
	uint32_t len;			/* bytes replaced: 5 (jmp rel32) or 14 */
	uint32_t name_off;		/* the function's name (NUL-terminated) at
					 * this many bytes from the start of the
					 * site table; 0: none.  Not used by the
					 * stub, read by `katana status` */
	uint8_t orig[KSTUB_JUMP_MAX];	/* what was there (checked before writing) */
	uint8_t jump[KSTUB_JUMP_MAX];	/* what goes there */
	uint64_t new_addr;		/* where the jump goes (for status) */
};

/* Memory a patch uses in the target. */
struct kstub_region {
	uint64_t addr, size;
	uint32_t prot;			/* PROT_* it ends with */
	uint32_t kind;			/* 1 text, 2 rodata, 3 data, 4 got/veneers,
					 * 5 the transform plan (struct kstub_xplan) */
};

struct kstub_patch {
	uint32_t state;			/* enum kstub_state */
	uint32_t nsites;
	uint32_t nregions;
	uint32_t seq;			/* order of application, 1-based */
	uint64_t sites;			/* address of struct kstub_site[nsites] */
	uint64_t regions;		/* address of struct kstub_region[nregions] */
	char name[64];			/* PO file name (NUL-terminated) */
	uint8_t po_hash[8];		/* po_checksum of the PO file, identity */
	uint64_t applied_ns;		/* CLOCK_REALTIME at commit, from the stub */
};

struct kstub_registry {
	uint64_t magic;			/* KSTUB_MAGIC */
	uint32_t version;		/* KSTUB_VERSION */
	uint32_t npatches;		/* entries used in patches[] */
	uint64_t size;			/* bytes of the whole stub mapping */
	uint64_t heap_used;		/* bytes used from KSTUB_HEAP_OFF (tables) */
	struct kstub_patch patches[KSTUB_MAX_PATCHES];
};

/* What GDB hands the stub in rdi. */
struct kstub_request {
	uint64_t op;			/* enum kstub_op */
	uint64_t index;			/* patch index in the registry */
	uint64_t registry;		/* address of struct kstub_registry */
	uint64_t resume_rip;		/* where the thread continues afterwards */
	int64_t result;			/* 0, or -errno from the stub */
	uint64_t failed_site;		/* site index that failed, if any */
	uint64_t done;			/* set to 1 by the stub when finished */
	/* Added after the first layout (only at the end): the thread's rsp,
	 * rdi and orig_rax from before GDB pointed rsp and rdi at the stub's
	 * stack and this request and set orig_rax = -1.  If GDB dies while
	 * the stub runs, the stub resumes the thread at resume_rip with these
	 * and, if the thread was interrupted in a system call (orig_rax >= 0,
	 * rax = -ERESTART*), restarts that call as the kernel would have.
	 * resume_rsp == 0: resume with the rsp and rdi the stub was entered
	 * with, no restart. */
	uint64_t resume_rsp;
	uint64_t resume_rdi;
	int64_t resume_orig_rax;	/* -1: not in a system call */
	/* Added for data transforms: the patch's transform plan (struct
	 * kstub_xplan, in its kind-5 region), 0 if it transforms no data.
	 * Commit runs it forward before the sites are switched, revert
	 * backward. */
	uint64_t xplan;
	/* GDB sets 1: write nothing live unless the thread is still traced
	 * (GDB killed while the stub ran: the other threads run again, a
	 * commit then would race them; the stub gives up instead).  0 (the
	 * unit tests, which run the stub untraced): no such check. */
	uint64_t need_tracer;
};

/* ------------------------------------------------------------ transforms
 * The transform plan: the PO's type programs (po/po_xop.h) with every
 * address resolved for this process, written by the planner into the
 * patch's kind-5 region (read-write: the stub records its results there).
 * doc/apply-design.md, "Data transforms". */
#define KSTUB_XPLAN_MAGIC 0x4e414c504d524658ULL	/* "XFRMPLAN" */

enum {
	KX_INPLACE = 1,		/* = PO_XT_INPLACE: fixed where it is */
	KX_HEAP = 2,		/* = PO_XT_HEAP: found through pointers */
};

struct kstub_xtype {
	uint64_t fwd, back;		/* addresses of the programs; back 0: none */
	uint32_t fwd_len, back_len;
	uint64_t old_size, new_size;
	uint32_t flags;			/* KX_* */
	uint32_t name;			/* offset of its name in the plan's names */
};

enum {
	KX_ROOT_FIXUP = 1,		/* pointers fixed in place (no new storage) */
};

struct kstub_xroot {			/* a variable the patch transforms */
	uint64_t old_addr;		/* its storage in the program */
	uint64_t new_addr;		/* its new storage in the patch (= old for a fixup) */
	uint32_t type;			/* kstub_xtype index */
	uint32_t flags;			/* KX_ROOT_* */
	uint32_t name;			/* offset of its name in the plan's names */
	uint32_t prot;			/* fixup outside writable memory: the PROT_* of its
					 * page(s), restored after the write; 0: writable */
};

struct kstub_xptr {			/* a static pointer the link set to a variable */
	uint64_t site;			/* address of the 8-byte pointer */
	uint64_t value;			/* re-pointed only if it still holds this */
	uint32_t root;			/* the transformed variable it points into */
	uint32_t prot;			/* as kstub_xroot.prot */
};

/* fail_code: why a transform failed (nothing was changed) */
enum {
	KX_EFIT = 1,			/* a value does not fit its new field */
	KX_EENUM = 2,			/* an enum value has no counterpart */
	KX_ENOMEM = 3,			/* the program's allocator or mmap failed */
	KX_ETYPE = 4,			/* an object reached as two different types */
	KX_EPTR = 5,			/* a pointer into a part of a variable that goes */
	KX_EABORT = 6,			/* katana abort at a --step stop */
	KX_EPLAN = 7,			/* the plan is malformed */
	KX_EBACK = 8,			/* revert: a type has no backward program */
	KX_EGONE = 9,			/* --step: GDB went away before the commit */
};

enum {
	KX_STEP = 1,			/* stop (kstub_xform_var) before each variable */
};

struct kstub_xplan {
	uint64_t magic;			/* KSTUB_XPLAN_MAGIC */
	uint32_t ntypes, nroots, nptrs, flags;	/* flags: KX_STEP */
	uint64_t types, roots, ptrs;	/* addresses of the tables */
	uint64_t names, names_len;	/* NUL-terminated names */
	uint64_t malloc_fn, free_fn;	/* the program's allocator, 0 if none needed */
	/* written by the stub: what the last run did */
	uint64_t objects;		/* heap objects built */
	uint64_t bytes;			/* bytes allocated for them */
	uint64_t writes;		/* pointers re-pointed in place */
	uint64_t ns;			/* time the transform took in the process */
	int64_t fail_code;		/* KX_E*, 0 */
	uint64_t fail_addr;		/* the object being transformed */
	uint64_t fail_value;		/* the value that failed (pointer, integer) */
	uint32_t fail_root;		/* the variable it was reached from */
	uint32_t fail_type;		/* the type being transformed */
	uint64_t fail_off;		/* offset of the failing field in the object */
	/* --step: GDB reads which variable is next; sets abort to roll back;
	 * sets go at its breakpoint on kstub_step_confirm, before the commit
	 * (a stub left alone, GDB gone while other threads run again, commits
	 * nothing) */
	uint64_t step_root;
	uint64_t abort;
	uint64_t go;
};

_Static_assert(sizeof(struct kstub_site) == 56, "kstub_site layout");
_Static_assert(sizeof(struct kstub_region) == 24, "kstub_region layout");
_Static_assert(sizeof(struct kstub_patch) == 112, "kstub_patch layout");
_Static_assert(sizeof(struct kstub_request) == 96, "kstub_request layout");
_Static_assert(sizeof(struct kstub_request) <= 0x100, "kstub_request fits its area");
_Static_assert(sizeof(struct kstub_xtype) == 48, "kstub_xtype layout");
_Static_assert(sizeof(struct kstub_xroot) == 32, "kstub_xroot layout");
_Static_assert(sizeof(struct kstub_xptr) == 24, "kstub_xptr layout");
#define KSTUB_XPLAN_SIZE 176		/* sizeof(struct kstub_xplan), for GDB's dump */
#define KSTUB_REQ_XPLAN_OFF 80		/* offsetof(struct kstub_request, xplan) */
#define KSTUB_XPLAN_FLAGS_OFF 20	/* for GDB (--step): offsetof(.., flags) */
#define KSTUB_XPLAN_STEP_OFF 152	/* step_root; abort and go follow */
_Static_assert(sizeof(struct kstub_xplan) == KSTUB_XPLAN_SIZE, "kstub_xplan layout");
_Static_assert(__builtin_offsetof(struct kstub_request, xplan) == KSTUB_REQ_XPLAN_OFF,
	       "kstub_request layout");
_Static_assert(__builtin_offsetof(struct kstub_xplan, flags) == KSTUB_XPLAN_FLAGS_OFF &&
	       __builtin_offsetof(struct kstub_xplan, step_root) == KSTUB_XPLAN_STEP_OFF &&
	       __builtin_offsetof(struct kstub_xplan, abort) == KSTUB_XPLAN_STEP_OFF + 8 &&
	       __builtin_offsetof(struct kstub_xplan, go) == KSTUB_XPLAN_STEP_OFF + 16,
	       "kstub_xplan layout (katana.gdb)");
_Static_assert(KSTUB_REG_OFF + sizeof(struct kstub_registry) <= KSTUB_REQ_OFF,
	       "registry fits before the request");

#endif
