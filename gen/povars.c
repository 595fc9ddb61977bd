/* povars.c - a PO's transformed variables read back from its own DWARF
 * (gen.h, "a PO's data"): their two types, a member table, and the small
 * type files GDB loads to print them.
 *
 * The PO's DWARF (dwarf_write.c) has, for a transformed or fixed-up
 * variable NAME, a DIE NAME with the new type and a DIE katana_old_NAME
 * with the old one, in the order of .katana.vars.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdwarf.h"
#include "gen_internal.h"
#include "po.h"
#include "xform.h"

struct pvdie {
	const char *name;
	struct gtype *t;
	int used;
};

struct gen_povars {
	struct po *po;
	struct gd_obj *dw;
	struct pvdie *dies;
	size_t ndies, cdies;
	struct gtype **old_t, **new_t;	/* per var */
};

static int collect(void *arg, const char *name, struct gtype *t)
{
	struct gen_povars *v = arg;

	if (v->ndies == v->cdies) {
		size_t nc = v->cdies ? v->cdies * 2 : 32;
		struct pvdie *nd = realloc(v->dies, nc * sizeof(*nd));

		if (!nd)
			return -ENOMEM;
		v->dies = nd;
		v->cdies = nc;
	}
	v->dies[v->ndies++] = (struct pvdie){ name, t, 0 };
	return 0;
}

static struct gtype *take(struct gen_povars *v, const char *name)
{
	for (size_t k = 0; k < v->ndies; k++)
		if (!v->dies[k].used && v->dies[k].t && !strcmp(v->dies[k].name, name)) {
			v->dies[k].used = 1;
			return v->dies[k].t;
		}
	return NULL;
}

int gen_povars_open(const char *po_path, struct gen_povars **out)
{
	struct gen_povars *v = calloc(1, sizeof(*v));
	size_t n;
	int err;

	*out = NULL;
	if (!v)
		return -ENOMEM;
	err = po_open(po_path, &v->po);
	err = err ?: gd_open(po_path, &v->dw);
	if (!err) {
		n = po_nvars(v->po);
		v->old_t = calloc(n + 1, sizeof(*v->old_t));
		v->new_t = calloc(n + 1, sizeof(*v->new_t));
		if (!v->old_t || !v->new_t)
			err = -ENOMEM;
	}
	if (!err && gd_has_dwarf(v->dw))
		err = gd_each_var(v->dw, collect, v);
	for (size_t i = 0; !err && i < po_nvars(v->po); i++) {
		const struct po_var *pv = po_var(v->po, i);
		char old[300];

		if (pv->action != PO_VAR_TRANSFORM && pv->action != PO_VAR_FIXUP)
			continue;
		snprintf(old, sizeof(old), "katana_old_%s", pv->name);
		v->new_t[i] = take(v, pv->name);
		v->old_t[i] = take(v, old);
	}
	if (err) {
		gen_povars_close(v);
		return err;
	}
	*out = v;
	return 0;
}

void gen_povars_close(struct gen_povars *v)
{
	if (!v)
		return;
	free(v->dies);
	free(v->old_t);
	free(v->new_t);
	gd_close(v->dw);
	po_close(v->po);
	free(v);
}

int gen_povars_typed(const struct gen_povars *v, size_t i)
{
	return i < po_nvars(v->po) && v->old_t[i] && v->new_t[i];
}

struct mrow {
	FILE *f;
	const char *indent;
};

static void place(char *buf, size_t n, const struct gt_member *m, const struct gtype *t)
{
	if (!m) {
		snprintf(buf, n, "-");
		return;
	}
	if (m->bit_size)
		snprintf(buf, n, "%s bits %llu:%llu", t ? t->spell : "?",
			 (unsigned long long)m->bit_pos, (unsigned long long)m->bit_size);
	else
		snprintf(buf, n, "%s +%llu", t ? t->spell : "?", (unsigned long long)m->off);
}

static int print_row(void *arg, const struct xf_row *r)
{
	struct mrow *m = arg;
	char o[160], n[160];

	if (!*r->member) {
		fprintf(m->f, "%s%s\n", m->indent, r->note);
		return 0;
	}
	place(o, sizeof(o), r->om, r->ot);
	place(n, sizeof(n), r->nm, r->nt);
	fprintf(m->f, "%s%-16s %-24s %-24s %s\n", m->indent, r->member, o, n, r->note);
	return 0;
}

int gen_povars_members(struct gen_povars *v, size_t i, const char *indent, FILE *f)
{
	struct mrow m = { f, indent };
	const struct po_var *pv;
	const struct gtype *o, *n;

	if (!gen_povars_typed(v, i))
		return -ENOENT;
	pv = po_var(v->po, i);
	o = v->old_t[i];
	n = v->new_t[i];
	/* a pointer that is re-pointed: the table of what it points to */
	if (pv->action == PO_VAR_FIXUP && o->kind == GT_PTR && n->kind == GT_PTR && o->target &&
	    n->target) {
		fprintf(f, "%sre-pointed in place; what it points to, %s:\n", indent, n->target->spell);
		return xf_member_rows(o->target, n->target, 1, print_row, &m);
	}
	if (pv->action == PO_VAR_FIXUP)
		fprintf(f, "%sits pointers are re-pointed in place\n", indent);
	if (o->kind == GT_STRUCT || o->kind == GT_UNION)
		fprintf(f, "%s%-16s %-24s %-24s %s\n", indent, "MEMBER", "OLD", "NEW", "");
	return xf_member_rows(o, n, 0, print_row, &m);
}

/* A DWARF-only file: a PO with nothing but the DWARF gd_out writes. */
static int write_dwarf_file(struct gd_out *o, const char *path)
{
	struct po_target_info ti = { .name = "katana-types", .kind = PO_TARGET_PIE };
	struct po_writer *w = NULL;
	int err = po_writer_new(&w, &ti);

	err = err ?: gd_out_finish(o, w);
	err = err ?: po_writer_write(w, path, NULL);
	po_writer_free(w);
	return err;
}

int gen_povars_write_types(struct gen_povars *v, const char *path)
{
	struct gd_out *o = NULL;
	int err = gd_out_new(&o, "katana types");

	for (size_t i = 0; !err && i < po_nvars(v->po); i++) {
		char name[64];

		if (!gen_povars_typed(v, i))
			continue;
		snprintf(name, sizeof(name), "katana_old_%zu", i);
		err = gd_out_typedef(o, name, v->old_t[i]);
		snprintf(name, sizeof(name), "katana_new_%zu", i);
		err = err ?: gd_out_typedef(o, name, v->new_t[i]);
	}
	err = err ?: write_dwarf_file(o, path);
	gd_out_free(o);
	return err;
}

int gen_povars_write_step(struct gen_povars *v, size_t i, const char *path)
{
	struct gd_out *o = NULL;
	int err;

	if (!gen_povars_typed(v, i))
		return -ENOENT;
	err = gd_out_new(&o, "katana step");
	err = err ?: gd_out_wrapper(o, "katana_old", po_var(v->po, i)->name, v->old_t[i]);
	err = err ?: gd_out_wrapper(o, "katana_new", po_var(v->po, i)->name, v->new_t[i]);
	err = err ?: write_dwarf_file(o, path);
	gd_out_free(o);
	return err;
}
