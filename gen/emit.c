/* emit.c - build the Patch Object from the classified object pairs.
 *
 * Included: changed and new functions, new variables, new copies of const
 * data whose contents changed, and the anonymous data (string literals,
 * constants, jump tables) that included code points at.  Everything else the
 * new code uses stays in the running program and is referenced through an
 * undefined symbol that the applier resolves.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "gdwarf.h"
#include "gen_internal.h"
#include "po.h"
#include "ref.h"
#include "xform.h"

struct chunk_map {
	struct gsec *sec;
	uint64_t start;
	int po_sec;
	uint64_t po_off;
};

struct xref {			/* an UNDEF symbol by name (externals, globals) */
	char *name;
	int handle;
};

struct varidx {			/* the var record of a transformed variable */
	const struct gsym *old;
	uint32_t index;
};

struct emit {
	struct po_writer *w;
	struct xf *xf;
	struct varidx *vidx;
	size_t nvidx;
	struct gd_out *dw;
	struct gtarget *t, *newt;
	struct gobj **objs;	/* new objects */
	size_t nobjs;
	struct chunk_map *chunks;
	size_t nchunks, capchunks;
	struct xref *xrefs;
	size_t nxrefs, capxrefs;
	struct emit_stats *st;
};

static int included(const struct gsym *s)
{
	if (s->flags & GF_FUNC)
		return s->status == S_CHANGED || s->status == S_NEW;
	if (s->flags & GF_OBJECT)
		return s->status == S_NEW ||
		       (s->status == S_CHANGED && (s->flags & (GF_CONST | GF_XFORM)));
	return 0;
}

static int po_sec_for(const struct gsym *s)
{
	const struct gsec *sec = s->sec;

	if (s->flags & GF_FUNC)
		return PO_SEC_TEXT;
	if (s->shndx == SHN_COMMON)
		return PO_SEC_BSS;
	if (s->flags & GF_TLS)
		return sec && sec->type == SHT_NOBITS ? PO_SEC_TBSS : PO_SEC_TDATA;
	if (sec && sec->type == SHT_NOBITS)
		return PO_SEC_BSS;
	if (sec && (sec->flags & SHF_WRITE))
		return PO_SEC_DATA;
	return PO_SEC_RODATA;
}

/* A short jump (rel8) from a function to a neighbour in the same section
 * cannot reach anything once the function moves.  Its copy gets a veneer
 * after its end, a 5-byte jmp rel32 the short jump is pointed at. */
#define VENEER 5

/* Place an included symbol's bytes (relocations come later, once every
 * included symbol has a handle). */
static int place(struct emit *e, struct gobj *o, struct gsym *s)
{
	int sec = po_sec_for(s), h;
	uint64_t align = s->sec ? s->sec->align : s->value;	/* COMMON: value is the alignment */
	struct pcref *pr = NULL;
	size_t npr = 0, nshort = 0;
	uint8_t *copy = NULL;
	int err;

	if (!align || (align & (align - 1)))
		align = 16;
	if (sec == PO_SEC_TEXT && align < 16)
		align = 16;
	if ((s->flags & GF_FUNC) && s->sec->nsyms > 1) {
		err = func_pcrefs(o, s, &pr, &npr);
		if (err)
			return err;
		for (size_t i = 0; i < npr; i++)
			nshort += pr[i].size == 1;
	}
	s->po_size = s->size + VENEER * nshort;
	if (s->sec && s->sec->data && sec != PO_SEC_BSS && sec != PO_SEC_TBSS) {
		size_t k = 0;

		copy = calloc(1, s->po_size ? s->po_size : 1);
		if (!copy) {
			free(pr);
			return -ENOMEM;
		}
		memcpy(copy, s->sec->data + s->value, s->size);
		/* relocation sites carry their addend in .rela; zero the field */
		for (size_t i = 0; i < s->nrelas; i++) {
			const struct grela *r = &s->sec->relas[s->rela_first + i];

			memset(copy + (r->off - s->value), 0, rela_size(r->type));
		}
		for (size_t i = 0; i < npr; i++) {
			uint64_t site = pr[i].site - s->value, end = pr[i].end - s->value;

			if (pr[i].size == 4) {
				memset(copy + site, 0, 4);
				continue;
			}
			uint64_t v = s->size + VENEER * k++;
			int64_t d = (int64_t)v - (int64_t)end;

			if (d > 127) {
				gen_err("gen: '%s': func '%s': the short jump at +0x%lx to a neighbour "
					"cannot reach a veneer after the function; rebuild with "
					"-ffunction-sections", o->rel, s->name, (unsigned long)site);
				free(copy);
				free(pr);
				return -GEN_EINPUT;
			}
			copy[site] = (uint8_t)d;
			copy[v] = 0xe9;	/* jmp rel32, displacement from a relocation */
		}
	}
	free(pr);
	err = po_writer_append(e->w, sec, copy, s->po_size, align, &s->po_off);
	free(copy);
	if (err)
		return err;
	s->po_sec = sec;
	h = po_writer_symbol(e->w, s->name, sec, s->po_off, s->po_size,
			     (s->flags & GF_FUNC) ? STT_FUNC : (s->flags & GF_TLS) ? STT_TLS : STT_OBJECT,
			     STB_LOCAL);
	if (h < 0)
		return h;
	s->handle = h;
	return 0;
}

