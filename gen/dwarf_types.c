/* dwarf_types.c - the type model of gdwarf.h: DWARF types as a graph of
 * struct gtype, for the data transforms (xform.c).
 *
 * Nodes are built on demand and memoised by DIE offset, so a recursive
 * type (struct node { struct node *next; }) is one node reached again
 * through its pointer member: the node is in the memo before its members
 * are read.  Typedefs and qualifiers are looked through: layout is what a
 * transform cares about; the spelling keeps the name people know.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf_int.h"
#include "gdwarf.h"
#include "gen_internal.h"

struct gt_store {
	/* memo: open addressing, DIE offset -> node */
	Dwarf_Off *keys;
	struct gtype **vals;
	size_t n, cap;
	/* every allocation, freed with the object */
	void **allocs;
	size_t nallocs, capallocs;
	/* definitions of named struct/union/enum types, by "kind:name" */
	int names_loaded;
	char **nkeys;
	Dwarf_Off *noffs;
	size_t nnames, capnames;
};

static struct gt_store *store(struct gd_obj *g)
{
	if (!g->types)
		g->types = calloc(1, sizeof(*g->types));
	return g->types;
}

void gdr_types_free(struct gd_obj *g)
{
	struct gt_store *s = g->types;

	if (!s)
		return;
	for (size_t i = 0; i < s->nallocs; i++)
		free(s->allocs[i]);
	free(s->allocs);
	for (size_t i = 0; i < s->capnames; i++)
		free(s->nkeys[i]);
	free(s->nkeys);
	free(s->noffs);
	free(s->keys);
	free(s->vals);
	free(s);
	g->types = NULL;
}

static void *gt_alloc(struct gt_store *s, size_t size)
{
	void *p;

	if (s->nallocs == s->capallocs) {
		size_t nc = s->capallocs ? s->capallocs * 2 : 64;
		void **n = realloc(s->allocs, nc * sizeof(*n));

		if (!n)
			return NULL;
		s->allocs = n;
		s->capallocs = nc;
	}
	p = calloc(1, size ? size : 1);
	if (p)
		s->allocs[s->nallocs++] = p;
	return p;
}

static size_t slot(const struct gt_store *s, Dwarf_Off off)
{
	size_t i = (size_t)(off * 0x9e3779b97f4a7c15ULL) & (s->cap - 1);

	while (s->vals[i] && s->keys[i] != off)
		i = (i + 1) & (s->cap - 1);
	return i;
}

static struct gtype *memo_get(struct gt_store *s, Dwarf_Off off)
{
	return s->cap ? s->vals[slot(s, off)] : NULL;
}

static int memo_put(struct gt_store *s, Dwarf_Off off, struct gtype *t)
{
	if ((s->n + 1) * 2 > s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 256;
		Dwarf_Off *ok = s->keys;
		struct gtype **ov = s->vals;
		size_t oc = s->cap;

		s->keys = calloc(nc, sizeof(*s->keys));
		s->vals = calloc(nc, sizeof(*s->vals));
		if (!s->keys || !s->vals) {
			free(s->keys);
			free(s->vals);
			s->keys = ok;
			s->vals = ov;
			return -ENOMEM;
		}
		s->cap = nc;
		for (size_t i = 0; i < oc; i++) {
			if (ov[i]) {
				size_t k = slot(s, ok[i]);

				s->keys[k] = ok[i];
				s->vals[k] = ov[i];
			}
		}
		free(ok);
		free(ov);
	}
	{
		size_t k = slot(s, off);

		s->keys[k] = off;
		s->vals[k] = t;
		s->n++;
	}
	return 0;
}

static const char *spelling(struct gd_obj *g, Dwarf_Off off)
{
	struct sbuf b = { 0 };
	const char *r = NULL;

	if (gdr_spell(g, off, "", 1, 0, &b) >= 0 && !b.err && b.p)
		r = gdr_intern(g, b.p);
	free(b.p);
	return r ? r : "?";
}

static struct gtype *build(struct gd_obj *g, Dwarf_Off off, int depth, int *err);

/* Arrays: one node per dimension, outermost first. */
static struct gtype *build_array(struct gd_obj *g, Dwarf_Die d, Dwarf_Off off,
				 struct gtype *elem, int *err)
{
	struct gt_store *s = store(g);
	uint64_t dims[16];
	size_t nd = 0;
	Dwarf_Die c;
	int r = gdr_die_child(g, d, &c);
	struct gtype *t = elem;

