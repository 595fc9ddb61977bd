/* plan_reloc.c - layout of the patch memory, relocation of the PO's code
 * and data, the entry jumps (sites), and the files GDB loads them from.
 *
 * Patch memory, each part page aligned so its protection can differ:
 *	text    .text.new                  R+X
 *	rodata  .rodata.new                R
 *	data    .data.new, .bss.new        RW
 *	got     GOT slots, jump veneers    R+X (slots are only read)
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "plan_int.h"

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return a > 1 ? (v + a - 1) & ~(a - 1) : v;
}

/* The region (kind) each code/data section goes to. */
static int sec_region(int sec)
{
	switch (sec) {
	case PO_SEC_TEXT: return PLAN_REG_TEXT;
	case PO_SEC_RODATA: return PLAN_REG_RODATA;
	case PO_SEC_DATA: case PO_SEC_BSS: return PLAN_REG_DATA;
	}
	return 0;
}

int plan_layout_sizes(struct plan *p)
{
	const struct po_section *s;
	int sec, k;
	size_t i;

	for (sec = PO_SEC_TDATA; sec <= PO_SEC_TBSS; sec++) {
		s = po_section(p->po, sec);
		if (s && s->size) {
			plan_msg(PLAN_ERROR, "plan: '%s': sec '%s': the patch defines thread-local variables; new TLS storage is not supported yet\n",
				 p->po_name, s->name);
			return -PLAN_EREFUSED;
		}
	}
	for (sec = PO_SEC_TEXT; sec <= PO_SEC_BSS; sec++) {
		s = po_section(p->po, sec);
		k = sec_region(sec);
		if (!s)
			continue;
		p->sec_off[sec] = align_up(p->reg_len[k], s->align);
		p->reg_len[k] = p->sec_off[sec] + s->size;
	}
	for (sec = PO_SEC_TEXT; sec <= PO_SEC_DATA; sec++) {
		s = po_section(p->po, sec);
		for (i = 0; s && i < s->nrelocs; i++) {
			const struct po_reloc *r = &s->relocs[i];
			const struct po_symbol *ps = po_symbol(p->po, r->sym);
			struct plan_sym *ys = &p->syms[r->sym];

			switch (r->type) {
			case R_X86_64_64: case R_X86_64_32: case R_X86_64_32S:
			case R_X86_64_PC64: case R_X86_64_TPOFF32:
				break;
			case R_X86_64_PC32: case R_X86_64_PLT32:
				if (ps->sec == PO_SEC_UNDEF && ys->veneer < 0)
					ys->veneer = (int)p->nveneer_max++;
				break;
			case R_X86_64_GOTPCREL: case R_X86_64_GOTPCRELX:
			case R_X86_64_REX_GOTPCRELX: case R_X86_64_GOTTPOFF:
				if (ys->got < 0)
					ys->got = (int)p->ngot++;
				break;
			default:
				plan_msg(PLAN_ERROR, "plan: '%s': sec '%s': relo #%zu %s against '%s' at 0x%" PRIx64 ": not supported (only initial-exec and local-exec TLS models are)\n",
					 p->po_name, s->name, i, po_reloc_name(r->type),
					 ps->name, r->offset);
				return -PLAN_EREFUSED;
			}
		}
	}
	/* veneers are only used when needed, but their room is reserved so
	 * the size is known before the base is */
	p->reg_len[PLAN_REG_GOT] = p->ngot * 8 + p->nveneer_max * PLAN_VENEER_SIZE;
	p->reg_len[PLAN_REG_XFORM] = plan_xform_size(p);
	for (k = 1; k < PLAN_NREG; k++)
		p->reg_size[k] = align_up(p->reg_len[k], PLAN_PAGE);
	return 0;
}

uint64_t plan_sec_addr(const struct plan *p, int sec)
{
	int k = sec_region(sec);

	return k && po_section(p->po, sec) ? p->reg_addr[k] + p->sec_off[sec] : 0;
}

