/* gen.c - katana gen: the pipeline.
 *
 *   load both trees (the executable and the objects it is made of)
 *   pair the objects            (same path in both trees)
 *   correlate their symbols     (diff_correlate)
 *   compare and classify        (diff_compare)
 *   emit the patch object       (emit_patch)
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "diff.h"
#include "emit.h"
#include "gdwarf.h"
#include "gen_internal.h"
#include "obj.h"
#include "po.h"
#include "xform.h"

struct tree {
	const char *dir;
	struct gtarget *t;
	struct gobj **objs;
	size_t n;
	char **only;		/* objects whose CU is in EXE but which were not kept */
};

static void tree_free(struct tree *tr)
{
	for (size_t i = 0; i < tr->n; i++)
		gobj_free(tr->objs[i]);
	free(tr->objs);
	gtarget_free(tr->t);
	memset(tr, 0, sizeof(*tr));
}

/* nftw has no user pointer: collect into a static list (gen is not
 * re-entrant across threads; one gen_run at a time). */
static char **found;
static size_t nfound, capfound;
static size_t prefix_len;

static int collect(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	size_t n = strlen(path);

	(void)ftw;
	if (type != FTW_F || !S_ISREG(sb->st_mode) || n < 3 || strcmp(path + n - 2, ".o"))
		return 0;
	if (nfound == capfound) {
		size_t nc = capfound ? capfound * 2 : 64;
		char **nv = realloc(found, nc * sizeof(*nv));

		if (!nv)
			return -1;
		found = nv;
		capfound = nc;
	}
	found[nfound] = strdup(path);
	if (!found[nfound])
		return -1;
	nfound++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Does object o make up target t?  Its compilation unit is one of t's
 * (same source name and directory); without DWARF in t or in o (a library
 * of the tree built without -g, as redis builds its bundled lua), every
 * global it defines must be defined in t. */
static int belongs(struct gtarget *t, struct gobj *o)
{
	size_t nglob = 0;

	if (gd_has_dwarf(t->dw) && gd_ncus(t->dw) > 0 && gd_has_dwarf(o->dw)) {
		for (size_t i = 0; i < gd_ncus(t->dw); i++) {
			const char *cu = gd_cu_name(t->dw, i), *dir = gd_cu_comp_dir(t->dw, i);

			if (cu && o->cu && !strcmp(cu, o->cu) &&
			    (!dir || !o->comp_dir || !strcmp(dir, o->comp_dir)))
				return 1;
		}
		return 0;
	}
	for (size_t i = 1; i < o->nsyms; i++) {
		struct gsym *s = &o->syms[i];

		if ((s->flags & (GF_UNDEF | GF_LOCAL)) || !(s->flags & (GF_FUNC | GF_OBJECT)) || !s->sec)
			continue;
		if (!gtarget_lookup(t, s->name, NULL, 0))
			return 0;
		nglob++;
	}
	return nglob > 0;
}

/* How well o's functions match t's symbols (name and size): picks the
 * right one when two objects claim the same source (PIC and non-PIC builds
 * of one file, as libtool makes). */
static size_t match_score(struct gtarget *t, struct gobj *o)
{
	size_t score = 0;

	for (size_t i = 1; i < o->nsyms; i++) {
		struct gsym *s = &o->syms[i];
		const struct gtarget_sym *ts;

		if (!(s->flags & GF_FUNC) || !s->sec || (s->flags & GF_UNDEF))
			continue;
		ts = gtarget_lookup(t, s->name, o->cu, !!(s->flags & GF_LOCAL));
		if (ts && ts->size == s->size) {
			const uint8_t *b = gtarget_bytes(t, ts->value, ts->size);

			score += 1;
			if (b && s->sec->data && !s->nrelas && !memcmp(b, s->sec->data + s->value, s->size))
				score += 1;
		}
	}
	return score;
}

static int load_tree(const char *dir, const char *exe, struct tree *tr)
{
	char path[4096];
	struct stat sb;
	int err;

	memset(tr, 0, sizeof(*tr));
	tr->dir = dir;
	if (stat(dir, &sb) || !S_ISDIR(sb.st_mode)) {
		gen_err("gen: '%s': not a directory; give the old and new build trees", dir);
		return -GEN_EINPUT;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, exe);
	if (stat(path, &sb) || !S_ISREG(sb.st_mode)) {
		gen_err("gen: '%s': no executable or library '%s' in this tree", dir, exe);
		return -GEN_EINPUT;
	}
	err = gtarget_open(path, exe, &tr->t);
	if (err)
		return err;
	nfound = 0;
	prefix_len = strlen(dir);
	while (prefix_len > 1 && dir[prefix_len - 1] == '/')
		prefix_len--;
	if (nftw(dir, collect, 32, FTW_PHYS) != 0) {
		gen_err("gen: '%s': cannot walk the tree: %s", dir, strerror(errno));
		err = -errno;
		goto out;
	}
	if (nfound)
		qsort(found, nfound, sizeof(*found), cmp_str);
	tr->objs = calloc(nfound ? nfound : 1, sizeof(*tr->objs));
	if (!tr->objs) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nfound; i++) {
		const char *rel = found[i] + prefix_len;
		struct gobj *o;

		while (*rel == '/')
			rel++;
		err = gobj_open(found[i], rel, &o);
		if (err)
			goto out;
		if (!belongs(tr->t, o)) {
			gen_debug("gen: '%s': not part of '%s'; ignored", rel, exe);
			gobj_free(o);
			continue;
		}
		/* the same source compiled twice: keep the copy EXE was linked from */
		for (size_t k = 0; k < tr->n; k++) {
			struct gobj *p = tr->objs[k];

			if (!strcmp(p->cu, o->cu) && (!p->comp_dir || !o->comp_dir || !strcmp(p->comp_dir, o->comp_dir))) {
				if (match_score(tr->t, o) > match_score(tr->t, p)) {
					gen_debug("gen: '%s': '%s' matches '%s' better", o->rel, exe, p->rel);
					tr->objs[k] = o;
					o = p;
				}
				gen_debug("gen: '%s': same source as another object; ignored", o->rel);
				gobj_free(o);
				o = NULL;
				break;
			}
		}
		if (o)
			tr->objs[tr->n++] = o;
	}
	err = 0;
out:
	for (size_t i = 0; i < nfound; i++)
		free(found[i]);
	free(found);
	found = NULL;
	nfound = capfound = 0;
	return err;
}

