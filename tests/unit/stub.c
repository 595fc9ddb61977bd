/* stub.c - unit test of the in-target stub (gdbserver-stub/), the real
 * built image, in this process.
 *
 * katana-stub.bin is copied into an anonymous mapping laid out like the
 * target's stub mapping: the image in [0, KSTUB_CODE_SIZE) made R+X, the
 * registry after it and the site tables after the registry, RW.  The patches
 * redirect this test's own functions (old_fn -> new_fn, in this binary's
 * R+X text).  The stub is entered the way GDB enters it: no C call, an
 * assembly trampoline sets every general register and the flags to known
 * values, rdi = the request, rsp = a separate stack, and jumps to
 * katana_stub_entry.  No debugger is attached, so the thread runs past
 * katana_stub_done and the stub itself must bring it back to resume_rip
 * with every register intact.  Prints TAP.
 *
 * The image is found as $KATANA_STUB_DIR/katana-stub.bin, else
 * $KATANA_TOP/build/share/katana/, else ../../share/katana/ from this
 * executable (build/tests/unit/stub). */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "stub.h"
#include "stub-asm.h"
#include "tap.h"

/* ------------------------------------------------------------ victims */
__attribute__((noipa, noinline, aligned(16))) int old_fn(void)
{
	return 1;
}

__attribute__((noipa, noinline, aligned(16))) int new_fn(void)
{
	return 2;
}

__attribute__((noipa, noinline, aligned(16))) int old_fn2(void)
{
	return 3;
}

/* Room for a 14-byte absolute jump inside the function. */
int kt_old_abs(void);
__asm__(".text\n"
	".p2align 4\n"
	".globl kt_old_abs\n"
	".hidden kt_old_abs\n"
	".type kt_old_abs, @function\n"
	"kt_old_abs:\n"
	"	mov $5, %eax\n"
	"	ret\n"
	"	.fill 10, 1, 0xcc\n"
	".size kt_old_abs, . - kt_old_abs\n");

/* ------------------------------------------------------------ trampoline */
/* Indexes into kt_after[]. */
enum { R_RAX, R_RBX, R_RCX, R_RDX, R_RSI, R_RDI, R_RBP, R_R8, R_R9, R_R10,
       R_R11, R_R12, R_R13, R_R14, R_R15, R_RSP, R_FLAGS, R_N };
static const char *const reg_name[R_N] = {
	"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8", "r9", "r10",
	"r11", "r12", "r13", "r14", "r15", "rsp", "rflags",
};

#define V_RAX 0xa0a1a2a3a4a5a600
#define V_RBX 0xb0b1b2b3b4b5b601
#define V_RCX 0xc0c1c2c3c4c5c602
#define V_RDX 0xd0d1d2d3d4d5d603
#define V_RSI 0x5051525354555604
#define V_RDI 0x7071727374757605	/* the thread's rdi before "GDB" set it */
#define V_RBP 0x0b0b1b2b3b4b5b06
#define V_R8 0x0808080808080807
#define V_R9 0x0909090909090908
#define V_R10 0x1010101010101009
#define V_R11 0x111111111111110a
#define V_R12 0x121212121212120b
#define V_R13 0x131313131313130c
#define V_R14 0x141414141414140d
#define V_R15 0x151515151515150e
static const uint64_t reg_value[R_N - 2] = {
	V_RAX, V_RBX, V_RCX, V_RDX, V_RSI, V_RDI, V_RBP, V_R8, V_R9, V_R10,
	V_R11, V_R12, V_R13, V_R14, V_R15,
};

/* Shared with the assembly below (hidden: plain rip-relative access). */
#define KT_HIDDEN __attribute__((visibility("hidden"), used))
KT_HIDDEN uint64_t kt_after[R_N];	/* registers at resume_rip */
KT_HIDDEN uint64_t kt_flags_before;	/* rflags when jumping to the stub */
KT_HIDDEN uint64_t kt_saved_rsp;	/* the trampoline's rsp at the jump */
KT_HIDDEN uint64_t kt_entry, kt_stack, kt_req;
KT_HIDDEN uint64_t kt_rax_value = V_RAX;	/* rax when jumping to the stub */

/* kt_call_stub(req, stack_top, entry, set_resume_regs): do what GDB does.
 * Writes req->resume_rip (and with set_resume_regs req->resume_rsp/rdi),
 * loads every register with V_* (rax: kt_rax_value), sets CF and DF, then
 * rdi = req, rsp = stack_top, jumps to entry.  The resume label follows a
 * syscall instruction, to be restarted like an interrupted system call.  At the resume label it stores all registers
 * and the flags into kt_after[] and returns normally. */
void kt_call_stub(struct kstub_request *req, void *stack_top, void *entry, long set_resume_regs);