static uint32_t sym_flags(const struct gsym *s)
{
	uint32_t f = 0;

	if (s->flags & GF_LOCAL)
		f |= PO_SYM_LOCAL;
	if (s->flags & GF_TLS)
		f |= PO_SYM_TLS;
	else if (s->flags & GF_FUNC)
		f |= PO_SYM_FUNC;
	else if (s->flags & GF_OBJECT)
		f |= PO_SYM_OBJECT;
	if (s->flags & GF_WEAK)
		f |= PO_SYM_WEAK;
	return f;
}

/* The UNDEF symbol for an old symbol o of the running program. */
static int old_ref(struct emit *e, struct gsym *o)
{
	const struct gtarget_sym *ts;
	int h;

	if (o->ref_handle)
		return o->ref_handle;
	ts = gtarget_lookup(e->t, o->name, o->obj->cu, !!(o->flags & GF_LOCAL));
	if (!ts) {
		gen_err("gen: '%s': sym '%s': not found in '%s'%s; is EXE the program these objects were linked into?",
			o->obj->rel, o->name, e->t->name,
			(o->flags & GF_LOCAL) ? " (as a static of this compilation unit)" : "");
		return -GEN_EINPUT;
	}
	h = po_writer_symbol(e->w, o->name, PO_SEC_UNDEF, 0, 0,
			     (o->flags & GF_FUNC) ? STT_FUNC : (o->flags & GF_TLS) ? STT_TLS : STT_OBJECT,
			     (o->flags & GF_WEAK) ? STB_WEAK : STB_GLOBAL);
	if (h < 0)
		return h;
	h = po_writer_symref(e->w, h, sym_flags(o), (o->flags & GF_LOCAL) ? o->obj->cu : NULL,
			     o->obj->rel, ts->value, ts->size) < 0 ? -EINVAL : h;
	if (h > 0)
		o->ref_handle = h;
	return h;
}

/* A symbol the new object only names (defined in another object of the
 * program, or in a shared library). */
