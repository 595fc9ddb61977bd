/* cfi.c - call frame information for the PO's new code.
 *
 * Without it GDB cannot unwind through a patched function at -O2 (no frame
 * pointer): every frame below it is a guess, which breaks `bt` and, worse,
 * the safe-point stack walk (a wrong "return address" for a temporary
 * breakpoint, a blocked frame missed deeper down).  Each placed function's
 * FDE is taken from its object's .eh_frame and rewritten as a .debug_frame
 * entry (absolute 8-byte addresses with R_X86_64_64 relocations against the
 * function's copy in .text.new), which GDB reads with the symbols of the PO
 * and relocates like the rest of its DWARF.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "gen_internal.h"
#include "po.h"

struct buf {
	uint8_t *p;
	size_t n, cap;
};

static int put(struct buf *b, const void *d, size_t n)
{
	if (b->n + n > b->cap) {
		size_t nc = b->cap ? b->cap * 2 : 1024;
		uint8_t *np;

		while (nc < b->n + n)
			nc *= 2;
		np = realloc(b->p, nc);
		if (!np)
			return -ENOMEM;
		b->p = np;
		b->cap = nc;
	}
	if (d)
		memcpy(b->p + b->n, d, n);
	else
		memset(b->p + b->n, 0, n);
	b->n += n;
	return 0;
}

static int put32(struct buf *b, uint32_t v)
{
	return put(b, &v, 4);
}

static int put64(struct buf *b, uint64_t v)
{
	return put(b, &v, 8);
}

/* Skip a LEB128 at p[*i], bounded by n.  0 on success. */
static int leb_skip(const uint8_t *p, size_t n, size_t *i, uint64_t *v)
{
	uint64_t r = 0;
	unsigned sh = 0;

	while (*i < n) {
		uint8_t c = p[(*i)++];

		if (sh < 64)
			r |= (uint64_t)(c & 0x7f) << sh;
		sh += 7;
		if (!(c & 0x80)) {
			if (v)
				*v = r;
			return 0;
		}
	}
	return -1;
}

struct cie_map {
	uint64_t in_off;	/* offset of the CIE in the object's .eh_frame */
	struct gobj *o;
	uint32_t out_off;	/* offset of its copy in .debug_frame */
	int has_z;		/* FDEs carry augmentation data */
};

struct cfi {
	struct po_writer *w;
	struct buf out;
	struct cie_map *cies;
	size_t ncies, capcies;
	struct { uint64_t off; int sym; int64_t addend; } *rels;
	size_t nrels, caprels;
};