#define S_(x) #x
#define S(x) S_(x)
__asm__(".text\n"
	".p2align 4\n"
	".globl kt_call_stub\n"
	".hidden kt_call_stub\n"
	".type kt_call_stub, @function\n"
	"kt_call_stub:\n"
	"	push %rbx\n"
	"	push %rbp\n"
	"	push %r12\n"
	"	push %r13\n"
	"	push %r14\n"
	"	push %r15\n"
	"	mov %rsp, kt_saved_rsp(%rip)\n"
	"	mov %rdx, kt_entry(%rip)\n"
	"	mov %rsi, kt_stack(%rip)\n"
	"	mov %rdi, kt_req(%rip)\n"
	"	lea 1f(%rip), %rax\n"
	"	mov %rax, " S(KSTUB_REQ_RESUME_RIP) "(%rdi)\n"
	"	test %rcx, %rcx\n"
	"	jz 2f\n"
	"	mov %rsp, " S(KSTUB_REQ_RESUME_RSP) "(%rdi)\n"
	"	movabs $" S(V_RDI) ", %rax\n"
	"	mov %rax, " S(KSTUB_REQ_RESUME_RDI) "(%rdi)\n"
	"2:	stc\n"
	"	std\n"
	"	mov kt_rax_value(%rip), %rax\n"
	"	movabs $" S(V_RBX) ", %rbx\n"
	"	movabs $" S(V_RCX) ", %rcx\n"
	"	movabs $" S(V_RDX) ", %rdx\n"
	"	movabs $" S(V_RSI) ", %rsi\n"
	"	movabs $" S(V_RBP) ", %rbp\n"
	"	movabs $" S(V_R8) ", %r8\n"
	"	movabs $" S(V_R9) ", %r9\n"
	"	movabs $" S(V_R10) ", %r10\n"
	"	movabs $" S(V_R11) ", %r11\n"
	"	movabs $" S(V_R12) ", %r12\n"
	"	movabs $" S(V_R13) ", %r13\n"
	"	movabs $" S(V_R14) ", %r14\n"
	"	movabs $" S(V_R15) ", %r15\n"
	"	pushfq\n"
	"	popq kt_flags_before(%rip)\n"
	"	mov kt_req(%rip), %rdi\n"	/* what GDB sets: rdi, rsp, rip */
	"	mov kt_stack(%rip), %rsp\n"
	"	jmp *kt_entry(%rip)\n"
	"0:	syscall\n"			/* the "interrupted" call: resume_rip - 2 */
	"1:	mov %rax, kt_after+0(%rip)\n"
	"	mov %rbx, kt_after+8(%rip)\n"
	"	mov %rcx, kt_after+16(%rip)\n"
	"	mov %rdx, kt_after+24(%rip)\n"
	"	mov %rsi, kt_after+32(%rip)\n"
	"	mov %rdi, kt_after+40(%rip)\n"
	"	mov %rbp, kt_after+48(%rip)\n"
	"	mov %r8, kt_after+56(%rip)\n"
	"	mov %r9, kt_after+64(%rip)\n"
	"	mov %r10, kt_after+72(%rip)\n"
	"	mov %r11, kt_after+80(%rip)\n"
	"	mov %r12, kt_after+88(%rip)\n"
	"	mov %r13, kt_after+96(%rip)\n"
	"	mov %r14, kt_after+104(%rip)\n"
	"	mov %r15, kt_after+112(%rip)\n"
	"	mov %rsp, kt_after+120(%rip)\n"
	"	pushfq\n"
	"	popq kt_after+128(%rip)\n"
	"	cld\n"
	"	mov kt_saved_rsp(%rip), %rsp\n"
	"	pop %r15\n"
	"	pop %r14\n"
	"	pop %r13\n"
	"	pop %r12\n"
	"	pop %rbp\n"
	"	pop %rbx\n"
	"	ret\n"
	".size kt_call_stub, . - kt_call_stub\n");

/* ------------------------------------------------------------ the stub */
#define STACK_SIZE 65536
static uint8_t stub_stack[STACK_SIZE] __attribute__((aligned(64)));
static uint8_t *stub;			/* the mapping: image, registry, tables */
static size_t stub_size;
static struct kstub_registry *reg;
static struct kstub_site *heap;		/* site tables, after the registry */
static size_t max_stack_used;

/* Enter the stub like GDB; check what the thread comes back with.
 * set_resume_regs: fill resume_rsp/rdi (the planner's way) or leave them 0
 * (the stub must then restore rsp and rdi as they were at its entry). */
static int restart_nr;	/* nonzero: the thread "was in" this system call */

static int call_stub(struct kstub_request *req, int set_resume_regs, char *why, size_t whysz)
{
	uint8_t *top = stub_stack + STACK_SIZE;
	int good = 1;
	size_t used;

	memset(stub_stack, 0xa5, STACK_SIZE);
	req->done = 0;
	req->resume_rsp = 0;
	req->resume_rdi = 0;
	if (!restart_nr)
		req->resume_orig_rax = -1;
	kt_call_stub(req, top, stub, set_resume_regs);

	for (used = 0; used < STACK_SIZE && stub_stack[used] == 0xa5; used++)
		;
	used = STACK_SIZE - used;
	if (used > max_stack_used)
		max_stack_used = used;

	why[0] = 0;
	for (int r = 0; r < R_R15 + 1; r++) {
		uint64_t want = reg_value[r];

		if (r == R_RDI && !set_resume_regs)
			want = (uint64_t)(uintptr_t)req;
		if (restart_nr && (r == R_RCX || r == R_R11))
			continue;	/* the restarted syscall clobbers them */
		if (restart_nr && r == R_RAX)
			want = (uint64_t)getpid();
		if (kt_after[r] != want) {
			size_t n = strlen(why);

			snprintf(why + n, whysz - n, " %s=%#lx(want %#lx)", reg_name[r],
				 (unsigned long)kt_after[r], (unsigned long)want);
			good = 0;
		}
	}
	uint64_t want_rsp = set_resume_regs ? kt_saved_rsp : (uint64_t)(uintptr_t)top;
	if (kt_after[R_RSP] != want_rsp) {
		size_t n = strlen(why);

		snprintf(why + n, whysz - n, " rsp=%#lx(want %#lx)",
			 (unsigned long)kt_after[R_RSP], (unsigned long)want_rsp);
		good = 0;
	}
	if ((kt_after[R_FLAGS] != kt_flags_before && !restart_nr) || !(kt_flags_before & 0x401)) {
		size_t n = strlen(why);

		snprintf(why + n, whysz - n, " rflags=%#lx(want %#lx, CF and DF set)",
			 (unsigned long)kt_after[R_FLAGS], (unsigned long)kt_flags_before);
		good = 0;
	}
	return good;
}

/* A request through the stub, the registers checked as part of it. */
static long run(uint64_t op, uint64_t index, struct kstub_registry *r, uint64_t *failed)
{
	struct kstub_request req;
	char why[1024];

	memset(&req, 0x77, sizeof req);
	req.xplan = 0;
	req.need_tracer = 0;	/* run untraced: no tracer check */
	req.op = op;
	req.index = index;
	req.registry = (uint64_t)(uintptr_t)r;
	if (!call_stub(&req, 1, why, sizeof why))
		ok(0, "registers survive op %lu index %lu:%s", (unsigned long)op,
		   (unsigned long)index, why);
	if (req.done != 1)
		ok(0, "request done (%lu)", (unsigned long)req.done);
	if (failed)
		*failed = req.failed_site;
	return req.result;
}

/* ------------------------------------------------------------ helpers */
static void *load_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	void *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n > 0 ? (size_t)n : 1);
	if (!buf || n <= 0 || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	*size = (size_t)n;
	return buf;
}

static char stub_dir[4200];

static void find_stub_dir(void)
{
	const char *d = getenv("KATANA_STUB_DIR");
	const char *top = getenv("KATANA_TOP");
	char exe[4096];
	ssize_t n;

	if (d && *d) {
		snprintf(stub_dir, sizeof stub_dir, "%s", d);
	} else if (top && *top) {
		snprintf(stub_dir, sizeof stub_dir, "%s/build/share/katana", top);
	} else if ((n = readlink("/proc/self/exe", exe, sizeof exe - 1)) > 0) {
		exe[n] = 0;
		*strrchr(exe, '/') = 0;
		snprintf(stub_dir, sizeof stub_dir, "%s/../../share/katana", exe);
	}
}

