/* diff.c - correlate the symbols of an object pair and classify them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "gdwarf.h"
#include "gen_internal.h"
#include "po.h"
#include "ref.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int add_cut(struct gsec *s, uint64_t v, size_t *cap)
{
	if (s->ncuts == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		uint64_t *n = realloc(s->cuts, nc * sizeof(*n));

		if (!n)
			return -ENOMEM;
		s->cuts = n;
		*cap = nc;
	}
	s->cuts[s->ncuts++] = v;
	return 0;
}

/* Anonymous data (jump tables, compiler constants in plain .rodata) has no
 * symbol; its pieces start wherever something points and end where the next
 * piece or symbol starts. */
int diff_cuts(struct gobj *o)
{
	size_t *caps = calloc(o->nsecs ? o->nsecs : 1, sizeof(*caps));
	int err = 0;

	if (!caps)
		return -ENOMEM;
	for (size_t i = 1; i < o->nsecs && !err; i++) {
		struct gsec *in = &o->secs[i];

		for (size_t k = 0; k < in->nrelas && !err; k++) {
			const struct grela *r = &in->relas[k];
			struct gsec *t = r->sym->sec;
			int64_t p;

			if (r->sym->stt != STT_SECTION || !t || (t->flags & SHF_MERGE))
				continue;
			p = r->addend + ref_pc_adjust(o, in, r);
			if (p >= 0 && (uint64_t)p < t->size)
				err = add_cut(t, (uint64_t)p, &caps[t->idx]);
		}
	}
	for (size_t i = 1; i < o->nsecs && !err; i++) {
		struct gsec *s = &o->secs[i];

		for (size_t k = 0; k < s->nsyms && !err; k++) {
			err = add_cut(s, s->syms[k]->value, &caps[i]);
			if (!err && s->syms[k]->size)
				err = add_cut(s, s->syms[k]->value + s->syms[k]->size, &caps[i]);
		}
		if (!err && s->ncuts) {
			size_t u = 0;

			qsort(s->cuts, s->ncuts, sizeof(*s->cuts), cmp_u64);
			for (size_t k = 0; k < s->ncuts; k++)
				if (!u || s->cuts[u - 1] != s->cuts[k])
					s->cuts[u++] = s->cuts[k];
			s->ncuts = u;
		}
	}
	free(caps);
	return err;
}

static int is_entity(const struct gsym *s)
{
	return (s->flags & (GF_FUNC | GF_OBJECT)) && !(s->flags & GF_UNDEF) &&
	       (s->sec || s->shndx == SHN_COMMON) && s->name[0];
}

static void pair(struct gsym *o, struct gsym *n)
{
	o->twin = n;
	n->twin = o;
}

static int same_kind(const struct gsym *a, const struct gsym *b)
{
	return (a->flags & (GF_FUNC | GF_OBJECT | GF_TLS)) == (b->flags & (GF_FUNC | GF_OBJECT | GF_TLS));
}

/* Does function f (in o) refer to symbol s? */
static int func_refers(struct gobj *o, struct gsym *f, struct gsym *s)
{
	for (size_t i = 0; i < f->nrelas; i++) {
		struct ref r;

		if (!ref_resolve(o, f->sec, &f->sec->relas[f->rela_first + i], &r) &&
		    r.kind == REF_SYM && r.sym == s)
			return 1;
	}
	return 0;
}

static size_t base_len(const char *static_local)
{
	const char *d = strrchr(static_local, '.');

	return d ? (size_t)(d - static_local) : strlen(static_local);
}

static int same_base(const char *a, const char *b)
{
	size_t la = base_len(a), lb = base_len(b);

	return la == lb && !strncmp(a, b, la);
}

