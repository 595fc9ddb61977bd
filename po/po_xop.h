/* po_xop.h - the data transform byte-code of Patch Objects (format 2):
 * opcodes and a decoder.  doc/po-format.md, section 4.8, is the
 * specification.
 *
 * Header only, freestanding (stdint and stddef only): the PO reader, the
 * generator, the viewers and the in-target stub (gdbserver-stub/, no libc)
 * all decode programs with this one decoder.
 *
 * A program turns one object of a type's old layout into one object of its
 * new layout: a sequence of operations, each an opcode byte followed by
 * ULEB128 operands (ENUM's value table is SLEB128), ending with END.  The
 * encoding follows DWARF's call frame instructions: one byte of opcode,
 * variable-length operands, no alignment.
 */
#ifndef KATANA_PO_XOP_H
#define KATANA_PO_XOP_H

#include <stddef.h>
#include <stdint.h>

enum po_xop_code {
	PO_XOP_END = 0x00,	/* end of the program */
	PO_XOP_COPY = 0x01,	/* old_off new_off len: bytes unchanged */
	PO_XOP_INT = 0x02,	/* old_off old_size new_off new_size flags:
				 * integer widened or narrowed (sizes 1, 2, 4, 8),
				 * a value that does not fit fails the transform */
	PO_XOP_BITS = 0x03,	/* old_bit old_width new_bit new_width flags:
				 * a bit-field (bit positions from the object's
				 * start, little-endian, widths 1..64) */
	PO_XOP_ENUM = 0x04,	/* old_off old_size new_off new_size flags n,
				 * then n pairs (old value, new value) as SLEB128:
				 * a stored enumerator renumbered; a value not in
				 * the table fails the transform */
	PO_XOP_PTR = 0x05,	/* old_off new_off type: a pointer to an object of
				 * xtype `type`: NULL stays NULL, a known object
				 * maps to its new copy, a new one is found and
				 * transformed too */
	PO_XOP_SUB = 0x06,	/* old_off new_off type: an embedded object of
				 * xtype `type` (its program runs there) */
	PO_XOP_ARRAY = 0x07,	/* old_off new_off count old_stride new_stride type:
				 * count embedded objects of xtype `type` */
};

/* flags of INT, BITS and ENUM */
#define PO_XOP_OLD_SIGNED 0x1u	/* the old value is signed (sign-extended) */
#define PO_XOP_NEW_SIGNED 0x2u	/* the new field is signed (range checked so) */

#define PO_XOP_MAX_ARGS 6

struct po_xop {
	uint8_t code;
	uint64_t a[PO_XOP_MAX_ARGS];	/* operands in the order above */
	const uint8_t *table;		/* ENUM: the first pair */
	size_t table_len;		/* ENUM: bytes of the pairs */
};

/* Operands per opcode (ENUM: before its table); -1 for an unknown opcode. */
static inline int po_xop_nargs(uint8_t code)
{
	switch (code) {
	case PO_XOP_END: return 0;
	case PO_XOP_COPY: return 3;
	case PO_XOP_INT: return 5;
	case PO_XOP_BITS: return 5;
	case PO_XOP_ENUM: return 6;
	case PO_XOP_PTR: return 3;
	case PO_XOP_SUB: return 3;
	case PO_XOP_ARRAY: return 6;
	}
	return -1;
}

/* ULEB128 at p[*pos], at most 10 bytes, must fit 64 bits.  0 or -1. */
static inline int po_uleb(const uint8_t *p, size_t len, size_t *pos, uint64_t *v)
{
	uint64_t r = 0;
	unsigned sh = 0;

	while (*pos < len) {
		uint8_t b = p[(*pos)++];

		if (sh == 63 && (b & 0x7e))
			return -1;
		r |= (uint64_t)(b & 0x7f) << sh;
		if (!(b & 0x80)) {
			*v = r;
			return 0;
		}
		sh += 7;
		if (sh > 63)
			return -1;
	}
	return -1;
}

static inline int po_sleb(const uint8_t *p, size_t len, size_t *pos, int64_t *v)
{
	uint64_t r = 0;
	unsigned sh = 0;
	uint8_t b = 0;

	while (*pos < len) {
		b = p[(*pos)++];
		if (sh < 64)
			r |= (uint64_t)(b & 0x7f) << sh;
		else if ((b & 0x7f) != ((r >> 63) ? 0x7f : 0))
			return -1;
		sh += 7;
		if (!(b & 0x80)) {
			if (sh < 64 && (b & 0x40))
				r |= ~(uint64_t)0 << sh;
			*v = (int64_t)r;
			return 0;
		}
		if (sh > 70)
			return -1;
	}
	return -1;
}