uint64_t plan_section_addr(const struct plan *p, const char *name)
{
	int sec;

	if (p->state != PLAN_RELOCATED)
		return 0;
	for (sec = PO_SEC_TEXT; sec <= PO_SEC_BSS; sec++)
		if (!strcmp(po_sec_name(sec), name))
			return plan_sec_addr(p, sec);
	return 0;
}

static bool fits_s32(int64_t v)
{
	return v >= INT32_MIN && v <= INT32_MAX;
}

static int reloc_one(struct plan *p, const struct po_section *s, int sec,
		     size_t idx, const struct po_reloc *r)
{
	const struct po_symbol *ps = po_symbol(p->po, r->sym);
	struct plan_sym *ys = &p->syms[r->sym];
	uint8_t *field = p->reg_bytes[sec_region(sec)] + p->sec_off[sec] + r->offset;
	uint64_t P = plan_sec_addr(p, sec) + r->offset, S, G = 0;
	uint64_t got0 = p->reg_addr[PLAN_REG_GOT];
	int64_t A = r->addend, v;
	bool tls;
	uint32_t u32;

	if (ps->sec == PO_SEC_UNDEF) {
		S = ys->addr;
		tls = ys->tls;
	} else if (ps->sec >= PO_SEC_TEXT && ps->sec <= PO_SEC_BSS) {
		S = plan_sec_addr(p, ps->sec) + (ps->stt == STT_SECTION ? 0 : ps->value);
		tls = false;
	} else {
		plan_msg(PLAN_ERROR, "plan: '%s': sec '%s': relo #%zu: symbol '%s' is not in code or data\n",
			 p->po_name, s->name, idx, ps->name);
		return -PLAN_EREFUSED;
	}
	if (tls != (r->type == R_X86_64_GOTTPOFF || r->type == R_X86_64_TPOFF32)) {
		plan_msg(PLAN_ERROR, "plan: '%s': sec '%s': relo #%zu %s: symbol '%s' is %sthread-local\n",
			 p->po_name, s->name, idx, po_reloc_name(r->type), ps->name,
			 tls ? "" : "not ");
		return -PLAN_EREFUSED;
	}
	if (ys->got >= 0) {
		G = got0 + (uint64_t)ys->got * 8;
		memcpy(p->reg_bytes[PLAN_REG_GOT] + ys->got * 8, &S, 8);
	}
	switch (r->type) {
	case R_X86_64_64:
		v = (int64_t)(S + A);
		memcpy(field, &v, 8);
		return 0;
	case R_X86_64_PC64:
		v = (int64_t)(S + A - P);
		memcpy(field, &v, 8);
		return 0;
	case R_X86_64_32:
		if (S + A > UINT32_MAX)
			goto overflow;
		u32 = (uint32_t)(S + A);
		memcpy(field, &u32, 4);
		return 0;
	case R_X86_64_32S:
		v = (int64_t)(S + A);
		if (!fits_s32(v))
			goto overflow;
		break;
	case R_X86_64_PC32:
	case R_X86_64_PLT32:
		v = (int64_t)(S + A - P);
		if (!fits_s32(v) && ys->veneer >= 0 &&
		    (ys->func || ps->stt == STT_FUNC ||
		     (ps->ref && (ps->ref->flags & PO_SYM_FUNC)))) {
			/* a call or jump that does not reach: through a veneer */
			uint64_t va = got0 + p->ngot * 8 + (uint64_t)ys->veneer * PLAN_VENEER_SIZE;
			uint8_t *vb = p->reg_bytes[PLAN_REG_GOT] + (va - got0);

			memcpy(vb, "\xff\x25\x00\x00\x00\x00", 6);
			memcpy(vb + 6, &S, 8);
			p->nveneer++;
			v = (int64_t)(va + A - P);
		}
		if (!fits_s32(v))
			goto overflow;
		break;
	case R_X86_64_GOTPCREL:
	case R_X86_64_GOTPCRELX:
	case R_X86_64_REX_GOTPCRELX:
	case R_X86_64_GOTTPOFF:
		v = (int64_t)(G + A - P);
		if (!fits_s32(v))
			goto overflow;
		break;
	case R_X86_64_TPOFF32:
		v = (int64_t)(S + A);
		if (!fits_s32(v))
			goto overflow;
		break;
	default:
		return -PLAN_EREFUSED;	/* refused by plan_layout_sizes */
	}
	u32 = (uint32_t)(int32_t)v;
	memcpy(field, &u32, 4);
	return 0;
overflow:
	plan_msg(PLAN_ERROR, "plan: '%s': sec '%s': relo #%zu %s against '%s' (0x%" PRIx64 ") at 0x%" PRIx64 ": out of range%s\n",
		 p->po_name, s->name, idx, po_reloc_name(r->type), ps->name, S, P,
		 r->type == R_X86_64_PC32 ? "; patch memory must be within 2 GiB of the data it refers to" : "");
	return -ERANGE;
}