int diff_correlate(struct gobj *old, struct gobj *nw)
{
	if (!old)
		return 0;
	/* 1. exact names: globals, and statics within this pair of objects */
	for (size_t i = 1; i < nw->nsyms; i++) {
		struct gsym *n = &nw->syms[i];

		if (!is_entity(n) || (n->flags & GF_STATIC_LOCAL))
			continue;
		for (size_t k = 1; k < old->nsyms; k++) {
			struct gsym *o = &old->syms[k];

			if (o->twin || !is_entity(o) || (o->flags & GF_STATIC_LOCAL) ||
			    strcmp(o->name, n->name) || !same_kind(o, n) ||
			    (o->stb == STB_LOCAL) != (n->stb == STB_LOCAL))
				continue;
			pair(o, n);
			break;
		}
	}
	/* 2. clones and fragments whose numbers changed: same key, in order */
	for (size_t i = 1; i < nw->nsyms; i++) {
		struct gsym *n = &nw->syms[i];

		if (n->twin || !is_entity(n) || !(n->flags & (GF_CLONE | GF_FRAGMENT)))
			continue;
		for (size_t k = 1; k < old->nsyms; k++) {
			struct gsym *o = &old->syms[k];

			if (!o->twin && is_entity(o) && same_kind(o, n) && !strcmp(o->key, n->key)) {
				pair(o, n);
				break;
			}
		}
	}
	/* 3. static locals ("count.3"): through the functions that use them, so
	 * the patched function keeps the running program's variable */
	for (size_t i = 1; i < nw->nsyms; i++) {
		struct gsym *n = &nw->syms[i];

		if (!is_entity(n) || !(n->flags & GF_STATIC_LOCAL))
			continue;
		for (size_t f = 1; f < nw->nsyms && !n->twin; f++) {
			struct gsym *nf = &nw->syms[f], *of = nf->twin;

			if (!(nf->flags & GF_FUNC) || !of || !nf->sec || !func_refers(nw, nf, n))
				continue;
			for (size_t k = 0; k < of->nrelas && !n->twin; k++) {
				struct ref r;

				if (ref_resolve(old, of->sec, &of->sec->relas[of->rela_first + k], &r) ||
				    r.kind != REF_SYM || !(r.sym->flags & GF_STATIC_LOCAL) ||
				    r.sym->twin || !same_base(r.sym->name, n->name))
					continue;
				pair(r.sym, n);
			}
		}
		if (n->twin)
			continue;
		for (size_t k = 1; k < old->nsyms; k++) {
			struct gsym *o = &old->syms[k];

			if (!o->twin && (o->flags & GF_STATIC_LOCAL) && !strcmp(o->name, n->name)) {
				pair(o, n);
				break;
			}
		}
	}
	return 0;
}

const char *diff_owner_function(struct gobj *o, struct gsym *v, char *buf, size_t len)
{
	for (size_t f = 1; f < o->nsyms; f++) {
		struct gsym *fs = &o->syms[f];

		if ((fs->flags & GF_FUNC) && fs->sec && func_refers(o, fs, v)) {
			size_t n = strcspn(fs->name, ".");

			if (n >= len)
				n = len - 1;
			memcpy(buf, fs->name, n);
			buf[n] = 0;
			return buf;
		}
	}
	return NULL;
}

/* A function whose bytes differ only in 32-bit immediates that moved by
 * exactly as many lines as the function itself: __LINE__ from assert() or a
 * logging macro, after lines were added above it. */
static int line_only(struct gobj *old, struct gsym *o, struct gobj *nw, struct gsym *n)
{
	unsigned ol, nl;
	const char *ofile, *nfile;
	struct po_disk_mask *m = NULL;
	size_t nm = 0;
	int64_t delta;
	uint8_t *masked;
	const uint8_t *a = o->sec->data + o->value, *b = n->sec->data + n->value;
	int ok = 1;

	if (o->size != n->size || !o->sec->data || !n->sec->data ||
	    gd_func_decl(old->dw, o->name, &ol, &ofile) || gd_func_decl(nw->dw, n->name, &nl, &nfile))
		return 0;
	delta = (int64_t)nl - (int64_t)ol;
	if (!delta)
		return 0;
	if (func_masks(nw, n, &m, &nm))
		return 0;
	masked = calloc(1, n->size);
	if (!masked) {
		free(m);
		return 0;
	}
	for (size_t i = 0; i < nm; i++)
		for (uint64_t k = m[i].off; k < (uint64_t)m[i].off + m[i].len && k < n->size; k++)
			masked[k] = 1;
	for (uint64_t p = 0; p < n->size && ok; p++) {
		int found = 0;

		if (masked[p] || a[p] == b[p])
			continue;
		/* find an aligned-anywhere 32-bit window holding old/new line numbers */
		for (uint64_t w = p >= 3 ? p - 3 : 0; w <= p && w + 4 <= n->size && !found; w++) {
			uint32_t ov = a[w] | a[w + 1] << 8 | a[w + 2] << 16 | (uint32_t)a[w + 3] << 24;
			uint32_t nv = b[w] | b[w + 1] << 8 | b[w + 2] << 16 | (uint32_t)b[w + 3] << 24;

			if (ov > 0 && ov < (1u << 24) && (int64_t)nv - (int64_t)ov == delta) {
				found = 1;
				p = w + 3;	/* the whole window is explained */
			}
		}
		if (!found)
			ok = 0;
	}
	free(masked);
	free(m);
	return ok;
}

static void set_changed(struct gsym *s, const char *why)
{
	if (s->status != S_NEW) {
		s->status = S_CHANGED;
		if (!s->why)
			s->why = why;
	}
}

