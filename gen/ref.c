/* ref.c - resolve and compare relocation targets; compare byte ranges. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gen_internal.h"
#include "po.h"
#include "ref.h"
#include "x86.h"

/* Where a PC-relative reference really points, relative to S + A: the CPU
 * adds the displacement to the end of the instruction, so for a site at o
 * in an instruction ending at e the target is S + A + (e - o).  In code we
 * decode the instruction to know e; in data (jump tables) S + A is the
 * point of reference. */
int64_t ref_pc_adjust(struct gobj *o, struct gsec *in, const struct grela *r)
{
	struct gsym *f;
	uint64_t pos;

	if (!is_pcrel(r->type))
		return 0;
	if (!(in->flags & SHF_EXECINSTR) || !in->data)
		return 0;
	f = gsec_sym_at(in, r->off);
	pos = f && gsym_is_code(f) ? f->value : 0;
	/* decode from the function start (or the section start) up to the site */
	while (pos < in->size) {
		struct x86_insn insn;
		int len = x86_decode(in->data + pos, in->size - pos, &insn);

		if (len <= 0)
			break;
		if (r->off >= pos && r->off < pos + len)
			return (int64_t)(pos + len - r->off);
		pos += len;
	}
	(void)o;
	return rela_size(r->type);
}

int ref_resolve(struct gobj *o, struct gsec *in, const struct grela *r, struct ref *out)
{
	struct gsym *s = r->sym;
	struct gsec *sec = s->sec;
	int64_t point;

	int64_t addend = r->addend;

	memset(out, 0, sizeof(*out));
	/* Assembler labels kept as symbols (.LC0 in SHF_MERGE sections) name a
	 * place in their section, not an entity: treat them like the section. */
	int label = s->stt == STT_NOTYPE && s->stb == STB_LOCAL && sec;

	if (label)
		addend += (int64_t)s->value;
	if (s->stt != STT_SECTION && !label) {
		if (!sec && !(s->flags & GF_UNDEF) && s->shndx != SHN_COMMON) {
			out->kind = REF_ABS;
			out->sym = s;
			out->off = r->addend;
			return 0;
		}
		out->kind = REF_SYM;
		out->sym = s;
		out->off = r->addend;
		return 0;
	}
	if (!sec) {
		out->kind = REF_ABS;
		out->sym = s;
		out->off = r->addend;
		return 0;
	}
	point = addend + ref_pc_adjust(o, in, r);
	if ((sec->flags & SHF_MERGE) && (sec->flags & SHF_STRINGS) && sec->data) {
		uint64_t p = point < 0 ? 0 : (uint64_t)point, st, en;

		if (p >= sec->size)
			p = sec->size ? sec->size - 1 : 0;
		st = p;
		while (st > 0 && sec->data[st - 1])
			st--;
		en = p;
		while (en < sec->size && sec->data[en])
			en++;
		out->kind = REF_STR;
		out->sec = sec;
		out->start = st;
		out->len = (en < sec->size ? en + 1 : en) - st;
		out->off = addend - (int64_t)st;
		return 0;
	}
	if ((sec->flags & SHF_MERGE) && sec->entsize && sec->data) {
		uint64_t p = point < 0 ? 0 : (uint64_t)point;

		if (p >= sec->size)
			p = sec->size - 1;
		out->kind = REF_CONST;
		out->sec = sec;
		out->start = p - p % sec->entsize;
		out->len = sec->entsize;
		out->off = addend - (int64_t)out->start;
		return 0;
	}
	{
		struct gsym *cover = gsec_sym_at(sec, point < 0 ? 0 : (uint64_t)point);

		if (cover && cover->size) {
			out->kind = REF_SYM;
			out->sym = cover;
			out->off = addend - (int64_t)cover->value;
			return 0;
		}
	}
	/* Anonymous bytes: the chunk runs from the nearest cut at or before the
	 * point of reference to the next cut (see chunk cuts below). */
	{
		uint64_t p = point < 0 ? 0 : (uint64_t)point, st = 0, en = sec->size;

		for (size_t i = 0; i < sec->ncuts; i++) {
			if (sec->cuts[i] <= p)
				st = sec->cuts[i];
			else {
				en = sec->cuts[i];
				break;
			}
		}
		out->kind = REF_CHUNK;
		out->sec = sec;
		out->start = st;
		out->len = en - st;
		out->off = addend - (int64_t)st;
	}
	return 0;
}

static int same_name(const struct gsym *a, const struct gsym *b)
{
	return !strcmp(a->name, b->name);
}

