/* stub.c - the in-target stub's worker: commit and revert a patch's
 * entry-jump writes in one step (doc/apply-design.md, "The commit step").
 *
 * Freestanding: no libc, no relocations (the image is copied to wherever the
 * planner found room and runs there unmodified), no vector registers (GDB
 * 13.1 cannot restore them), no writable data of its own (the code area is
 * R+X).  Entered from entry.S with all other threads of the target stopped.
 *
 * kstub_run(req) sets, in this order, req->result, req->failed_site and
 * last req->done = 1.  Results:
 *   0          done; the patch is APPLIED (commit) or REVERTED (revert)
 *   -EINVAL    unknown op, or a malformed patch record (no sites, a site
 *              length outside 1..KSTUB_JUMP_MAX, a zero or wrapping address)
 *   -EPROTO    req->registry is not mapped, or has not the registry's magic
 *              and version
 *   -ERANGE    req->index >= registry->npatches (or npatches out of range)
 *   -EFAULT    the site table lies outside the stub mapping, or a site's
 *              bytes are not mapped (failed_site says which)
 *   -EALREADY  commit of an APPLIED patch, revert of a REVERTED one
 *   -ESRCH     the patch is in no state the op starts from (commit needs
 *              STAGED, revert needs APPLIED; the planner restages a
 *              REVERTED patch, its code may be gone)
 *   -EILSEQ    a site's current bytes are not what the op expects (orig for
 *              commit, jump for revert): nothing was written
 *   -errno     mprotect failed at failed_site: the sites already written
 *              were put back, nothing is left changed
 *   -ENOTRECOVERABLE  putting back after such a failure failed too: the
 *              process may be half-patched; failed_site is the site that
 *              could not be put back
 * On any error the registry is unchanged.
 *
 * Page protection: a site's page(s) are made PROT_READ|PROT_WRITE (never
 * writable and executable at once), written, and made KSTUB_SITE_PROT
 * (PROT_READ|PROT_EXEC) again.  The old protection is not queried: the
 * functions katana redirects are in the text of a loaded ELF object, which
 * is mapped R+X.  A site in a page that was anything else ends up R+X.
 * The planner sees the permissions in `info proc mappings` and can refuse.
 * While a page is RW no thread can execute it, but only the stub's thread
 * runs (GDB stopped the others) and it executes in the stub's own mapping.
 *
 * The writes are plain byte stores.  With other threads running a 5- or
 * 14-byte instruction cannot be replaced so that no thread ever fetches a
 * torn mix; here all other threads are stopped and re-enter user space
 * through the kernel after the write (x86 keeps instruction fetch coherent
 * with stores, the same thing GDB's own breakpoint writes rely on).
 */
#include <stddef.h>
#include <stdint.h>

#include "stub.h"
#include "stub-asm.h"
#include "xform.h"

_Static_assert(offsetof(struct kstub_request, op) == KSTUB_REQ_OP, "stub-asm.h");
_Static_assert(offsetof(struct kstub_request, resume_rip) == KSTUB_REQ_RESUME_RIP, "stub-asm.h");
_Static_assert(offsetof(struct kstub_request, result) == KSTUB_REQ_RESULT, "stub-asm.h");
_Static_assert(offsetof(struct kstub_request, done) == KSTUB_REQ_DONE, "stub-asm.h");
_Static_assert(offsetof(struct kstub_request, resume_rsp) == KSTUB_REQ_RESUME_RSP, "stub-asm.h");
_Static_assert(offsetof(struct kstub_request, resume_rdi) == KSTUB_REQ_RESUME_RDI, "stub-asm.h");
_Static_assert(offsetof(struct kstub_request, resume_orig_rax) == KSTUB_REQ_RESUME_ORIG_RAX, "stub-asm.h");
_Static_assert(offsetof(struct kstub_request, need_tracer) == KSTUB_REQ_NEED_TRACER, "stub-asm.h");

