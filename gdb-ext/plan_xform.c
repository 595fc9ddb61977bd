/* plan_xform.c - the transform plan: the PO's data transforms with every
 * address resolved for this process, laid out as struct kstub_xplan
 * (gdbserver-stub/stub.h) in the patch memory's region 5, for the stub.
 *
 *	[kstub_xplan][kstub_xtype * ntypes][kstub_xroot * nroots]
 *	[kstub_xptr * nptrs][names][programs]
 *
 * Roots are the variables with a transform or a fixup, in .katana.vars
 * order; the names are theirs, then the types'.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "plan_int.h"
#include "po_xop.h"

static uint64_t al8(uint64_t v)
{
	return (v + 7) & ~7ULL;
}

static int is_root(const struct po_var *v)
{
	return v->action == PO_VAR_TRANSFORM || v->action == PO_VAR_FIXUP;
}

static size_t nroots(const struct plan *p)
{
	size_t n = 0;

	for (size_t i = 0; i < po_nvars(p->po); i++)
		n += is_root(po_var(p->po, i));
	return n;
}

uint64_t plan_xform_size(const struct plan *p)
{
	uint64_t names = 0, progs = 0;

	if (!po_nxtypes(p->po))
		return 0;
	for (size_t i = 0; i < po_nvars(p->po); i++)
		if (is_root(po_var(p->po, i)))
			names += strlen(po_var(p->po, i)->name) + 1;
	for (size_t i = 0; i < po_nxtypes(p->po); i++) {
		const struct po_xtype *t = po_xtype(p->po, i);

		names += strlen(t->name) + 1;
		progs += t->fwd_len + t->back_len;
	}
	return sizeof(struct kstub_xplan) + po_nxtypes(p->po) * sizeof(struct kstub_xtype) +
	       nroots(p) * sizeof(struct kstub_xroot) + po_nptrs(p->po) * sizeof(struct kstub_xptr) +
	       al8(names) + progs;
}

/* The protection of the page holding a, when it is not writable (the stub
 * must open it for the write and close it again); 0 when writable. */
static uint32_t prot_at(const struct plan *p, uint64_t a, int *known)
{
	for (size_t i = 0; i < p->maps.n; i++) {
		const struct plan_map *m = &p->maps.v[i];
		uint32_t prot;

		if (a < m->start || a + 8 > m->end)
			continue;
		*known = 1;
		if (!m->perms[0] || m->perms[1] == 'w')
			return 0;
		prot = (m->perms[0] == 'r' ? PROT_READ : 0) | (m->perms[2] == 'x' ? PROT_EXEC : 0);
		return prot ? prot : PROT_READ;
	}
	*known = 0;
	return 0;
}