/* Decode the operation at p[*pos] into *op and advance *pos past it
 * (ENUM: past its table too).  0, or -1 when the bytes are not a complete
 * operation (unknown opcode, truncated operand, ENUM table overrunning). */
static inline int po_xop_decode(const uint8_t *p, size_t len, size_t *pos, struct po_xop *op)
{
	int n;

	if (*pos >= len)
		return -1;
	op->code = p[(*pos)++];
	op->table = NULL;
	op->table_len = 0;
	n = po_xop_nargs(op->code);
	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++)
		if (po_uleb(p, len, pos, &op->a[i]))
			return -1;
	for (int i = n; i < PO_XOP_MAX_ARGS; i++)
		op->a[i] = 0;
	if (op->code == PO_XOP_ENUM) {
		size_t start = *pos;
		int64_t v;

		if (op->a[5] > len)
			return -1;
		for (uint64_t i = 0; i < 2 * op->a[5]; i++)
			if (po_sleb(p, len, pos, &v))
				return -1;
		op->table = p + start;
		op->table_len = *pos - start;
	}
	return 0;
}

/* Look value up in an ENUM operation's table: 0 with *out, -1 if absent. */
static inline int po_xop_enum_map(const struct po_xop *op, int64_t value, int64_t *out)
{
	size_t pos = 0;

	for (uint64_t i = 0; i < op->a[5]; i++) {
		int64_t o, n;

		if (po_sleb(op->table, op->table_len, &pos, &o) ||
		    po_sleb(op->table, op->table_len, &pos, &n))
			return -1;
		if (o == value) {
			*out = n;
			return 0;
		}
	}
	return -1;
}

/* Where a byte of an object's source layout lands in its destination
 * layout, read off the program itself: a COPY carries its bytes over, an
 * INT, ENUM or PTR field only its first byte (the field's address), SUB and
 * ARRAY recurse into the embedded type.  The caller says how to find a
 * type: its program in the direction wanted, the size of its source layout,
 * and whether it stays in place (then every byte maps to itself).
 * 0 with *out, -1 when the byte is not carried over. */
struct po_xop_lookup {
	int (*type)(const void *ctx, uint64_t t, const uint8_t **prog, size_t *len,
		    uint64_t *src_size, int *inplace);
	const void *ctx;
};

static inline int po_xop_translate(const struct po_xop_lookup *lk, uint64_t t, uint64_t off,
				   uint64_t *out, int depth)
{
	const uint8_t *p;
	size_t len, pos = 0;
	uint64_t ss;
	int inplace;
	struct po_xop op;

	if (depth > 64 || lk->type(lk->ctx, t, &p, &len, &ss, &inplace))
		return -1;
	if (inplace) {
		*out = off;
		return off < ss ? 0 : -1;
	}
	while (!po_xop_decode(p, len, &pos, &op) && op.code != PO_XOP_END) {
		const uint64_t *a = op.a;
		uint64_t r, es;
		const uint8_t *ip;
		size_t il;
		int iin;

		switch (op.code) {
		case PO_XOP_COPY:
			if (off >= a[0] && off - a[0] < a[2]) {
				*out = a[1] + (off - a[0]);
				return 0;
			}
			break;
		case PO_XOP_INT:
		case PO_XOP_ENUM:
			if (off == a[0]) {
				*out = a[2];
				return 0;
			}
			break;
		case PO_XOP_PTR:
			if (off == a[0]) {
				*out = a[1];
				return 0;
			}
			break;
		case PO_XOP_SUB:
			if (lk->type(lk->ctx, a[2], &ip, &il, &es, &iin))
				return -1;
			if (off >= a[0] && off - a[0] < es) {
				if (po_xop_translate(lk, a[2], off - a[0], &r, depth + 1))
					return -1;
				*out = a[1] + r;
				return 0;
			}
			break;
		case PO_XOP_ARRAY:
			if (!a[3] || off < a[0] || (off - a[0]) / a[3] >= a[2])
				break;
			if (lk->type(lk->ctx, a[5], &ip, &il, &es, &iin) || (off - a[0]) % a[3] >= es ||
			    po_xop_translate(lk, a[5], (off - a[0]) % a[3], &r, depth + 1))
				return -1;
			*out = a[1] + (off - a[0]) / a[3] * a[4] + r;
			return 0;
		}
	}
	return -1;
}

#endif