/* Linux x86-64 ABI numbers (no libc headers in a freestanding build). */
#define NR_mprotect 10
#define NR_mincore 27
#define NR_clock_gettime 228
#define NR_read 0
#define NR_open 2
#define NR_close 3
#define O_RDONLY 0
#define O_CLOEXEC 02000000
#define PROT_READ 1
#define PROT_WRITE 2
#define PROT_EXEC 4
#define CLOCK_REALTIME 0
#define PAGE_SIZE 4096UL

#define EFAULT 14
#define EINVAL 22
#define ERANGE 34
#define ESRCH 3
#define EPROTO 71
#define EILSEQ 84
#define EALREADY 114
#define ECANCELED 125
#define ENOTRECOVERABLE 131

_Static_assert(KSTUB_SITE_PROT == (PROT_READ | PROT_EXEC), "site protection");

int kstub_run(struct kstub_request *req);

/* ------------------------------------------------------------ syscalls */
static long sys3(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
}

static long sys2(long nr, long a, long b)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b)
			 : "rcx", "r11", "memory");
	return ret;
}

/* ------------------------------------------------------------ bytes */
/* volatile: the target's code is not C objects; every byte is read and
 * written exactly once, in order, and never turned into a library call. */
static int bytes_equal(uint64_t addr, const uint8_t *want, uint32_t len)
{
	const volatile uint8_t *p = (const volatile uint8_t *)(uintptr_t)addr;

	for (uint32_t i = 0; i < len; i++)
		if (p[i] != want[i])
			return 0;
	return 1;
}

static void bytes_write(uint64_t addr, const uint8_t *src, uint32_t len)
{
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)addr;

	for (uint32_t i = 0; i < len; i++)
		p[i] = src[i];
}

/* ------------------------------------------------------------ sites */
static uint64_t page_start(const struct kstub_site *s)
{
	return s->addr & ~(PAGE_SIZE - 1);
}

static uint64_t page_span(const struct kstub_site *s)
{
	return ((s->addr + s->len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)) - page_start(s);
}

/* 0 if every page of [addr, addr + len) is mapped, len <= 3 pages (mincore
 * changes nothing; reading unmapped memory would kill the target instead
 * of failing the request). */