int plan_xform_build(struct plan *p)
{
	uint8_t *buf = p->reg_bytes[PLAN_REG_XFORM];
	uint64_t base = p->reg_addr[PLAN_REG_XFORM], off, names_off, prog_off;
	size_t nt = po_nxtypes(p->po), nr = nroots(p), np = po_nptrs(p->po);
	struct kstub_xplan *x = (struct kstub_xplan *)buf;
	struct kstub_xtype *types;
	struct kstub_xroot *roots;
	struct kstub_xptr *ptrs;
	uint32_t *root_of;
	size_t r = 0;

	off = sizeof(*x);
	types = (struct kstub_xtype *)(buf + off);
	off += nt * sizeof(*types);
	roots = (struct kstub_xroot *)(buf + off);
	off += nr * sizeof(*roots);
	ptrs = (struct kstub_xptr *)(buf + off);
	off += np * sizeof(*ptrs);
	names_off = off;
	root_of = calloc(po_nvars(p->po) + 1, sizeof(*root_of));
	if (!root_of)
		return -ENOMEM;
	memset(x, 0, sizeof(*x));
	x->magic = KSTUB_XPLAN_MAGIC;
	x->ntypes = (uint32_t)nt;
	x->nroots = (uint32_t)nr;
	x->nptrs = (uint32_t)np;
	x->types = base + sizeof(*x);
	x->roots = x->types + nt * sizeof(*types);
	x->ptrs = x->roots + nr * sizeof(*roots);
	x->names = base + names_off;
	if (p->info->alloc_sym) {
		x->malloc_fn = p->syms[p->info->alloc_sym].addr;
		x->free_fn = p->syms[p->info->free_sym].addr;
		if (!x->malloc_fn || !x->free_fn) {
			plan_msg(PLAN_ERROR, "plan: '%s': the program's allocator ('%s', '%s') is not in the process; heap objects cannot be transformed\n",
				 p->po_name, po_symbol(p->po, p->info->alloc_sym)->name,
				 po_symbol(p->po, p->info->free_sym)->name);
			free(root_of);
			return -PLAN_EREFUSED;
		}
	}
	/* names: the variables', then the types' */
	off = names_off;
	for (size_t i = 0; i < po_nvars(p->po); i++) {
		const struct po_var *v = po_var(p->po, i);
		const struct po_symbol *ns;
		int known;

		if (!is_root(v))
			continue;
		root_of[i] = (uint32_t)r;
		roots[r].old_addr = p->syms[v->old_sym].addr;
		roots[r].type = v->xtype - 1;
		roots[r].name = (uint32_t)(off - names_off);
		if (v->action == PO_VAR_TRANSFORM) {
			ns = po_symbol(p->po, v->new_sym);
			roots[r].new_addr = plan_sec_addr(p, ns->sec) + ns->value;
		} else {
			roots[r].flags = KX_ROOT_FIXUP;
			roots[r].new_addr = roots[r].old_addr;
			roots[r].prot = prot_at(p, roots[r].old_addr, &known);
		}
		if (!roots[r].old_addr || !roots[r].new_addr) {
			plan_msg(PLAN_ERROR, "plan: '%s': var '%s': no address for its storage\n",
				 p->po_name, v->name);
			free(root_of);
			return -PLAN_EREFUSED;
		}
		memcpy(buf + off, v->name, strlen(v->name) + 1);
		off += strlen(v->name) + 1;
		r++;
	}
	for (size_t i = 0; i < nt; i++) {
		const struct po_xtype *t = po_xtype(p->po, i);

		types[i].name = (uint32_t)(off - names_off);
		memcpy(buf + off, t->name, strlen(t->name) + 1);
		off += strlen(t->name) + 1;
	}
	x->names_len = off - names_off;
	prog_off = al8(off);
	for (size_t i = 0; i < nt; i++) {
		const struct po_xtype *t = po_xtype(p->po, i);

		types[i].fwd = base + prog_off;
		types[i].fwd_len = (uint32_t)t->fwd_len;
		memcpy(buf + prog_off, t->fwd, t->fwd_len);
		prog_off += t->fwd_len;
		if (t->back) {
			types[i].back = base + prog_off;
			types[i].back_len = (uint32_t)t->back_len;
			memcpy(buf + prog_off, t->back, t->back_len);
			prog_off += t->back_len;
		}
		types[i].old_size = t->old_size;
		types[i].new_size = t->new_size;
		types[i].flags = (t->flags & PO_XT_INPLACE ? KX_INPLACE : 0) |
				 (t->flags & PO_XT_HEAP ? KX_HEAP : 0);
	}
	for (size_t i = 0; i < np; i++) {
		const struct po_ptr *pt = po_ptr(p->po, i);
		const struct po_var *v = po_var(p->po, pt->var);
		int known;

		ptrs[i].site = p->syms[pt->site_sym].addr + pt->site_off;
		ptrs[i].value = p->syms[v->old_sym].addr + (uint64_t)pt->addend;
		ptrs[i].root = root_of[pt->var];
		ptrs[i].prot = prot_at(p, ptrs[i].site, &known);
		if (!known) {
			plan_msg(PLAN_ERROR, "plan: '%s': the pointer to '%s' in '%s'+%" PRIu64 " is at 0x%" PRIx64 ", which the process does not map\n",
				 p->po_name, v->name, po_symbol(p->po, pt->site_sym)->name,
				 pt->site_off, ptrs[i].site);
			free(root_of);
			return -PLAN_EREFUSED;
		}
	}
	free(root_of);
	return 0;
}

void plan_var_addr(const struct plan *p, size_t i, uint64_t *old_addr, uint64_t *new_addr)
{
	const struct po_var *v = po_var(p->po, i);

	*old_addr = *new_addr = 0;
	if (!v || p->state < PLAN_RESOLVED)
		return;
	if (v->old_sym)
		*old_addr = p->syms[v->old_sym].addr;
	if (v->new_sym && p->state == PLAN_RELOCATED) {
		const struct po_symbol *ns = po_symbol(p->po, v->new_sym);

		*new_addr = plan_sec_addr(p, ns->sec) + ns->value;
	}
}

uint64_t plan_xform_addr(const struct plan *p)
{
	return p->state == PLAN_RELOCATED ? p->reg_addr[PLAN_REG_XFORM] : 0;
}

int plan_xform_heap(const struct plan *p)
{
	return p->info->alloc_sym != 0;
}