/* Convert the CIE at off of eh (an .eh_frame of o) once; *idx its map. */
static int cie_once(struct cfi *c, struct gobj *o, const struct gsec *eh, uint64_t off,
		    size_t *idx)
{
	const uint8_t *p = eh->data;
	uint32_t len, out_len;
	size_t i, end, rstart, ninstr;
	const char *aug;
	uint64_t ra;
	size_t ca_at, ca_n, da_at, da_n;
	int has_z = 0, err;

	for (size_t k = 0; k < c->ncies; k++)
		if (c->cies[k].o == o && c->cies[k].in_off == off) {
			*idx = k;
			return 0;
		}
	if (off + 8 > eh->size)
		return -1;
	memcpy(&len, p + off, 4);
	if (len == 0xffffffff || off + 4 + len > eh->size || len < 5)
		return -1;
	end = off + 4 + len;
	i = off + 8;
	if (p[i] != 1 && p[i] != 3)
		return -1;
	i++;
	aug = (const char *)p + i;
	while (i < end && p[i])
		i++;
	if (i >= end)
		return -1;
	i++;
	if (aug[0] && aug[0] != 'z')
		return -1;	/* "eh" or something older than 'z' */
	has_z = aug[0] == 'z';
	ca_at = i;
	if (leb_skip(p, end, &i, NULL))
		return -1;
	ca_n = i - ca_at;
	da_at = i;
	if (leb_skip(p, end, &i, NULL))
		return -1;
	da_n = i - da_at;
	if (p[off + 8] == 1) {
		if (i >= end)
			return -1;
		ra = p[i++];
	} else if (leb_skip(p, end, &i, &ra)) {
		return -1;
	}
	if (has_z) {
		uint64_t alen;

		if (leb_skip(p, end, &i, &alen) || alen > end - i)
			return -1;
		i += alen;
	}
	if (ra > 255)
		return -1;
	rstart = i;
	ninstr = end - rstart;
	if (c->ncies == c->capcies) {
		size_t nc = c->capcies ? c->capcies * 2 : 8;
		struct cie_map *nv = realloc(c->cies, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		c->cies = nv;
		c->capcies = nc;
	}
	/* .debug_frame CIE, version 1, no augmentation */
	out_len = (uint32_t)(4 + 1 + 1 + ca_n + da_n + 1 + ninstr);
	c->cies[c->ncies] = (struct cie_map){ off, o, (uint32_t)c->out.n, has_z };
	{
		uint8_t v = 1, z = 0, r8 = (uint8_t)ra;

		if ((err = put32(&c->out, out_len)) || (err = put32(&c->out, 0xffffffff)) ||
		    (err = put(&c->out, &v, 1)) || (err = put(&c->out, &z, 1)) ||
		    (err = put(&c->out, p + ca_at, ca_n)) || (err = put(&c->out, p + da_at, da_n)) ||
		    (err = put(&c->out, &r8, 1)) || (err = put(&c->out, p + rstart, ninstr)))
			return err;
	}
	*idx = c->ncies++;
	return 0;
}

/* The relocation of the FDE's pc_begin field (at off in eh). */
static const struct grela *rela_at(const struct gsec *eh, uint64_t off)
{
	for (size_t k = 0; k < eh->nrelas; k++)
		if (eh->relas[k].off == off)
			return &eh->relas[k];
	return NULL;
}

/* The placed function of o whose bytes start at (sec, value), or NULL. */
static struct gsym *placed_at(struct gobj *o, const struct gsec *sec, uint64_t value)
{
	for (size_t k = 1; k < o->nsyms; k++) {
		struct gsym *s = &o->syms[k];

		if ((s->flags & GF_FUNC) && s->handle && s->sec == sec && s->value <= value &&
		    value < s->value + (s->size ? s->size : 1))
			return s;
	}
	return NULL;
}

static int add_rel(struct cfi *c, uint64_t off, int sym, int64_t addend)
{
	if (c->nrels == c->caprels) {
		size_t nc = c->caprels ? c->caprels * 2 : 16;
		void *nv = realloc(c->rels, nc * sizeof(*c->rels));

		if (!nv)
			return -ENOMEM;
		c->rels = nv;
		c->caprels = nc;
	}
	c->rels[c->nrels].off = off;
	c->rels[c->nrels].sym = sym;
	c->rels[c->nrels].addend = addend;
	c->nrels++;
	return 0;
}

static int obj_fdes(struct cfi *c, struct gobj *o, const struct gsec *eh, unsigned *nfde)
{
	const uint8_t *p = eh->data;
	uint64_t off = 0;
	int err;

	while (off + 4 <= eh->size) {
		uint32_t len, id;
		uint64_t end, body;
		const struct grela *r;
		struct gsym *f;
		size_t ci, i;
		uint32_t range;
		int64_t at;

		memcpy(&len, p + off, 4);
		if (len == 0)
			break;
		if (len == 0xffffffff || off + 4 + len > eh->size || len < 4)
			return -1;
		end = off + 4 + len;
		memcpy(&id, p + off + 4, 4);
		if (id == 0 || len < 16) {	/* a CIE, or too short for an FDE */
			off = end;
			continue;
		}
		r = rela_at(eh, off + 8);
		if (!r || r->type != R_X86_64_PC32 || !r->sym || !r->sym->sec ||
		    id > off + 4) {
			off = end;
			continue;
		}
		at = (int64_t)r->sym->value + r->addend;
		f = at >= 0 ? placed_at(o, r->sym->sec, (uint64_t)at) : NULL;
		if (!f) {
			off = end;
			continue;
		}
		err = cie_once(c, o, eh, off + 4 - id, &ci);
		if (err)
			return err;
		memcpy(&range, p + off + 12, 4);
		i = off + 16;
		if (c->cies[ci].has_z) {
			uint64_t alen;

			if (leb_skip(p, end, &i, &alen) || alen > end - i)
				return -1;
			i += alen;
		}
		body = end - i;
		/* length, CIE offset, initial location, address range, instructions */
		if ((err = put32(&c->out, (uint32_t)(4 + 8 + 8 + body))) ||
		    (err = put32(&c->out, c->cies[ci].out_off)) ||
		    (err = add_rel(c, c->out.n, f->handle, at - (int64_t)f->value)) ||
		    (err = put64(&c->out, 0)) || (err = put64(&c->out, range)) ||
		    (err = put(&c->out, p + i, body)))
			return err;
		(*nfde)++;
		off = end;
	}
	return 0;
}

int emit_cfi(struct po_writer *w, struct gobj **objs, size_t nobjs, unsigned *nfde)
{
	struct cfi c = { .w = w };
	int err = 0, sec;

	*nfde = 0;
	for (size_t i = 0; !err && i < nobjs; i++) {
		struct gobj *o = objs[i];

		for (size_t k = 1; !err && k < o->nsecs; k++) {
			const struct gsec *s = &o->secs[k];

			if (strcmp(s->name, ".eh_frame") || !s->data)
				continue;
			err = obj_fdes(&c, o, s, nfde);
			if (err == -1) {
				/* unusable CFI is no reason to refuse a patch:
				 * GDB then unwinds by prologue analysis */
				gen_warn("gen: '%s': section '.eh_frame': cannot read its call frame information; GDB may not unwind through the patched code",
					 o->rel);
				err = 0;
			}
		}
	}
	if (!err && *nfde) {
		sec = po_writer_add_section(w, ".debug_frame", SHT_PROGBITS, 0, c.out.p, c.out.n, 8);
		if (sec < 0)
			err = sec;
		for (size_t k = 0; !err && k < c.nrels; k++)
			err = po_writer_reloc(w, sec, c.rels[k].off, R_X86_64_64, c.rels[k].sym,
					      c.rels[k].addend);
	}
	free(c.out.p);
	free(c.cies);
	free(c.rels);
	return err;
}