/* Value of SYMBOL in the ELF's .symtab, or -1. */
static long elf_sym(const uint8_t *elf, size_t size, const char *symbol)
{
	const Elf64_Ehdr *eh = (const void *)elf;

	if (size < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) > size)
		return -1;
	const Elf64_Shdr *sh = (const void *)(elf + eh->e_shoff);
	for (int i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum)
			continue;
		const Elf64_Sym *sym = (const void *)(elf + sh[i].sh_offset);
		const char *str = (const char *)elf + sh[sh[i].sh_link].sh_offset;
		for (size_t k = 0; k < sh[i].sh_size / sizeof *sym; k++)
			if (strcmp(str + sym[k].st_name, symbol) == 0)
				return (long)sym[k].st_value;
	}
	return -1;
}

/* The permissions /proc/self/maps shows for ADDR ("r-xp"), or "". */
static const char *perms_of(const void *addr)
{
	static char perms[8];
	char line[1024];
	FILE *f = fopen("/proc/self/maps", "r");

	perms[0] = 0;
	while (f && fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		char p[8];

		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, p) == 3 &&
		    (uintptr_t)addr >= lo && (uintptr_t)addr < hi) {
			snprintf(perms, sizeof perms, "%s", p);
			break;
		}
	}
	if (f)
		fclose(f);
	return perms;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* A site at ADDR with its current bytes as orig and a jump to TO. */
static struct kstub_site make_site(const void *addr, const void *to, int absolute)
{
	struct kstub_site s;

	memset(&s, 0, sizeof s);
	s.addr = (uint64_t)(uintptr_t)addr;
	s.new_addr = (uint64_t)(uintptr_t)to;
	if (absolute) {
		uint64_t a = (uint64_t)(uintptr_t)to;

		s.len = 14;
		memcpy(s.jump, "\xff\x25\0\0\0\0", 6);
		memcpy(s.jump + 6, &a, 8);
	} else {
		int64_t rel = (int64_t)((uintptr_t)to - ((uintptr_t)addr + 5));
		int32_t r32 = (int32_t)rel;

		s.len = 5;
		s.jump[0] = 0xe9;
		memcpy(s.jump + 1, &r32, 4);
	}
	memcpy(s.orig, addr, s.len);
	return s;
}

/* Patch slot I with the sites given, state STAGED; the sites go on the heap. */
static struct kstub_patch *stage(uint32_t i, const struct kstub_site *sites, uint32_t n)
{
	struct kstub_patch *p = &reg->patches[i];
	static uint32_t heap_used;	/* sites */

	memset(p, 0, sizeof *p);
	memcpy(heap + heap_used, sites, n * sizeof *sites);
	p->sites = (uint64_t)(uintptr_t)(heap + heap_used);
	p->nsites = n;
	p->state = KSTUB_STAGED;
	p->seq = i + 1;
	snprintf(p->name, sizeof p->name, "test-%u.po", i);
	heap_used += n;
	reg->heap_used = heap_used * sizeof *sites;
	if (reg->npatches <= i)
		reg->npatches = i + 1;
	return p;
}

static int same_bytes(const void *addr, const uint8_t *want, size_t n)
{
	return memcmp(addr, want, n) == 0;
}

/* ------------------------------------------------------------ transforms */
#include "po_xop.h"

/* The layouts of the test: a list node that gains a member, a config whose
 * members move, widen and whose enum is renumbered. */
struct onode { int key; long val; struct onode *next; };
struct nnode { int key; long weight; long val; struct nnode *next; };
struct ocfg { int a; int b; int color; };
struct ncfg { long b; int a; int color; };

struct prog { uint8_t b[256]; size_t n; };

static void pb(struct prog *p, uint8_t v) { p->b[p->n++] = v; }
static void pu(struct prog *p, uint64_t v)
{
	do {
		uint8_t c = v & 0x7f;

		v >>= 7;
		pb(p, c | (v ? 0x80 : 0));
	} while (v);
}
static void psl(struct prog *p, int64_t v)
{
	int more = 1;

	while (more) {
		uint8_t c = v & 0x7f;

		v >>= 7;
		more = !((v == 0 && !(c & 0x40)) || (v == -1 && (c & 0x40)));
		pb(p, c | (more ? 0x80 : 0));
	}
}
static void opn(struct prog *p, uint8_t code, int n, const uint64_t *a)
{
	pb(p, code);
	for (int i = 0; i < n; i++)
		pu(p, a[i]);
}
#define OP(p, code, ...) do { const uint64_t a_[] = { __VA_ARGS__ }; \
	opn(p, code, sizeof a_ / sizeof a_[0], a_); } while (0)

static int nallocs, nfrees;
static void *count_malloc(unsigned long n) { nallocs++; return malloc(n); }
static void count_free(void *p) { nfrees++; free(p); }

struct xfixture {
	struct prog fwd[5], back[5];
	struct kstub_xtype types[5];
	struct kstub_xroot roots[4];
	struct kstub_xptr ptrs[2];
	struct kstub_xplan plan;
};

static struct ocfg x_ocfg = { 7, -5, 1 };
static struct ncfg x_ncfg;
static int *x_pa = &x_ocfg.a;
static struct onode *x_head, *x_tail, *x_ring;

/* The plan: type 0 node (heap), 1 node * (in place), 2 cfg, 3 a node with
 * val narrowed to int (fails on big values), 4 node again (a second type
 * for the same objects).  Roots: cfg, head, tail, ring; pointers: x_pa and
 * one in a read-only page. */