static int name_ref(struct emit *e, struct gsym *u)
{
	const struct gtarget_sym *ts;
	uint32_t f;
	int h, stt;

	/* defined by an included symbol of another object of this patch? */
	for (size_t i = 0; i < e->nobjs; i++) {
		struct gobj *o = e->objs[i];

		for (size_t k = 1; k < o->nsyms; k++) {
			struct gsym *d = &o->syms[k];

			if (d->handle && !(d->flags & GF_LOCAL) && !strcmp(d->name, u->name))
				return d->handle;
		}
	}
	for (size_t i = 0; i < e->nxrefs; i++)
		if (!strcmp(e->xrefs[i].name, u->name))
			return e->xrefs[i].handle;
	ts = gtarget_lookup(e->t, u->name, NULL, 0);
	stt = u->stt;
	/* objects leave imported symbols untyped; the linked programs know */
	if (stt == STT_NOTYPE && !ts)
		stt = gtarget_global_type(e->t, u->name);
	if (stt == STT_NOTYPE && !ts)
		stt = gtarget_global_type(e->newt, u->name);
	f = stt == STT_TLS ? PO_SYM_TLS : stt == STT_FUNC ? PO_SYM_FUNC :
	    stt == STT_OBJECT ? PO_SYM_OBJECT : 0;
	if (u->flags & GF_WEAK)
		f |= PO_SYM_WEAK;
	if (!ts)
		f |= PO_SYM_EXTERNAL;
	else if (!(f & (PO_SYM_FUNC | PO_SYM_OBJECT | PO_SYM_TLS)))
		f |= ts->stt == STT_FUNC ? PO_SYM_FUNC : ts->stt == STT_TLS ? PO_SYM_TLS : PO_SYM_OBJECT;
	h = po_writer_symbol(e->w, u->name, PO_SEC_UNDEF, 0, 0, stt == STT_NOTYPE && ts ? ts->stt : stt,
			     (u->flags & GF_WEAK) ? STB_WEAK : STB_GLOBAL);
	if (h < 0)
		return h;
	if (po_writer_symref(e->w, h, f, NULL, NULL, ts ? ts->value : 0, ts ? ts->size : 0) < 0)
		return -EINVAL;
	if (e->nxrefs == e->capxrefs) {
		size_t nc = e->capxrefs ? e->capxrefs * 2 : 16;
		struct xref *n = realloc(e->xrefs, nc * sizeof(*n));

		if (!n)
			return -ENOMEM;
		e->xrefs = n;
		e->capxrefs = nc;
	}
	e->xrefs[e->nxrefs].name = strdup(u->name);
	if (!e->xrefs[e->nxrefs].name)
		return -ENOMEM;
	e->xrefs[e->nxrefs++].handle = h;
	return h;
}

static int emit_relocs(struct emit *e, struct gobj *o, struct gsec *in, uint64_t start,
		       uint64_t len, int po_sec, uint64_t po_off, const char *what);

/* Copy an anonymous chunk (string, constant, jump table) the new code uses. */
static int chunk(struct emit *e, struct gobj *o, const struct ref *r, int *sec_out, uint64_t *off_out)
{
	int sec;
	uint8_t *copy;
	int err;

	for (size_t i = 0; i < e->nchunks; i++)
		if (e->chunks[i].sec == r->sec && e->chunks[i].start == r->start) {
			*sec_out = e->chunks[i].po_sec;
			*off_out = e->chunks[i].po_off;
			return 0;
		}
	if (r->sec->flags & SHF_EXECINSTR) {
		gen_err("gen: '%s': section '%s'+0x%lx: code outside any function is referenced; "
			"cannot move it", o->rel, r->sec->name, (unsigned long)r->start);
		return -GEN_EINPUT;
	}
	if (r->sec->flags & SHF_TLS) {
		gen_err("gen: '%s': section '%s'+0x%lx: anonymous thread-local data is referenced; "
			"give it a name", o->rel, r->sec->name, (unsigned long)r->start);
		return -GEN_EINPUT;
	}
	sec = !r->sec->data ? PO_SEC_BSS : (r->sec->flags & SHF_WRITE) ? PO_SEC_DATA : PO_SEC_RODATA;
	if (sec != PO_SEC_RODATA)
		po_writer_warning(e->w, "gen: '%s': section '%s'+0x%lx: anonymous writable data used by "
				  "patched code gets a fresh copy; the running program's copy is not shared",
				  o->rel, r->sec->name, (unsigned long)r->start);
	copy = r->sec->data ? malloc(r->len ? r->len : 1) : NULL;
	if (r->sec->data && !copy)
		return -ENOMEM;
	if (copy)
		memcpy(copy, r->sec->data + r->start, r->len);
	if (e->nchunks == e->capchunks) {
		size_t nc = e->capchunks ? e->capchunks * 2 : 32;
		struct chunk_map *n = realloc(e->chunks, nc * sizeof(*n));

		if (!n) {
			free(copy);
			return -ENOMEM;
		}
		e->chunks = n;
		e->capchunks = nc;
	}
	/* zero relocation fields: their values come from .rela */
	if (copy) {
		for (size_t i = 0; i < r->sec->nrelas; i++) {
			const struct grela *x = &r->sec->relas[i];

			if (x->off >= r->start && x->off < r->start + r->len)
				memset(copy + (x->off - r->start), 0, rela_size(x->type));
		}
	}
	err = po_writer_append(e->w, sec, copy, r->len,
			       r->sec->align && !(r->sec->align & (r->sec->align - 1)) ? r->sec->align : 1,
			       off_out);
	free(copy);
	if (err)
		return err;
	*sec_out = sec;
	e->chunks[e->nchunks++] = (struct chunk_map){ r->sec, r->start, sec, *off_out };
	return emit_relocs(e, o, r->sec, r->start, r->len, sec, *off_out, r->sec->name);
}

