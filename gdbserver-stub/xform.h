/* xform.h - the stub's data transform engine (xform.c), called by the
 * commit and revert of stub.c.  Internal to the stub. */
#ifndef KATANA_STUB_XFORM_H
#define KATANA_STUB_XFORM_H

#include <stdint.h>

#include "stub.h"

struct kx_vec {			/* a growable array in its own mapping */
	uint8_t *p;
	uint64_t size;		/* bytes mapped */
	uint64_t len;		/* elements used */
};

struct kx_state {
	struct kstub_xplan *plan;
	int back;		/* revert: backward programs, new -> old */
	uint32_t root;		/* the variable being worked on (messages) */
	uint32_t prot;		/* its pages' protection when not writable */
	struct kx_vec map;	/* struct kx_ent[cap]: pages and odd objects */
	uint64_t cap, used;
	unsigned bits;		/* cap = 1 << bits */
	struct kx_vec leaves;	/* struct kx_leaf[]: the objects of a page */
	uint64_t last_page, last_leaf;	/* the leaf used last */
	struct kx_vec ops;	/* struct po_xop[]: the programs, decoded */
	struct kx_vec starts;	/* uint32_t[ntypes]: 1 + a type's first op */
	struct kx_vec queue;	/* objects waiting for their program */
	struct kx_vec writes;	/* pointers to write at commit */
	uint64_t heap_end;	/* the program's heap is faulted in up to here */
};

/* Build: fill every new storage and object; failures leave everything
 * outside the patch's memory as it was (after kx_discard).  0 or -EINVAL
 * with plan->fail_* set. */
int kx_build(struct kx_state *s, struct kstub_xplan *plan, int back);
/* Make the recorded pointer writes; kx_rollback puts them back. */
int kx_commit(struct kx_state *s);
void kx_rollback(struct kx_state *s);
/* Free the objects kx_build allocated (after a failure). */
void kx_discard(struct kx_state *s);
/* Release the work memory. */
void kx_done(struct kx_state *s);

/* stub.c: is the thread traced (GDB there)?  1 when unknown. */
int kstub_traced(void);

#endif