static void x_plan(struct xfixture *f, void *ro_page)
{
	memset(f, 0, sizeof *f);
	OP(&f->fwd[0], PO_XOP_COPY, 0, 0, 4);
	OP(&f->fwd[0], PO_XOP_COPY, 8, 16, 8);
	OP(&f->fwd[0], PO_XOP_PTR, 16, 24, 0);
	OP(&f->back[0], PO_XOP_COPY, 0, 0, 4);
	OP(&f->back[0], PO_XOP_COPY, 16, 8, 8);
	OP(&f->back[0], PO_XOP_PTR, 24, 16, 0);
	OP(&f->fwd[1], PO_XOP_PTR, 0, 0, 0);
	OP(&f->back[1], PO_XOP_PTR, 0, 0, 0);
	OP(&f->fwd[2], PO_XOP_INT, 4, 4, 0, 8, 3);
	OP(&f->fwd[2], PO_XOP_COPY, 0, 8, 4);
	OP(&f->fwd[2], PO_XOP_ENUM, 8, 4, 12, 4, 0, 2);
	psl(&f->fwd[2], 0); psl(&f->fwd[2], 0); psl(&f->fwd[2], 1); psl(&f->fwd[2], 2);
	OP(&f->back[2], PO_XOP_INT, 0, 8, 4, 4, 3);
	OP(&f->back[2], PO_XOP_COPY, 8, 0, 4);
	OP(&f->back[2], PO_XOP_ENUM, 12, 4, 8, 4, 0, 2);
	psl(&f->back[2], 0); psl(&f->back[2], 0); psl(&f->back[2], 2); psl(&f->back[2], 1);
	OP(&f->fwd[3], PO_XOP_COPY, 0, 0, 4);
	OP(&f->fwd[3], PO_XOP_INT, 8, 8, 16, 4, 3);
	OP(&f->fwd[3], PO_XOP_PTR, 16, 24, 3);
	f->fwd[4] = f->fwd[0];
	f->back[4] = f->back[0];
	for (int i = 0; i < 5; i++) {
		pb(&f->fwd[i], PO_XOP_END);
		if (f->back[i].n)
			pb(&f->back[i], PO_XOP_END);
		f->types[i].fwd = (uint64_t)(uintptr_t)f->fwd[i].b;
		f->types[i].fwd_len = (uint32_t)f->fwd[i].n;
		f->types[i].back = f->back[i].n ? (uint64_t)(uintptr_t)f->back[i].b : 0;
		f->types[i].back_len = (uint32_t)f->back[i].n;
	}
	f->types[0] = (struct kstub_xtype){ f->types[0].fwd, f->types[0].back, f->types[0].fwd_len,
					    f->types[0].back_len, 24, 32, KX_HEAP, 0 };
	f->types[1].old_size = f->types[1].new_size = 8;
	f->types[1].flags = KX_INPLACE;
	f->types[2].old_size = 12;
	f->types[2].new_size = 16;
	f->types[3].old_size = 24;
	f->types[3].new_size = 32;
	f->types[3].flags = KX_HEAP;
	f->types[4].old_size = 24;
	f->types[4].new_size = 32;
	f->types[4].flags = KX_HEAP;
	f->roots[0] = (struct kstub_xroot){ (uint64_t)(uintptr_t)&x_ocfg, (uint64_t)(uintptr_t)&x_ncfg,
					    2, 0, 0, 0 };
	f->roots[1] = (struct kstub_xroot){ (uint64_t)(uintptr_t)&x_head, (uint64_t)(uintptr_t)&x_head,
					    1, KX_ROOT_FIXUP, 0, 0 };
	f->roots[2] = (struct kstub_xroot){ (uint64_t)(uintptr_t)&x_tail, (uint64_t)(uintptr_t)&x_tail,
					    1, KX_ROOT_FIXUP, 0, 0 };
	f->roots[3] = (struct kstub_xroot){ (uint64_t)(uintptr_t)&x_ring, (uint64_t)(uintptr_t)&x_ring,
					    1, KX_ROOT_FIXUP, 0, 0 };
	f->ptrs[0] = (struct kstub_xptr){ (uint64_t)(uintptr_t)&x_pa, (uint64_t)(uintptr_t)&x_ocfg.a, 0, 0 };
	f->ptrs[1] = (struct kstub_xptr){ (uint64_t)(uintptr_t)ro_page,
					  (uint64_t)(uintptr_t)&x_ocfg.color, 0, PROT_READ };
	f->plan.magic = KSTUB_XPLAN_MAGIC;
	f->plan.ntypes = 5;
	f->plan.nroots = 4;
	f->plan.nptrs = 2;
	f->plan.types = (uint64_t)(uintptr_t)f->types;
	f->plan.roots = (uint64_t)(uintptr_t)f->roots;
	f->plan.ptrs = (uint64_t)(uintptr_t)f->ptrs;
	f->plan.malloc_fn = (uint64_t)(uintptr_t)count_malloc;
	f->plan.free_fn = (uint64_t)(uintptr_t)count_free;
}

static struct onode *onode_new(int key, long val)
{
	struct onode *n = malloc(sizeof *n);

	n->key = key;
	n->val = val;
	n->next = NULL;
	return n;
}

/* Make type t's forward program the one operation CODE +0 -> +0, type
 * `to` (a pointer, in place). */
static void set_prog(struct xfixture *f, int t, uint8_t code, uint64_t to)
{
	struct prog *pr = &f->fwd[t];

	memset(pr, 0, sizeof *pr);
	OP(pr, code, 0, 0, to);
	pb(pr, PO_XOP_END);
	f->types[t].fwd_len = (uint32_t)pr->n;
}

/* The old lists' nodes: the transforms leave them allocated (as in a
 * patched program); freed at the end, for the leak checker. */
static struct onode *x_made[64];
static int x_nmade;

static struct onode *x_node(int key, long val)
{
	struct onode *n = onode_new(key, val);

	if (x_nmade < (int)(sizeof(x_made) / sizeof(x_made[0])))
		x_made[x_nmade++] = n;
	return n;
}

/* head: 5 nodes (tail = the last, shared); ring: 3 nodes in a cycle */
static void x_lists(void)
{
	struct onode *a, *b, *c;

	x_head = x_tail = NULL;
	for (int k = 1; k <= 5; k++) {
		struct onode *n = x_node(k, k * 100L);

		if (x_tail)
			x_tail->next = n;
		else
			x_head = n;
		x_tail = n;
	}
	a = x_node(7, 70);
	b = x_node(8, 80);
	c = x_node(9, 90);
	a->next = b;
	b->next = c;
	c->next = a;
	x_ring = a;
}

static long x_request(uint64_t op, uint64_t index, struct kstub_xplan *plan, char *why,
		      size_t whysz, int *regs)
{
	struct kstub_request req;

	memset(&req, 0, sizeof req);
	req.op = op;
	req.index = index;
	req.registry = (uint64_t)(uintptr_t)reg;
	req.xplan = (uint64_t)(uintptr_t)plan;
	*regs = call_stub(&req, 1, why, whysz);
	return req.done == 1 ? req.result : -9999;
}