/* Translate one reference of included code or data to a PO symbol. */
static int target(struct emit *e, struct gobj *o, const struct ref *r, int *sym, int64_t *addend)
{
	struct gsym *s = r->sym;
	int err, sec;
	uint64_t off;

	switch (r->kind) {
	case REF_SYM:
		*addend = r->off;
		if (s->handle) {
			*sym = s->handle;
			return 0;
		}
		if (s->flags & GF_UNDEF) {
			*sym = name_ref(e, s);
			return *sym < 0 ? *sym : 0;
		}
		if (s->twin && (s->status == S_SAME || s->status == S_CHANGED)) {
			*sym = old_ref(e, s->twin);
			return *sym < 0 ? *sym : 0;
		}
		if (s->shndx == SHN_COMMON || !s->twin) {
			/* a global of the program this object does not own a copy of */
			if (!(s->flags & GF_LOCAL)) {
				*sym = name_ref(e, s);
				return *sym < 0 ? *sym : 0;
			}
		}
		gen_err("gen: '%s': sym '%s': referenced by patched code but neither in the patch "
			"nor in the running program", o->rel, s->name);
		return -GEN_EINPUT;
	case REF_STR:
	case REF_CONST:
	case REF_CHUNK:
		err = chunk(e, o, r, &sec, &off);
		if (err)
			return err;
		*sym = po_writer_section_sym(e->w, sec);
		*addend = (int64_t)off + r->off;
		return *sym < 0 ? *sym : 0;
	case REF_ABS:
		gen_err("gen: '%s': sym '%s': absolute symbols cannot be referenced by patched code",
			o->rel, s->name);
		return -GEN_EINPUT;
	}
	return -EINVAL;
}

static int emit_relocs(struct emit *e, struct gobj *o, struct gsec *in, uint64_t start,
		       uint64_t len, int po_sec, uint64_t po_off, const char *what)
{
	for (size_t i = 0; i < in->nrelas; i++) {
		const struct grela *r = &in->relas[i];
		struct ref ref;
		int sym, err;
		int64_t addend;

		if (r->off < start || r->off >= start + len || r->type == R_X86_64_NONE)
			continue;
		err = ref_resolve(o, in, r, &ref);
		if (!err)
			err = target(e, o, &ref, &sym, &addend);
		if (!err)
			err = po_writer_reloc(e->w, po_sec, po_off + (r->off - start), r->type, sym, addend);
		if (err) {
			if (err != -GEN_EINPUT)
				gen_err("gen: '%s': %s+0x%lx: cannot emit relocation: %s", o->rel, what,
					(unsigned long)(r->off - start), po_strerror(err));
			return err;
		}
		e->st->relocs++;
	}
	return 0;
}

