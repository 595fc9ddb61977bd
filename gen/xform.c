/* xform.c - data transforms (xform.h).
 *
 * Types are compared in pairs (old layout, new layout), keyed by their
 * structural signatures so that one C type seen by several compilation
 * units is one pair.  For every pair:
 *   compatible  the layouts agree (same members at the same places; an enum
 *               that only gained enumerators; a union that only gained
 *               members without growing);
 *   needs       not compatible, or it embeds or points to a pair that needs
 *               (a fixpoint: pointers make cycles).
 * A pair that needs gets an xtype with a forward program (old -> new) and,
 * where one exists, a backward one (new -> old, for revert).  Compatible
 * pairs that need are fixed in place (only their pointers change).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dwarf.h>

#include "diff.h"
#include "gdwarf.h"
#include "gen_internal.h"
#include "po.h"
#include "po_xop.h"
#include "ref.h"
#include "xform.h"

/* ------------------------------------------------------------ buffers */
struct obuf {
	uint8_t *d;
	size_t len, cap;
	int err;
};

static void ob_byte(struct obuf *b, uint8_t v)
{
	if (b->err)
		return;
	if (b->len == b->cap) {
		size_t nc = b->cap ? b->cap * 2 : 64;
		uint8_t *n = realloc(b->d, nc);

		if (!n) {
			b->err = -ENOMEM;
			return;
		}
		b->d = n;
		b->cap = nc;
	}
	b->d[b->len++] = v;
}

static void ob_uleb(struct obuf *b, uint64_t v)
{
	do {
		uint8_t c = v & 0x7f;

		v >>= 7;
		ob_byte(b, c | (v ? 0x80 : 0));
	} while (v);
}

static void ob_sleb(struct obuf *b, int64_t v)
{
	int more = 1;

	while (more) {
		uint8_t c = v & 0x7f;

		v >>= 7;	/* arithmetic on gcc */
		more = !((v == 0 && !(c & 0x40)) || (v == -1 && (c & 0x40)));
		ob_byte(b, c | (more ? 0x80 : 0));
	}
}