static int make_sites(struct plan *p)
{
	size_t i, nf = po_nfuncs(p->po);
	uint64_t text = plan_sec_addr(p, PO_SEC_TEXT);

	p->sites = calloc(nf ? nf : 1, sizeof(*p->sites));
	p->site_names = calloc(nf ? nf : 1, sizeof(*p->site_names));
	if (!p->sites || !p->site_names)
		return -ENOMEM;
	for (i = 0; i < nf; i++) {
		const struct po_func *f = po_func(p->po, i);
		struct kstub_site *k = &p->sites[p->nsites];
		int64_t rel;

		if (!(f->flags & PO_FUNC_CHANGED))
			continue;
		k->addr = p->syms[f->old_sym].addr;
		k->new_addr = text + po_symbol(p->po, f->new_sym)->value;
		rel = (int64_t)(k->new_addr - (k->addr + 5));
		if (fits_s32(rel)) {
			int32_t r32 = (int32_t)rel;

			k->len = 5;
			k->jump[0] = 0xe9;
			memcpy(k->jump + 1, &r32, 4);
		} else {
			k->len = 14;
			memcpy(k->jump, "\xff\x25\x00\x00\x00\x00", 6);
			memcpy(k->jump + 6, &k->new_addr, 8);
		}
		if (p->func_room[i] < k->len) {
			plan_msg(PLAN_ERROR, "plan: '%s': func '%s' (%s): only %" PRIu64 " bytes long (with padding), the %u-byte jump to 0x%" PRIx64 " does not fit\n",
				 p->po_name, f->name, f->cu, p->func_room[i], k->len,
				 k->new_addr);
			return -PLAN_EREFUSED;
		}
		if (p->func_bytes[i])	/* NULL for an applied patch (plan_for_revert) */
			memcpy(k->orig, p->func_bytes[i], k->len);
		p->site_names[p->nsites] = strdup(f->name);
		if (!p->site_names[p->nsites])
			return -ENOMEM;
		p->nsites++;
		/* the overwritten bytes count as unsafe too */
		{
			struct plan_range *nu = realloc(p->unsafe, (p->nunsafe + 1) * sizeof(*nu));

			if (!nu)
				return -ENOMEM;
			p->unsafe = nu;
			nu[p->nunsafe++] = (struct plan_range){ k->addr, k->addr + k->len,
								f->name, f->cu };
		}
	}
	return 0;
}