/* PC-relative displacements the assembler resolved inside a shared .text
 * become PC32 relocations, so the moved copy still reaches its targets;
 * short jumps reach them through their veneer (see place()). */
static int emit_pcrefs(struct emit *e, struct gobj *o, struct gsym *f)
{
	struct pcref *pr = NULL;
	size_t n = 0, k = 0;
	int err;

	if (!f->sec || !(f->sec->flags & SHF_EXECINSTR) || f->sec->nsyms < 2)
		return 0;
	err = func_pcrefs(o, f, &pr, &n);
	for (size_t i = 0; !err && i < n; i++) {
		struct gsym *t = gsec_sym_at(f->sec, pr[i].target);
		struct ref ref = { .kind = REF_SYM };
		uint64_t at;
		int64_t bias;
		int sym;
		int64_t addend;

		if (!t) {
			gen_err("gen: '%s': func '%s': +0x%lx reaches code outside any function",
				o->rel, f->name, (unsigned long)(pr[i].site - f->value));
			err = -GEN_EINPUT;
			break;
		}
		if (pr[i].size == 4) {
			at = f->po_off + (pr[i].site - f->value);
			bias = (int64_t)(pr[i].end - pr[i].site);
		} else {
			at = f->po_off + f->size + VENEER * k++ + 1;
			bias = 4;
		}
		ref.sym = t;
		ref.off = (int64_t)(pr[i].target - t->value);
		err = target(e, o, &ref, &sym, &addend);
		if (!err)
			err = po_writer_reloc(e->w, PO_SEC_TEXT, at, R_X86_64_PC32, sym, addend - bias);
		if (!err)
			e->st->relocs++;
	}
	free(pr);
	return err;
}

static int emit_func_record(struct emit *e, struct gobj *o, struct gsym *n)
{
	struct gsym *old = n->status == S_CHANGED ? n->twin : NULL;
	struct po_func_info fi = { 0 };
	struct po_disk_mask *masks = NULL;
	size_t nmasks = 0;
	struct gd_row *rows = NULL;
	size_t nrows = 0;
	unsigned line = 0;
	const char *file = NULL;
	char desc[512];
	int err = 0;

	fi.name = n->name;
	fi.cu = o->cu;
	fi.new_sym = n->handle;
	fi.new_size = n->po_size;
	fi.flags = (old ? PO_FUNC_CHANGED : PO_FUNC_NEW) | ((n->flags & GF_LOCAL) ? PO_FUNC_LOCAL : 0) |
		   ((n->flags & GF_FRAGMENT) ? PO_FUNC_FRAGMENT : 0) | ((n->flags & GF_CLONE) ? PO_FUNC_CLONE : 0);
	if (old) {
		const struct gtarget_sym *ts;
		const uint8_t *bytes;

		fi.old_sym = old_ref(e, old);
		if (fi.old_sym < 0)
			return fi.old_sym;
		ts = gtarget_lookup(e->t, old->name, old->obj->cu, !!(old->flags & GF_LOCAL));
		if (ts->size != old->size) {
			gen_err("gen: '%s': func '%s': %lu bytes in the object but %lu in '%s'; "
				"the old tree does not match its executable", old->obj->rel, old->name,
				(unsigned long)old->size, (unsigned long)ts->size, e->t->name);
			return -GEN_EINPUT;
		}
		bytes = gtarget_bytes(e->t, ts->value, ts->size);
		if (!bytes) {
			gen_err("gen: '%s': func '%s': its bytes are not in '%s'", old->obj->rel,
				old->name, e->t->name);
			return -GEN_EINPUT;
		}
		err = func_masks(old->obj, old, &masks, &nmasks);
		if (err)
			return err;
		fi.old_size = old->size;
		fi.old_value = ts->value;
		fi.old_csum = po_checksum(bytes, ts->size, masks, nmasks);
		fi.masks = masks;
		fi.nmasks = nmasks;
		err = po_writer_unsafe(e->w, fi.old_sym, PO_UNSAFE_REPLACED);
		snprintf(desc, sizeof(desc), "replaces %s (%s): %s", old->name, o->cu, n->why ? n->why : "changed");
	} else {
		snprintf(desc, sizeof(desc), "new function in %s", o->cu);
	}
	if (!err)
		err = po_writer_func(e->w, &fi);
	if (!err && gd_has_dwarf(o->dw)) {
		gd_func_decl(o->dw, n->name, &line, &file);
		if (gd_lines(o->dw, n->sec->idx, n->value, n->size, &rows, &nrows)) {
			rows = NULL;
			nrows = 0;
		}
		err = gd_out_func(e->dw, n->name, o->cu, n->handle, n->po_size, old ? fi.old_sym : 0,
				  old ? old->size : 0, file, line, rows, nrows, desc);
	}
	free(rows);
	free(masks);
	if (old)
		e->st->changed++;
	else
		e->st->added++;
	return err;
}