int plan_xform_revert_check(const struct plan *p)
{
	for (size_t i = 0; i < po_nvars(p->po); i++) {
		const struct po_var *v = po_var(p->po, i);
		const struct po_xtype *t;

		if (!is_root(v))
			continue;
		t = po_xtype(p->po, v->xtype - 1);
		if (!t->back) {
			plan_msg(PLAN_ERROR, "plan: '%s': var '%s' (%s): its transform cannot be undone%s%s; the patch stays\n",
				 p->po_name, v->name, t->name, *t->back_why ? ": " : "", t->back_why);
			return -PLAN_EREFUSED;
		}
	}
	return 0;
}

/* ------------------------------------------------------------ results */
static const char *fail_what(int64_t code)
{
	switch (code) {
	case KX_EFIT: return "a value does not fit its new field";
	case KX_EENUM: return "an enum value has no enumerator of the same name in the other layout";
	case KX_ENOMEM: return "the program's allocator (or katana's work memory) ran out";
	case KX_ETYPE: return "one object is reached through pointers of two different types";
	case KX_EPTR: return "a pointer points into a part of a variable that the new layout drops";
	case KX_EABORT: return "katana abort";
	case KX_EPLAN: return "the transform plan is malformed";
	case KX_EBACK: return "a type cannot be transformed back";
	case KX_EGONE: return "GDB went away during katana apply --step";
	}
	return "unknown failure";
}

int plan_xform_result(const struct plan *p, const void *bytes, size_t len, char *buf, size_t n)
{
	struct kstub_xplan x;
	size_t nr = 0;
	const char *var = "?", *type = "?";

	if (len < sizeof(x)) {
		snprintf(buf, n, "no transform results");
		return -EINVAL;
	}
	memcpy(&x, bytes, sizeof(x));
	if (!x.fail_code) {
		size_t k = 0, shown = 0;
		int m;

		m = snprintf(buf, n, "%zu variable%s (", nroots(p), nroots(p) == 1 ? "" : "s");
		for (size_t i = 0; i < po_nvars(p->po) && m > 0 && (size_t)m < n; i++) {
			const struct po_var *v = po_var(p->po, i);

			if (!is_root(v))
				continue;
			if (shown++ < 3)
				m += snprintf(buf + m, n - (size_t)m, "%s%s", k++ ? ", " : "", v->name);
		}
		if (m > 0 && (size_t)m < n)
			m += snprintf(buf + m, n - (size_t)m, "%s)", shown > 3 ? ", ..." : "");
		if (x.objects && m > 0 && (size_t)m < n)
			m += snprintf(buf + m, n - (size_t)m, ", %" PRIu64 " heap object%s (%" PRIu64 " KiB) built",
				      x.objects, x.objects == 1 ? "" : "s", (x.bytes + 1023) / 1024);
		if (x.writes && m > 0 && (size_t)m < n)
			m += snprintf(buf + m, n - (size_t)m, ", %" PRIu64 " pointer%s re-pointed",
				      x.writes, x.writes == 1 ? "" : "s");
		if (m > 0 && (size_t)m < n)
			snprintf(buf + m, n - (size_t)m, ", %.1f ms in the process", x.ns / 1e6);
		return 0;
	}
	for (size_t i = 0; i < po_nvars(p->po); i++) {
		const struct po_var *v = po_var(p->po, i);

		if (is_root(v) && nr++ == x.fail_root)
			var = v->name;
	}
	if (x.fail_type < po_nxtypes(p->po))
		type = po_xtype(p->po, x.fail_type)->name;
	switch (x.fail_code) {
	case KX_EFIT:
	case KX_EENUM:
		snprintf(buf, n, "var '%s': %s: the %s at 0x%" PRIx64 "+%" PRIu64 " holds %" PRId64,
			 var, fail_what(x.fail_code), type, x.fail_addr, x.fail_off,
			 (int64_t)x.fail_value);
		break;
	case KX_ETYPE:
	case KX_EPTR:
		snprintf(buf, n, "var '%s': %s (%s, pointer 0x%" PRIx64 " at 0x%" PRIx64 "+%" PRIu64 ")",
			 var, fail_what(x.fail_code), type, x.fail_value, x.fail_addr, x.fail_off);
		break;
	case KX_ENOMEM:
		snprintf(buf, n, "var '%s': %s (%s, %" PRIu64 " bytes)", var,
			 fail_what(x.fail_code), type, x.fail_value);
		break;
	default:
		snprintf(buf, n, "var '%s': %s", var, fail_what(x.fail_code));
	}
	return 1;
}