/* The data transform engine, entered like GDB enters the stub (14 tests). */
static void test_transforms(int (*volatile call)(void), const uint8_t *fn_orig)
{
	static struct xfixture f;
	uint8_t *ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct kstub_site site = make_site((void *)old_fn2, (void *)new_fn, 0);
	struct kstub_patch *p;
	struct onode *old_head;
	struct nnode *nh, *n;
	char why[1024];
	int regs, good;
	long r;

	*(uint64_t *)ro = (uint64_t)(uintptr_t)&x_ocfg.color;
	mprotect(ro, 4096, PROT_READ);
	x_lists();
	old_head = x_head;
	memset(&x_ncfg, 0xee, sizeof x_ncfg);	/* v1's initial value: kept where nothing goes */
	x_plan(&f, ro);

	/* a failure half way through the heap: nothing changes.  The lists
	 * go through type 3, which narrows val to an int. */
	set_prog(&f, 1, PO_XOP_PTR, 3);
	x_head->next->next->next->val = 1L << 40;	/* the 4th node does not fit an int */
	p = stage(8, &site, 1);
	nallocs = nfrees = 0;
	r = x_request(KSTUB_OP_COMMIT, 8, &f.plan, why, sizeof why, &regs);
	ok(r == -EINVAL && f.plan.fail_code == KX_EFIT && f.plan.fail_value == (1ULL << 40) &&
	   f.plan.fail_type == 3 && regs,
	   "a value that does not fit: %ld, fail_code %ld, value %#lx, type %u%s", r,
	   (long)f.plan.fail_code, (unsigned long)f.plan.fail_value, f.plan.fail_type, why);
	ok(nallocs >= 3 && nallocs == nfrees && f.plan.objects == 0,
	   "failure: every object allocated (%d) was freed (%d)", nallocs, nfrees);
	ok(x_head == old_head && x_pa == &x_ocfg.a && *(uint64_t *)ro == (uint64_t)(uintptr_t)&x_ocfg.color &&
	   call() == 3 && p->state == KSTUB_STAGED && same_bytes((void *)old_fn2, fn_orig, 16) &&
	   x_head->next->next->next->val == 1L << 40,
	   "failure: roots, static pointers, code and the old objects unchanged");

	/* the real thing */
	x_head->next->next->next->val = 400;
	x_plan(&f, ro);
	nallocs = nfrees = 0;
	r = x_request(KSTUB_OP_COMMIT, 8, &f.plan, why, sizeof why, &regs);
	ok(r == 0 && regs && p->state == KSTUB_APPLIED && call() == 2,
	   "commit with data: %ld, code switched (old_fn2() = %d)%s", r, call(), why);
	ok(x_ncfg.b == -5 && x_ncfg.a == 7 && x_ncfg.color == 2,
	   "variable: int widened with its sign (b = %ld), moved (a = %d), enum renumbered 1 -> 2 (%d)",
	   x_ncfg.b, x_ncfg.a, x_ncfg.color);
	nh = (struct nnode *)x_head;
	good = nh != (struct nnode *)old_head;
	for (n = nh; good && n; n = n->next) {
		good = n->weight == 0 && n->val == n->key * 100L;
		if (!n->next)
			good = good && (void *)x_tail == (void *)n;
	}
	ok(good && f.plan.objects == 8 && nallocs == 8 && nfrees == 0 &&
	   f.plan.bytes == 8 * sizeof(struct nnode),
	   "heap: 5 + 3 objects built once each (tail shares the last), new member 0, values kept");
	{
		struct nnode *a = (struct nnode *)x_ring;

		ok(a->key == 7 && a->next->key == 8 && a->next->next->key == 9 &&
		   a->next->next->next == a && a->next->val == 80,
		   "heap: the ring is a cycle of 3 new objects");
	}
	ok(old_head->key == 1 && old_head->val == 100 && old_head->next->key == 2,
	   "old objects left as they were");
	ok(x_pa == &((struct ncfg *)&x_ncfg)->a && *(uint64_t *)ro == (uint64_t)(uintptr_t)&x_ncfg.color &&
	   strcmp(perms_of(ro), "r--p") == 0 && f.plan.writes == 5,
	   "static pointers re-pointed into the new storage (read-only page back to %s), %lu writes",
	   perms_of(ro), (unsigned long)f.plan.writes);

	/* revert: the data goes back to the old layout, with today's values */
	for (n = (struct nnode *)x_head; n; n = n->next)
		n->val += 1;
	x_ncfg.b = -9;
	x_ncfg.color = 0;
	nallocs = nfrees = 0;
	r = x_request(KSTUB_OP_REVERT, 8, &f.plan, why, sizeof why, &regs);
	good = r == 0 && regs && p->state == KSTUB_REVERTED && call() == 3;
	for (struct onode *o = x_head; good && o; o = o->next)
		good = o->val == o->key * 100L + 1 && (void *)o != (void *)nh;
	ok(good && x_ocfg.b == -9 && x_ocfg.a == 7 && x_ocfg.color == 0 && nallocs == 8 &&
	   x_pa == &x_ocfg.a && *(uint64_t *)ro == (uint64_t)(uintptr_t)&x_ocfg.color,
	   "revert with data: %ld, old layout rebuilt with the current values, pointers back%s", r, why);

	/* one object reached as two types: tail's node through type 4, head's
	 * (the same last node) through type 0 */
	x_lists();
	x_plan(&f, ro);
	f.types[3] = f.types[1];
	f.types[3].fwd = (uint64_t)(uintptr_t)f.fwd[3].b;
	set_prog(&f, 3, PO_XOP_PTR, 4);
	f.roots[2].type = 3;
	p = stage(9, &site, 1);
	nallocs = nfrees = 0;
	r = x_request(KSTUB_OP_COMMIT, 9, &f.plan, why, sizeof why, &regs);
	ok(r == -EINVAL && f.plan.fail_code == KX_ETYPE && nallocs == nfrees && call() == 3 &&
	   p->state == KSTUB_STAGED,
	   "one object reached as two types: %ld (KX_ETYPE %ld), nothing changed", r,
	   (long)f.plan.fail_code);

	/* an enum value the old type does not name */
	x_plan(&f, ro);
	x_ocfg.color = 5;
	nallocs = nfrees = 0;
	r = x_request(KSTUB_OP_COMMIT, 9, &f.plan, why, sizeof why, &regs);
	ok(r == -EINVAL && f.plan.fail_code == KX_EENUM && f.plan.fail_value == 5 &&
	   f.plan.fail_off == 8 && nallocs == nfrees && call() == 3,
	   "an enum value without an enumerator: %ld (KX_EENUM, value %lu at +%lu)", r,
	   (unsigned long)f.plan.fail_value, (unsigned long)f.plan.fail_off);
	x_ocfg.color = 1;

	/* --step with nobody tracing: the stub stops before the first
	 * variable and commits nothing (GDB quit at a stop, the other
	 * threads run again) */
	x_plan(&f, ro);
	f.plan.flags = KX_STEP;
	old_head = x_head;
	nallocs = nfrees = 0;
	r = x_request(KSTUB_OP_COMMIT, 9, &f.plan, why, sizeof why, &regs);
	ok(r == -EINVAL && f.plan.fail_code == KX_EGONE && f.plan.step_root == 0 &&
	   nallocs == nfrees && call() == 3 && p->state == KSTUB_STAGED &&
	   x_head->key == 1 && (void *)x_head == (void *)old_head,
	   "--step without GDB: %ld (KX_EGONE %ld), %d objects built and freed, nothing changed",
	   r, (long)f.plan.fail_code, nallocs);

	/* a million nodes (the time is reported, not judged: make bench does) */
	{
		const long N = 1000000;
		struct onode **v = malloc(N * sizeof *v);
		uint64_t t0 = now_ns();

		for (long k = 0; k < N; k++)
			v[k] = onode_new((int)k, k);
		for (long k = 0; k + 1 < N; k++)
			v[k]->next = v[k + 1];
		x_head = v[0];
		x_tail = v[N - 1];
		x_ring = NULL;
		x_plan(&f, ro);
		f.plan.nptrs = 0;
		p = stage(10, &site, 1);
		nallocs = nfrees = 0;
		t0 = now_ns();
		r = x_request(KSTUB_OP_COMMIT, 10, &f.plan, why, sizeof why, &regs);
		diag("1000000 heap nodes: %.1f ms in the engine, %.1f ms the whole stub call",
		     f.plan.ns / 1e6, (now_ns() - t0) / 1e6);
		good = r == 0 && f.plan.objects == (uint64_t)N;
		n = (struct nnode *)x_head;
		for (long k = 0; good && k < N; k++, n = n->next)
			good = n && n->key == k && n->val == k && n->weight == 0;
		ok(good && call() == 2, "a list of 1000000 nodes transformed (%d allocations)", nallocs);
		r = x_request(KSTUB_OP_REVERT, 10, &f.plan, why, sizeof why, &regs);
		for (long k = 0; k < N; k++)
			free(v[k]);
		free(v);
		ok(r == 0 && call() == 3, "and reverted: %ld", r);
	}
}