/* A reference of the old initialiser and the new one's to the same
 * transformed variable, whose offsets the transform carries one onto the
 * other (&cfg.hits at +8 then +16): re-pointing makes them agree. */
struct moved {
	const struct xf *x;
	struct gobj *oo, *no;
};

static int moved_with_var(void *arg, const struct ref *a, const struct ref *b)
{
	const struct moved *m = arg;
	struct ref same = *b;

	/* the same variable (ref_equal's test, offsets aside) */
	same.off = a->off;
	return a->kind == REF_SYM && b->kind == REF_SYM && ref_equal(m->oo, a, m->no, &same, 0) &&
	       xf_offset_follows(m->x, a->sym, a->off, b->off);
}

/* Does the fixup variable n's initialiser differ from its old one only in
 * pointers the re-pointing moves exactly where the new one points? */
static int only_moved_targets(const struct xf *x, const struct gsym *n)
{
	const struct gsym *o = n->twin;
	struct moved m = { x, o ? o->obj : NULL, n->obj };

	return o && o->sec && n->sec &&
	       range_equal_but(o->obj, o->sec, o->value, o->size, n->obj, n->sec, n->value, n->size,
			       0, moved_with_var, &m, NULL);
}

static int emit_var_record(struct emit *e, struct gobj *o, struct gsym *n)
{
	struct po_var_info vi = { 0 };
	char desc[512], *tname = NULL;
	int err;

	vi.name = n->name;
	vi.cu = o->cu;
	vi.flags = ((n->flags & GF_LOCAL) && !(n->flags & GF_STATIC_LOCAL) ? PO_VAR_LOCAL : 0) |
		   ((n->flags & GF_STATIC_LOCAL) ? PO_VAR_STATIC_LOCAL : 0) |
		   ((n->flags & GF_TLS) ? PO_VAR_TLS : 0) | ((n->flags & GF_CONST) ? PO_VAR_CONST : 0);
	vi.new_size = n->size;
	if (n->flags & (GF_XFORM | GF_FIXUP)) {
		const struct gtype *nt = xf_var_new_type(e->xf, n);

		vi.xtype = xf_var_xtype(e->xf, n);
		vi.old_sym = old_ref(e, n->twin);
		vi.old_size = n->twin->size;
		if (nt)
			tname = strdup(nt->spell);
		if (n->flags & GF_XFORM) {
			vi.action = PO_VAR_TRANSFORM;
			vi.new_sym = n->handle;
			snprintf(desc, sizeof(desc), "transformed to the new layout of its type in %s", o->cu);
		} else {
			vi.action = PO_VAR_FIXUP;
			vi.new_size = vi.old_size;
			snprintf(desc, sizeof(desc), "its pointers to transformed data are re-pointed in place (%s)",
				 o->cu);
			if (n->status == S_CHANGED && !only_moved_targets(e->xf, n)) {
				/* its pointers' targets follow; anything else keeps
				 * its running value */
				po_writer_warning(e->w, "gen: '%s': var '%s': initialiser changed; its pointers to "
						  "transformed data are re-pointed, the rest keeps its running value",
						  o->rel, n->name);
				e->st->warnings++;
			}
		}
		e->st->transformed++;
		if (vi.old_sym > 0 && (n->flags & GF_XFORM)) {
			struct varidx *nv = realloc(e->vidx, (e->nvidx + 1) * sizeof(*nv));

			if (!nv) {
				free(tname);
				return -ENOMEM;
			}
			e->vidx = nv;
			e->vidx[e->nvidx++] = (struct varidx){ n->twin, (uint32_t)po_writer_nvars(e->w) };
		}
	} else if (n->status == S_NEW) {
		vi.action = PO_VAR_NEW;
		vi.new_sym = n->handle;
		snprintf(desc, sizeof(desc), "new variable in %s", o->cu);
	} else if (n->flags & GF_CONST) {
		vi.action = PO_VAR_CONST_UPDATE;
		vi.new_sym = n->handle;
		vi.old_sym = old_ref(e, n->twin);
		vi.old_size = n->twin->size;
		snprintf(desc, sizeof(desc), "const data of %s: new contents; every user is in the patch", o->cu);
	} else if (only_moved_targets(e->xf, n)) {
		/* &cfg.hits: the pointer record moves it where v1 points */
		vi.action = PO_VAR_INIT_CHANGED;
		vi.old_sym = old_ref(e, n->twin);
		vi.old_size = n->twin->size;
		snprintf(desc, sizeof(desc), "initialiser changed in %s only where it points into transformed data, which is re-pointed",
			 o->cu);
	} else {
		vi.action = PO_VAR_INIT_CHANGED;
		vi.old_sym = old_ref(e, n->twin);
		vi.old_size = n->twin->size;
		snprintf(desc, sizeof(desc), "initialiser changed in %s; the running value is kept", o->cu);
		po_writer_warning(e->w, "gen: '%s': var '%s': initialiser changed; the running program "
				  "keeps its current value", o->rel, n->name);
		e->st->warnings++;
	}
	if (vi.old_sym < 0) {
		free(tname);
		return vi.old_sym;
	}
	{
		char *sig = NULL, *sname = NULL;

		if (!tname && gd_has_dwarf(o->dw) && !(n->flags & GF_STATIC_LOCAL) &&
		    !gd_var_type(o->dw, n->name, NULL, &sig, &sname))
			tname = sname;
		vi.type = tname;
		err = po_writer_var(e->w, &vi);
		if (!err && gd_has_dwarf(o->dw))
			err = gd_out_var(e->dw, n->name, o->cu, vi.new_sym, vi.new_size, vi.old_sym,
					 vi.old_size, tname, desc, xf_var_new_type(e->xf, n),
					 xf_var_old_type(e->xf, n));
		free(sig);
		free(tname);
	}
	e->st->vars++;
	return err;
}

