/* ref.h - what a relocation points at, independent of section layout.
 * Two relocations are equivalent when their targets are: the same symbol
 * (through twins) at the same offset, the same string literal, the same
 * constant, or an anonymous chunk with equal contents.  Internal. */
#ifndef KATANA_GEN_REF_H
#define KATANA_GEN_REF_H

#include "obj.h"

enum ref_kind {
	REF_SYM,	/* sym + off (off relative to the symbol's start) */
	REF_STR,	/* a string in a SHF_MERGE|SHF_STRINGS section */
	REF_CONST,	/* an entsize constant in a SHF_MERGE section */
	REF_CHUNK,	/* anonymous bytes of a section (jump table, ...) */
	REF_ABS,	/* an absolute or otherwise unresolvable symbol, by name */
};

struct ref {
	enum ref_kind kind;
	struct gsym *sym;	/* REF_SYM, REF_ABS */
	int64_t off;		/* REF_SYM: addend relative to sym; others: addend
				 * relative to the chunk start */
	struct gsec *sec;	/* REF_STR/CONST/CHUNK */
	uint64_t start, len;	/* the chunk in sec */
};

/* What r points at relative to S + A (the CPU's view for PC-relative
 * operands in code: the displacement counts from the instruction's end). */
int64_t ref_pc_adjust(struct gobj *o, struct gsec *in, const struct grela *r);

/* Resolve relocation r, found in section in of object o. */
int ref_resolve(struct gobj *o, struct gsec *in, const struct grela *r, struct ref *out);

/* Do two references (old, new) denote the same thing?  depth guards
 * recursion through chunks that point at chunks. */
int ref_equal(struct gobj *oo, const struct ref *a, struct gobj *no,
	      const struct ref *b, int depth);

/* Compare two byte ranges with their relocations (and, in code shared with
 * other functions, their PC-relative displacements).  Returns 1 if equal.
 * If diff is non-NULL it receives a short reason when they differ. */
int range_equal(struct gobj *oo, struct gsec *os, uint64_t ostart, uint64_t olen,
		struct gobj *no, struct gsec *ns, uint64_t nstart, uint64_t nlen,
		int depth, const char **why);

/* range_equal, where also references same(arg, old, new) accepts count as
 * equal (same == NULL: none). */
typedef int (*ref_same_fn)(void *arg, const struct ref *a, const struct ref *b);
int range_equal_but(struct gobj *oo, struct gsec *os, uint64_t ostart, uint64_t olen,
		    struct gobj *no, struct gsec *ns, uint64_t nstart, uint64_t nlen, int depth,
		    ref_same_fn same, void *arg, const char **why);

/* Masks for the checksum of an old function: relocation sites and the
 * opcode bytes a linker may relax.  *masks malloc'd. */
int func_masks(struct gobj *o, struct gsym *f, struct po_disk_mask **masks, size_t *n);

/* PC-relative displacements in f's bytes without a relocation that reach
 * outside f (same-section references the assembler resolved).  For each:
 * offset of the displacement in the section, its size, the target offset in
 * the section.  Returns the count or a negative error (undecodable code). */
struct pcref {
	uint64_t site;		/* section offset of the displacement */
	uint8_t size;		/* 1 or 4 */
	uint64_t target;	/* section offset it reaches */
	uint64_t end;		/* section offset of the next instruction */
};
int func_pcrefs(struct gobj *o, struct gsym *f, struct pcref **refs, size_t *n);

#endif
