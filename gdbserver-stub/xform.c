/* xform.c - the in-target data transform engine (doc/apply-design.md,
 * "Data transforms").  Freestanding like the rest of the stub: no libc,
 * no relocations, general registers only; it calls one thing outside, the
 * program's own allocator (malloc/free, given in the plan), which is why
 * GDB runs the stub on a thread parked in a system call of libc (vector
 * registers dead) while no thread is inside the allocator.
 *
 * Two phases, so that a failure changes nothing:
 *   build   every variable's new storage is filled from the old (the
 *           patch's storage already holds v1's initial value), objects
 *           found through pointers are allocated and filled, pointers that
 *           stay where they are (fixups, objects of unchanged layout on the
 *           heap, static pointers to re-point) are only recorded;
 *   commit  the recorded pointer writes are made (their old values kept,
 *           so a failing code switch after them can put them back).
 * On a failure in build, every object allocated so far is freed and
 * nothing else was written outside the patch's own memory.
 *
 * Work memory (the object map, the queue, the recorded writes) is mmap'd
 * by the stub and unmapped when it is done; its size grows with mremap.
 * The object map is an open-addressing hash table from an object's old
 * address to its new one: it finds every object once however many
 * pointers lead to it (sharing) and stops at cycles.  Objects are
 * processed from a queue, not by recursion, so a list of a million nodes
 * needs no deep stack.
 */
#include <stddef.h>
#include <stdint.h>

#include "po_xop.h"
#include "stub.h"
#include "xform.h"

#define NR_mmap 9
#define NR_munmap 11
#define NR_mprotect 10
#define NR_mremap 25
#define NR_clock_gettime 228
#define NR_brk 12
#define NR_madvise 28
#define MADV_POPULATE_WRITE 23
#define MADV_HUGEPAGE 14
#define MAP_POPULATE 0x8000
#define PROT_READ 1
#define PROT_WRITE 2
#define MAP_PRIVATE 0x02
#define MAP_ANONYMOUS 0x20
#define MREMAP_MAYMOVE 1
#define CLOCK_MONOTONIC 1
#define PAGE 4096UL

#define ENOMEM 12
#define EINVAL 22
#define ECANCELED 125
#define EDOM 33