int diff_compare(struct gobj *nw, struct diff_stats *st)
{
	/* functions */
	for (size_t i = 1; i < nw->nsyms; i++) {
		struct gsym *n = &nw->syms[i], *o = n->twin;
		const char *why = NULL;

		if (!is_entity(n) || !(n->flags & GF_FUNC))
			continue;
		if (!o) {
			n->status = S_NEW;
			continue;
		}
		if (range_equal(o->obj, o->sec, o->value, o->size, nw, n->sec, n->value, n->size, 0, &why)) {
			n->status = o->status = S_SAME;
			continue;
		}
		if (!strcmp(why, "code or data bytes differ") && line_only(o->obj, o, nw, n)) {
			n->status = o->status = S_SAME;
			n->flags |= GF_LINE_ONLY;
			st->line_only++;
			gen_debug("gen: '%s': func '%s': only __LINE__ constants moved; skipped", nw->rel, n->name);
			continue;
		}
		n->status = S_CHANGED;
		n->why = why;
	}
	/* variables */
	for (size_t i = 1; i < nw->nsyms; i++) {
		struct gsym *n = &nw->syms[i], *o = n->twin;
		const char *why = NULL;

		if (!is_entity(n) || !(n->flags & GF_OBJECT))
			continue;
		if (!o) {
			n->status = S_NEW;
			continue;
		}
		if (!o->sec || !n->sec ||
		    range_equal(o->obj, o->sec, o->value, o->size, nw, n->sec, n->value, n->size, 0, &why))
			n->status = S_SAME;
		else {
			n->status = S_CHANGED;
			n->why = (n->flags & GF_CONST) ? "const contents changed" : "initialiser changed";
		}
	}
	return 0;
}

/* Is s (a reference from new code) changed const data?  An undefined
 * symbol is looked up among the globals of all the new objects. */
static int changed_const(struct gobj **objs, size_t n, const struct gsym *s)
{
	if (!(s->flags & GF_UNDEF))
		return (s->flags & GF_CONST) && s->status == S_CHANGED;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 1; k < objs[i]->nsyms; k++) {
			const struct gsym *d = &objs[i]->syms[k];

			if ((d->flags & GF_CONST) && !(d->flags & (GF_LOCAL | GF_UNDEF)) &&
			    d->status == S_CHANGED && !strcmp(d->name, s->name))
				return 1;
		}
	return 0;
}

int diff_propagate(struct gobj **objs, size_t nobjs, struct diff_stats *st)
{
	for (size_t o = 0; o < nobjs; o++) {
		struct gobj *nw = objs[o];

		for (size_t i = 1; i < nw->nsyms; i++) {
			struct gsym *n = &nw->syms[i];

			if (!is_entity(n) || !(n->flags & GF_FUNC) || n->status != S_SAME)
				continue;
			for (size_t k = 0; k < n->nrelas; k++) {
				struct ref r;

				if (!ref_resolve(nw, n->sec, &n->sec->relas[n->rela_first + k], &r) &&
				    r.kind == REF_SYM && changed_const(objs, nobjs, r.sym)) {
					set_changed(n, "reads const data whose contents changed");
					if (n->flags & GF_LINE_ONLY)
						st->line_only--;
					n->flags &= ~GF_LINE_ONLY;
					break;
				}
			}
		}
	}
	for (size_t o = 0; o < nobjs; o++) {
		struct gobj *nw = objs[o];

		/* a .cold fragment is part of its function: both go, or neither */
		for (size_t i = 1; i < nw->nsyms; i++) {
			struct gsym *n = &nw->syms[i], *p = n->parent;

			if (!(n->flags & GF_FRAGMENT) || !p)
				continue;
			if (p->status != S_CHANGED && p->status != S_NEW &&
			    n->status != S_CHANGED && n->status != S_NEW)
				continue;
			if (p->flags & GF_LINE_ONLY)
				st->line_only--;
			p->flags &= ~GF_LINE_ONLY;
			if (p->status == S_SAME)
				set_changed(p, "its .cold part changed");
			if (n->status == S_SAME)
				set_changed(n, "its function changed");
		}
	}
	return 0;
}

int diff_correlate_moved(struct gobj **olds, size_t nold, struct gobj **news, size_t nnew)
{
	for (size_t i = 0; i < nnew; i++)
		for (size_t k = 1; k < news[i]->nsyms; k++) {
			struct gsym *n = &news[i]->syms[k];

			if (n->twin || !is_entity(n) || (n->flags & GF_LOCAL))
				continue;
			for (size_t a = 0; a < nold && !n->twin; a++)
				for (size_t b = 1; b < olds[a]->nsyms; b++) {
					struct gsym *o = &olds[a]->syms[b];

					if (!o->twin && is_entity(o) && !(o->flags & GF_LOCAL) &&
					    same_kind(o, n) && !strcmp(o->name, n->name)) {
						pair(o, n);
						break;
					}
				}
		}
	return 0;
}