	while (r > 0) {
		Dwarf_Half tag = gdr_die_tag(g, c);

		if ((tag == DW_TAG_subrange_type || tag == DW_TAG_enumeration_type) && nd < 16) {
			Dwarf_Unsigned cnt = 0, ub, lb = 0;

			if (gdr_attr_udata(g, c, DW_AT_count, &cnt) > 0)
				;
			else if (gdr_attr_udata(g, c, DW_AT_upper_bound, &ub) > 0 &&
				 ub != (Dwarf_Unsigned)-1) {
				gdr_attr_udata(g, c, DW_AT_lower_bound, &lb);
				cnt = ub - lb + 1;
			}
			dims[nd++] = cnt;
		}
		r = gdr_die_next(g, &c);
	}
	if (r < 0) {
		*err = r;
		return NULL;
	}
	if (!nd)
		dims[nd++] = 0;
	for (size_t i = nd; i-- > 0;) {
		struct gtype *a = gt_alloc(s, sizeof(*a));

		if (!a) {
			*err = -ENOMEM;
			return NULL;
		}
		a->kind = GT_ARRAY;
		a->owner = g;
		a->target = t;
		a->count = dims[i];
		a->size = t ? t->size * dims[i] : 0;
		a->spell = i == 0 ? spelling(g, off) : "array";
		t = a;
	}
	return t;
}

static int build_members(struct gd_obj *g, Dwarf_Die d, struct gtype *t, int depth)
{
	struct gt_store *s = store(g);
	size_t cap = 0;
	Dwarf_Die c;
	int r = gdr_die_child(g, d, &c), err = 0;

	while (r > 0) {
		Dwarf_Half tag = gdr_die_tag(g, c);

		if (tag == DW_TAG_member && t->kind != GT_ENUM) {
			const char *name = NULL;
			Dwarf_Off mt = 0;
			struct gt_member *m;

			gdr_attr_str(g, c, DW_AT_name, &name);
			if (gdr_attr_ref(g, c, DW_AT_type, &mt) <= 0)
				mt = 0;
			if (t->nm == cap) {
				struct gt_member *n;

				cap = cap ? cap * 2 : 8;
				n = gt_alloc(s, cap * sizeof(*n));
				if (!n) {
					err = -ENOMEM;
					break;
				}
				if (t->nm)
					memcpy(n, t->m, t->nm * sizeof(*n));
				t->m = n;
			}
			m = &t->m[t->nm];
			memset(m, 0, sizeof(*m));
			m->name = gdr_intern(g, name ? name : "");
			if ((err = gdr_member_loc(g, c, mt, &m->off, &m->bit_pos, &m->bit_size)) < 0)
				break;
			m->type = build(g, mt, depth + 1, &err);
			if (err < 0)
				break;
			t->nm++;
		} else if (tag == DW_TAG_enumerator && t->kind == GT_ENUM) {
			const char *name = NULL;
			Dwarf_Attribute a;
			struct gt_enumerator *en;

			if (t->ne == cap) {
				struct gt_enumerator *n;

				cap = cap ? cap * 2 : 8;
				n = gt_alloc(s, cap * sizeof(*n));
				if (!n) {
					err = -ENOMEM;
					break;
				}
				if (t->ne)
					memcpy(n, t->e, t->ne * sizeof(*n));
				t->e = n;
			}
			en = &t->e[t->ne];
			gdr_attr_str(g, c, DW_AT_name, &name);
			en->name = gdr_intern(g, name ? name : "");
			en->value = 0;
			if (gdr_attr_get(g, c, DW_AT_const_value, &a) > 0) {
				Dwarf_Half form = 0;
				Dwarf_Error e = NULL;

				dwarf_whatform(a, &form, &e);
				gdr_drop_err(g, &e);
				if (form == DW_FORM_sdata || form == DW_FORM_implicit_const) {
					Dwarf_Signed sv = 0;

					dwarf_formsdata(a, &sv, &e);
					en->value = sv;
				} else {
					Dwarf_Unsigned uv = 0;

					dwarf_formudata(a, &uv, &e);
					/* data1/2/4 of a signed enum: sign-extend by size */
					if (t->is_signed && t->size && t->size < 8 &&
					    (uv >> (t->size * 8 - 1)) & 1)
						uv |= ~0ULL << (t->size * 8);
					en->value = (int64_t)uv;
				}
				gdr_drop_err(g, &e);
				dwarf_dealloc_attribute(a);
			}
			if (en->value < 0)
				t->is_signed = 1;
			t->ne++;
		}
		r = gdr_die_next(g, &c);
	}
	if (err < 0) {
		if (c)
			dwarf_dealloc_die(c);
		return err;
	}
	return r < 0 ? r : 0;
}