static long sys6(long nr, long a, long b, long c, long d, long e, long f)
{
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

static uint64_t mono_ns(void)
{
	struct {
		int64_t sec, nsec;
	} ts = { 0, 0 };

	sys6(NR_clock_gettime, CLOCK_MONOTONIC, (long)&ts, 0, 0, 0, 0);
	return (uint64_t)ts.sec * 1000000000ULL + (uint64_t)ts.nsec;
}

/* ------------------------------------------------------------ vectors */
/* Fault in [a, a + n) with one system call: the target stops while the
 * transform runs, and taking a page fault per page costs much more (on
 * virtual machines, tens of microseconds each).  Failing is harmless. */
static void populate(uint64_t a, uint64_t n)
{
	uint64_t lo = a & ~(PAGE - 1), hi = (a + n + PAGE - 1) & ~(PAGE - 1);

	if (hi > lo)
		sys6(NR_madvise, (long)lo, (long)(hi - lo), MADV_POPULATE_WRITE, 0, 0, 0);
}

/* A growable array in its own mapping. */
static int vec_reserve(struct kx_vec *v, uint64_t n, uint64_t el)
{
	uint64_t need = (v->len + n) * el, size;
	long r;

	if (need <= v->size)
		return 0;
	size = v->size ? v->size : 64 * PAGE;
	while (size < need)
		size *= 2;
	if (v->p)
		r = sys6(NR_mremap, (long)v->p, (long)v->size, (long)size, MREMAP_MAYMOVE, 0, 0);
	else
		r = sys6(NR_mmap, 0, (long)size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	if (r < 0 && r > -4096)
		return -ENOMEM;
	/* huge pages where the kernel has them: the object map is read at
	 * random, and a TLB miss per lookup costs more than the lookup */
	sys6(NR_madvise, r, (long)size, MADV_HUGEPAGE, 0, 0, 0);
	populate((uint64_t)r + v->size, size - v->size);
	v->p = (uint8_t *)r;
	v->size = size;
	return 0;
}

static void vec_free(struct kx_vec *v)
{
	if (v->p)
		sys6(NR_munmap, (long)v->p, (long)v->size, 0, 0, 0, 0);
	v->p = 0;
	v->size = v->len = 0;
}

/* ------------------------------------------------------------ bytes */
static void copy_bytes(uint8_t *d, const uint8_t *s, uint64_t n)
{
	volatile uint8_t *vd = d;	/* never a call to memcpy */

	if (!(((uintptr_t)d | (uintptr_t)s | n) & 7)) {
		volatile uint64_t *wd = (volatile uint64_t *)d;
		const uint64_t *ws = (const uint64_t *)s;

		for (uint64_t i = 0; i < n / 8; i++)
			wd[i] = ws[i];
		return;
	}
	for (uint64_t i = 0; i < n; i++)
		vd[i] = s[i];
}

static void zero_bytes(uint8_t *d, uint64_t n)
{
	volatile uint8_t *vd = d;

	if (!(((uintptr_t)d | n) & 7)) {
		volatile uint64_t *wd = (volatile uint64_t *)d;

		for (uint64_t i = 0; i < n / 8; i++)
			wd[i] = 0;
		return;
	}
	for (uint64_t i = 0; i < n; i++)
		vd[i] = 0;
}

static uint64_t load(const uint8_t *p, uint64_t n)
{
	uint64_t v = 0;

	for (uint64_t i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void store(uint8_t *p, uint64_t n, uint64_t v)
{
	for (uint64_t i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A value of `bits` bits read with or without sign, as a signed 128-bit
 * quantity is not available: (neg, mag) is enough to range check. */
static int64_t extend(uint64_t v, uint64_t bits, int sign)
{
	if (bits >= 64)
		return (int64_t)v;
	v &= (1ULL << bits) - 1;
	if (sign && (v >> (bits - 1)) & 1)
		v |= ~0ULL << bits;
	return (int64_t)v;
}

/* Does the value (v, read signed or not) fit a field of `bits` bits? */
static int fits(int64_t v, int src_signed, uint64_t bits, int dst_signed)
{
	if (src_signed && v < 0) {
		if (!dst_signed)
			return 0;
		return bits >= 64 || v >= -(int64_t)(1ULL << (bits - 1));
	}
	/* v >= 0 (or an unsigned source: compare as unsigned) */
	if (dst_signed)
		return bits >= 64 ? (src_signed || (uint64_t)v <= (uint64_t)INT64_MAX) :
				    (uint64_t)v <= (1ULL << (bits - 1)) - 1;
	return bits >= 64 || (uint64_t)v <= (1ULL << bits) - 1;
}

static uint64_t get_bits(const uint8_t *base, uint64_t bit, uint64_t width)
{
	uint64_t v = 0;

	for (uint64_t i = 0; i < width; i++) {
		uint64_t b = bit + i;

		v |= (uint64_t)((base[b / 8] >> (b % 8)) & 1) << i;
	}
	return v;
}

static void put_bits(uint8_t *base, uint64_t bit, uint64_t width, uint64_t v)
{
	for (uint64_t i = 0; i < width; i++) {
		uint64_t b = bit + i;
		uint8_t m = (uint8_t)(1u << (b % 8));

		if ((v >> i) & 1)
			base[b / 8] |= m;
		else
			base[b / 8] &= (uint8_t)~m;
	}
}

/* ------------------------------------------------------------ the map */
/* Old address -> new address (and type) of every object found.  Objects
 * are found in the order the program built them, mostly one after the
 * other in memory, and a hash table of a million entries is read at
 * random: a cache and TLB miss per object.  So the map has two levels: a
 * small hash table of 4 KiB pages, each with a leaf of 256 slots (one per
 * 16 bytes, malloc's alignment) kept in the order first seen; consecutive
 * objects hit the same leaf.  An object at an address that is not a
 * multiple of 16 gets an exact entry in the hash table instead. */
#define LEAF_SLOTS 256
#define PAGE_KEY (1ULL << 63)	/* user addresses never have bit 63 set */
#define META_ALLOC 0x8000u	/* meta: type + 1 (types < 4096), and this when allocated */

struct kx_ent {			/* the hash table */
	uint64_t key;		/* PAGE_KEY | page number, or an exact address */
	uint64_t val;		/* a page: its leaf index; exact: the new address */
	uint16_t meta;		/* exact: as a leaf slot's */
	uint16_t used;
};

struct kx_leaf {
	uint64_t new[LEAF_SLOTS];
	uint16_t meta[LEAF_SLOTS];
};

struct kx_item {		/* an object waiting for its program */
	uint64_t old, new;
	uint32_t type, root;
};

struct kx_write {		/* a pointer to write at commit */
	uint64_t addr, value, prev;
	uint32_t prot, done;
};

/* Fibonacci hashing: the top bits of the product are the well-mixed ones. */
static uint64_t hash(uint64_t a, unsigned bits)
{
	return (a * 0x9e3779b97f4a7c15ULL) >> (64 - bits);
}

static int map_grow(struct kx_state *s)
{
	struct kx_vec nv = { 0, 0, 0 };
	uint64_t ncap = s->cap ? s->cap * 2 : 1 << 12;
	struct kx_ent *old = (struct kx_ent *)s->map.p, *tab;
	unsigned bits = s->bits + (s->cap ? 1 : 12);

	if (vec_reserve(&nv, ncap, sizeof(struct kx_ent)))
		return -ENOMEM;
	tab = (struct kx_ent *)nv.p;	/* fresh anonymous pages are zero */
	for (uint64_t i = 0; i < s->cap; i++) {
		uint64_t k;

		if (!old[i].used)
			continue;
		for (k = hash(old[i].key, bits); tab[k].used; k = (k + 1) & (ncap - 1))
			;
		tab[k] = old[i];
	}
	vec_free(&s->map);
	s->map = nv;
	s->cap = ncap;
	s->bits = bits;
	return 0;
}

/* The hash table's entry for key, made if absent (*fresh = 1). */
static struct kx_ent *ent_get(struct kx_state *s, uint64_t key, int *fresh)
{
	struct kx_ent *tab;
	uint64_t k;

	if ((s->used + 1) * 2 > s->cap && map_grow(s))
		return 0;
	tab = (struct kx_ent *)s->map.p;
	for (k = hash(key, s->bits); tab[k].used; k = (k + 1) & (s->cap - 1)) {
		if (tab[k].key == key) {
			*fresh = 0;
			return &tab[k];
		}
	}
	s->used++;
	tab[k].key = key;
	tab[k].val = 0;
	tab[k].meta = 0;
	tab[k].used = 1;
	*fresh = 1;
	return &tab[k];
}

/* The slot of the object at a: where its new address and meta go (meta 0:
 * not seen yet).  NULL when out of memory. */
static int obj_slot(struct kx_state *s, uint64_t a, uint64_t **newp, uint16_t **metap)
{
	struct kx_leaf *leaf;
	uint64_t page = a >> 12;
	int fresh;

	if (a & 15) {
		struct kx_ent *e = ent_get(s, a, &fresh);

		if (!e)
			return -ENOMEM;
		*newp = &e->val;
		*metap = &e->meta;
		return 0;
	}
	if (!s->leaves.len || page != s->last_page) {
		struct kx_ent *e = ent_get(s, PAGE_KEY | page, &fresh);

		if (!e)
			return -ENOMEM;
		if (fresh) {
			if (vec_reserve(&s->leaves, 1, sizeof(struct kx_leaf)))
				return -ENOMEM;
			e->val = s->leaves.len++;	/* zero-filled: every slot unseen */
		}
		s->last_page = page;
		s->last_leaf = e->val;
	}
	leaf = (struct kx_leaf *)s->leaves.p + s->last_leaf;
	*newp = &leaf->new[(a & 4095) >> 4];
	*metap = &leaf->meta[(a & 4095) >> 4];
	return 0;
}

/* Free every object allocated (a failed transform). */
static void obj_free_all(struct kx_state *s, void (*fn)(void *))
{
	struct kx_ent *tab = (struct kx_ent *)s->map.p;
	struct kx_leaf *lv = (struct kx_leaf *)s->leaves.p;

	for (uint64_t i = 0; i < s->cap; i++)
		if (tab[i].used && !(tab[i].key & PAGE_KEY) && (tab[i].meta & META_ALLOC))
			fn((void *)(uintptr_t)tab[i].val);
	for (uint64_t l = 0; l < s->leaves.len; l++)
		for (int k = 0; k < LEAF_SLOTS; k++)
			if (lv[l].meta[k] & META_ALLOC)
				fn((void *)(uintptr_t)lv[l].new[k]);
}

/* ------------------------------------------------------------ helpers */
static const struct kstub_xtype *xtype(const struct kx_state *s, uint64_t t)
{
	return t < s->plan->ntypes ? &((const struct kstub_xtype *)(uintptr_t)s->plan->types)[t] : 0;
}

static const struct kstub_xroot *xroot(const struct kx_state *s, uint64_t r)
{
	return &((const struct kstub_xroot *)(uintptr_t)s->plan->roots)[r];
}

static uint64_t src_size(const struct kx_state *s, const struct kstub_xtype *t)
{
	return s->back ? t->new_size : t->old_size;
}

static uint64_t dst_size(const struct kx_state *s, const struct kstub_xtype *t)
{
	return s->back ? t->old_size : t->new_size;
}

static int fail(struct kx_state *s, int code, uint64_t type, const uint8_t *obj, uint64_t off,
		uint64_t value)
{
	struct kstub_xplan *pl = s->plan;

	if (!pl->fail_code) {
		pl->fail_code = code;
		pl->fail_type = (uint32_t)type;
		pl->fail_root = s->root;
		pl->fail_addr = (uint64_t)(uintptr_t)obj;
		pl->fail_off = off;
		pl->fail_value = value;
	}
	return -EINVAL;
}

static int lookup(const void *ctx, uint64_t t, const uint8_t **prog, size_t *len,
		  uint64_t *src, int *inplace)
{
	const struct kx_state *s = ctx;
	const struct kstub_xtype *x = xtype(s, t);

	if (!x)
		return -1;
	*prog = (const uint8_t *)(uintptr_t)(s->back ? x->back : x->fwd);
	*len = s->back ? x->back_len : x->fwd_len;
	*src = src_size(s, x);
	*inplace = !!(x->flags & KX_INPLACE);
	return *prog || *inplace ? 0 : -1;
}

/* The variable whose source storage holds address a: its index, or -1. */
static long root_at(const struct kx_state *s, uint64_t a, int past_end)
{
	/* inside a variable; else, with past_end, just past one (a pointer
	 * value at C's end of an array), which comes second: the next
	 * variable may start there */
	for (int end = 0; end <= past_end; end++) {
		for (uint32_t i = 0; i < s->plan->nroots; i++) {
			const struct kstub_xroot *r = xroot(s, i);
			const struct kstub_xtype *t = xtype(s, r->type);
			uint64_t base = s->back ? r->new_addr : r->old_addr;

			if (t && a >= base && (end ? a - base == src_size(s, t) : a - base < src_size(s, t)))
				return i;
		}
	}
	return -1;
}

/* Where address a (inside variable ri's source storage) is in its
 * destination; 0 if that byte does not survive. */
static int root_translate(struct kx_state *s, long ri, uint64_t a, uint64_t *out)
{
	const struct kstub_xroot *r = xroot(s, (uint64_t)ri);
	struct po_xop_lookup lk = { lookup, s };
	uint64_t off;

	const struct kstub_xtype *t = xtype(s, r->type);

	if (r->flags & KX_ROOT_FIXUP) {
		*out = a;
		return 0;
	}
	off = a - (s->back ? r->new_addr : r->old_addr);
	if (off == src_size(s, t))
		off = dst_size(s, t);	/* just past the end stays just past it */
	else if (po_xop_translate(&lk, r->type, off, &off, 0))
		return -1;
	*out = (s->back ? r->old_addr : r->new_addr) + off;
	return 0;
}

static int record_write(struct kx_state *s, uint8_t *at, uint64_t value, uint32_t prot)
{
	struct kx_write *w;

	if (vec_reserve(&s->writes, 1, sizeof(*w)))
		return -ENOMEM;
	w = (struct kx_write *)s->writes.p + s->writes.len++;
	w->addr = (uint64_t)(uintptr_t)at;
	w->value = value;
	w->prev = 0;
	w->prot = prot;
	w->done = 0;
	return 0;
}

/* New objects come from the top of the program's heap: when one lands
 * past what was faulted in, fault in the rest of the heap up to its end
 * (the break), in one go. */
static void heap_ahead(struct kx_state *s, uint64_t end)
{
	uint64_t brk;

	if (end <= s->heap_end)
		return;
	brk = (uint64_t)sys6(NR_brk, 0, 0, 0, 0, 0, 0);
	if (end <= brk && brk - end < (1ULL << 30)) {
		populate(end, brk - end);
		s->heap_end = brk;
	} else {
		/* not the break's heap (an mmap'd arena): look again a
		 * megabyte further on */
		s->heap_end = (end + (1ULL << 20)) & ~((1ULL << 20) - 1);
	}
}

/* The new value of pointer v to an object of type t. */
static int map_ptr(struct kx_state *s, uint64_t t, uint64_t v, uint64_t *out,
		   const uint8_t *obj, uint64_t off)
{
	const struct kstub_xtype *x = xtype(s, t);
	struct kx_item *q;
	uint64_t *np;
	uint16_t *mp;
	long ri;

	if (!v) {
		*out = 0;
		return 0;
	}
	ri = root_at(s, v, 1);
	if (ri >= 0) {		/* into a variable: its new storage */
		if (root_translate(s, ri, v, out))
			return fail(s, KX_EPTR, t, obj, off, v);
		return 0;
	}
	if (obj_slot(s, v, &np, &mp))
		return fail(s, KX_ENOMEM, t, obj, off, v);
	if (*mp) {
		if ((*mp & ~META_ALLOC) != t + 1)
			return fail(s, KX_ETYPE, t, obj, off, v);
		*out = *np;
		return 0;
	}
	*np = v;		/* in place: it stays where it is, its pointers change */
	if (!(x->flags & KX_INPLACE)) {
		uint64_t size = dst_size(s, x);
		void *n;

		if (!s->plan->malloc_fn)
			return fail(s, KX_EPLAN, t, obj, off, v);
		n = ((void *(*)(unsigned long))(uintptr_t)s->plan->malloc_fn)(size ? size : 1);
		if (!n)
			return fail(s, KX_ENOMEM, t, obj, off, size);
		/* the slot again: malloc ran no code of ours, but be exact */
		heap_ahead(s, (uint64_t)(uintptr_t)n + size);
		zero_bytes(n, size);
		*np = (uint64_t)(uintptr_t)n;
		*mp = META_ALLOC;
		s->plan->objects++;
		s->plan->bytes += size;
	}
	*mp |= (uint16_t)(t + 1);
	if (vec_reserve(&s->queue, 1, sizeof(*q)))
		return fail(s, KX_ENOMEM, t, obj, off, v);
	q = (struct kx_item *)s->queue.p + s->queue.len++;
	q->old = v;
	q->new = *np;
	q->type = (uint32_t)t;
	q->root = s->root;
	*out = *np;
	return 0;
}

/* ------------------------------------------------------------ programs */
static int run(struct kx_state *s, uint64_t t, const uint8_t *old, uint8_t *new, int depth);

/* One operation on one object.  inplace: new == old is live storage, so
 * pointers are recorded for the commit instead of written. */
int kstub_xform_op(struct kx_state *s, uint64_t t, const struct po_xop *op, const uint8_t *old,
		   uint8_t *new, int inplace, int depth)
{
	const uint64_t *a = op->a;
	int64_t v;
	uint64_t nv;

	switch (op->code) {
	case PO_XOP_COPY:
		if (!inplace)
			copy_bytes(new + a[1], old + a[0], a[2]);
		return 0;
	case PO_XOP_INT:
		v = extend(load(old + a[0], a[1]), a[1] * 8, !!(a[4] & PO_XOP_OLD_SIGNED));
		if (!fits(v, !!(a[4] & PO_XOP_OLD_SIGNED), a[3] * 8, !!(a[4] & PO_XOP_NEW_SIGNED)))
			return fail(s, KX_EFIT, t, old, a[0], (uint64_t)v);
		store(new + a[2], a[3], (uint64_t)v);
		return 0;
	case PO_XOP_BITS:
		v = extend(get_bits(old, a[0], a[1]), a[1], !!(a[4] & PO_XOP_OLD_SIGNED));
		if (!fits(v, !!(a[4] & PO_XOP_OLD_SIGNED), a[3], !!(a[4] & PO_XOP_NEW_SIGNED)))
			return fail(s, KX_EFIT, t, old, a[0] / 8, (uint64_t)v);
		put_bits(new, a[2], a[3], (uint64_t)v);
		return 0;
	case PO_XOP_ENUM: {
		int64_t to;

		v = extend(load(old + a[0], a[1]), a[1] * 8, !!(a[4] & PO_XOP_OLD_SIGNED));
		if (po_xop_enum_map(op, v, &to))
			return fail(s, KX_EENUM, t, old, a[0], (uint64_t)v);
		if (!fits(to, 1, a[3] * 8, !!(a[4] & PO_XOP_NEW_SIGNED)))
			return fail(s, KX_EFIT, t, old, a[0], (uint64_t)to);
		store(new + a[2], a[3], (uint64_t)to);
		return 0;
	}
	case PO_XOP_PTR: {
		uint64_t pv = load(old + a[0], 8);

		if (map_ptr(s, a[2], pv, &nv, old, a[0]))
			return -EINVAL;
		if (!inplace)
			store(new + a[1], 8, nv);
		else if (nv != pv && record_write(s, new + a[1], nv, s->prot))
			return fail(s, KX_ENOMEM, t, old, a[0], pv);
		return 0;
	}
	case PO_XOP_SUB:
		return run(s, a[2], old + a[0], new + a[1], depth + 1);
	case PO_XOP_ARRAY:
		for (uint64_t i = 0; i < a[2]; i++)
			if (run(s, a[5], old + a[0] + i * a[3], new + a[1] + i * a[4], depth + 1))
				return -EINVAL;
		return 0;
	}
	return fail(s, KX_EPLAN, t, old, 0, op->code);
}

/* Type t's program, decoded once per run: a million objects of one type
 * would otherwise decode the same few operations a million times.  *ops
 * ends with an END operation. */
static int prog_of(struct kx_state *s, uint64_t t, const struct po_xop **ops)
{
	const struct kstub_xtype *x = xtype(s, t);
	uint32_t *start;

	if (!x)
		return -1;
	if (!s->starts.p) {
		if (vec_reserve(&s->starts, s->plan->ntypes, sizeof(uint32_t)))
			return -1;
		s->starts.len = s->plan->ntypes;	/* zero: not decoded yet */
	}
	start = (uint32_t *)s->starts.p + t;
	if (!*start) {
		const uint8_t *p = (const uint8_t *)(uintptr_t)(s->back ? x->back : x->fwd);
		size_t len = s->back ? x->back_len : x->fwd_len, pos = 0;
		uint64_t first = s->ops.len;
		struct po_xop op;

		if (!p)
			return -1;
		do {
			if (po_xop_decode(p, len, &pos, &op) ||
			    vec_reserve(&s->ops, 1, sizeof(struct po_xop)))
				return -1;
			((struct po_xop *)s->ops.p)[s->ops.len++] = op;
		} while (op.code != PO_XOP_END);
		*start = (uint32_t)first + 1;
	}
	*ops = (const struct po_xop *)s->ops.p + (*start - 1);
	return 0;
}

/* Run type t's program on one object. */
/* An in-place type keeps its layout: its program only re-points
 * pointers.  Where such an object moves (embedded in an object that is
 * rebuilt elsewhere) its bytes are carried over first, all of them. */
static void carry_inplace(struct kx_state *s, uint64_t t, const uint8_t *old, uint8_t *new)
{
	const struct kstub_xtype *x = xtype(s, t);

	if (x && (x->flags & KX_INPLACE) && old != new)
		copy_bytes(new, old, x->old_size);
}

static int run(struct kx_state *s, uint64_t t, const uint8_t *old, uint8_t *new, int depth)
{
	const struct po_xop *op;

	if (depth > 64 /* PO_XFORM_MAX_DEPTH */ || prog_of(s, t, &op))
		return fail(s, s->back ? KX_EBACK : KX_EPLAN, t, old, 0, 0);
	carry_inplace(s, t, old, new);
	for (; op->code != PO_XOP_END; op++)
		if (kstub_xform_op(s, t, op, old, new, old == new, depth))
			return -EINVAL;
	return 0;
}

/* A variable's transform.  katana apply --step stops here, before the
 * first operation: `print *old` and `print *new` show the variable in its
 * old and new layout (GDB finds the two types in a file katana loads for
 * this variable), `next` runs the operations one by one. */
struct katana_old;
struct katana_new;

__attribute__((noinline)) int kstub_xform_var(struct kx_state *s, const struct kstub_xroot *root,
					      const struct katana_old *old, struct katana_new *new)
{
	const struct po_xop *op;
	int inplace = (const void *)old == (const void *)new;

	if (prog_of(s, root->type, &op))
		return fail(s, s->back ? KX_EBACK : KX_EPLAN, root->type, (const uint8_t *)old, 0, 0);
	carry_inplace(s, root->type, (const uint8_t *)old, (uint8_t *)new);
	for (; op->code != PO_XOP_END; op++) {
		if (kstub_xform_op(s, root->type, op, (const uint8_t *)old, (uint8_t *)new, inplace, 0))
			return -EINVAL;
	}
	return 0;
}

/* ------------------------------------------------------------ phases */
/* Where address a, inside some variable's old storage, is in its new
 * storage (forward, whatever the direction of this run). */
static int forward_of(struct kx_state *s, uint64_t a, uint64_t *out)
{
	int back = s->back, r;
	long ri;

	s->back = 0;
	ri = root_at(s, a, 1);
	r = ri < 0 ? -1 : root_translate(s, ri, a, out);
	s->back = back;
	return r;
}

/* The transformed (not fixed-up) variable whose old storage holds a. */
static long xform_root_at(struct kx_state *s, uint64_t a)
{
	int back = s->back;
	long ri;

	s->back = 0;
	ri = root_at(s, a, 0);
	s->back = back;
	return ri >= 0 && !(xroot(s, (uint64_t)ri)->flags & KX_ROOT_FIXUP) ? ri : -1;
}

/* Static pointers the link set into a transformed variable: re-pointed
 * (forward) or put back (revert) if they still hold what they held. */
static int do_ptrs(struct kx_state *s)
{
	const struct kstub_xptr *pt = (const struct kstub_xptr *)(uintptr_t)s->plan->ptrs;

	for (uint32_t i = 0; i < s->plan->nptrs; i++) {
		uint64_t fwd, site = pt[i].site, want, to;
		long rs;

		if (pt[i].root >= s->plan->nroots)
			return fail(s, KX_EPLAN, 0, 0, 0, pt[i].root);
		s->root = pt[i].root;
		if (forward_of(s, pt[i].value, &fwd)) {
			if (s->back)
				continue;
			return fail(s, KX_EPTR, 0, (const uint8_t *)(uintptr_t)site, 0, pt[i].value);
		}
		want = s->back ? fwd : pt[i].value;
		to = s->back ? pt[i].value : fwd;
		/* a pointer inside a transformed variable moves with it: the
		 * copy built from the variable is re-pointed, if the variable
		 * still holds the link's pointer there */
		rs = xform_root_at(s, site);
		if (rs >= 0) {
			uint64_t moved;

			if (forward_of(s, site, &moved))
				continue;	/* the pointer itself does not survive */
			if (load((const uint8_t *)(uintptr_t)(s->back ? moved : site), 8) != want)
				continue;	/* the program changed it */
			store((uint8_t *)(uintptr_t)(s->back ? site : moved), 8, to);
			continue;
		}
		if (load((const uint8_t *)(uintptr_t)site, 8) != want)
			continue;	/* the program changed it: not the link's pointer */
		if (record_write(s, (uint8_t *)(uintptr_t)site, to, pt[i].prot))
			return fail(s, KX_ENOMEM, 0, 0, 0, site);
	}
	return 0;
}

/* apply --step: GDB's breakpoint here answers the stub (plan->go). */
__attribute__((noinline)) void kstub_step_confirm(struct kstub_xplan *plan)
{
	__asm__ volatile("" : : "r"(plan) : "memory");
}

int kx_build(struct kx_state *s, struct kstub_xplan *plan, int back)
{
	uint64_t t0 = mono_ns();

	s->plan = plan;
	s->back = back;
	plan->objects = plan->bytes = plan->writes = plan->ns = 0;
	plan->fail_code = 0;
	plan->fail_addr = plan->fail_value = plan->fail_off = 0;
	plan->fail_root = plan->fail_type = 0;
	if (plan->magic != KSTUB_XPLAN_MAGIC || plan->ntypes > 4096)
		return fail(s, KX_EPLAN, 0, 0, 0, plan->magic);
	for (uint32_t i = 0; i < plan->nroots; i++) {
		const struct kstub_xroot *r = xroot(s, i);
		const uint8_t *src = (const uint8_t *)(uintptr_t)(back ? r->new_addr : r->old_addr);
		uint8_t *dst = (uint8_t *)(uintptr_t)(back ? r->old_addr : r->new_addr);

		if (!xtype(s, r->type))
			return fail(s, KX_EPLAN, r->type, src, 0, i);
		s->root = i;
		s->prot = r->prot;
		plan->step_root = i;
		/* --step: GDB's breakpoint is in kstub_xform_var; without GDB
		 * (quit, or killed and its int3 left there) nothing goes on */
		if ((plan->flags & KX_STEP) && !kstub_traced())
			return fail(s, KX_EGONE, r->type, src, 0, i);
		if (kstub_xform_var(s, r, (const struct katana_old *)src, (struct katana_new *)dst))
			return -EINVAL;
		if ((plan->flags & KX_STEP) && plan->abort)
			return fail(s, KX_EABORT, r->type, src, 0, i);
	}
	s->prot = 0;
	/* the objects found through pointers, in the order found; what was
	 * processed is dropped from time to time, so a long list needs a
	 * short queue */
	for (uint64_t i = 0; i < s->queue.len; i++) {
		struct kx_item q = ((struct kx_item *)s->queue.p)[i];

		s->root = q.root;
		if (run(s, q.type, (const uint8_t *)(uintptr_t)q.old, (uint8_t *)(uintptr_t)q.new, 0))
			return -EINVAL;
		if (i >= 4096 && i + 1 >= s->queue.len / 2) {
			struct kx_item *qa = (struct kx_item *)s->queue.p;
			uint64_t rest = s->queue.len - (i + 1);

			copy_bytes((uint8_t *)qa, (const uint8_t *)(qa + i + 1), rest * sizeof(*qa));
			s->queue.len = rest;
			i = (uint64_t)-1;
		}
	}
	if (do_ptrs(s))
		return -EINVAL;
	plan->ns = mono_ns() - t0;
	if (plan->flags & KX_STEP) {
		/* --step: GDB's breakpoint on kstub_step_confirm sets go.  A
		 * stub left alone (GDB quit or detached at a stop: the other
		 * threads run again) commits nothing. */
		*(volatile uint64_t *)&plan->go = 0;
		if (kstub_traced())
			kstub_step_confirm(plan);
		if (!*(volatile uint64_t *)&plan->go)
			return fail(s, KX_EGONE, 0, 0, 0, 0);
	}
	return 0;
}

static long protect(uint64_t addr, uint32_t prot)
{
	return sys6(NR_mprotect, (long)(addr & ~(PAGE - 1)), (long)(((addr + 8 + PAGE - 1) & ~(PAGE - 1)) -
								    (addr & ~(PAGE - 1))),
		    (long)prot, 0, 0, 0);
}

int kx_commit(struct kx_state *s)
{
	struct kx_write *w = (struct kx_write *)s->writes.p;
	uint64_t t0 = mono_ns();

	for (uint64_t i = 0; i < s->writes.len; i++) {
		uint8_t *p = (uint8_t *)(uintptr_t)w[i].addr;

		if (w[i].prot && protect(w[i].addr, PROT_READ | PROT_WRITE) < 0)
			return -EINVAL;
		w[i].prev = load(p, 8);
		store(p, 8, w[i].value);
		w[i].done = 1;
		if (w[i].prot)
			protect(w[i].addr, w[i].prot);
		s->plan->writes++;
	}
	s->plan->ns += mono_ns() - t0;
	return 0;
}

void kx_rollback(struct kx_state *s)
{
	struct kx_write *w = (struct kx_write *)s->writes.p;

	for (uint64_t i = s->writes.len; i-- > 0;) {
		if (!w[i].done)
			continue;
		if (w[i].prot)
			protect(w[i].addr, PROT_READ | PROT_WRITE);
		store((uint8_t *)(uintptr_t)w[i].addr, 8, w[i].prev);
		if (w[i].prot)
			protect(w[i].addr, w[i].prot);
		w[i].done = 0;
	}
	s->plan->writes = 0;
}

void kx_discard(struct kx_state *s)
{
	if (s->plan->free_fn)
		obj_free_all(s, (void (*)(void *))(uintptr_t)s->plan->free_fn);
	s->plan->objects = s->plan->bytes = 0;
}

void kx_done(struct kx_state *s)
{
	vec_free(&s->map);
	vec_free(&s->leaves);
	vec_free(&s->ops);
	vec_free(&s->starts);
	vec_free(&s->queue);
	vec_free(&s->writes);
	s->cap = s->used = 0;
}