int ref_equal(struct gobj *oo, const struct ref *a, struct gobj *no,
	      const struct ref *b, int depth)
{
	if (a->kind != b->kind || a->off != b->off)
		return 0;
	switch (a->kind) {
	case REF_SYM:
		if (b->sym->twin)
			return b->sym->twin == a->sym;
		/* undefined or untwinned: globals match by name */
		if ((a->sym->flags & GF_LOCAL) || (b->sym->flags & GF_LOCAL))
			return 0;
		return same_name(a->sym, b->sym);
	case REF_ABS:
		return same_name(a->sym, b->sym);
	case REF_STR:
	case REF_CONST:
		return a->len == b->len && !memcmp(a->sec->data + a->start, b->sec->data + b->start, a->len);
	case REF_CHUNK:
		if (depth > 8)
			return 0;
		if (!a->sec->data != !b->sec->data)
			return 0;
		return range_equal(oo, a->sec, a->start, a->len, no, b->sec, b->start, b->len,
				   depth + 1, NULL);
	}
	return 0;
}

static size_t first_rela(const struct gsec *s, uint64_t start)
{
	size_t lo = 0, hi = s->nrelas;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (s->relas[mid].off < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int func_pcrefs(struct gobj *o, struct gsym *f, struct pcref **refs, size_t *n)
{
	struct gsec *s = f->sec;
	struct pcref *v = NULL;
	size_t cnt = 0, cap = 0, ri;
	uint64_t pos = f->value, end = f->value + f->size;

	*refs = NULL;
	*n = 0;
	if (!s || !s->data || !(s->flags & SHF_EXECINSTR))
		return 0;
	ri = first_rela(s, pos);
	while (pos < end) {
		struct x86_insn insn;
		int len = x86_decode(s->data + pos, end - pos, &insn);

		if (len <= 0) {
			free(v);
			gen_err("gen: '%s': function '%s': cannot decode the instruction at +0x%lx",
				o->rel, f->name, (unsigned long)(pos - f->value));
			return -GEN_EINPUT;
		}
		if (insn.rel_kind != X86_REL_NONE) {
			uint64_t site = pos + insn.rel_off, next = pos + len;
			int has_rela;
			int64_t disp;

			while (ri < s->nrelas && s->relas[ri].off < site)
				ri++;
			has_rela = ri < s->nrelas && s->relas[ri].off == site;
			if (!has_rela) {
				if (insn.rel_size == 1)
					disp = (int8_t)s->data[site];
				else
					disp = (int32_t)(s->data[site] | s->data[site + 1] << 8 |
							 s->data[site + 2] << 16 |
							 (uint32_t)s->data[site + 3] << 24);
				int64_t tgt = (int64_t)next + disp;

				if (tgt < (int64_t)f->value || tgt >= (int64_t)end) {
					if (cnt == cap) {
						struct pcref *nv;

						cap = cap ? cap * 2 : 8;
						nv = realloc(v, cap * sizeof(*v));
						if (!nv) {
							free(v);
							return -ENOMEM;
						}
						v = nv;
					}
					v[cnt].site = site;
					v[cnt].size = insn.rel_size;
					v[cnt].target = (uint64_t)tgt;
					v[cnt].end = next;
					cnt++;
				}
			}
		}
		pos += len;
	}
	*refs = v;
	*n = cnt;
	return 0;
}

/* A same-section reference the assembler resolved, as a struct ref: the
 * symbol covering the target, and the target's offset within it. */
static int pcref_target(struct gsec *s, const struct pcref *p, struct ref *out)
{
	struct gsym *t = gsec_sym_at(s, p->target);

	memset(out, 0, sizeof(*out));
	if (!t)
		return -ENOENT;
	out->kind = REF_SYM;
	out->sym = t;
	out->off = (int64_t)(p->target - t->value);
	return 0;
}

static void mask_range(uint8_t *m, uint64_t len, uint64_t off, uint64_t n)
{
	for (uint64_t i = off; i < off + n && i < len; i++)
		m[i] = 1;
}

int range_equal(struct gobj *oo, struct gsec *os, uint64_t ostart, uint64_t olen,
		struct gobj *no, struct gsec *ns, uint64_t nstart, uint64_t nlen,
		int depth, const char **why)
{
	return range_equal_but(oo, os, ostart, olen, no, ns, nstart, nlen, depth, NULL, NULL, why);
}

int range_equal_but(struct gobj *oo, struct gsec *os, uint64_t ostart, uint64_t olen,
		    struct gobj *no, struct gsec *ns, uint64_t nstart, uint64_t nlen, int depth,
		    ref_same_fn same, void *arg, const char **why)
{
	size_t oi, ni, oend, nend;
	uint8_t *mask = NULL;
	int eq = 0;
	const char *dummy;

	if (!why)
		why = &dummy;
	if (olen != nlen) {
		*why = "size changed";
		return 0;
	}
	oi = first_rela(os, ostart);
	ni = first_rela(ns, nstart);
	oend = first_rela(os, ostart + olen);
	nend = first_rela(ns, nstart + nlen);
	if (oend - oi != nend - ni) {
		*why = "relocations differ";
		return 0;
	}
	mask = calloc(1, olen ? olen : 1);
	if (!mask)
		return 0;
	for (; oi < oend; oi++, ni++) {
		const struct grela *a = &os->relas[oi], *b = &ns->relas[ni];
		struct ref ra, rb;

		if (a->off - ostart != b->off - nstart || a->type != b->type) {
			*why = "relocations differ";
			goto out;
		}
		if (ref_resolve(oo, os, a, &ra) || ref_resolve(no, ns, b, &rb) ||
		    (!ref_equal(oo, &ra, no, &rb, depth) && !(same && same(arg, &ra, &rb)))) {
			*why = "a reference changed";
			goto out;
		}
		mask_range(mask, olen, a->off - ostart, rela_size(a->type));
	}
	/* Code sharing a section with other code: displacements the assembler
	 * resolved must reach the same thing, not be the same bytes. */
	if ((os->flags & SHF_EXECINSTR) && os->nsyms > 1 && os->data && ns->data) {
		struct gsym *of = gsec_sym_at(os, ostart), *nf = gsec_sym_at(ns, nstart);
		struct pcref *opr = NULL, *npr = NULL;
		size_t on = 0, nn = 0;

		if (of && nf && of->value == ostart && nf->value == nstart &&
		    !func_pcrefs(oo, of, &opr, &on) && !func_pcrefs(no, nf, &npr, &nn)) {
			int ok = on == nn;

			for (size_t k = 0; ok && k < on; k++) {
				struct ref ra, rb;

				if (opr[k].site - ostart != npr[k].site - nstart ||
				    pcref_target(os, &opr[k], &ra) || pcref_target(ns, &npr[k], &rb) ||
				    !ref_equal(oo, &ra, no, &rb, depth))
					ok = 0;
				else
					mask_range(mask, olen, opr[k].site - ostart, opr[k].size);
			}
			free(opr);
			free(npr);
			if (!ok) {
				*why = "a call or jump target changed";
				goto out;
			}
		}
	}
	if (!os->data || !ns->data) {	/* NOBITS: equal sizes are all there is */
		eq = !os->data == !ns->data;
		goto out;
	}
	for (uint64_t k = 0; k < olen; k++)
		if (!mask[k] && os->data[ostart + k] != ns->data[nstart + k]) {
			*why = "code or data bytes differ";
			goto out;
		}
	eq = 1;
out:
	free(mask);
	return eq;
}

/* GOTPCRELX relaxation rewrites the opcode (mov -> lea, call *mem -> call)
 * and may move the ModRM/prefix bytes before the displacement. */
static unsigned relax_before(uint32_t type)
{
	switch (type) {
	case R_X86_64_GOTPCRELX: return 2;
	case R_X86_64_REX_GOTPCRELX: return 3;
	case R_X86_64_GOTTPOFF: return 3;	/* IE -> LE: mov/add to mov $imm */
	case R_X86_64_TLSGD: return 4;		/* GD -> IE/LE sequences */
	case R_X86_64_TLSLD: return 3;
	case R_X86_64_GOTPC32_TLSDESC: return 3;
	}
	return 0;
}

static unsigned relax_after(uint32_t type)
{
	switch (type) {
	case R_X86_64_TLSGD: return 8;		/* the following call __tls_get_addr */
	case R_X86_64_TLSLD: return 8;
	}
	return 0;
}

int func_masks(struct gobj *o, struct gsym *f, struct po_disk_mask **masks, size_t *n)
{
	struct gsec *s = f->sec;
	struct po_disk_mask *v;
	struct pcref *pr = NULL;
	size_t npr = 0, cnt = 0, cap;
	int err;

	*masks = NULL;
	*n = 0;
	if (s->nsyms > 1 && (s->flags & SHF_EXECINSTR)) {
		err = func_pcrefs(o, f, &pr, &npr);
		if (err)
			return err;
	}
	cap = f->nrelas + npr + 1;
	v = calloc(cap, sizeof(*v));
	if (!v) {
		free(pr);
		return -ENOMEM;
	}
	for (size_t i = 0; i < f->nrelas; i++) {
		const struct grela *r = &s->relas[f->rela_first + i];
		uint64_t off = r->off - f->value, b = relax_before(r->type);
		uint64_t st = off >= b ? off - b : 0;
		uint64_t en = off + rela_size(r->type) + relax_after(r->type);

		if (en > f->size)
			en = f->size;
		v[cnt].off = (uint32_t)st;
		v[cnt].len = (uint32_t)(en - st);
		cnt++;
	}
	/* Same-section displacements: the linker does not touch them, but the
	 * distance they encode is only known in the linked file; mask them so
	 * the checksum is of the function alone. */
	for (size_t i = 0; i < npr; i++) {
		v[cnt].off = (uint32_t)(pr[i].site - f->value);
		v[cnt].len = pr[i].size;
		cnt++;
	}
	free(pr);
	*masks = v;
	*n = cnt;
	return 0;
}