/* The node for the type DIE at off (0: void, NULL). */
static struct gtype *build(struct gd_obj *g, Dwarf_Off off, int depth, int *err)
{
	struct gt_store *s = store(g);
	struct gtype *t;
	Dwarf_Die d;
	Dwarf_Half tag;
	Dwarf_Off sub = 0;
	Dwarf_Unsigned size = 0, enc = 0;
	const char *name = NULL;
	int r;

	if (!s) {
		*err = -ENOMEM;
		return NULL;
	}
	if (!off)
		return NULL;
	if ((t = memo_get(s, off)))
		return t;
	if (depth > 4 * MAX_DEPTH) {
		gen_err("gen: '%s': dwarf: type nested too deeply", g->path);
		*err = -ELOOP;
		return NULL;
	}
	if ((r = gdr_die_at(g, off, &d)) < 0) {
		*err = r;
		return NULL;
	}
	tag = gdr_die_tag(g, d);
	if (gdr_attr_ref(g, d, DW_AT_type, &sub) <= 0)
		sub = 0;
	/* typedefs and qualifiers: the node of what they name */
	if (tag == DW_TAG_typedef || tag == DW_TAG_const_type || tag == DW_TAG_volatile_type ||
	    tag == DW_TAG_restrict_type || tag == DW_TAG_atomic_type) {
		dwarf_dealloc_die(d);
		t = build(g, sub, depth + 1, err);
		if (*err >= 0 && t && memo_put(s, off, t) < 0)
			*err = -ENOMEM;
		if (!t && *err >= 0) {
			/* typedef of void: a void node */
			t = gt_alloc(s, sizeof(*t));
			if (!t) {
				*err = -ENOMEM;
				return NULL;
			}
			t->kind = GT_VOID;
			t->owner = g;
			t->spell = "void";
		}
		return t;
	}
	t = gt_alloc(s, sizeof(*t));
	if (!t || memo_put(s, off, t) < 0) {
		dwarf_dealloc_die(d);
		*err = -ENOMEM;
		return NULL;
	}
	t->owner = g;
	gdr_attr_str(g, d, DW_AT_name, &name);
	t->name = name ? gdr_intern(g, name) : NULL;
	gdr_attr_udata(g, d, DW_AT_byte_size, &size);
	t->size = size;
	t->spell = spelling(g, off);
	switch (tag) {
	case DW_TAG_base_type:
		gdr_attr_udata(g, d, DW_AT_encoding, &enc);
		t->kind = GT_BASE;
		t->encoding = (unsigned)enc;
		t->is_signed = enc == DW_ATE_signed || enc == DW_ATE_signed_char;
		break;
	case DW_TAG_pointer_type:
	case DW_TAG_reference_type:
	case DW_TAG_rvalue_reference_type:
		t->kind = GT_PTR;
		if (!t->size)
			t->size = 8;
		t->target = build(g, sub, depth + 1, err);
		break;
	case DW_TAG_array_type: {
		struct gtype *elem = build(g, sub, depth + 1, err), *a;

		if (*err < 0)
			break;
		a = build_array(g, d, off, elem, err);
		if (a)
			*t = *a;	/* the outermost dimension is this DIE's node */
		break;
	}
	case DW_TAG_structure_type:
	case DW_TAG_class_type:
	case DW_TAG_union_type:
	case DW_TAG_enumeration_type:
		t->kind = tag == DW_TAG_union_type ? GT_UNION :
			  tag == DW_TAG_enumeration_type ? GT_ENUM : GT_STRUCT;
		if (gdr_attr_flag(g, d, DW_AT_declaration)) {
			t->decl_kind = t->kind;
			t->kind = GT_DECL;
			break;
		}
		if (t->kind == GT_ENUM && sub) {
			struct gtype *u = build(g, sub, depth + 1, err);

			if (u && u->kind == GT_BASE)
				t->is_signed = u->is_signed;
		}
		if (*err >= 0 && (r = build_members(g, d, t, depth)) < 0)
			*err = r;
		break;
	case DW_TAG_subroutine_type:
		t->kind = GT_FUNC;
		break;
	case DW_TAG_unspecified_type:
		t->kind = GT_OTHER;
		break;
	default:
		t->kind = GT_OTHER;
		break;
	}
	dwarf_dealloc_die(d);
	return *err < 0 ? NULL : t;
}