static long mapped(uint64_t addr, uint64_t len)
{
	uint64_t lo = addr & ~(PAGE_SIZE - 1);
	uint64_t hi = (addr + len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	uint8_t vec[4];

	if (hi - lo > sizeof vec * PAGE_SIZE)
		return -EINVAL;
	return sys3(NR_mincore, (long)lo, (long)(hi - lo), (long)vec);
}

static long site_mapped(const struct kstub_site *s)
{
	return mapped(s->addr, s->len);
}

/* Make the site's pages writable, write LEN bytes of SRC, make them R+X.
 * 0 or -errno of the mprotect that failed. */
static long site_write(const struct kstub_site *s, const uint8_t *src)
{
	long r = sys3(NR_mprotect, (long)page_start(s), (long)page_span(s),
		      PROT_READ | PROT_WRITE);

	if (r < 0)
		return r;
	bytes_write(s->addr, src, s->len);
	return sys3(NR_mprotect, (long)page_start(s), (long)page_span(s),
		    KSTUB_SITE_PROT);
}

static uint64_t now_ns(void)
{
	struct {
		int64_t sec, nsec;
	} ts = { 0, 0 };

	if (sys2(NR_clock_gettime, CLOCK_REALTIME, (long)&ts) < 0)
		return 0;
	return (uint64_t)ts.sec * 1000000000ULL + (uint64_t)ts.nsec;
}

/* ------------------------------------------------------------ the op */
static long check_patch(const struct kstub_registry *reg, const struct kstub_patch *p,
			uint64_t *failed)
{
	/* The mapping is [reg - KSTUB_CODE_SIZE, + reg->size); the site table
	 * follows the registry in it (stub.h). */
	uint64_t lo = (uint64_t)(uintptr_t)reg + sizeof *reg;
	uint64_t hi = (uint64_t)(uintptr_t)reg - KSTUB_CODE_SIZE + reg->size;
	const struct kstub_site *sites = (const struct kstub_site *)(uintptr_t)p->sites;

	if (p->nsites == 0 || p->nsites > 4096)
		return -EINVAL;
	if (reg->size < KSTUB_CODE_SIZE + sizeof *reg || hi < lo || p->sites < lo ||
	    p->sites > hi || (hi - p->sites) / sizeof *sites < p->nsites ||
	    p->sites % 8 != 0)
		return -EFAULT;
	for (uint32_t i = 0; i < p->nsites; i++) {
		const struct kstub_site *s = &sites[i];

		*failed = i;
		if (s->len == 0 || s->len > KSTUB_JUMP_MAX || s->addr == 0 ||
		    s->addr + s->len < s->addr)
			return -EINVAL;
	}
	*failed = KSTUB_NO_SITE;
	return 0;
}

/* Write TO over FROM at every site, checking first that every site holds
 * FROM; on failure put back what was written. */
static long switch_sites(const struct kstub_patch *p, int commit, uint64_t *failed)
{
	const struct kstub_site *sites = (const struct kstub_site *)(uintptr_t)p->sites;
	uint32_t i, j;
	long r;

#define FROM(s) (commit ? (s)->orig : (s)->jump)
#define TO(s) (commit ? (s)->jump : (s)->orig)
	/* Check all before writing any: a mismatch changes nothing. */
	for (i = 0; i < p->nsites; i++) {
		*failed = i;
		if (site_mapped(&sites[i]) < 0)
			return -EFAULT;
		if (!bytes_equal(sites[i].addr, FROM(&sites[i]), sites[i].len))
			return -EILSEQ;
	}
	for (i = 0; i < p->nsites; i++) {
		*failed = i;
		/* Checked again: sites overlapping an earlier one change. */
		if (!bytes_equal(sites[i].addr, FROM(&sites[i]), sites[i].len)) {
			r = -EILSEQ;
			goto undo;
		}
		r = site_write(&sites[i], TO(&sites[i]));
		if (r < 0) {
			/* Site i may be written already (the second mprotect
			 * failed): put it back too if so. */
			if (!bytes_equal(sites[i].addr, FROM(&sites[i]), sites[i].len))
				i++;
			goto undo;
		}
	}
	*failed = KSTUB_NO_SITE;
	return 0;

undo:
	/* Backwards, so overlapping sites come back in the right order. */
	for (j = i; j-- > 0;) {
		if (site_write(&sites[j], FROM(&sites[j])) < 0) {
			*failed = j;
			return -ENOTRECOVERABLE;
		}
	}
	return r;
#undef FROM
#undef TO
}

/* Check every site before anything is written: a transform must not run
 * for a commit that cannot happen. */
static long sites_hold(const struct kstub_patch *p, int commit, uint64_t *failed)
{
	const struct kstub_site *sites = (const struct kstub_site *)(uintptr_t)p->sites;

	for (uint32_t i = 0; i < p->nsites; i++) {
		*failed = i;
		if (site_mapped(&sites[i]) < 0)
			return -EFAULT;
		if (!bytes_equal(sites[i].addr, commit ? sites[i].orig : sites[i].jump, sites[i].len))
			return -EILSEQ;
	}
	*failed = KSTUB_NO_SITE;
	return 0;
}

/* Data and code switch together: build the new data (nothing live is
 * written), then write the recorded pointers, then the sites; a failure
 * at any point puts back what was done. */
static long switch_with_data(const struct kstub_patch *p, struct kstub_xplan *plan, int commit,
			     int need_tracer, uint64_t *failed)
{
	struct kx_state st;
	long r;

	if (mapped((uint64_t)(uintptr_t)plan, sizeof(*plan)) < 0)
		return -EFAULT;
	r = sites_hold(p, commit, failed);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < sizeof(st); i++)
		((volatile uint8_t *)&st)[i] = 0;
	r = kx_build(&st, plan, !commit);
	if (r == 0 && need_tracer && !kstub_traced())
		r = -ECANCELED;
	if (r == 0)
		r = kx_commit(&st);
	if (r == 0) {
		r = switch_sites(p, commit, failed);
		if (r < 0)
			kx_rollback(&st);
	} else {
		kx_rollback(&st);
	}
	if (r < 0)
		kx_discard(&st);
	kx_done(&st);
	return r;
}