static void ob_op(struct obuf *b, uint8_t code, int n, ...)
{
	va_list ap;

	ob_byte(b, code);
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		ob_uleb(b, va_arg(ap, uint64_t));
	va_end(ap);
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

/* ------------------------------------------------------------ data */
struct xpair;

struct xpair {
	struct gtype *o, *n;		/* resolved (no GT_DECL when a definition exists) */
	char *key;
	int explored, compat_state, compat, needs;
	struct xpair **kids;		/* embedded members, pointees, elements */
	size_t nkids, ckids;
	int id;				/* xtype index, -1 */
	int heap;			/* a PTR operation reaches it */
	struct obuf fwd, back;
	char *fwd_why, *back_why;	/* why a program could not be made */
	int *refs;			/* xtype ids its programs name */
	size_t nrefs, crefs;
	int bad;			/* its forward program or one it names failed */
	char *name, *diff;
};

struct xroot {
	struct gsym *n, *o;
	struct xpair *p;
	int fixup;
};

struct xf {
	struct gobj **olds, **news;
	size_t nold, nnew;
	const struct xf_opts *opt;

	struct xpair **tab;		/* pairs by key: open addressing */
	size_t ntab, captab;
	struct xpair **all;		/* every pair, in creation order */
	size_t nall, callp;
	struct xpair **types;		/* pairs with an xtype, by id */
	size_t ntypes, ctypes;

	struct xroot *roots;
	size_t nroots, croots;
	struct gsym **unsafe;
	size_t nunsafe, cunsafe;
	struct xf_ptr *ptrs;
	size_t nptrs, cptrs;
	char **warn;
	size_t nwarn, cwarn;
	int heap;

	/* signature cache, by node */
	const struct gtype **sig_k;
	char **sig_v;
	size_t nsig, capsig;

	/* what functions of the old build handle (locals reaching a changed
	 * type), for the unsafe list and the evidence of hidden objects */
	struct handler {
		struct gsym *func;
		struct gobj *obj;
		const char *type;	/* the changed type seen */
	} *handlers;
	size_t nhandlers, chandlers;
};

static int grow(void *pp, size_t *cap, size_t n, size_t el)
{
	void **p = pp;

	if (n < *cap)
		return 0;
	{
		size_t nc = *cap ? *cap * 2 : 16;
		void *np = realloc(*p, nc * el);

		if (!np)
			return -ENOMEM;
		*p = np;
		*cap = nc;
	}
	return 0;
}

/* ------------------------------------------------------------ signatures */
static size_t ptr_hash(const void *p, size_t cap)
{
	return (size_t)(((uintptr_t)p >> 4) * 0x9e3779b97f4a7c15ULL) & (cap - 1);
}

static char **sig_slot(struct xf *x, const struct gtype *t)
{
	size_t i;

	if ((x->nsig + 1) * 2 > x->capsig) {
		size_t nc = x->capsig ? x->capsig * 2 : 256, oc = x->capsig;
		const struct gtype **ok = x->sig_k;
		char **ov = x->sig_v;

		x->sig_k = calloc(nc, sizeof(*x->sig_k));
		x->sig_v = calloc(nc, sizeof(*x->sig_v));
		if (!x->sig_k || !x->sig_v) {
			free(x->sig_k);
			free(x->sig_v);
			x->sig_k = ok;
			x->sig_v = ov;
			return NULL;
		}
		x->capsig = nc;
		for (size_t k = 0; k < oc; k++) {
			if (!ok[k])
				continue;
			for (i = ptr_hash(ok[k], nc); x->sig_k[i]; i = (i + 1) & (nc - 1))
				;
			x->sig_k[i] = ok[k];
			x->sig_v[i] = ov[k];
		}
		free(ok);
		free(ov);
	}
	for (i = ptr_hash(t, x->capsig); x->sig_k[i] && x->sig_k[i] != t;
	     i = (i + 1) & (x->capsig - 1))
		;
	if (!x->sig_k[i]) {
		x->sig_k[i] = t;
		x->nsig++;
	}
	return &x->sig_v[i];
}

struct sb {
	char *p;
	size_t len, cap;
	int err;
};

static void sb_put(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_put(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	if (b->err)
		return;
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->err = -ENOMEM;
		return;
	}
	if (b->len + (size_t)n + 1 > b->cap) {
		size_t nc = b->cap ? b->cap : 64;
		char *np;

		while (nc < b->len + (size_t)n + 1)
			nc *= 2;
		np = realloc(b->p, nc);
		if (!np) {
			free(s);
			b->err = -ENOMEM;
			return;
		}
		b->p = np;
		b->cap = nc;
	}
	memcpy(b->p + b->len, s, (size_t)n + 1);
	b->len += (size_t)n;
	free(s);
}

/* A layout signature: equal for two nodes exactly when their layouts are
 * equal; pointers by the name of what they point to (that is where the
 * graph would loop). */
static const char *sig(struct xf *x, const struct gtype *t);

static void sig_into(struct xf *x, const struct gtype *t, struct sb *b)
{
	if (!t) {
		sb_put(b, "v");
		return;
	}
	switch (t->kind) {
	case GT_VOID:
		sb_put(b, "v");
		break;
	case GT_BASE:
		sb_put(b, "%c%llu.%u", t->is_signed ? 'i' : 'u', (unsigned long long)t->size,
		       t->encoding);
		break;
	case GT_ENUM:
		sb_put(b, "e%c%llu{", t->is_signed ? 'i' : 'u', (unsigned long long)t->size);
		for (size_t i = 0; i < t->ne; i++)
			sb_put(b, "%s%s=%lld", i ? "," : "", t->e[i].name, (long long)t->e[i].value);
		sb_put(b, "}");
		break;
	case GT_PTR:
		sb_put(b, "p(%s)", t->target ? t->target->spell : "void");
		break;
	case GT_ARRAY:
		sb_put(b, "[%llu]%s", (unsigned long long)t->count, sig(x, t->target));
		break;
	case GT_STRUCT:
	case GT_UNION:
		sb_put(b, "%c%llu(%s){", t->kind == GT_UNION ? 'U' : 'S',
		       (unsigned long long)t->size, t->name ? t->name : "");
		for (size_t i = 0; i < t->nm; i++) {
			const struct gt_member *m = &t->m[i];

			if (m->bit_size)
				sb_put(b, "%s@b%llu:%llu=%s;", m->name, (unsigned long long)m->bit_pos,
				       (unsigned long long)m->bit_size, sig(x, m->type));
			else
				sb_put(b, "%s@%llu=%s;", m->name, (unsigned long long)m->off,
				       sig(x, m->type));
		}
		sb_put(b, "}");
		break;
	case GT_DECL:
		sb_put(b, "d(%s)", t->spell);
		break;
	case GT_FUNC:
		sb_put(b, "f");
		break;
	case GT_OTHER:
		sb_put(b, "?%llu", (unsigned long long)t->size);
		break;
	}
}

static const char *sig(struct xf *x, const struct gtype *t)
{
	char **slot;
	struct sb b = { 0 };

	if (!t)
		return "v";
	slot = sig_slot(x, t);
	if (!slot)
		return "?";
	if (*slot)
		return *slot;
	*slot = strdup("...");	/* a loop through embedding cannot happen; guard anyway */
	sig_into(x, t, &b);
	/* The members' signatures went into the same table, which may have
	 * grown and moved: find t's slot again. */
	slot = sig_slot(x, t);
	if (!slot) {
		free(b.p);
		return "?";
	}
	free(*slot);
	*slot = b.err ? strdup("?") : b.p;
	return *slot ? *slot : "?";
}

/* ------------------------------------------------------------ resolving */
/* The object whose DWARF holds t, and whether it is of the old build. */
static struct gobj *owner_of(struct xf *x, const struct gtype *t, int *is_old)
{
	for (size_t i = 0; i < x->nold; i++)
		if (x->olds[i]->dw == t->owner) {
			*is_old = 1;
			return x->olds[i];
		}
	for (size_t i = 0; i < x->nnew; i++)
		if (x->news[i]->dw == t->owner) {
			*is_old = 0;
			return x->news[i];
		}
	*is_old = 0;
	return NULL;
}

/* The definition of the aggregate (kind k) called name among objs, looked
 * up first in prefer: C lets two compilation units define different types
 * under one tag (memcached has two struct window_data), and the one that
 * goes with a CU's code is its own, or its twin's in the other build. */
static struct gtype *named_in(struct gobj **objs, size_t n, struct gobj *prefer,
			      enum gt_kind k, const char *name)
{
	struct gtype *d = NULL;

	if (prefer && gd_named_gtype(prefer->dw, k, name, &d) > 0 && d)
		return d;
	for (size_t i = 0; i < n; i++) {
		d = NULL;
		if (objs[i] != prefer && gd_named_gtype(objs[i]->dw, k, name, &d) > 0 && d)
			return d;
	}
	return NULL;
}

/* The complete type behind a declaration: its definition in the same
 * object, else the first among the objects of the same build. */
static struct gtype *resolve(struct xf *x, struct gtype *t)
{
	struct gobj *own;
	struct gtype *d;
	int mine = 0;

	if (!t || t->kind != GT_DECL || !t->name)
		return t;
	own = owner_of(x, t, &mine);
	d = named_in(mine ? x->olds : x->news, mine ? x->nold : x->nnew, own, t->decl_kind,
		     t->name);
	return d ? d : t;
}

/* The same-named definition in the other build (types seen in locals):
 * the one of the owner's twin first. */
static struct gtype *counterpart(struct xf *x, const struct gtype *t, int want_new)
{
	enum gt_kind k = t->kind == GT_DECL ? t->decl_kind : t->kind;
	struct gobj *own;
	int is_old;

	if (!t->name || (k != GT_STRUCT && k != GT_UNION && k != GT_ENUM))
		return NULL;
	own = owner_of(x, t, &is_old);
	return named_in(want_new ? x->news : x->olds, want_new ? x->nnew : x->nold,
			own ? own->twin : NULL, k, t->name);
}

/* ------------------------------------------------------------ pairs */
static size_t str_hash(const char *s, size_t cap)
{
	size_t h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h & (cap - 1);
}

static struct xpair *pair_get(struct xf *x, struct gtype *o, struct gtype *n)
{
	char *key;
	size_t i;
	struct xpair *p;

	o = resolve(x, o);
	n = resolve(x, n);
	key = xasprintf("%s|%s", sig(x, o), sig(x, n));
	if (!key)
		return NULL;
	if ((x->ntab + 1) * 2 > x->captab) {
		size_t nc = x->captab ? x->captab * 2 : 128;
		struct xpair **nt = calloc(nc, sizeof(*nt));

		if (!nt) {
			free(key);
			return NULL;
		}
		for (size_t k = 0; k < x->captab; k++) {
			if (!x->tab[k])
				continue;
			for (i = str_hash(x->tab[k]->key, nc); nt[i]; i = (i + 1) & (nc - 1))
				;
			nt[i] = x->tab[k];
		}
		free(x->tab);
		x->tab = nt;
		x->captab = nc;
	}
	for (i = str_hash(key, x->captab); x->tab[i]; i = (i + 1) & (x->captab - 1)) {
		if (!strcmp(x->tab[i]->key, key)) {
			free(key);
			return x->tab[i];
		}
	}
	p = calloc(1, sizeof(*p));
	if (!p || grow(&x->all, &x->callp, x->nall, sizeof(*x->all))) {
		free(p);
		free(key);
		return NULL;
	}
	p->o = o;
	p->n = n;
	p->key = key;
	p->id = -1;
	p->compat_state = -1;
	x->tab[i] = p;
	x->ntab++;
	x->all[x->nall++] = p;
	return p;
}

static enum gt_kind kind_of(const struct gtype *t)
{
	return t ? t->kind : GT_VOID;
}

/* Member of a (old or new) aggregate matching m of the other: by name,
 * anonymous members by their rank among anonymous members. */
static const struct gt_member *match(const struct gtype *in, const struct gtype *from,
				     const struct gt_member *m)
{
	size_t rank = 0, k = 0;

	if (*m->name) {
		for (size_t i = 0; i < in->nm; i++)
			if (!strcmp(in->m[i].name, m->name))
				return &in->m[i];
		return NULL;
	}
	for (size_t i = 0; i < from->nm && &from->m[i] != m; i++)
		rank += !*from->m[i].name;
	for (size_t i = 0; i < in->nm; i++)
		if (!*in->m[i].name && k++ == rank)
			return &in->m[i];
	return NULL;
}

static int add_kid(struct xpair *p, struct xpair *k)
{
	for (size_t i = 0; i < p->nkids; i++)
		if (p->kids[i] == k)
			return 0;
	if (grow(&p->kids, &p->ckids, p->nkids, sizeof(*p->kids)))
		return -ENOMEM;
	p->kids[p->nkids++] = k;
	return 0;
}

/* The pair of what a pointer pair points to (NULL: void, functions). */
static struct xpair *pointee(struct xf *x, struct xpair *p)
{
	struct gtype *to = resolve(x, p->o->target), *tn = resolve(x, p->n->target);

	if (!to || !tn || to->kind == GT_VOID || tn->kind == GT_VOID || to->kind == GT_FUNC ||
	    tn->kind == GT_FUNC)
		return NULL;
	return pair_get(x, to, tn);
}

/* Every pair reachable from p, through members, elements and pointees. */
static int explore(struct xf *x, struct xpair *p, int depth)
{
	enum gt_kind ko, kn;
	int err = 0;

	if (!p || p->explored)
		return p ? 0 : -ENOMEM;
	p->explored = 1;
	if (!p->o || !p->n || depth > 4000)
		return 0;
	ko = p->o->kind;
	kn = p->n->kind;
	if ((ko == GT_STRUCT || ko == GT_UNION) && ko == kn) {
		for (size_t i = 0; i < p->n->nm && !err; i++) {
			const struct gt_member *om = match(p->o, p->n, &p->n->m[i]);
			struct xpair *k;

			if (!om)
				continue;
			k = pair_get(x, om->type, p->n->m[i].type);
			err = k ? add_kid(p, k) : -ENOMEM;
			if (!err)
				err = explore(x, k, depth + 1);
		}
	} else if (ko == GT_PTR && kn == GT_PTR) {
		struct xpair *k = pointee(x, p);

		if (k) {
			err = add_kid(p, k);
			if (!err)
				err = explore(x, k, depth + 1);
		}
	} else if (ko == GT_ARRAY && kn == GT_ARRAY && p->o->target && p->n->target) {
		struct xpair *k = pair_get(x, p->o->target, p->n->target);

		err = k ? add_kid(p, k) : -ENOMEM;
		if (!err)
			err = explore(x, k, depth + 1);
	}
	return err;
}

static int is_intlike(const struct gtype *t)
{
	return t && (t->kind == GT_ENUM ||
		     (t->kind == GT_BASE && t->encoding != DW_ATE_float &&
		      t->encoding != DW_ATE_complex_float));
}

/* Every enumerator of the old type keeps its value in the new one. */
static int enum_values_kept(const struct gtype *o, const struct gtype *n)
{
	for (size_t i = 0; i < o->ne; i++) {
		size_t k;

		for (k = 0; k < n->ne; k++)
			if (!strcmp(o->e[i].name, n->e[k].name))
				break;
		if (k == n->ne || n->e[k].value != o->e[i].value)
			return 0;
	}
	return 1;
}

static int compat(struct xf *x, struct xpair *p);

static int member_compat(struct xf *x, const struct gt_member *a, const struct gt_member *b)
{
	struct xpair *k;

	if (strcmp(a->name, b->name) || a->off != b->off || a->bit_pos != b->bit_pos ||
	    a->bit_size != b->bit_size)
		return 0;
	k = pair_get(x, a->type, b->type);
	return k && compat(x, k);
}

/* Do the two layouts agree?  (Through embedding only: what pointers point
 * to is the business of needs.) */
static int compat(struct xf *x, struct xpair *p)
{
	const struct gtype *o = p->o, *n = p->n;
	int c = 1;

	if (p->compat_state >= 0)
		return p->compat;
	p->compat_state = 0;	/* in progress: embedding cannot loop */
	if (kind_of(o) != kind_of(n)) {
		c = 0;
	} else if (!o) {
		c = 1;
	} else {
		switch (o->kind) {
		case GT_BASE:
			c = o->size == n->size && o->encoding == n->encoding &&
			    o->is_signed == n->is_signed;
			break;
		case GT_ENUM:
			c = o->size == n->size && o->is_signed == n->is_signed &&
			    enum_values_kept(o, n);
			break;
		case GT_PTR:
		case GT_FUNC:
		case GT_VOID:
			c = 1;
			break;
		case GT_ARRAY: {
			struct xpair *k = o->target && n->target ? pair_get(x, o->target, n->target) : NULL;

			c = o->count == n->count && (!o->target || (k && compat(x, k)));
			break;
		}
		case GT_STRUCT:
			c = o->size == n->size && o->nm == n->nm;
			for (size_t i = 0; c && i < o->nm; i++)
				c = member_compat(x, &o->m[i], &n->m[i]);
			break;
		case GT_UNION:
			c = o->size == n->size;
			for (size_t i = 0; c && i < o->nm; i++) {
				const struct gt_member *nm = match(n, o, &o->m[i]);

				c = nm && member_compat(x, &o->m[i], nm);
			}
			break;
		case GT_DECL:
			c = o->decl_kind == n->decl_kind && o->name && n->name &&
			    !strcmp(o->name, n->name);
			break;
		case GT_OTHER:
			c = o->size == n->size;
			break;
		}
	}
	p->compat = c;
	p->compat_state = 1;
	return c;
}

static void compute_needs(struct xf *x)
{
	int changed = 1;

	for (size_t i = 0; i < x->nall; i++)
		x->all[i]->needs = !compat(x, x->all[i]);
	while (changed) {
		changed = 0;
		for (size_t i = 0; i < x->nall; i++) {
			struct xpair *p = x->all[i];

			for (size_t k = 0; !p->needs && k < p->nkids; k++) {
				if (p->kids[k]->needs) {
					p->needs = 1;
					changed = 1;
				}
			}
		}
	}
}

/* ------------------------------------------------------------ programs */
static int id_of(struct xf *x, struct xpair *p)
{
	if (p->id < 0) {
		if (grow(&x->types, &x->ctypes, x->ntypes, sizeof(*x->types)))
			return -ENOMEM;
		p->id = (int)x->ntypes;
		x->types[x->ntypes++] = p;
	}
	return p->id;
}

struct pctx {
	struct xf *x;
	struct xpair *self;
	int back;
	struct obuf *b;
	char path[256];		/* member path inside self, for messages */
	char *why;		/* set on failure */
};

static int fail(struct pctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct pctx *c, const char *fmt, ...)
{
	va_list ap;
	char *m;

	if (c->why)
		return -1;
	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	va_end(ap);
	c->why = xasprintf("%s%s%s%s: %s", c->self->name, *c->path ? ": member '" : "",
			   c->path, *c->path ? "'" : "", m ? m : "?");
	free(m);
	return -1;
}

static int ref(struct pctx *c, struct xpair *p)
{
	int id = id_of(c->x, p);
	struct xpair *s = c->self;

	if (id < 0)
		return id;
	for (size_t i = 0; i < s->nrefs; i++)
		if (s->refs[i] == id)
			return id;
	if (grow(&s->refs, &s->crefs, s->nrefs, sizeof(*s->refs)))
		return -ENOMEM;
	s->refs[s->nrefs++] = id;
	return id;
}

static const struct gtype *src_of(const struct pctx *c, const struct xpair *p)
{
	return c->back ? p->n : p->o;
}

static const struct gtype *dst_of(const struct pctx *c, const struct xpair *p)
{
	return c->back ? p->o : p->n;
}

/* Is this pair an enum whose stored values must be renumbered? */
static int renumbered(const struct xpair *p)
{
	return p->o && p->n && p->o->kind == GT_ENUM && p->n->kind == GT_ENUM &&
	       (!enum_values_kept(p->o, p->n) || !enum_values_kept(p->n, p->o));
}

static int emit_object(struct pctx *c, struct xpair *p, uint64_t so, uint64_t dof);
static int allowed(const struct xf *x, const char *path);
static int add_warning(struct xf *x, char *w);

/* One member (or a whole scalar object): pair p at source offset so and
 * destination offset dof; sm/dm describe the members (bit-fields). */
static int conv(struct pctx *c, struct xpair *p, uint64_t so, uint64_t dof,
		const struct gt_member *sm, const struct gt_member *dm)
{
	const struct gtype *s = src_of(c, p), *d = dst_of(c, p);
	int inplace = compat(c->x, c->self);
	struct obuf *b = c->b;

	if (!s || !d)
		return fail(c, "a type without a description");
	if ((sm && sm->bit_size) || (dm && dm->bit_size)) {
		uint64_t sb = sm && sm->bit_size ? so * 8 - sm->off * 8 + sm->bit_pos : so * 8;
		uint64_t sw = sm && sm->bit_size ? sm->bit_size : s->size * 8;
		uint64_t db = dm && dm->bit_size ? dof * 8 - dm->off * 8 + dm->bit_pos : dof * 8;
		uint64_t dw = dm && dm->bit_size ? dm->bit_size : d->size * 8;

		if (!is_intlike(s) || !is_intlike(d))
			return fail(c, "bit-field of '%s' -> '%s': only integers convert", s->spell,
				    d->spell);
		if (renumbered(p))
			return fail(c, "a bit-field of enum type whose values changed");
		if (inplace)
			return 0;
		if (!sw || sw > 64 || !dw || dw > 64)
			return fail(c, "bit-field wider than 64 bits");
		ob_op(b, PO_XOP_BITS, 5, sb, sw, db, dw,
		      (uint64_t)((s->is_signed ? PO_XOP_OLD_SIGNED : 0) |
				 (d->is_signed ? PO_XOP_NEW_SIGNED : 0)));
		return 0;
	}
	if (!p->needs) {
		if (s->size != d->size)
			return fail(c, "sizes %llu -> %llu", (unsigned long long)s->size,
				    (unsigned long long)d->size);
		if (!inplace && s->size)
			ob_op(b, PO_XOP_COPY, 3, so, dof, s->size);
		return 0;
	}
	if (is_intlike(s) && is_intlike(d)) {
		uint64_t fl = (s->is_signed ? PO_XOP_OLD_SIGNED : 0) | (d->is_signed ? PO_XOP_NEW_SIGNED : 0);

		if (s->size > 8 || d->size > 8 || !s->size || !d->size)
			return fail(c, "integers of %llu -> %llu bytes", (unsigned long long)s->size,
				    (unsigned long long)d->size);
		if (renumbered(p)) {
			struct obuf t = { 0 };
			uint64_t n = 0;

			for (size_t i = 0; i < s->ne; i++) {
				for (size_t k = 0; k < d->ne; k++) {
					if (!strcmp(s->e[i].name, d->e[k].name)) {
						ob_sleb(&t, s->e[i].value);
						ob_sleb(&t, d->e[k].value);
						n++;
						break;
					}
				}
			}
			ob_op(b, PO_XOP_ENUM, 6, so, s->size, dof, d->size, fl, n);
			for (size_t i = 0; i < t.len; i++)
				ob_byte(b, t.d[i]);
			free(t.d);
			return t.err;
		}
		if (s->size == d->size && s->is_signed == d->is_signed)
			ob_op(b, PO_XOP_COPY, 3, so, dof, s->size);
		else
			ob_op(b, PO_XOP_INT, 5, so, s->size, dof, d->size, fl);
		return 0;
	}
	if (s->kind != d->kind)
		return fail(c, "'%s' -> '%s' cannot be converted", s->spell, d->spell);
	switch (s->kind) {
	case GT_BASE:
		return fail(c, "'%s' -> '%s' (floating point) cannot be converted", s->spell,
			    d->spell);
	case GT_PTR: {
		struct xpair *k = pointee(c->x, p);
		const struct gtype *kt;
		int id;

		if (!k || !k->needs) {
			if (!inplace)
				ob_op(b, PO_XOP_COPY, 3, so, dof, 8);
			return 0;
		}
		kt = src_of(c, k);
		if (kt && kt->kind != GT_STRUCT && kt->kind != GT_UNION) {
			/* T ** and the like: usually an array of unknown length */
			char path[320];

			/* the type's name, then the member path inside it (none
			 * when the pointer is the whole object: a T ** variable) */
			snprintf(path, sizeof(path), "%s%s%s", c->self->o && c->self->o->name ?
				 c->self->o->name : c->self->name, *c->path ? "." : "", c->path);
			if (!allowed(c->x, path)) {
				/* quoted for the shell when it is a type's spelling */
				int q = path[strspn(path, "abcdefghijklmnopqrstuvwxyz"
						     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.")] != 0;

				return fail(c, "a pointer to '%s': katana cannot tell how many it points at (an array?); if it is one object, pass --allow-opaque %s%s%s",
					    kt->spell, q ? "'" : "", path, q ? "'" : "");
			}
			/* accepted: say so in the PO, once (the forward program) */
			if (!c->back) {
				char *w = xasprintf("gen: '%s': a pointer to '%s' is taken to point at one object, not an array (accepted with --allow-opaque %s)",
						    path, kt->spell, path);
				int err;

				gen_warn("%s", w ? w : "?");
				if ((err = add_warning(c->x, w)))
					return err;
			}
		}
		if ((id = ref(c, k)) < 0)
			return id;
		k->heap = 1;
		ob_op(b, PO_XOP_PTR, 3, so, dof, (uint64_t)id);
		return 0;
	}
	case GT_ARRAY: {
		struct xpair *k;
		const struct gtype *se = s->target, *de = d->target;
		int id;

		if (!se || !de)
			return fail(c, "array of unknown elements");
		if (d->count < s->count)
			return fail(c, "array shrinks from %llu to %llu elements",
				    (unsigned long long)s->count, (unsigned long long)d->count);
		if (!s->count)
			return fail(c, "array of unknown length (flexible array member) whose elements change");
		k = c->back ? pair_get(c->x, (struct gtype *)de, (struct gtype *)se) :
			      pair_get(c->x, (struct gtype *)se, (struct gtype *)de);
		if (!k)
			return -ENOMEM;
		if (!k->needs) {
			if (se->size != de->size)
				return fail(c, "array elements of %llu -> %llu bytes",
					    (unsigned long long)se->size, (unsigned long long)de->size);
			if (!inplace)
				ob_op(b, PO_XOP_COPY, 3, so, dof, s->count * se->size);
			return 0;
		}
		if (!se->size || !de->size)
			return fail(c, "array elements without a size");
		if ((id = ref(c, k)) < 0)
			return id;
		ob_op(b, PO_XOP_ARRAY, 6, so, dof, s->count, se->size, de->size, (uint64_t)id);
		return 0;
	}
	case GT_STRUCT:
	case GT_UNION: {
		int id;

		if (p == c->self)
			return emit_object(c, p, so, dof);
		if ((id = ref(c, p)) < 0)
			return id;
		ob_op(b, PO_XOP_SUB, 3, so, dof, (uint64_t)id);
		return 0;
	}
	default:
		return fail(c, "'%s' -> '%s' cannot be converted", s->spell, d->spell);
	}
}

static int emit_struct(struct pctx *c, struct xpair *p, uint64_t so, uint64_t dof)
{
	const struct gtype *s = src_of(c, p), *d = dst_of(c, p);
	int inplace = compat(c->x, p);
	size_t plen = strlen(c->path);

	for (size_t i = 0; i < d->nm; i++) {
		const struct gt_member *dm = &d->m[i], *sm = match(s, d, dm);
		struct xpair *k;
		int err;

		if (!sm)
			continue;	/* new member: the template's value stays */
		k = c->back ? pair_get(c->x, dm->type, sm->type) : pair_get(c->x, sm->type, dm->type);
		if (!k)
			return -ENOMEM;
		if (inplace && !k->needs)
			continue;
		snprintf(c->path + plen, sizeof(c->path) - plen, "%s%s", plen ? "." : "",
			 *dm->name ? dm->name : "<anonymous>");
		err = conv(c, k, so + sm->off, dof + dm->off, sm, dm);
		c->path[plen] = 0;
		if (err)
			return err;
	}
	return 0;
}

static int emit_union(struct pctx *c, struct xpair *p, uint64_t so, uint64_t dof)
{
	const struct gtype *s = src_of(c, p), *d = dst_of(c, p);

	for (size_t i = 0; i < s->nm; i++) {
		const struct gt_member *sm = &s->m[i], *dm = match(d, s, sm);
		struct xpair *k;

		if (!dm)
			return fail(c, "union member '%s' %s: katana cannot tell which member is active",
				    sm->name, c->back ? "was added (revert would lose it)" : "was removed");
		k = c->back ? pair_get(c->x, dm->type, sm->type) : pair_get(c->x, sm->type, dm->type);
		if (!k)
			return -ENOMEM;
		if (k->needs)
			return fail(c, "union member '%s' (%s) %s: katana cannot tell which member is active",
				    sm->name, sm->type ? sm->type->spell : "?",
				    compat(c->x, k) ? "points to data that changes" : "changed its layout");
		if (dm->off != sm->off || dm->bit_pos != sm->bit_pos || dm->bit_size != sm->bit_size)
			return fail(c, "union member '%s' moved", sm->name);
	}
	if (d->size < s->size)
		return fail(c, "union shrinks from %llu to %llu bytes", (unsigned long long)s->size,
			    (unsigned long long)d->size);
	if (compat(c->x, p))
		return fail(c, "union holds pointers to data that changes: katana cannot tell which member is active");
	ob_op(c->b, PO_XOP_COPY, 3, so, dof, s->size);
	return 0;
}

static int emit_object(struct pctx *c, struct xpair *p, uint64_t so, uint64_t dof)
{
	const struct gtype *s = src_of(c, p);

	if (!s)
		return fail(c, "a type without a description");
	if (s->kind == GT_STRUCT && kind_of(dst_of(c, p)) == GT_STRUCT)
		return emit_struct(c, p, so, dof);
	if (s->kind == GT_UNION && kind_of(dst_of(c, p)) == GT_UNION)
		return emit_union(c, p, so, dof);
	return conv(c, p, so, dof, NULL, NULL);
}

static char *pair_name(const struct xpair *p)
{
	const char *a = p->o ? p->o->spell : "void", *b = p->n ? p->n->spell : "void";

	return strcmp(a, b) ? xasprintf("%s -> %s", a, b) : strdup(a);
}

static int gen_programs(struct xf *x, struct xpair *p)
{
	for (int back = 0; back < 2; back++) {
		struct pctx c = { .x = x, .self = p, .back = back, .b = back ? &p->back : &p->fwd };
		int err;

		err = emit_object(&c, p, 0, 0);
		if (err == -ENOMEM || c.b->err)
			return -ENOMEM;
		if (err || c.why) {
			if (back)
				p->back_why = c.why;
			else
				p->fwd_why = c.why;
			free(c.b->d);
			memset(c.b, 0, sizeof(*c.b));
			continue;
		}
		ob_byte(c.b, PO_XOP_END);
		if (c.b->err)
			return -ENOMEM;
	}
	return 0;
}

/* ------------------------------------------------------------ diff text */
/* pre: the member path so far ("" at the top), unquoted. */
static void diff_into(const struct gtype *o, const struct gtype *n, const char *pre, struct sb *b,
		      int depth)
{
	const char *sep = b->len ? "; " : "";

	if (!o || !n || depth > 8)
		return;
	if (o->kind == GT_ARRAY && n->kind == GT_ARRAY) {
		char sub[300];

		if (o->count != n->count)
			sb_put(b, "%s%s%s%s[%llu] -> [%llu]", sep, *pre ? "'" : "", pre, *pre ? "' " : "",
			       (unsigned long long)o->count, (unsigned long long)n->count);
		snprintf(sub, sizeof(sub), "%s[]", pre);
		diff_into(o->target, n->target, sub, b, depth + 1);
		return;
	}
	if (o->kind != n->kind || (o->kind != GT_STRUCT && o->kind != GT_UNION && o->kind != GT_ENUM)) {
		if (strcmp(o->spell, n->spell) || o->size != n->size)
			sb_put(b, "%s%s%s%s%s -> %s", sep, *pre ? "'" : "", pre, *pre ? "' " : "",
			       o->spell, n->spell);
		return;
	}
	if (o->kind == GT_ENUM) {
		for (size_t i = 0; i < n->ne; i++) {
			size_t k;

			for (k = 0; k < o->ne && strcmp(o->e[k].name, n->e[i].name); k++)
				;
			if (k == o->ne)
				sb_put(b, "%s%s%s%senumerator %s added (= %lld)", b->len ? "; " : "",
				       *pre ? "'" : "", pre, *pre ? "' " : "", n->e[i].name,
				       (long long)n->e[i].value);
			else if (o->e[k].value != n->e[i].value)
				sb_put(b, "%s%s%s%senumerator %s %lld -> %lld", b->len ? "; " : "",
				       *pre ? "'" : "", pre, *pre ? "' " : "", n->e[i].name,
				       (long long)o->e[k].value, (long long)n->e[i].value);
		}
		for (size_t k = 0; k < o->ne; k++) {
			size_t i;

			for (i = 0; i < n->ne && strcmp(o->e[k].name, n->e[i].name); i++)
				;
			if (i == n->ne)
				sb_put(b, "%s%s%s%senumerator %s removed", b->len ? "; " : "",
				       *pre ? "'" : "", pre, *pre ? "' " : "", o->e[k].name);
		}
		return;
	}
	for (size_t i = 0; i < n->nm; i++) {
		const struct gt_member *nm = &n->m[i], *om = match(o, n, nm);
		char sub[300];

		snprintf(sub, sizeof(sub), "%s%s%s", pre, *pre ? "." : "",
			 *nm->name ? nm->name : "<anonymous>");
		if (!om) {
			sb_put(b, "%s'%s' added (%s)", b->len ? "; " : "", sub,
			       nm->type ? nm->type->spell : "?");
			continue;
		}
		if (om->bit_size || nm->bit_size) {
			if (om->bit_pos != nm->bit_pos || om->bit_size != nm->bit_size)
				sb_put(b, "%s'%s' bits %llu:%llu -> %llu:%llu", b->len ? "; " : "", sub,
				       (unsigned long long)om->bit_pos, (unsigned long long)om->bit_size,
				       (unsigned long long)nm->bit_pos, (unsigned long long)nm->bit_size);
		} else if (om->off != nm->off) {
			sb_put(b, "%s'%s' moved +%llu -> +%llu", b->len ? "; " : "", sub,
			       (unsigned long long)om->off, (unsigned long long)nm->off);
		}
		diff_into(om->type, nm->type, sub, b, depth + 1);
	}
	for (size_t i = 0; i < o->nm; i++) {
		if (!match(n, o, &o->m[i]))
			sb_put(b, "%s'%s%s%s' removed", b->len ? "; " : "", pre, *pre ? "." : "",
			       *o->m[i].name ? o->m[i].name : "<anonymous>");
	}
}

char *xf_type_diff(const struct gtype *o, const struct gtype *n)
{
	struct sb b = { 0 };

	diff_into(o, n, "", &b, 0);
	if (b.err) {
		free(b.p);
		return NULL;
	}
	if (!b.p) {
		if (o && n && o->size != n->size)
			return xasprintf("size %llu -> %llu", (unsigned long long)o->size,
					 (unsigned long long)n->size);
		return strdup("pointers to changed data only");
	}
	return b.p;
}

int xf_member_rows(const struct gtype *o, const struct gtype *n, int heap, xf_row_fn cb,
		   void *arg)
{
	char *d;
	int r;

	if (!o || !n || o->kind != n->kind || (o->kind != GT_STRUCT && o->kind != GT_UNION)) {
		struct xf_row row = { "", NULL, NULL, o, n, NULL };

		d = o && n ? xf_type_diff(o, n) : NULL;
		row.note = d ? d : "changed";
		r = cb(arg, &row);
		free(d);
		return r;
	}
	for (size_t i = 0; i < n->nm; i++) {
		const struct gt_member *nm = &n->m[i], *om = match(o, n, nm);
		struct xf_row row = { *nm->name ? nm->name : "<anonymous>", om, nm,
				      om ? om->type : NULL, nm->type, NULL };
		char buf[300];

		d = NULL;
		if (!om) {
			row.note = heap ? "new: zero" : "new: the patch's initial value";
		} else if (om->bit_size || nm->bit_size) {
			if (om->bit_pos == nm->bit_pos && om->bit_size == nm->bit_size)
				row.note = "kept";
			else {
				snprintf(buf, sizeof(buf), "kept, bits %llu:%llu -> %llu:%llu",
					 (unsigned long long)om->bit_pos, (unsigned long long)om->bit_size,
					 (unsigned long long)nm->bit_pos, (unsigned long long)nm->bit_size);
				row.note = buf;
			}
		} else {
			d = xf_type_diff(om->type, nm->type);
			if (d && (!strcmp(d, "pointers to changed data only") ||
				  (om->type && nm->type && !strcmp(om->type->spell, nm->type->spell) &&
				   om->type->size == nm->type->size && om->type->kind != GT_STRUCT &&
				   om->type->kind != GT_UNION && om->type->kind != GT_ENUM &&
				   om->type->kind != GT_ARRAY))) {
				free(d);
				d = NULL;
			}
			snprintf(buf, sizeof(buf), "%s%s%s%s", d ? "converted: " : "kept",
				 d ? d : "", om->off != nm->off ? (d ? "; moved" : ", moved") : "",
				 "");
			row.note = buf;
		}
		r = cb(arg, &row);
		free(d);
		if (r)
			return r;
	}
	for (size_t i = 0; i < o->nm; i++) {
		const struct gt_member *om = &o->m[i];
		struct xf_row row = { *om->name ? om->name : "<anonymous>", om, NULL, om->type, NULL,
				      "removed: its value is dropped" };

		if (match(n, o, om))
			continue;
		if ((r = cb(arg, &row)))
			return r;
	}
	return 0;
}

/* ------------------------------------------------------------ roots */
static int is_var(const struct gsym *s)
{
	return (s->flags & GF_OBJECT) && !(s->flags & GF_UNDEF) && (s->sec || s->shndx == SHN_COMMON) &&
	       s->name[0];
}

static void base_name(const struct gsym *s, char *buf, size_t n)
{
	size_t l = strlen(s->name);

	if (s->flags & GF_STATIC_LOCAL) {
		const char *d = strrchr(s->name, '.');

		if (d)
			l = (size_t)(d - s->name);
	}
	snprintf(buf, n, "%.*s", (int)(l < n ? l : n - 1), s->name);
}

static struct gtype *var_type(struct gobj *o, struct gsym *v)
{
	char name[256], fb[256];
	const char *func = NULL;
	struct gtype *t = NULL;

	if (!gd_has_dwarf(o->dw))
		return NULL;
	base_name(v, name, sizeof(name));
	if (v->flags & GF_STATIC_LOCAL) {
		func = diff_owner_function(o, v, fb, sizeof(fb));
		if (!func)
			return NULL;
	}
	if (gd_var_gtype(o->dw, name, func, &t))
		return NULL;
	return t;
}

static int find_roots(struct xf *x, unsigned *refused)
{
	for (size_t i = 0; i < x->nnew; i++) {
		struct gobj *no = x->news[i];

		for (size_t k = 1; k < no->nsyms; k++) {
			struct gsym *n = &no->syms[k], *o = n->twin;
			struct gtype *ot, *nt;
			struct xpair *p;
			int err;

			/* read-only data is not transformed: its new contents are
			 * v1's (a const update, diff.c) */
			if (!is_var(n) || !o || !is_var(o) || (n->flags & GF_CONST))
				continue;
			ot = var_type(o->obj, o);
			nt = var_type(no, n);
			if (!ot || !nt) {
				if (o->size != n->size && o->shndx != SHN_COMMON) {
					gen_err("gen: '%s': var '%s': size changed %lu -> %lu and there is no DWARF to say how; build with -g",
						no->rel, n->name, (unsigned long)o->size, (unsigned long)n->size);
					(*refused)++;
				}
				continue;
			}
			p = pair_get(x, ot, nt);
			if (!p)
				return -ENOMEM;
			if ((err = explore(x, p, 0)))
				return err;
			if (grow(&x->roots, &x->croots, x->nroots, sizeof(*x->roots)))
				return -ENOMEM;
			x->roots[x->nroots++] = (struct xroot){ n, o, p, 0 };
		}
	}
	return 0;
}

/* ------------------------------------------------------------ locals */
struct lwalk {
	struct xf *x;
	struct gobj *obj;
	int err;
};

/* Explore the pairs of the named aggregates a local's type reaches. */
static int local_types(struct xf *x, struct gtype *t, int depth, const struct gtype **seen, size_t *nseen)
{
	t = resolve(x, t);
	if (!t || depth > 32)
		return 0;
	for (size_t i = 0; i < *nseen; i++)
		if (seen[i] == t)
			return 0;
	if (*nseen < 256)
		seen[(*nseen)++] = t;
	switch (t->kind) {
	case GT_PTR:
	case GT_ARRAY:
		return local_types(x, t->target, depth + 1, seen, nseen);
	case GT_STRUCT:
	case GT_UNION:
	case GT_ENUM: {
		struct gtype *n = counterpart(x, t, 1);

		if (n) {
			struct xpair *p = pair_get(x, t, n);

			if (!p)
				return -ENOMEM;
			if (explore(x, p, 0))
				return -ENOMEM;
		}
		for (size_t i = 0; i < t->nm; i++) {
			int err = local_types(x, t->m[i].type, depth + 1, seen, nseen);

			if (err)
				return err;
		}
		return 0;
	}
	default:
		return 0;
	}
}

static int explore_local(void *arg, const char *func, const char *var, struct gtype *t)
{
	struct lwalk *w = arg;
	const struct gtype *seen[256];
	size_t nseen = 0;

	(void)func;
	(void)var;
	w->err = local_types(w->x, t, 0, seen, &nseen);
	return w->err ? 1 : 0;
}

/* Is t a named aggregate whose layout changes? */
static int changed_named(struct xf *x, struct gtype *t)
{
	struct gtype *n = t ? counterpart(x, t, 1) : NULL;
	struct xpair *p = n ? pair_get(x, t, n) : NULL;

	return p && !compat(x, p);
}

/* Does a frame holding a value of old type t hold stale data once the
 * transform ran?  Yes when it holds (or points to) an object whose layout
 * changes.  Pointers to objects fixed in place stay valid, so only the
 * first pointer is followed.  Returns the changed type's spelling. */
static const char *reaches_changed(struct xf *x, struct gtype *t, int depth)
{
	t = resolve(x, t);
	if (!t || depth > 32)
		return NULL;
	switch (t->kind) {
	case GT_PTR: {
		struct gtype *tg = resolve(x, t->target);

		return tg && (tg->kind == GT_STRUCT || tg->kind == GT_UNION || tg->kind == GT_ENUM) &&
		       changed_named(x, tg) ? tg->spell : NULL;
	}
	case GT_ARRAY:
		return reaches_changed(x, t->target, depth + 1);
	case GT_STRUCT:
	case GT_UNION:
	case GT_ENUM:
		if (changed_named(x, t))
			return t->spell;
		for (size_t i = 0; i < t->nm; i++) {
			const char *r = reaches_changed(x, t->m[i].type, depth + 1);

			if (r)
				return r;
		}
		return NULL;
	default:
		return NULL;
	}
}

/* The old object's function symbols named func (with its clones). */
static int add_handler(struct xf *x, struct gobj *o, const char *func, const char *type)
{
	for (size_t k = 1; k < o->nsyms; k++) {
		struct gsym *s = &o->syms[k];
		size_t l = strlen(func);

		if (!(s->flags & GF_FUNC) || (s->flags & GF_UNDEF) || !s->sec ||
		    strncmp(s->key, func, l) || (s->key[l] && s->key[l] != '.'))
			continue;
		for (size_t i = 0; i < x->nhandlers; i++)
			if (x->handlers[i].func == s)
				goto next;
		if (grow(&x->handlers, &x->chandlers, x->nhandlers, sizeof(*x->handlers)))
			return -ENOMEM;
		x->handlers[x->nhandlers++] = (struct handler){ s, o, type };
next:;
	}
	return 0;
}

static int check_local(void *arg, const char *func, const char *var, struct gtype *t)
{
	struct lwalk *w = arg;
	const char *ty = reaches_changed(w->x, t, 0);

	(void)var;
	if (ty && (w->err = add_handler(w->x, w->obj, func, ty)))
		return 1;
	return 0;
}

/* ------------------------------------------------------------ evidence */
static int allowed(const struct xf *x, const char *path)
{
	for (size_t i = 0; x->opt && i < x->opt->nallow; i++)
		if (!strcmp(x->opt->allow_opaque[i], path) || !strcmp(x->opt->allow_opaque[i], "all"))
			return 1;
	return 0;
}

static int add_warning(struct xf *x, char *w)
{
	if (!w || grow(&x->warn, &x->cwarn, x->nwarn, sizeof(*x->warn))) {
		free(w);
		return -ENOMEM;
	}
	x->warn[x->nwarn++] = w;
	return 0;
}

/* A place objects may hide behind: void *, a pointer to an incomplete
 * type, or a union holding pointers.  The first such path inside t. */
static int opaque_path(struct xf *x, const struct gtype *t, char *path, size_t n, int depth)
{
	size_t l = strlen(path);

	if (!t || depth > 8)
		return 0;
	switch (t->kind) {
	case GT_PTR: {
		const struct gtype *tg = resolve(x, t->target);

		return !tg || tg->kind == GT_VOID || tg->kind == GT_DECL;
	}
	case GT_ARRAY:
		return opaque_path(x, t->target, path, n, depth + 1);
	case GT_UNION:
		for (size_t i = 0; i < t->nm; i++) {
			const struct gtype *m = resolve(x, t->m[i].type);

			if (m && (m->kind == GT_PTR || m->kind == GT_STRUCT || m->kind == GT_UNION)) {
				char sub[256] = "";

				if (m->kind == GT_PTR || opaque_path(x, m, sub, sizeof(sub), depth + 1) ||
				    m->kind != GT_PTR)
					return 1;
			}
		}
		return 0;
	case GT_STRUCT:
		for (size_t i = 0; i < t->nm; i++) {
			snprintf(path + l, n - l, ".%s", *t->m[i].name ? t->m[i].name : "<anonymous>");
			if (opaque_path(x, t->m[i].type, path, n, depth + 1))
				return 1;
			path[l] = 0;
		}
		return 0;
	default:
		return 0;
	}
}

/* Functions that handle changed objects and use a global through which
 * such objects could be hidden: refuse, or warn when the user allowed it.
 * Each path is reported once. */
static int check_evidence(struct xf *x, unsigned *refused)
{
	char **done = NULL;
	size_t ndone = 0, cdone = 0;
	int err = 0;

	for (size_t h = 0; h < x->nhandlers && !err; h++) {
		struct gsym *f = x->handlers[h].func;
		struct gobj *o = x->handlers[h].obj;

		for (size_t r = 0; r < f->nrelas && !err; r++) {
			struct ref rf;
			struct gsym *g;
			struct gobj *go = o;
			struct gtype *t;
			char path[256];
			size_t k;

			if (ref_resolve(o, f->sec, &f->sec->relas[f->rela_first + r], &rf) ||
			    rf.kind != REF_SYM)
				continue;
			g = rf.sym;
			if (g->flags & GF_UNDEF) {
				/* a global of another object */
				g = NULL;
				for (size_t i = 0; i < x->nold && !g; i++) {
					struct gsym *d = gobj_find(x->olds[i], rf.sym->name);

					if (d && is_var(d) && !(d->flags & GF_LOCAL)) {
						g = d;
						go = x->olds[i];
					}
				}
			}
			if (!g || !is_var(g) || (g->flags & GF_CONST))
				continue;
			t = var_type(go, g);
			snprintf(path, sizeof(path), "%s", g->name);
			if (!t || !opaque_path(x, t, path, sizeof(path), 0))
				continue;
			for (k = 0; k < ndone && strcmp(done[k], path); k++)
				;
			if (k < ndone)
				continue;
			if (grow(&done, &cdone, ndone, sizeof(*done)) || !(done[ndone] = strdup(path))) {
				err = -ENOMEM;
				break;
			}
			ndone++;
			if (allowed(x, path)) {
				char *w = xasprintf("gen: '%s': var '%s' (%s): objects of '%s' that %s() keeps may be stored there; katana cannot find them, they keep the old layout (accepted with --allow-opaque)",
						    go->rel, path, t->spell, x->handlers[h].type, f->key);

				gen_warn("%s", w ? w : "?");
				err = add_warning(x, w);
				continue;
			}
			gen_err("gen: '%s': var '%s' (%s): %s() keeps objects of '%s', whose layout changes, and also uses '%s': objects stored there cannot be found and would keep the old layout; refused (if none are, pass --allow-opaque %s)",
				go->rel, path, t->spell, f->key, x->handlers[h].type, path, path);
			(*refused)++;
		}
	}
	for (size_t k = 0; k < ndone; k++)
		free(done[k]);
	free(done);
	return err;
}

/* Heap objects reached through a pointer may instead be embedded in a
 * bigger heap object; a pointer into one would be mistaken for a separate
 * object.  Refuse types that are both (unless allowed). */
static int check_embedded_heap(struct xf *x, unsigned *refused)
{
	for (size_t k = 0; k < x->ntypes; k++) {
		struct xpair *outer = x->types[k];
		const uint8_t *p = outer->fwd.d;
		size_t len = outer->fwd.len, pos = 0;
		struct po_xop op;

		if (!outer->heap || outer->bad)
			continue;
		while (p && !po_xop_decode(p, len, &pos, &op) && op.code != PO_XOP_END) {
			struct xpair *e;
			char path[300];

			if (op.code != PO_XOP_SUB && op.code != PO_XOP_ARRAY)
				continue;
			e = x->types[op.code == PO_XOP_SUB ? op.a[2] : op.a[5]];
			if (!e->heap)
				continue;
			snprintf(path, sizeof(path), "%s", e->o && e->o->name ? e->o->name : e->name);
			if (allowed(x, path)) {
				/* accepted: say so in the PO, once per pair of types */
				char *w = xasprintf("gen: objects of '%s' are reached through pointers and embedded in '%s' objects on the heap; pointers to them are taken never to point inside one (accepted with --allow-opaque %s)",
						    e->name, outer->name, path);
				size_t i;
				int err;

				for (i = 0; w && i < x->nwarn && strcmp(x->warn[i], w); i++)
					;
				if (w && i < x->nwarn) {
					free(w);
					continue;
				}
				gen_warn("%s", w ? w : "?");
				if ((err = add_warning(x, w)))
					return err;
				continue;
			}
			gen_err("gen: objects of '%s' are reached through pointers, and '%s' objects on the heap embed it: a pointer into one would be taken for a separate object; refused (pass --allow-opaque %s if pointers to '%s' never point inside '%s')",
				e->name, outer->name, path, e->name, outer->name);
			(*refused)++;
		}
	}
	return 0;
}

/* ------------------------------------------------------------ users */
static int is_root_sym(const struct xf *x, const struct gsym *s, int want_xform)
{
	for (size_t i = 0; i < x->nroots; i++) {
		const struct xroot *r = &x->roots[i];

		/* r->p is NULL for a refused thread-local root */
		if (!r->p || !r->p->needs || r->fixup == want_xform)
			continue;
		if (r->n == s || r->o == s)
			return 1;
		if ((s->flags & GF_UNDEF) && !(r->n->flags & GF_LOCAL) && !strcmp(r->n->name, s->name))
			return 1;
	}
	return 0;
}

static int uses_xform(struct xf *x, struct gobj *o, struct gsym *f, const char **name)
{
	for (size_t r = 0; r < f->nrelas; r++) {
		struct ref rf;

		if (!ref_resolve(o, f->sec, &f->sec->relas[f->rela_first + r], &rf) &&
		    rf.kind == REF_SYM && is_root_sym(x, rf.sym, 1)) {
			*name = rf.sym->name;
			return 1;
		}
	}
	return 0;
}

static int add_unsafe(struct xf *x, struct gsym *f)
{
	for (size_t i = 0; i < x->nunsafe; i++)
		if (x->unsafe[i] == f)
			return 0;
	if (grow(&x->unsafe, &x->cunsafe, x->nunsafe, sizeof(*x->unsafe)))
		return -ENOMEM;
	x->unsafe[x->nunsafe++] = f;
	return 0;
}

static int mark_users(struct xf *x)
{
	/* new code that uses a transformed variable goes in the patch */
	for (size_t i = 0; i < x->nnew; i++) {
		struct gobj *o = x->news[i];

		for (size_t k = 1; k < o->nsyms; k++) {
			struct gsym *f = &o->syms[k];
			const char *v;

			if (!(f->flags & GF_FUNC) || (f->flags & GF_UNDEF) || !f->sec ||
			    f->status == S_NEW || f->status == S_CHANGED || !uses_xform(x, o, f, &v))
				continue;
			f->status = S_CHANGED;
			f->why = "uses a transformed variable";
			f->flags &= ~GF_LINE_ONLY;
			gen_debug("gen: '%s': func '%s': uses transformed variable '%s'", o->rel, f->name, v);
		}
	}
	/* old code that uses one and is not replaced (removed in the new
	 * build) must not be running */
	for (size_t i = 0; i < x->nold; i++) {
		struct gobj *o = x->olds[i];

		for (size_t k = 1; k < o->nsyms; k++) {
			struct gsym *f = &o->syms[k];
			const char *v;
			int err;

			if (!(f->flags & GF_FUNC) || (f->flags & GF_UNDEF) || !f->sec || f->twin ||
			    !uses_xform(x, o, f, &v))
				continue;
			if ((err = add_unsafe(x, f)))
				return err;
		}
	}
	for (size_t h = 0; h < x->nhandlers; h++) {
		int err = add_unsafe(x, x->handlers[h].func);

		if (err)
			return err;
	}
	return 0;
}

/* Pointers the link put into the old build's data: relocations of data
 * sections against a transformed variable. */
static int find_ptrs(struct xf *x)
{
	for (size_t i = 0; i < x->nold; i++) {
		struct gobj *o = x->olds[i];

		for (size_t s = 1; s < o->nsecs; s++) {
			struct gsec *sec = &o->secs[s];

			if ((sec->flags & SHF_EXECINSTR) || !(sec->flags & SHF_ALLOC) || !sec->nrelas)
				continue;
			for (size_t r = 0; r < sec->nrelas; r++) {
				const struct grela *gr = &sec->relas[r];
				struct ref rf;
				struct gsym *site, *var = NULL;

				if (gr->type != R_X86_64_64 || ref_resolve(o, sec, gr, &rf) ||
				    rf.kind != REF_SYM)
					continue;
				for (size_t k = 0; k < x->nroots && !var; k++) {
					const struct xroot *rt = &x->roots[k];

					if (!rt->p || !rt->p->needs || rt->fixup)
						continue;
					if (rt->o == rf.sym || ((rf.sym->flags & GF_UNDEF) &&
								!(rt->o->flags & GF_LOCAL) &&
								!strcmp(rt->o->name, rf.sym->name)))
						var = rt->o;
				}
				site = var ? gsec_sym_at(sec, gr->off) : NULL;
				if (!var)
					continue;
				if (!site || !(site->flags & GF_OBJECT)) {
					gen_err("gen: '%s': section '%s'+0x%lx: a pointer to transformed variable '%s' in data without a symbol; it cannot be re-pointed",
						o->rel, sec->name, (unsigned long)gr->off, var->name);
					return -GEN_EREFUSED;
				}
				if (grow(&x->ptrs, &x->cptrs, x->nptrs, sizeof(*x->ptrs)))
					return -ENOMEM;
				x->ptrs[x->nptrs++] = (struct xf_ptr){ site, gr->off - site->value, var,
								       rf.off };
			}
		}
	}
	return 0;
}

/* ------------------------------------------------------------ the phase */
/* Why a bad pair has no forward program: its own failure, or that of a
 * type its programs name (depth first, each type once). */
static const char *bad_why(struct xf *x, struct xpair *p, char *seen)
{
	if (p->fwd_why)
		return p->fwd_why;
	seen[p->id] = 1;
	for (size_t k = 0; k < p->nrefs; k++) {
		struct xpair *t = x->types[p->refs[k]];
		const char *w;

		if (!seen[t->id] && t->bad && (w = bad_why(x, t, seen)))
			return w;
	}
	return NULL;
}

static int root_refused(struct xf *x, struct xroot *r)
{
	struct xpair *p = r->p;
	char *seen;
	const char *why;

	if (!p->bad)
		return 0;
	/* the reason is this root's own (not that of another refused root) */
	seen = calloc(x->ntypes, 1);
	why = seen ? bad_why(x, p, seen) : p->fwd_why;
	if (why)
		gen_err("gen: '%s': var '%s' (%s): cannot transform: %s", r->n->obj->rel,
			r->n->name, p->name, why);
	else
		gen_err("gen: '%s': var '%s' (%s): cannot transform", r->n->obj->rel, r->n->name,
			p->name);
	free(seen);
	return 1;
}

/* A type is bad when its forward program failed or names a bad one; its
 * backward program goes when one it names has none. */
static void propagate_bad(struct xf *x)
{
	int changed = 1;

	for (size_t i = 0; i < x->ntypes; i++)
		x->types[i]->bad = x->types[i]->fwd_why != NULL;
	while (changed) {
		changed = 0;
		for (size_t i = 0; i < x->ntypes; i++) {
			struct xpair *p = x->types[i];

			for (size_t k = 0; k < p->nrefs; k++) {
				struct xpair *r = x->types[p->refs[k]];

				if (r->bad && !p->bad) {
					p->bad = 1;
					changed = 1;
				}
				if (!r->back.len && p->back.len) {
					free(p->back.d);
					memset(&p->back, 0, sizeof(p->back));
					if (!p->back_why)
						p->back_why = xasprintf("%s: %s", p->name,
									r->back_why ? r->back_why : "cannot be undone");
					changed = 1;
				}
			}
		}
	}
}

int xf_analyze(struct gobj **olds, size_t nold, struct gobj **news, size_t nnew,
	       const struct xf_opts *opt, struct xf **out, unsigned *refused)
{
	struct xf *x = calloc(1, sizeof(*x));
	int err;

	*out = NULL;
	if (!x)
		return -ENOMEM;
	x->olds = olds;
	x->nold = nold;
	x->news = news;
	x->nnew = nnew;
	x->opt = opt;
	err = find_roots(x, refused);
	/* types functions keep on their stacks */
	for (size_t i = 0; !err && i < nold; i++) {
		struct lwalk w = { x, olds[i], 0 };

		err = gd_each_local(olds[i]->dw, explore_local, &w);
		err = err < 0 ? err : w.err;
	}
	if (err)
		goto out;
	compute_needs(x);
	for (size_t i = 0; i < x->nall; i++) {
		x->all[i]->name = pair_name(x->all[i]);
		if (!x->all[i]->name) {
			err = -ENOMEM;
			goto out;
		}
	}
	/* the roots' types, then every type their programs name */
	for (size_t i = 0; i < x->nroots; i++) {
		struct xroot *r = &x->roots[i];

		if (!r->p->needs)
			continue;
		if ((r->n->flags & GF_TLS)) {
			gen_err("gen: '%s': var '%s' (%s): thread-local data whose layout changes cannot be transformed (one copy per thread)",
				r->n->obj->rel, r->n->name, r->p->name);
			(*refused)++;
			r->p = NULL;
			continue;
		}
		r->fixup = compat(x, r->p);
		if (id_of(x, r->p) < 0) {
			err = -ENOMEM;
			goto out;
		}
	}
	for (size_t i = 0; i < x->ntypes && !err; i++)
		err = gen_programs(x, x->types[i]);
	if (err)
		goto out;
	propagate_bad(x);
	for (size_t i = 0; i < x->ntypes; i++)
		x->types[i]->diff = xf_type_diff(x->types[i]->o, x->types[i]->n);
	/* classify the roots */
	for (size_t i = 0; i < x->nroots; i++) {
		struct xroot *r = &x->roots[i];

		if (!r->p || !r->p->needs)
			continue;
		if (root_refused(x, r)) {
			(*refused)++;
			continue;
		}
		if (r->fixup) {
			r->n->flags |= GF_FIXUP;
		} else {
			r->n->flags |= GF_XFORM;
			r->n->status = S_CHANGED;
			r->n->why = "its type's layout changed";
		}
		gen_debug("gen: '%s': var '%s': %s (%s: %s)", r->n->obj->rel, r->n->name,
			  r->fixup ? "pointers fixed in place" : "transformed", r->p->name,
			  r->p->diff ? r->p->diff : "");
	}
	/* functions whose frames may hold pointers into the changing data */
	for (size_t i = 0; !err && i < nold; i++) {
		struct lwalk w = { x, olds[i], 0 };

		err = gd_each_local(olds[i]->dw, check_local, &w);
		err = err < 0 ? err : w.err;
	}
	for (size_t i = 0; i < x->ntypes; i++)
		x->heap |= x->types[i]->heap && !x->types[i]->bad;
	err = err ?: check_evidence(x, refused);
	err = err ?: check_embedded_heap(x, refused);
	err = err ?: mark_users(x);
	err = err ?: find_ptrs(x);
out:
	if (err) {
		xf_free(x);
		return err;
	}
	*out = x;
	return 0;
}

void xf_free(struct xf *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->nall; i++) {
		struct xpair *p = x->all[i];

		free(p->key);
		free(p->kids);
		free(p->fwd.d);
		free(p->back.d);
		free(p->fwd_why);
		free(p->back_why);
		free(p->refs);
		free(p->name);
		free(p->diff);
		free(p);
	}
	free(x->all);
	free(x->tab);
	free(x->types);
	free(x->roots);
	free(x->unsafe);
	free(x->ptrs);
	for (size_t i = 0; i < x->nwarn; i++)
		free(x->warn[i]);
	free(x->warn);
	for (size_t i = 0; i < x->capsig; i++)
		free(x->sig_v[i]);
	free(x->sig_k);
	free(x->sig_v);
	free(x->handlers);
	free(x);
}

int xf_write_types(struct xf *x, struct po_writer *w)
{
	for (size_t i = 0; i < x->ntypes; i++) {
		struct xpair *p = x->types[i];
		struct po_xtype_info t = {
			.name = p->name, .diff = p->diff,
			.flags = (compat(x, p) ? PO_XT_INPLACE : 0) | (p->heap ? PO_XT_HEAP : 0),
			.old_size = p->o ? p->o->size : 0, .new_size = p->n ? p->n->size : 0,
			.fwd = p->fwd.d, .fwd_len = p->fwd.len,
			.back = p->back.len ? p->back.d : NULL, .back_len = p->back.len,
			.back_why = p->back_why,
		};
		int r;

		if (p->bad) {
			/* named only by refused roots: keep the table whole with an
			 * inert program (nothing refers to it) */
			static const uint8_t end[1] = { PO_XOP_END };

			t.fwd = end;
			t.fwd_len = 1;
			t.back = NULL;
			t.back_len = 0;
			t.flags &= ~(uint32_t)PO_XT_HEAP;
			if (!(t.flags & PO_XT_INPLACE) || t.old_size != t.new_size)
				t.flags &= ~(uint32_t)PO_XT_INPLACE;
		}
		r = po_writer_xtype(w, &t);
		if (r < 0)
			return r;
	}
	return 0;
}

static const struct xroot *root_of(const struct xf *x, const struct gsym *n)
{
	for (size_t i = 0; x && i < x->nroots; i++)
		if (x->roots[i].n == n && x->roots[i].p && x->roots[i].p->needs &&
		    !x->roots[i].p->bad)
			return &x->roots[i];
	return NULL;
}

/* Does the transform from o to n carry byte old_off of an old object to
 * new_off of the new one (the same member, at the same place inside it)?
 * One past the end maps to one past the end. */
static int follows(const struct gtype *o, const struct gtype *n, uint64_t old_off, uint64_t new_off,
		   int depth)
{
	if (!o || !n || depth > 32)
		return 0;
	if (old_off == o->size && new_off == n->size)
		return 1;
	if (o->kind == GT_ARRAY && n->kind == GT_ARRAY && o->target && n->target &&
	    o->target->size && n->target->size) {
		uint64_t oi = old_off / o->target->size, ni = new_off / n->target->size;

		return oi == ni && follows(o->target, n->target, old_off % o->target->size,
					   new_off % n->target->size, depth + 1);
	}
	if (o->kind == GT_STRUCT && n->kind == GT_STRUCT) {
		for (size_t i = 0; i < o->nm; i++) {
			const struct gt_member *om = &o->m[i], *nm;

			if (om->bit_size || !om->type || old_off < om->off ||
			    old_off >= om->off + om->type->size)
				continue;
			nm = match(n, o, om);
			return nm && !nm->bit_size && new_off >= nm->off &&
			       follows(om->type, nm->type, old_off - om->off, new_off - nm->off,
				       depth + 1);
		}
		return 0;
	}
	/* scalars (and anything else): the same byte of an unchanged size */
	return o->size == n->size && old_off == new_off;
}

int xf_offset_follows(const struct xf *x, const struct gsym *old_var, int64_t old_off,
		      int64_t new_off)
{
	for (size_t i = 0; x && i < x->nroots; i++) {
		const struct xroot *r = &x->roots[i];

		if (!r->o || r->fixup || !r->p || !r->p->needs || r->p->bad)
			continue;
		if (r->o != old_var && ((old_var->flags & GF_LOCAL) || (r->o->flags & GF_LOCAL) ||
					strcmp(r->o->name, old_var->name)))
			continue;
		return old_off >= 0 && new_off >= 0 &&
		       follows(r->p->o, r->p->n, (uint64_t)old_off, (uint64_t)new_off, 0);
	}
	return 0;
}

uint32_t xf_var_xtype(const struct xf *x, const struct gsym *n)
{
	const struct xroot *r = root_of(x, n);

	return r ? (uint32_t)r->p->id + 1 : 0;
}

const struct gtype *xf_var_old_type(const struct xf *x, const struct gsym *n)
{
	const struct xroot *r = root_of(x, n);

	return r ? r->p->o : NULL;
}

const struct gtype *xf_var_new_type(const struct xf *x, const struct gsym *n)
{
	const struct xroot *r = root_of(x, n);

	return r ? r->p->n : NULL;
}

int xf_needs_alloc(const struct xf *x)
{
	return x && x->heap;
}

size_t xf_nunsafe(const struct xf *x)
{
	return x ? x->nunsafe : 0;
}

struct gsym *xf_unsafe(const struct xf *x, size_t i)
{
	return i < xf_nunsafe(x) ? x->unsafe[i] : NULL;
}

size_t xf_nptrs(const struct xf *x)
{
	return x ? x->nptrs : 0;
}

const struct xf_ptr *xf_ptr(const struct xf *x, size_t i)
{
	return i < xf_nptrs(x) ? &x->ptrs[i] : NULL;
}

size_t xf_nwarnings(const struct xf *x)
{
	return x ? x->nwarn : 0;
}

const char *xf_warning(const struct xf *x, size_t i)
{
	return i < xf_nwarnings(x) ? x->warn[i] : NULL;
}
