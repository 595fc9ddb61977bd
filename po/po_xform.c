/* po_xform.c - checking and reading transform programs (format 2): what the
 * reader validates, the writer double-checks, and appliers and viewers use
 * to translate addresses between an object's two layouts. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "po_internal.h"
#include "po_xop.h"

const char *po_xop_name(uint8_t code)
{
	switch (code) {
	case PO_XOP_END: return "end";
	case PO_XOP_COPY: return "copy";
	case PO_XOP_INT: return "int";
	case PO_XOP_BITS: return "bits";
	case PO_XOP_ENUM: return "enum";
	case PO_XOP_PTR: return "ptr";
	case PO_XOP_SUB: return "sub";
	case PO_XOP_ARRAY: return "array";
	}
	return "?";
}

static const char *tname(const struct po_xtype *types, size_t ntypes, uint64_t i)
{
	return types && i < ntypes ? types[i].name : "?";
}

void po_xop_describe(const struct po_xtype *types, size_t ntypes, const struct po_xop *op,
		     char *buf, size_t n)
{
	const uint64_t *a = op->a;
	int k;

	switch (op->code) {
	case PO_XOP_END:
		snprintf(buf, n, "end");
		break;
	case PO_XOP_COPY:
		snprintf(buf, n, "copy +%llu -> +%llu, %llu bytes", (unsigned long long)a[0],
			 (unsigned long long)a[1], (unsigned long long)a[2]);
		break;
	case PO_XOP_INT:
	case PO_XOP_ENUM:
		k = snprintf(buf, n, "%s +%llu (%llu bytes, %s) -> +%llu (%llu bytes, %s)",
			     po_xop_name(op->code), (unsigned long long)a[0], (unsigned long long)a[1],
			     a[4] & PO_XOP_OLD_SIGNED ? "signed" : "unsigned", (unsigned long long)a[2],
			     (unsigned long long)a[3], a[4] & PO_XOP_NEW_SIGNED ? "signed" : "unsigned");
		if (op->code == PO_XOP_ENUM && k > 0 && (size_t)k < n) {
			size_t pos = 0;
			int64_t o, v;

			for (uint64_t i = 0; i < a[5] && (size_t)k < n; i++) {
				if (po_sleb(op->table, op->table_len, &pos, &o) ||
				    po_sleb(op->table, op->table_len, &pos, &v))
					break;
				k += snprintf(buf + k, n - (size_t)k, "%s%lld=>%lld", i ? ", " : ": ",
					      (long long)o, (long long)v);
			}
		}
		break;
	case PO_XOP_BITS:
		snprintf(buf, n, "bits %llu:%llu (%s) -> %llu:%llu (%s)", (unsigned long long)a[0],
			 (unsigned long long)a[1], a[4] & PO_XOP_OLD_SIGNED ? "signed" : "unsigned",
			 (unsigned long long)a[2], (unsigned long long)a[3],
			 a[4] & PO_XOP_NEW_SIGNED ? "signed" : "unsigned");
		break;
	case PO_XOP_PTR:
		snprintf(buf, n, "ptr +%llu -> +%llu, to type %llu (%s)", (unsigned long long)a[0],
			 (unsigned long long)a[1], (unsigned long long)a[2], tname(types, ntypes, a[2]));
		break;
	case PO_XOP_SUB:
		snprintf(buf, n, "sub +%llu -> +%llu, type %llu (%s)", (unsigned long long)a[0],
			 (unsigned long long)a[1], (unsigned long long)a[2], tname(types, ntypes, a[2]));
		break;
	case PO_XOP_ARRAY:
		snprintf(buf, n, "array +%llu -> +%llu, %llu x type %llu (%s), strides %llu -> %llu",
			 (unsigned long long)a[0], (unsigned long long)a[1], (unsigned long long)a[2],
			 (unsigned long long)a[5], tname(types, ntypes, a[5]), (unsigned long long)a[3],
			 (unsigned long long)a[4]);
		break;
	default:
		snprintf(buf, n, "? 0x%02x", op->code);
	}
}

static int why_set(char *why, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int why_set(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	if (why && n) {
		va_start(ap, fmt);
		vsnprintf(why, n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static uint64_t src_size(const struct po_xtype *t, int back)
{
	return back ? t->new_size : t->old_size;
}

static uint64_t dst_size(const struct po_xtype *t, int back)
{
	return back ? t->old_size : t->new_size;
}

/* [off, off + len) inside an object of size size, without overflow. */
static int inside(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

static int int_size(uint64_t n)
{
	return n == 1 || n == 2 || n == 4 || n == 8;
}

/* Why the bytes at p[at] are not an operation, for messages. */
static int decode_why(const uint8_t *p, size_t len, size_t at, char *why, size_t why_len)
{
	size_t pos = at + 1;
	uint64_t v = 0;
	int n;

	if (at >= len)
		return why_set(why, why_len, "+%zu: the program ends without an end operation", at);
	n = po_xop_nargs(p[at]);
	if (n < 0)
		return why_set(why, why_len, "+%zu: unknown opcode 0x%02x", at, p[at]);
	for (int i = 0; i < n; i++)
		if (po_uleb(p, len, &pos, &v))
			return why_set(why, why_len, "+%zu: %s: operand %d truncated or over 64 bits",
				       at, po_xop_name(p[at]), i + 1);
	/* the operands decode: only ENUM has more, its table */
	return why_set(why, why_len, "+%zu: enum: table of %llu pairs truncated or malformed",
		       at, (unsigned long long)v);
}

int po_xform_check(const struct po_xtype *types, size_t ntypes, size_t self, int back,
		   char *why, size_t why_len)
{
	const struct po_xtype *t = &types[self];
	const uint8_t *p = back ? t->back : t->fwd;
	size_t len = back ? t->back_len : t->fwd_len, pos = 0;
	uint64_t ss = src_size(t, back), ds = dst_size(t, back);
	int inplace = !!(t->flags & PO_XT_INPLACE);

	if (!p || !len)
		return why_set(why, why_len, "empty program");
	if (inplace && t->old_size != t->new_size)
		return why_set(why, why_len, "in-place type with sizes %llu and %llu",
			       (unsigned long long)t->old_size, (unsigned long long)t->new_size);
	for (;;) {
		size_t at = pos;
		struct po_xop op;
		const struct po_xtype *r = NULL;
		uint64_t *a = op.a;

		if (po_xop_decode(p, len, &pos, &op))
			return decode_why(p, len, at, why, why_len);
		if (op.code == PO_XOP_END) {
			if (pos != len)
				return why_set(why, why_len, "+%zu: end before the program's last byte", at);
			return 0;
		}
		if (op.code == PO_XOP_PTR || op.code == PO_XOP_SUB || op.code == PO_XOP_ARRAY) {
			uint64_t ti = op.code == PO_XOP_ARRAY ? a[5] : a[2];

			if (ti >= ntypes)
				return why_set(why, why_len, "+%zu: %s: type %llu of %zu", at,
					       po_xop_name(op.code), (unsigned long long)ti, ntypes);
			r = &types[ti];
			/* undoing this object undoes r's too (the stub runs r's
			 * backward program, or reverts the objects pointed to) */
			if (back && !r->back)
				return why_set(why, why_len, "+%zu: %s: type %llu (%s) cannot be undone",
					       at, po_xop_name(op.code), (unsigned long long)ti, r->name);
		}
		if (inplace && (op.code == PO_XOP_COPY || op.code == PO_XOP_INT ||
				op.code == PO_XOP_BITS || op.code == PO_XOP_ENUM || a[0] != a[1]))
			return why_set(why, why_len, "+%zu: %s in an in-place type (only ptr, sub and array at unchanged offsets)",
				       at, po_xop_name(op.code));
		switch (op.code) {
		case PO_XOP_COPY:
			if (!a[2] || !inside(a[0], a[2], ss) || !inside(a[1], a[2], ds))
				goto range;
			break;
		case PO_XOP_INT:
		case PO_XOP_ENUM:
			if (!int_size(a[1]) || !int_size(a[3]))
				return why_set(why, why_len, "+%zu: %s: sizes %llu -> %llu (1, 2, 4 or 8)",
					       at, po_xop_name(op.code), (unsigned long long)a[1],
					       (unsigned long long)a[3]);
			if (!inside(a[0], a[1], ss) || !inside(a[2], a[3], ds))
				goto range;
			if (a[4] & ~(uint64_t)(PO_XOP_OLD_SIGNED | PO_XOP_NEW_SIGNED))
				return why_set(why, why_len, "+%zu: %s: unknown flags 0x%llx", at,
					       po_xop_name(op.code), (unsigned long long)a[4]);
			break;
		case PO_XOP_BITS:
			if (!a[1] || a[1] > 64 || !a[3] || a[3] > 64)
				return why_set(why, why_len, "+%zu: bits: widths %llu -> %llu (1..64)",
					       at, (unsigned long long)a[1], (unsigned long long)a[3]);
			if (a[0] > ss * 8 || a[1] > ss * 8 - a[0] || a[2] > ds * 8 ||
			    a[3] > ds * 8 - a[2])
				goto range;
			if (a[4] & ~(uint64_t)(PO_XOP_OLD_SIGNED | PO_XOP_NEW_SIGNED))
				return why_set(why, why_len, "+%zu: bits: unknown flags 0x%llx", at,
					       (unsigned long long)a[4]);
			break;
		case PO_XOP_PTR:
			if (!inside(a[0], 8, ss) || !inside(a[1], 8, ds))
				goto range;
			if (!(r->flags & PO_XT_HEAP))
				return why_set(why, why_len, "+%zu: ptr: type %llu (%s) is not marked heap",
					       at, (unsigned long long)a[2], r->name);
			break;
		case PO_XOP_SUB:
			if (!inside(a[0], src_size(r, back), ss) || !inside(a[1], dst_size(r, back), ds))
				goto range;
			if (inplace && !(r->flags & PO_XT_INPLACE))
				return why_set(why, why_len, "+%zu: sub: in-place type embeds a changed one (%s)",
					       at, r->name);
			break;
		case PO_XOP_ARRAY:
			if (!a[2] || a[3] < src_size(r, back) || a[4] < dst_size(r, back) ||
			    (inplace && (a[3] != a[4] || !(r->flags & PO_XT_INPLACE))))
				return why_set(why, why_len, "+%zu: array: %llu elements, strides %llu/%llu, element %s",
					       at, (unsigned long long)a[2], (unsigned long long)a[3],
					       (unsigned long long)a[4], r->name);
			/* a stride may be 0 (an array of GNU C empty structs) */
			if ((a[3] && a[2] > UINT64_MAX / a[3]) || (a[4] && a[2] > UINT64_MAX / a[4]) ||
			    !inside(a[0], a[3] * (a[2] - 1) + src_size(r, back), ss) ||
			    !inside(a[1], a[4] * (a[2] - 1) + dst_size(r, back), ds))
				goto range;
			break;
		}
		continue;
range:
		return why_set(why, why_len, "+%zu: %s outside the object (%llu -> %llu bytes)", at,
			       po_xop_name(op.code), (unsigned long long)ss, (unsigned long long)ds);
	}
}

/* Embedding must be a DAG: a SUB or ARRAY cycle would recurse forever. */
/* Embedding (SUB, ARRAY) must not loop, and not nest deeper than an
 * engine follows (PO_XFORM_MAX_DEPTH): depth[t] is how deep t's embedded
 * objects go (0: none), known once state[t] is 2. */
static int embed_acyclic(const struct po_xtype *types, size_t ntypes, size_t t, int back,
			 unsigned char *state, unsigned char *depth, char *why, size_t why_len)
{
	const uint8_t *p = back ? types[t].back : types[t].fwd;
	size_t len = back ? types[t].back_len : types[t].fwd_len, pos = 0;
	struct po_xop op;
	unsigned d = 0;

	if (state[t] == 2)
		return 0;
	if (state[t] == 1)
		return why_set(why, why_len, "type %zu (%s) embeds itself", t, types[t].name);
	state[t] = 1;
	while (p && !po_xop_decode(p, len, &pos, &op) && op.code != PO_XOP_END) {
		if (op.code == PO_XOP_SUB || op.code == PO_XOP_ARRAY) {
			size_t r = (size_t)(op.code == PO_XOP_SUB ? op.a[2] : op.a[5]);

			if (r >= ntypes)
				continue;
			if (embed_acyclic(types, ntypes, r, back, state, depth, why, why_len))
				return -1;
			if (depth[r] + 1u > d)
				d = depth[r] + 1u;
		}
	}
	if (d > PO_XFORM_MAX_DEPTH)
		return why_set(why, why_len, "type %zu (%s) nests embedded objects %u deep (at most %d)",
			       t, types[t].name, d, PO_XFORM_MAX_DEPTH);
	depth[t] = (unsigned char)d;
	state[t] = 2;
	return 0;
}

int po_xform_check_all(const struct po_xtype *types, size_t ntypes, char *why, size_t why_len)
{
	char sub[200];

	for (size_t i = 0; i < ntypes; i++) {
		if (po_xform_check(types, ntypes, i, 0, sub, sizeof(sub)))
			return why_set(why, why_len, "type %zu (%s): forward program: %s", i,
				       types[i].name, sub);
		if (types[i].back && po_xform_check(types, ntypes, i, 1, sub, sizeof(sub)))
			return why_set(why, why_len, "type %zu (%s): backward program: %s", i,
				       types[i].name, sub);
	}
	for (int back = 0; back < 2; back++) {
		unsigned char state[4096], depth[4096];

		if (ntypes > sizeof(state))
			return why_set(why, why_len, "%zu types (at most %zu)", ntypes, sizeof(state));
		memset(state, 0, ntypes);
		for (size_t i = 0; i < ntypes; i++)
			if (embed_acyclic(types, ntypes, i, back, state, depth, why, why_len))
				return -1;
	}
	return 0;
}

struct tctx {
	const struct po_xtype *types;
	size_t ntypes;
	int back;
};

static int tlookup(const void *ctx, uint64_t t, const uint8_t **prog, size_t *len,
		   uint64_t *src, int *inplace)
{
	const struct tctx *c = ctx;
	const struct po_xtype *x;

	if (t >= c->ntypes)
		return -1;
	x = &c->types[t];
	*prog = c->back ? x->back : x->fwd;
	*len = c->back ? x->back_len : x->fwd_len;
	*src = src_size(x, c->back);
	*inplace = !!(x->flags & PO_XT_INPLACE);
	return *prog || *inplace ? 0 : -1;
}

int po_xform_translate(const struct po_xtype *types, size_t ntypes, size_t t, int back,
		       uint64_t off, uint64_t *out)
{
	struct tctx c = { types, ntypes, back };
	struct po_xop_lookup lk = { tlookup, &c };

	return po_xop_translate(&lk, t, off, out, 0);
}