/* ------------------------------------------------------------ main */
int main(void)
{
	uint8_t old_orig[16], old2_orig[16], abs_orig[16];
	uint64_t failed, t0, t1;
	size_t bin_size = 0, elf_size = 0;
	uint8_t *bin, *elf;
	char path[4200];
	long r, done_off, run_off;
	struct kstub_patch *p;
	struct kstub_site s[2];
	int (*volatile call_old)(void) = old_fn;	/* no constant folding */
	int (*volatile call_old2)(void) = old_fn2;
	int (*volatile call_abs)(void) = kt_old_abs;

	setvbuf(stdout, NULL, _IOLBF, 0);
	tap_plan(52);
	memcpy(old_orig, (void *)old_fn, 16);
	memcpy(old2_orig, (void *)old_fn2, 16);
	memcpy(abs_orig, (void *)kt_old_abs, 16);

	/* 1-2: the built image and its symbols */
	find_stub_dir();
	snprintf(path, sizeof path, "%.4100s/katana-stub.bin", stub_dir);
	bin = load_file(path, &bin_size);
	snprintf(path, sizeof path, "%.4100s/katana-stub.elf", stub_dir);
	elf = load_file(path, &elf_size);
	if (!ok(bin && bin_size <= KSTUB_CODE_SIZE, "image %s/katana-stub.bin: %zu bytes <= %d",
		stub_dir, bin_size, KSTUB_CODE_SIZE)) {
		printf("Bail out! no stub image (build it with make)\n");
		return 1;
	}
	done_off = elf ? elf_sym(elf, elf_size, "katana_stub_done") : -1;
	run_off = elf ? elf_sym(elf, elf_size, "kstub_run") : -1;
	ok(elf && elf_sym(elf, elf_size, "katana_stub_entry") == 0 && done_off > 0 &&
	   (size_t)done_off < bin_size && run_off > 0 && (size_t)run_off < bin_size,
	   "katana-stub.elf: katana_stub_entry at 0, katana_stub_done at %#lx, kstub_run at %#lx",
	   done_off, run_off);

	/* The mapping: image R+X, registry and tables RW after it. */
	stub_size = KSTUB_CODE_SIZE + 0x4000;
	stub = mmap(NULL, stub_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (stub == MAP_FAILED) {
		printf("Bail out! mmap: %s\n", strerror(errno));
		return 1;
	}
	memcpy(stub, bin, bin_size);
	if (mprotect(stub, KSTUB_CODE_SIZE, PROT_READ | PROT_EXEC) != 0) {
		printf("Bail out! mprotect: %s\n", strerror(errno));
		return 1;
	}
	reg = (struct kstub_registry *)(stub + KSTUB_CODE_SIZE);
	reg->magic = KSTUB_MAGIC;
	reg->version = KSTUB_VERSION;
	reg->size = stub_size;
	heap = (struct kstub_site *)(reg + 1);

	/* 3-9: commit one 5-byte site, old_fn -> new_fn */
	s[0] = make_site((void *)old_fn, (void *)new_fn, 0);
	p = stage(0, s, 1);
	ok(call_old() == 1 && strcmp(perms_of((void *)old_fn), "r-xp") == 0,
	   "before: old_fn() = 1, its page %s", perms_of((void *)old_fn));
	{
		struct kstub_request req;
		char why[1024];

		memset(&req, 0, sizeof req);
		req.op = KSTUB_OP_COMMIT;
		req.index = 0;
		req.registry = (uint64_t)(uintptr_t)reg;
		t0 = now_ns();
		int regs = call_stub(&req, 1, why, sizeof why);
		t1 = now_ns();
		ok(req.done == 1 && req.result == 0 && req.failed_site == KSTUB_NO_SITE,
		   "commit: done %lu, result %ld, failed_site %#lx", (unsigned long)req.done,
		   (long)req.result, (unsigned long)req.failed_site);
		ok(regs, "commit: back at resume_rip with resume_rsp, resume_rdi, all 15 other "
		   "registers and rflags (CF, DF set) intact%s", why);
	}
	ok(call_old() == 2, "commit: old_fn() now returns %d (new_fn)", call_old());
	ok(p->state == KSTUB_APPLIED && p->applied_ns >= t0 && p->applied_ns <= t1,
	   "commit: state %u (APPLIED), applied_ns within the call", p->state);
	ok(same_bytes((void *)old_fn, s[0].jump, 5) && same_bytes((uint8_t *)old_fn + 5, old_orig + 5, 11),
	   "commit: exactly the 5 jump bytes written");
	ok(strcmp(perms_of((void *)old_fn), "r-xp") == 0,
	   "commit: the page is left %s (KSTUB_SITE_PROT)", perms_of((void *)old_fn));

	/* 10-13: revert, the stub entered with resume_rsp = 0 */
	{
		struct kstub_request req;
		char why[1024];

		memset(&req, 0, sizeof req);
		req.op = KSTUB_OP_REVERT;
		req.index = 0;
		req.registry = (uint64_t)(uintptr_t)reg;
		int regs = call_stub(&req, 0, why, sizeof why);
		ok(req.done == 1 && req.result == 0, "revert: done %lu, result %ld",
		   (unsigned long)req.done, (long)req.result);
		ok(regs, "revert, resume_rsp = 0: back with rsp and rdi as at entry, "
		   "all other registers and rflags intact%s", why);
	}
	ok(call_old() == 1 && same_bytes((void *)old_fn, old_orig, 16),
	   "revert: old_fn() returns %d, original bytes back", call_old());
	ok(p->state == KSTUB_REVERTED && strcmp(perms_of((void *)old_fn), "r-xp") == 0,
	   "revert: state %u (REVERTED), page %s", p->state, perms_of((void *)old_fn));

	/* 14: the thread was blocked in a system call when "GDB" took it:
	 * rax = -ERESTARTSYS, resume_rip just past the syscall instruction,
	 * orig_rax = getpid.  The stub restarts the call. */
	{
		struct kstub_request req;
		char why[1024];

		memset(&req, 0, sizeof req);
		req.op = KSTUB_OP_COMMIT;
		req.index = 0;
		req.registry = (uint64_t)(uintptr_t)reg;
		req.resume_orig_rax = SYS_getpid;
		restart_nr = SYS_getpid;
		kt_rax_value = (uint64_t)-512;	/* -ERESTARTSYS */
		int regs = call_stub(&req, 1, why, sizeof why);
		restart_nr = 0;
		kt_rax_value = V_RAX;
		r = req.result;
		req.op = KSTUB_OP_REVERT;
		req.resume_orig_rax = -1;
		int regs2 = call_stub(&req, 1, why + strlen(why), sizeof why - strlen(why));
		ok(regs && regs2 && r == -ESRCH && req.result == -EALREADY,
		   "interrupted system call restarted: rax = getpid() after resume%s", why);
	}

	/* 15-17: states */
	r = run(KSTUB_OP_COMMIT, 0, reg, NULL);
	ok(r == -ESRCH && call_old() == 1, "commit of a REVERTED patch: %ld (-ESRCH)", r);
	p->state = KSTUB_STAGED;
	r = run(KSTUB_OP_REVERT, 0, reg, NULL);
	ok(r == -ESRCH && p->state == KSTUB_STAGED, "revert of a STAGED patch: %ld (-ESRCH)", r);
	r = run(KSTUB_OP_COMMIT, 0, reg, NULL);
	long r2 = run(KSTUB_OP_COMMIT, 0, reg, NULL);
	long r3 = run(KSTUB_OP_REVERT, 0, reg, NULL);
	ok(r == 0 && r2 == -EALREADY && r3 == 0 && call_old() == 1 &&
	   same_bytes((void *)old_fn, old_orig, 16),
	   "restaged commit %ld, commit again %ld (-EALREADY), revert %ld", r, r2, r3);

	/* 17-18: original bytes differ: nothing is written */
	s[0] = make_site((void *)old_fn, (void *)new_fn, 0);
	s[0].orig[2] ^= 0xff;
	p = stage(1, s, 1);
	r = run(KSTUB_OP_COMMIT, 1, reg, &failed);
	ok(r == -EILSEQ && failed == 0, "orig mismatch: %ld (-EILSEQ), failed_site %lu", r,
	   (unsigned long)failed);
	ok(p->state == KSTUB_STAGED && p->applied_ns == 0 && call_old() == 1 &&
	   same_bytes((void *)old_fn, old_orig, 16),
	   "orig mismatch: old_fn untouched, state %u unchanged", p->state);

	/* 19-20: two sites, the second does not match: the first is not left written */
	s[0] = make_site((void *)old_fn, (void *)new_fn, 0);
	s[1] = make_site((void *)old_fn2, (void *)new_fn, 0);
	s[1].orig[0] ^= 0x01;
	p = stage(2, s, 2);
	r = run(KSTUB_OP_COMMIT, 2, reg, &failed);
	ok(r == -EILSEQ && failed == 1, "second site mismatch: %ld (-EILSEQ), failed_site %lu",
	   r, (unsigned long)failed);
	ok(p->state == KSTUB_STAGED && call_old() == 1 && call_old2() == 3 &&
	   same_bytes((void *)old_fn, old_orig, 16) && same_bytes((void *)old_fn2, old2_orig, 16),
	   "second site mismatch: neither function changed");

	/* 21-22: two sites, the second page cannot be made writable (a
	 * read-only shared file mapping): the first, already written, is
	 * put back. */
	{
		char tmpl[4200];
		const char *tmp = getenv("TMPDIR");
		uint8_t page[4096];
		void *ro = MAP_FAILED;
		int fd;

		snprintf(tmpl, sizeof tmpl, "%s/katana-stub-test.XXXXXX", tmp && *tmp ? tmp : "/tmp");
		memset(page, 0x90, sizeof page);
		fd = mkstemp(tmpl);
		if (fd >= 0 && write(fd, page, sizeof page) == (ssize_t)sizeof page) {
			close(fd);
			fd = open(tmpl, O_RDONLY);
			if (fd >= 0)
				ro = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
		}
		if (fd >= 0)
			close(fd);
		unlink(tmpl);
		if (ro == MAP_FAILED) {
			ok(0, "read-only file mapping: %s", strerror(errno));
			ok(0, "# skipped");
		} else {
			s[0] = make_site((void *)old_fn, (void *)new_fn, 0);
			s[1] = make_site((uint8_t *)ro + 100, (void *)new_fn, 0);
			p = stage(3, s, 2);
			r = run(KSTUB_OP_COMMIT, 3, reg, &failed);
			ok(r == -EACCES && failed == 1,
			   "second site's mprotect fails: %ld (-EACCES), failed_site %lu", r,
			   (unsigned long)failed);
			ok(p->state == KSTUB_STAGED && call_old() == 1 &&
			   same_bytes((void *)old_fn, old_orig, 16) &&
			   strcmp(perms_of((void *)old_fn), "r-xp") == 0,
			   "second site's mprotect fails: first site written and put back, page %s",
			   perms_of((void *)old_fn));
			munmap(ro, 4096);
		}
	}

	/* 23-24: a 14-byte absolute jump */
	s[0] = make_site((void *)kt_old_abs, (void *)new_fn, 1);
	p = stage(4, s, 1);
	r = run(KSTUB_OP_COMMIT, 4, reg, NULL);
	ok(r == 0 && call_abs() == 2 && same_bytes((void *)kt_old_abs, s[0].jump, 14) &&
	   p->state == KSTUB_APPLIED, "14-byte jump: commit %ld, kt_old_abs() = %d", r, call_abs());
	r = run(KSTUB_OP_REVERT, 4, reg, NULL);
	ok(r == 0 && call_abs() == 5 && same_bytes((void *)kt_old_abs, abs_orig, 16) &&
	   p->state == KSTUB_REVERTED, "14-byte jump: revert %ld, kt_old_abs() = %d", r, call_abs());

	/* 25: revert when the jump is no longer there */
	s[0] = make_site((void *)old_fn, (void *)new_fn, 0);
	p = stage(5, s, 1);
	p->state = KSTUB_APPLIED;		/* but old_fn holds its original bytes */
	r = run(KSTUB_OP_REVERT, 5, reg, &failed);
	ok(r == -EILSEQ && failed == 0 && p->state == KSTUB_APPLIED &&
	   same_bytes((void *)old_fn, old_orig, 16),
	   "revert without the jump in place: %ld (-EILSEQ), nothing written", r);

	/* 26-32: malformed requests */
	s[0] = make_site((void *)old_fn, (void *)new_fn, 0);
	p = stage(6, s, 1);
	r = run(KSTUB_OP_COMMIT, reg->npatches, reg, NULL);
	ok(r == -ERANGE, "index >= npatches: %ld (-ERANGE)", r);
	reg->magic ^= 1;
	r = run(KSTUB_OP_COMMIT, 6, reg, NULL);
	reg->magic ^= 1;
	reg->version++;
	r2 = run(KSTUB_OP_COMMIT, 6, reg, NULL);
	reg->version--;
	{
		void *gone = mmap(NULL, 16384, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		munmap(gone, 16384);
		r3 = run(KSTUB_OP_COMMIT, 0, gone, NULL);
	}
	ok(r == -EPROTO && r2 == -EPROTO && r3 == -EPROTO && p->state == KSTUB_STAGED,
	   "bad magic: %ld, bad version: %ld, unmapped registry: %ld (-EPROTO)", r, r2, r3);
	r = run(7, 6, reg, NULL);
	r2 = run(0, 6, reg, NULL);
	ok(r == -EINVAL && r2 == -EINVAL, "unknown op: %ld, %ld (-EINVAL)", r, r2);
	p->sites = (uint64_t)(uintptr_t)&s[0];	/* on this stack, not in the mapping */
	r = run(KSTUB_OP_COMMIT, 6, reg, NULL);
	p->sites = (uint64_t)(uintptr_t)(stub + stub_size - 48);	/* crosses the end */
	r2 = run(KSTUB_OP_COMMIT, 6, reg, NULL);
	ok(r == -EFAULT && r2 == -EFAULT && p->state == KSTUB_STAGED,
	   "site table outside the stub mapping: %ld, %ld (-EFAULT)", r, r2);
	{
		struct kstub_site *hs;

		p = stage(6, s, 1);
		hs = (struct kstub_site *)(uintptr_t)p->sites;
		hs->len = 0;
		r = run(KSTUB_OP_COMMIT, 6, reg, &failed);
		hs->len = 17;
		r2 = run(KSTUB_OP_COMMIT, 6, reg, NULL);
		hs->len = 5;
		ok(r == -EINVAL && r2 == -EINVAL && failed == 0, "site length 0, 17: %ld, %ld (-EINVAL)",
		   r, r2);

		void *gone = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		munmap(gone, 8192);
		struct kstub_site two[2] = { make_site((void *)old_fn, (void *)new_fn, 0), *hs };
		two[1].addr = (uint64_t)(uintptr_t)gone + 4094;	/* spans both pages */
		p = stage(7, two, 2);
		r = run(KSTUB_OP_COMMIT, 7, reg, &failed);
		ok(r == -EFAULT && failed == 1 && p->state == KSTUB_STAGED && call_old() == 1 &&
		   same_bytes((void *)old_fn, old_orig, 16),
		   "site in unmapped memory: %ld (-EFAULT), failed_site %lu, not read, nothing written",
		   r, (unsigned long)failed);
	}
	diag("stub stack use: %zu bytes; image %zu bytes", max_stack_used, bin_size);
	ok(max_stack_used > 0 && max_stack_used <= 1024,
	   "the stub used at most %zu bytes of the stack GDB gives it", max_stack_used);

	max_stack_used = 0;
	test_transforms(call_old2, old2_orig);
	diag("stub stack use with transforms (the program's malloc included): %zu bytes",
	     max_stack_used);
	ok(max_stack_used <= 16384, "transforms used at most %zu bytes of the stack",
	   max_stack_used);

	/* whether GDB is there decides where the stub goes after its work:
	 * GDB's breakpoint, or straight back (a killed GDB's int3 left in
	 * the image must not be run) */
	{
		long off = elf_sym(elf, elf_size, "kstub_traced");
		int (*traced)(void) = off > 0 ? (int (*)(void))(void *)(stub + off) : NULL;
		int st = -1, in_child = -1;
		pid_t c;

		ok(traced && traced() == 0, "kstub_traced: 0 when nobody traces the thread");
		c = traced ? fork() : -1;
		if (c == 0) {
			ptrace(PTRACE_TRACEME, 0, NULL, NULL);
			raise(SIGSTOP);
			_exit(traced() == 1 ? 0 : 1);
		}
		if (c > 0 && waitpid(c, &st, 0) == c && WIFSTOPPED(st)) {
			ptrace(PTRACE_CONT, c, NULL, NULL);
			if (waitpid(c, &st, 0) == c && WIFEXITED(st))
				in_child = WEXITSTATUS(st);
		}
		ok(in_child == 0, "kstub_traced: 1 in a traced child (%d)", in_child);
	}
	/* need_tracer (GDB always sets it): untraced, the stub writes nothing */
	{
		struct kstub_site site = make_site((void *)old_fn2, (void *)new_fn, 0);
		struct kstub_patch *p2 = stage(12, &site, 1);
		struct kstub_request req;
		char why[1024];
		int regs;

		memset(&req, 0, sizeof req);
		req.op = KSTUB_OP_COMMIT;
		req.index = 12;
		req.registry = (uint64_t)(uintptr_t)reg;
		req.need_tracer = 1;
		regs = call_stub(&req, 1, why, sizeof why);
		ok(req.done == 1 && req.result == -ECANCELED && regs && call_old2() == 3 &&
		   p2->state == KSTUB_STAGED && same_bytes((void *)old_fn2, old2_orig, 16),
		   "need_tracer and nobody tracing: %ld (-ECANCELED), nothing written%s",
		   (long)req.result, why);
	}

	free(bin);
	free(elf);
	return tap_done();
}