/* An UNDEF function of the process by name (the allocator): the target's
 * own definition when it has one, else an external (libc). */
static int func_ref(struct emit *e, const char *name, int weak)
{
	struct gsym u = { .name = (char *)name, .stt = STT_FUNC, .flags = GF_FUNC | GF_UNDEF |
								       (weak ? GF_WEAK : 0) };

	return name_ref(e, &u);
}

/* What the data transforms add: their types and programs (before the var
 * records name them), then, after the records, the allocator, the
 * functions that must not run, and the static pointers to re-point. */
static int emit_xform_tail(struct emit *e)
{
	static const char *const alloc_funcs[] = {
		"malloc", "free", "calloc", "realloc", "reallocarray", "posix_memalign",
		"aligned_alloc", "memalign", "valloc", "pvalloc", "malloc_trim",
	};
	int err = 0;

	if (xf_needs_alloc(e->xf)) {
		int m = func_ref(e, "malloc", 0), f = func_ref(e, "free", 0);

		if (m < 0 || f < 0)
			return m < 0 ? m : f;
		err = po_writer_set_alloc(e->w, m, f);
		for (size_t i = 0; !err && i < sizeof(alloc_funcs) / sizeof(alloc_funcs[0]); i++) {
			int h = func_ref(e, alloc_funcs[i], i > 1);

			err = h < 0 ? h : po_writer_unsafe(e->w, h, PO_UNSAFE_ALLOC);
		}
	}
	for (size_t i = 0; !err && i < xf_nunsafe(e->xf); i++) {
		struct gsym *f = xf_unsafe(e->xf, i);
		int h;

		if (f->twin && f->twin->handle)
			continue;	/* replaced: already unsafe */
		h = old_ref(e, f);
		err = h < 0 ? h : po_writer_unsafe(e->w, h, PO_UNSAFE_DATA);
	}
	for (size_t i = 0; !err && i < xf_nptrs(e->xf); i++) {
		const struct xf_ptr *p = xf_ptr(e->xf, i);
		size_t k;
		int h;

		for (k = 0; k < e->nvidx && e->vidx[k].old != p->var; k++)
			;
		if (k == e->nvidx)
			continue;	/* its variable was not transformed */
		h = old_ref(e, p->site);
		err = h < 0 ? h : po_writer_ptr(e->w, h, e->vidx[k].index, p->off, p->addend);
	}
	return err;
}