int plan_relocate(struct plan *p, uint64_t base)
{
	static const char *const names[PLAN_NREG] = { "", "text", "rodata", "data", "got", "xform" };
	static const uint32_t prots[PLAN_NREG] = { 0, PROT_READ | PROT_EXEC, PROT_READ,
						   PROT_READ | PROT_WRITE, PROT_READ | PROT_EXEC,
						   PROT_READ | PROT_WRITE };
	uint64_t a = base;
	int sec, k, err;
	size_t i;

	if (p->state != PLAN_RESOLVED)
		return -PLAN_ESTATE;
	if (base & (PLAN_PAGE - 1)) {
		plan_msg(PLAN_ERROR, "plan: '%s': base 0x%" PRIx64 " is not page aligned\n",
			 p->po_name, base);
		return -EINVAL;
	}
	p->base = base;
	for (k = 1; k < PLAN_NREG; k++) {
		p->reg_addr[k] = p->reg_size[k] ? a : 0;
		a += p->reg_size[k];
		p->reg_bytes[k] = calloc(1, p->reg_len[k] ? p->reg_len[k] : 1);
		if (!p->reg_bytes[k])
			return -ENOMEM;
	}
	for (sec = PO_SEC_TEXT; sec <= PO_SEC_DATA; sec++) {
		const struct po_section *s = po_section(p->po, sec);

		if (s && s->data)
			memcpy(p->reg_bytes[sec_region(sec)] + p->sec_off[sec], s->data, s->size);
	}
	for (sec = PO_SEC_TEXT; sec <= PO_SEC_DATA; sec++) {
		const struct po_section *s = po_section(p->po, sec);

		for (i = 0; s && i < s->nrelocs; i++) {
			err = reloc_one(p, s, sec, i, &s->relocs[i]);
			if (err)
				return err;
		}
	}
	err = make_sites(p);
	if (!err && p->reg_len[PLAN_REG_XFORM])
		err = plan_xform_build(p);
	if (err)
		return err;
	for (k = 1; k < PLAN_NREG; k++) {
		if (!p->reg_size[k])
			continue;
		p->regions[p->nregions++] = (struct plan_region){
			k, names[k], p->reg_addr[k], p->reg_size[k], prots[k],
			p->reg_bytes[k], p->reg_len[k] };
	}
	p->state = PLAN_RELOCATED;
	return 0;
}

size_t plan_nregions(const struct plan *p)
{
	return p->state == PLAN_RELOCATED ? p->nregions : 0;
}

const struct plan_region *plan_region(const struct plan *p, size_t i)
{
	return i < plan_nregions(p) ? &p->regions[i] : NULL;
}

size_t plan_nsites(const struct plan *p)
{
	return p->state == PLAN_RELOCATED ? p->nsites : 0;
}

const struct kstub_site *plan_site(const struct plan *p, size_t i)
{
	return i < plan_nsites(p) ? &p->sites[i] : NULL;
}

const char *plan_site_name(const struct plan *p, size_t i)
{
	return i < plan_nsites(p) ? p->site_names[i] : NULL;
}

size_t plan_nunsafe(const struct plan *p)
{
	return p->nunsafe;
}

const struct plan_range *plan_unsafe_range(const struct plan *p, size_t i)
{
	return i < p->nunsafe ? &p->unsafe[i] : NULL;
}

/* ------------------------------------------------------------ output */
static int write_file(const struct plan *p, const char *dir, const char *name,
		      const void *data, size_t len)
{
	char *path = plan_asprintf("%s/%s", dir, name);
	char *tmp = plan_asprintf("%s/.%s.tmp", dir, name);
	int fd, err = 0;

	if (!path || !tmp) {
		err = -ENOMEM;
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || (len && write(fd, data, len) != (ssize_t)len) ||
	    close(fd) || rename(tmp, path)) {
		err = -errno;
		plan_msg(PLAN_ERROR, "plan: '%s': cannot write '%s': %s\n",
			 p->po_name, path, strerror(errno));
		if (fd >= 0)
			unlink(tmp);
	}
out:
	free(path);
	free(tmp);
	return err;
}