int gd_var_gtype(struct gd_obj *g, const char *name, const char *func, struct gtype **t)
{
	Dwarf_Off voff = 0, toff = 0;
	Dwarf_Die d;
	int r, err = 0;

	*t = NULL;
	r = gdr_find_var(g, name, func, &voff);
	if (r <= 0)
		return r < 0 ? r : -ENOENT;
	if ((r = gdr_die_at(g, voff, &d)) < 0)
		return r;
	r = gdr_die_follow_ref(g, d, DW_AT_type, &toff, 0);
	dwarf_dealloc_die(d);
	if (r <= 0)
		return r < 0 ? r : -ENOENT;
	*t = build(g, toff, 0, &err);
	return err < 0 ? err : *t ? 0 : -ENOENT;
}

static size_t name_slot(const struct gt_store *s, const char *key)
{
	size_t h = 5381;

	for (const char *c = key; *c; c++)
		h = h * 33 + (unsigned char)*c;
	h &= s->capnames - 1;
	while (s->nkeys[h] && strcmp(s->nkeys[h], key))
		h = (h + 1) & (s->capnames - 1);
	return h;
}

static int name_put(struct gt_store *s, char *key, Dwarf_Off off)
{
	size_t k;

	if ((s->nnames + 1) * 2 > s->capnames) {
		size_t oc = s->capnames, nc = oc ? oc * 2 : 256;
		char **ok = s->nkeys;
		Dwarf_Off *oo = s->noffs;

		s->nkeys = calloc(nc, sizeof(*s->nkeys));
		s->noffs = calloc(nc, sizeof(*s->noffs));
		if (!s->nkeys || !s->noffs) {
			free(s->nkeys);
			free(s->noffs);
			s->nkeys = ok;
			s->noffs = oo;
			free(key);
			return -ENOMEM;
		}
		s->capnames = nc;
		for (size_t i = 0; i < oc; i++) {
			if (!ok[i])
				continue;
			k = name_slot(s, ok[i]);
			s->nkeys[k] = ok[i];
			s->noffs[k] = oo[i];
		}
		free(ok);
		free(oo);
	}
	k = name_slot(s, key);
	if (s->nkeys[k]) {	/* the first definition wins */
		free(key);
		return 0;
	}
	s->nkeys[k] = key;
	s->noffs[k] = off;
	s->nnames++;
	return 0;
}

static int kind_letter(Dwarf_Half tag)
{
	switch (tag) {
	case DW_TAG_structure_type: case DW_TAG_class_type: return 's';
	case DW_TAG_union_type: return 'u';
	case DW_TAG_enumeration_type: return 'e';
	}
	return 0;
}

static int index_cb(struct gd_obj *g, Dwarf_Die d, Dwarf_Half tag, void *arg)
{
	struct gt_store *s = arg;
	const char *n = NULL;
	char *key;
	int k = kind_letter(tag);

	if (!k || gdr_attr_flag(g, d, DW_AT_declaration) || gdr_attr_str(g, d, DW_AT_name, &n) <= 0)
		return 0;
	if (asprintf(&key, "%c:%s", k, n) < 0)
		return -ENOMEM;
	return name_put(s, key, gdr_die_off(g, d));
}

int gd_named_gtype(struct gd_obj *g, enum gt_kind kind, const char *name, struct gtype **t)
{
	struct gt_store *s;
	char key[512];
	size_t k;
	int r = 0, err = 0;

	*t = NULL;
	if (!g || !g->has_dwarf || !name || !(s = store(g)))
		return 0;
	if (!s->names_loaded) {
		/* one walk of the whole object; types inside functions count */
		for (size_t i = 0; i < g->ncus; i++) {
			Dwarf_Die cu;

			if ((r = gdr_die_at(g, g->cus[i].off, &cu)) < 0)
				return r;
			r = gdr_walk(g, cu, 0, index_cb, s, 1);
			dwarf_dealloc_die(cu);
			if (r < 0)
				return r;
		}
		s->names_loaded = 1;
	}
	if (!s->capnames)
		return 0;
	snprintf(key, sizeof(key), "%c:%s", kind == GT_UNION ? 'u' : kind == GT_ENUM ? 'e' : 's',
		 name);
	k = name_slot(s, key);
	if (!s->nkeys[k])
		return 0;
	*t = build(g, s->noffs[k], 0, &err);
	return err < 0 ? err : *t != NULL;
}