static struct gobj *find_pair(struct tree *old, struct gobj *n)
{
	for (size_t i = 0; i < old->n; i++)
		if (!strcmp(old->objs[i]->rel, n->rel))
			return old->objs[i];
	/* moved within the tree: the same source file */
	for (size_t i = 0; i < old->n; i++)
		if (!old->objs[i]->twin && !strcmp(old->objs[i]->cu, n->cu))
			return old->objs[i];
	return NULL;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

int gen_run(const struct gen_opts *opt, struct gen_result *res)
{
	struct tree old, nw;
	struct diff_stats ds = { 0 };
	struct emit_stats es = { 0 };
	struct po_writer *w = NULL;
	struct xf *xf = NULL;
	struct xf_opts xo = { opt->allow_opaque, opt->nallow_opaque };
	unsigned removed = 0, changes = 0;
	char out[4096];
	int err;

	memset(res, 0, sizeof(*res));
	if (!opt->old_dir || !opt->new_dir || !opt->exe)
		return -EINVAL;
	if (opt->out)
		snprintf(out, sizeof(out), "%s", opt->out);
	else
		snprintf(out, sizeof(out), "%s/%s.po", opt->old_dir, base_name(opt->exe));

	err = load_tree(opt->old_dir, opt->exe, &old);
	if (!err)
		err = load_tree(opt->new_dir, opt->exe, &nw);
	else
		memset(&nw, 0, sizeof(nw));
	if (err)
		goto out;
	if (!old.n || !nw.n) {
		gen_err("gen: '%s': no object files found that make up '%s'; build with -g and keep the "
			"objects in the tree", !old.n ? opt->old_dir : opt->new_dir, opt->exe);
		err = -GEN_EINPUT;
		goto out;
	}

	/* pair objects; correlate each pair, then what moved between objects;
	 * then compare */
	for (size_t i = 0; i < nw.n && !err; i++) {
		struct gobj *n = nw.objs[i], *o = find_pair(&old, n);

		if (o) {
			n->twin = o;
			o->twin = n;
			err = diff_cuts(o);
		} else {
			gen_warn("gen: '%s': only in the new tree; what it defines is new unless it moved "
				 "from another object", n->rel);
		}
		if (!err)
			err = diff_cuts(n);
		if (!err)
			err = diff_correlate(o, n);
		res->objects++;
	}
	for (size_t i = 0; i < old.n && !err; i++)
		if (!old.objs[i]->twin)
			err = diff_cuts(old.objs[i]);
	if (!err)
		err = diff_correlate_moved(old.objs, old.n, nw.objs, nw.n);
	for (size_t i = 0; i < nw.n && !err; i++)
		err = diff_compare(nw.objs[i], &ds);
	/* variables whose layout changed: transforms (and their users) */
	if (!err)
		err = xf_analyze(old.objs, old.n, nw.objs, nw.n, &xo, &xf, &ds.refused);
	if (!err)
		err = diff_propagate(nw.objs, nw.n, &ds);
	if (err)
		goto out;
	if (ds.refused) {
		gen_err("gen: refused: %u change%s to data cannot be made to the running program; no patch written",
			ds.refused, ds.refused == 1 ? "" : "s");
		err = -GEN_EREFUSED;
		goto out;
	}
	for (size_t i = 0; i < nw.n; i++) {
		struct gobj *n = nw.objs[i];

		for (size_t k = 1; k < n->nsyms; k++) {
			struct gsym *s = &n->syms[k];

			if (!(s->flags & (GF_FUNC | GF_OBJECT)) || (s->flags & GF_UNDEF) || !s->name[0])
				continue;
			if (s->status == S_CHANGED || s->status == S_NEW || (s->flags & GF_FIXUP)) {
				changes++;
				gen_debug("gen: '%s': %s '%s': %s%s%s", n->rel, (s->flags & GF_FUNC) ? "func" : "var",
					  s->name, s->status == S_NEW ? "new" : "changed",
					  s->why ? ": " : "", s->why ? s->why : "");
			}
		}
	}
	for (size_t i = 0; i < old.n; i++) {
		struct gobj *o = old.objs[i];

		for (size_t k = 1; k < o->nsyms; k++)
			if ((o->syms[k].flags & GF_FUNC) && o->syms[k].sec && !o->syms[k].twin &&
			    o->twin && !(o->syms[k].flags & GF_UNDEF))
				removed++;
	}
	if (!changes) {
		res->line_only = ds.line_only;
		err = GEN_ENOCHANGE;
		goto out;
	}

	{
		struct po_target_info ti = {
			.name = old.t->name, .kind = old.t->kind,
			.build_id = old.t->build_id_len ? old.t->build_id : NULL,
			.build_id_len = old.t->build_id_len, .machine = old.t->machine,
		};

		err = po_writer_new(&w, &ti);
		if (err)
			goto out;
	}
	for (size_t i = 0; i < old.n; i++)
		if (!old.objs[i]->twin) {
			gen_warn("gen: '%s': only in the old tree; its code stays in the running "
				 "program as it is", old.objs[i]->rel);
			po_writer_warning(w, "gen: '%s': only in the old tree; its code stays in the "
					  "running program as it is", old.objs[i]->rel);
			es.warnings++;
		}
	po_writer_set_line_only(w, ds.line_only);
	/* the CU name is fixed so the same trees always give the same bytes */
	for (size_t i = 0; i < xf_nwarnings(xf); i++) {
		po_writer_warning(w, "%s", xf_warning(xf, i));
		es.warnings++;
	}
	err = emit_patch(w, old.t, nw.t, nw.objs, nw.n, xf, "katana patch", &es);
	if (!err)
		err = po_writer_write(w, out, &res->po_size);
	if (err)
		goto out;
	res->changed = es.changed;
	res->added = es.added;
	res->vars = es.vars;
	res->transformed = es.transformed;
	res->removed = removed;
	res->line_only = ds.line_only;
	res->warnings = es.warnings;
	snprintf(res->out, sizeof(res->out), "%s", out);
out:
	xf_free(xf);
	po_writer_free(w);
	tree_free(&old);
	tree_free(&nw);
	return err;
}