int plan_write_blobs(const struct plan *p, const char *dir)
{
	struct kstub_region kr[PLAN_NREG - 1];
	size_t i;
	char name[32];
	int err = 0;

	if (p->state != PLAN_RELOCATED)
		return -PLAN_ESTATE;
	for (i = 0; i < p->nregions && !err; i++) {
		const struct plan_region *r = &p->regions[i];

		snprintf(name, sizeof(name), "%s.bin", r->name);
		err = write_file(p, dir, name, r->bytes, r->len);
		kr[i] = (struct kstub_region){ r->addr, r->size, r->prot, r->kind };
	}
	err = err ?: write_file(p, dir, "sites.bin", p->sites,
				p->nsites * sizeof(*p->sites));
	err = err ?: write_file(p, dir, "regions.bin", kr, p->nregions * sizeof(*kr));
	return err;
}

int plan_write_layout_gdb(const struct plan *p, const char *dir, FILE *f)
{
	size_t i;
	int sec;

	if (p->state != PLAN_RELOCATED)
		return -PLAN_ESTATE;
	fprintf(f, "# katana layout of '%s' for '%s' (bias 0x%" PRIx64 ")\n",
		p->po_name, p->target->path, p->target->bias);
	fprintf(f, "set $katana_base = 0x%" PRIx64 "\n", p->base);
	fprintf(f, "set $katana_nregions = %zu\n", p->nregions);
	for (i = 0; i < p->nregions; i++) {
		const struct plan_region *r = &p->regions[i];

		fprintf(f, "set $katana_region%zu_addr = 0x%" PRIx64 "\n", i, r->addr);
		fprintf(f, "set $katana_region%zu_size = 0x%" PRIx64 "\n", i, r->size);
		fprintf(f, "set $katana_region%zu_prot = %u\n", i, r->prot);
	}
	fprintf(f, "set $katana_nsites = %zu\n", p->nsites);
	fprintf(f, "set $katana_sites_bytes = %zu\n", p->nsites * sizeof(struct kstub_site));
	fprintf(f, "set $katana_regions_bytes = %zu\n", p->nregions * sizeof(struct kstub_region));
	for (i = 0; i < p->nsites; i++)
		fprintf(f, "set $katana_site%zu_addr = 0x%" PRIx64 "\n", i, p->sites[i].addr);
	fprintf(f, "define katana-restore-regions\n");
	for (i = 0; i < p->nregions; i++)
		if (p->regions[i].len)
			fprintf(f, "  restore %s/%s.bin binary 0x%" PRIx64 "\n", dir,
				p->regions[i].name, p->regions[i].addr);
	fprintf(f, "end\n");
	fprintf(f, "define katana-check-regions\n  set $katana_regions_ok = 1\n");
	for (i = 0; i < p->nregions; i++) {
		const struct plan_region *r = &p->regions[i];

		if (!r->len)
			continue;
		fprintf(f, "  dump binary memory %s/%s.check 0x%" PRIx64 " 0x%" PRIx64 "\n",
			dir, r->name, r->addr, r->addr + r->len);
		fprintf(f, "  shell cmp -s %s/%s.bin %s/%s.check\n", dir, r->name, dir, r->name);
		fprintf(f, "  if $_shell_exitcode != 0\n    set $katana_regions_ok = 0\n  end\n");
	}
	fprintf(f, "end\n");
	fprintf(f, "define katana-restore-tables\n");
	if (p->nsites)
		fprintf(f, "  restore %s/sites.bin binary $arg0\n", dir);
	fprintf(f, "  restore %s/regions.bin binary $arg1\nend\n", dir);
	fprintf(f, "define katana-load-symbols\n  add-symbol-file %s", p->po_path);
	for (sec = PO_SEC_TEXT; sec <= PO_SEC_BSS; sec++)
		if (po_section(p->po, sec))
			fprintf(f, " -s %s 0x%" PRIx64, po_sec_name(sec), plan_sec_addr(p, sec));
	fprintf(f, "\nend\n");
	return ferror(f) ? -EIO : 0;
}