int emit_patch(struct po_writer *w, struct gtarget *t, struct gtarget *newt,
	       struct gobj **objs, size_t nobjs, struct xf *xf,
	       const char *patch_name, struct emit_stats *st)
{
	struct emit e = { .w = w, .xf = xf, .t = t, .newt = newt, .objs = objs, .nobjs = nobjs,
			  .st = st };
	int err;

	err = gd_out_new(&e.dw, patch_name);
	/* 1. give every included symbol its place and handle */
	for (size_t i = 0; !err && i < nobjs; i++)
		for (size_t k = 1; !err && k < objs[i]->nsyms; k++)
			if (included(&objs[i]->syms[k]))
				err = place(&e, objs[i], &objs[i]->syms[k]);
	/* 2. relocations of everything placed (chunks get placed on the way) */
	for (size_t i = 0; !err && i < nobjs; i++) {
		struct gobj *o = objs[i];

		for (size_t k = 1; !err && k < o->nsyms; k++) {
			struct gsym *s = &o->syms[k];

			if (!s->handle || !s->sec)
				continue;
			err = emit_relocs(&e, o, s->sec, s->value, s->size, s->po_sec, s->po_off, s->name);
			if (!err && (s->flags & GF_FUNC))
				err = emit_pcrefs(&e, o, s);
		}
	}
	/* 3. how to unwind through the new code */
	if (!err) {
		unsigned nfde = 0;

		err = emit_cfi(w, objs, nobjs, &nfde);
		if (!err)
			gen_debug("gen: %u frame description entries for the new code", nfde);
	}
	/* 4. records: functions (with old checksums), variables, warnings */
	if (!err && xf)
		err = xf_write_types(xf, w);
	for (size_t i = 0; !err && i < nobjs; i++) {
		struct gobj *o = objs[i];

		for (size_t k = 1; !err && k < o->nsyms; k++) {
			struct gsym *s = &o->syms[k];

			if ((s->flags & GF_FUNC) && s->handle)
				err = emit_func_record(&e, o, s);
			else if ((s->flags & GF_OBJECT) && s->name[0] &&
				 (s->handle || (s->status == S_CHANGED && s->twin) ||
				  (s->flags & GF_FIXUP)))
				err = emit_var_record(&e, o, s);
		}
	}
	if (!err && xf)
		err = emit_xform_tail(&e);
	if (!err)
		err = gd_out_finish(e.dw, w);
	gd_out_free(e.dw);
	for (size_t i = 0; i < e.nxrefs; i++)
		free(e.xrefs[i].name);
	free(e.xrefs);
	free(e.chunks);
	free(e.vidx);
	return err;
}