struct vars {
	gd_var_fn cb;
	void *arg;
	int ret;
};

static int var_cb(struct gd_obj *g, Dwarf_Die d, Dwarf_Half tag, void *arg)
{
	struct vars *v = arg;
	const char *name = NULL;
	Dwarf_Off toff = 0;
	struct gtype *t = NULL;
	int err = 0, r;

	if (tag != DW_TAG_variable)
		return 0;
	gdr_die_name(g, d, &name);
	if ((r = gdr_die_follow_ref(g, d, DW_AT_type, &toff, 0)) < 0)
		return r;
	if (r > 0 && !(t = build(g, toff, 0, &err)) && err < 0)
		return err;
	if ((v->ret = v->cb(v->arg, name ? name : "", t)) != 0)
		return 1;
	return 0;
}

int gd_each_var(struct gd_obj *g, gd_var_fn cb, void *arg)
{
	struct vars v = { cb, arg, 0 };
	int r;

	if (!g || !g->has_dwarf)
		return 0;
	for (size_t i = 0; i < g->ncus && !v.ret; i++) {
		Dwarf_Die cu;

		if ((r = gdr_die_at(g, g->cus[i].off, &cu)) < 0)
			return r;
		r = gdr_walk(g, cu, 0, var_cb, &v, 0);
		dwarf_dealloc_die(cu);
		if (r < 0)
			return r;
	}
	return v.ret;
}

/* ------------------------------------------------------------ locals */
struct locals {
	gd_local_fn cb;
	void *arg;
	const char *func;
	int ret;
};

/* A variable whose location is an address is static (not on the stack);
 * one without a location is static if it is external (a declaration). */
static int is_static_storage(struct gd_obj *g, Dwarf_Die d)
{
	Dwarf_Attribute a;

	if (gdr_attr_get(g, d, DW_AT_location, &a) <= 0)
		return gdr_attr_flag(g, d, DW_AT_external);
	dwarf_dealloc_attribute(a);
	return gdr_addr_location(g, d);
}

static int local_cb(struct gd_obj *g, Dwarf_Die d, Dwarf_Half tag, void *arg)
{
	struct locals *l = arg;
	Dwarf_Off toff = 0;
	const char *name = NULL;
	struct gtype *t;
	int err = 0, r;

	if (tag != DW_TAG_variable && tag != DW_TAG_formal_parameter)
		return 0;
	if (tag == DW_TAG_variable && is_static_storage(g, d))
		return 0;
	if ((r = gdr_die_follow_ref(g, d, DW_AT_type, &toff, 0)) <= 0)
		return r < 0 ? r : 0;
	gdr_die_name(g, d, &name);
	t = build(g, toff, 0, &err);
	if (err < 0)
		return err;
	if (t && (r = l->cb(l->arg, l->func, name ? name : "?", t)) != 0) {
		l->ret = r;
		return 1;
	}
	return 0;
}

static int has_code(struct gd_obj *g, Dwarf_Die d)
{
	Dwarf_Attribute a;

	if (gdr_attr_get(g, d, DW_AT_low_pc, &a) > 0 || gdr_attr_get(g, d, DW_AT_ranges, &a) > 0) {
		dwarf_dealloc_attribute(a);
		return 1;
	}
	return 0;
}

static int func_cb(struct gd_obj *g, Dwarf_Die d, Dwarf_Half tag, void *arg)
{
	struct locals *l = arg;
	const char *name = NULL;
	int r;

	if (tag != DW_TAG_subprogram || !has_code(g, d))
		return 0;
	if (gdr_die_name(g, d, &name) <= 0 || !name)
		return 0;
	l->func = gdr_intern(g, name);
	r = gdr_walk(g, d, 0, local_cb, l, 1);
	if (r < 0)
		return r;
	return l->ret ? 1 : 0;
}

int gd_each_local(struct gd_obj *g, gd_local_fn cb, void *arg)
{
	struct locals l = { cb, arg, NULL, 0 };
	int r;

	if (!g || !g->has_dwarf)
		return 0;
	for (size_t i = 0; i < g->ncus && !l.ret; i++) {
		Dwarf_Die cu;

		if ((r = gdr_die_at(g, g->cus[i].off, &cu)) < 0)
			return r;
		/* top-level subprograms only: nested walks are done by func_cb */
		r = gdr_walk(g, cu, 0, func_cb, &l, 0);
		dwarf_dealloc_die(cu);
		if (r < 0)
			return r;
	}
	return l.ret;
}