static long run(struct kstub_request *req, uint64_t *failed)
{
	struct kstub_registry *reg = (struct kstub_registry *)(uintptr_t)req->registry;
	struct kstub_patch *p;
	int commit;
	long r;

	if (req->op != KSTUB_OP_COMMIT && req->op != KSTUB_OP_REVERT)
		return -EINVAL;
	commit = req->op == KSTUB_OP_COMMIT;
	if (reg == NULL || req->registry % 8 != 0 || mapped(req->registry, sizeof *reg) < 0)
		return -EPROTO;
	if (reg->magic != KSTUB_MAGIC || reg->version != KSTUB_VERSION)
		return -EPROTO;
	if (reg->npatches > KSTUB_MAX_PATCHES || req->index >= reg->npatches)
		return -ERANGE;
	p = &reg->patches[req->index];
	if (commit ? p->state == KSTUB_APPLIED : p->state == KSTUB_REVERTED)
		return -EALREADY;
	if (p->state != (commit ? KSTUB_STAGED : KSTUB_APPLIED))
		return -ESRCH;
	r = check_patch(reg, p, failed);
	if (r < 0)
		return r;
	if (req->xplan)
		r = switch_with_data(p, (struct kstub_xplan *)(uintptr_t)req->xplan, commit,
				     req->need_tracer != 0, failed);
	else if (req->need_tracer && !kstub_traced())
		r = -ECANCELED;		/* GDB gone: the other threads run */
	else
		r = switch_sites(p, commit, failed);
	if (r < 0)
		return r;
	if (commit)
		p->applied_ns = now_ns();
	p->state = commit ? KSTUB_APPLIED : KSTUB_REVERTED;
	return 0;
}

/* Is this thread traced (GDB, or the gdbserver GDB talks to)?  From
 * /proc/thread-self/status's TracerPid; 1 when that cannot be read (GDB
 * started the stub a moment ago: it is most likely there). */
int kstub_traced(void)
{
	static const char path[] = "/proc/thread-self/status";
	static const char key[] = "\nTracerPid:";
	char buf[256];	/* TracerPid is the 8th line */
	long fd = sys3(NR_open, (long)path, O_RDONLY | O_CLOEXEC, 0), n;

	if (fd < 0)
		return 1;
	n = sys3(NR_read, fd, (long)buf, sizeof(buf) - 1);
	sys3(NR_close, fd, 0, 0);
	if (n <= 0)
		return 1;
	for (long i = 0; i + (long)sizeof(key) - 1 < n; i++) {
		long k = 0;

		while (key[k] && buf[i + k] == key[k])
			k++;
		if (key[k])
			continue;
		for (i += k; i < n && (buf[i] == ' ' || buf[i] == '\t'); i++)
			;
		return i < n && buf[i] >= '1' && buf[i] <= '9';
	}
	return 1;
}

/* Returns whether the thread is traced: entry.S then stops at
 * katana_stub_done, where GDB's breakpoint is; untraced (GDB died while
 * the stub ran) it goes straight back to the program, past that
 * breakpoint's address, which a GDB killed mid-call can leave behind. */
int kstub_run(struct kstub_request *req)
{
	uint64_t failed = KSTUB_NO_SITE;
	long r;

	req->done = 0;
	r = run(req, &failed);
	req->failed_site = failed;
	req->result = r;
	__asm__ volatile("" ::: "memory");	/* done is written last */
	req->done = 1;
	return kstub_traced();
}
