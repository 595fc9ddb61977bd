/* plan.c - the planner's front: messages, `info proc mappings`, opening a
 * PO against a process, the memory reads, verification, symbol resolution
 * and allocation hints.  Layout and relocation: plan_reloc.c; the safe
 * point: plan_frames.c. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan_int.h"

/* ------------------------------------------------------------ messages */
static void default_print(enum plan_level lvl, const char *fmt, va_list ap)
{
	if (lvl <= PLAN_WARN)
		vfprintf(stderr, fmt, ap);
}

static plan_print_fn print_fn = default_print;

plan_print_fn plan_set_print(plan_print_fn fn)
{
	plan_print_fn old = print_fn;

	print_fn = fn ? fn : default_print;
	return old;
}

void plan_msg(enum plan_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print_fn(lvl, fmt, ap);
	va_end(ap);
}

const char *plan_strerror(int err)
{
	switch (-err) {
	case PLAN_EWRONG_TARGET: return "not the process the patch was made for";
	case PLAN_EREFUSED: return "the patch cannot be applied to this process";
	case PLAN_EUNSAFE: return "a thread is inside a function the patch changes";
	case PLAN_ESTATE: return "planner steps called out of order";
	}
	if (err <= -4000 && err > -4100)
		return po_strerror(err);
	return strerror(-err);
}

char *plan_strdup(const char *s)
{
	return strdup(s ? s : "");
}

char *plan_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return r < 0 ? NULL : s;
}

/* ------------------------------------------------------------ mappings */
static bool is_perms(const char *t, size_t n)
{
	return n == 4 && strchr("r-", t[0]) && strchr("w-", t[1]) &&
	       strchr("x-", t[2]) && strchr("ps", t[3]);
}

int plan_maps_parse(const char *text, struct plan_maps **out)
{
	struct plan_maps *m = calloc(1, sizeof(*m));
	const char *line = text;
	size_t cap = 0;

	if (!m)
		return -ENOMEM;
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char *buf = strndup(line, len), *s, *e;
		uint64_t v[4];
		int i;
		struct plan_map *pm;

		line = nl ? nl + 1 : NULL;
		if (!buf)
			goto nomem;
		s = buf;
		for (i = 0; i < 4; i++) {
			while (*s == ' ' || *s == '\t')
				s++;
			if (s[0] != '0' || s[1] != 'x')
				break;
			errno = 0;
			v[i] = strtoull(s, &e, 16);
			if (errno || e == s || (*e && *e != ' ' && *e != '\t'))
				break;
			s = e;
		}
		if (i < 4 || v[1] <= v[0]) {
			free(buf);
			continue;	/* a header or other text */
		}
		if (m->n == cap) {
			struct plan_map *nv;

			cap = cap ? 2 * cap : 32;
			nv = realloc(m->v, cap * sizeof(*nv));
			if (!nv) {
				free(buf);
				goto nomem;
			}
			m->v = nv;
		}
		pm = &m->v[m->n];
		memset(pm, 0, sizeof(*pm));
		pm->start = v[0];
		pm->end = v[1];
		pm->offset = v[3];
		while (*s == ' ' || *s == '\t')
			s++;
		e = s + strcspn(s, " \t");
		if (is_perms(s, (size_t)(e - s))) {
			memcpy(pm->perms, s, 4);
			s = e;
			while (*s == ' ' || *s == '\t')
				s++;
		}
		for (e = s + strlen(s); e > s && (e[-1] == ' ' || e[-1] == '\t' ||
						  e[-1] == '\r'); e--)
			;
		*e = 0;
		pm->path = strdup(s);
		free(buf);
		if (!pm->path)
			goto nomem;
		m->n++;
	}
	if (!m->n) {
		plan_msg(PLAN_ERROR, "plan: no mappings in the output of 'info proc mappings'\n");
		plan_maps_free(m);
		return -EINVAL;
	}
	*out = m;
	return 0;
nomem:
	plan_maps_free(m);
	return -ENOMEM;
}

void plan_maps_free(struct plan_maps *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->n; i++)
		free((char *)m->v[i].path);
	free(m->v);
	free(m);
}

size_t plan_maps_count(const struct plan_maps *m)
{
	return m ? m->n : 0;
}

const struct plan_map *plan_maps_get(const struct plan_maps *m, size_t i)
{
	return m && i < m->n ? &m->v[i] : NULL;
}

/* ------------------------------------------------------------ open */
static const char *base_name(const char *s)
{
	const char *b = strrchr(s, '/');

	return b ? b + 1 : s;
}

static int build_objects(struct plan *p)
{
	size_t i, j;

	p->objs = calloc(p->maps.n, sizeof(*p->objs));
	if (!p->objs)
		return -ENOMEM;
	for (i = 0; i < p->maps.n; i++) {
		const struct plan_map *m = &p->maps.v[i];
		struct plan_obj *o = NULL;

		if (m->path[0] != '/')
			continue;	/* anonymous, [heap], [vdso], ... */
		for (j = 0; j < p->nobjs; j++)
			if (!strcmp(p->objs[j].path, m->path))
				o = &p->objs[j];
		if (!o) {
			o = &p->objs[p->nobjs++];
			o->fd = -1;
			o->lo = UINT64_MAX;
			o->text_lo = UINT64_MAX;
			o->path = strdup(m->path);
			o->file = plan_asprintf("%s%s", p->sysroot, m->path);
			o->bias = UINT64_MAX;
			if (!o->path || !o->file)
				return -ENOMEM;
		}
		if (m->start < o->lo)
			o->lo = m->start;
		if (m->end > o->hi)
			o->hi = m->end;
		if (m->perms[2] == 'x') {
			if (m->start < o->text_lo)
				o->text_lo = m->start;
			if (m->end > o->text_hi)
				o->text_hi = m->end;
		}
		if (m->offset == 0 && o->bias == UINT64_MAX)
			o->bias = m->start;
	}
	for (j = 0; j < p->nobjs; j++) {
		struct plan_obj *o = &p->objs[j];

		if (o->bias == UINT64_MAX)
			o->failed = true;	/* no mapping of its start */
		if (o->text_lo == UINT64_MAX) {
			o->text_lo = o->lo;
			o->text_hi = o->hi;
		}
	}
	return 0;
}

int plan_open(struct plan **out, const char *po_path,
	      const struct plan_maps *maps, const char *sysroot)
{
	struct plan *p = calloc(1, sizeof(*p));
	size_t i;
	int err;

	*out = NULL;
	if (!p)
		return -ENOMEM;
	p->build_id_read = (size_t)-1;
	p->po_path = strdup(po_path);
	p->po_name = strdup(base_name(po_path));
	if (!sysroot || !strcmp(sysroot, "/"))
		sysroot = "";
	p->sysroot = strdup(sysroot);
	if (!p->po_path || !p->po_name || !p->sysroot) {
		err = -ENOMEM;
		goto fail;
	}
	err = po_open(po_path, &p->po);
	if (err)
		goto fail;
	p->info = po_info(p->po);
	p->maps.v = calloc(maps->n, sizeof(*p->maps.v));
	if (!p->maps.v) {
		err = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < maps->n; i++) {
		p->maps.v[i] = maps->v[i];
		p->maps.v[i].path = strdup(maps->v[i].path);
		p->maps.n++;
		if (!p->maps.v[i].path) {
			err = -ENOMEM;
			goto fail;
		}
	}
	err = build_objects(p);
	if (err)
		goto fail;
	for (i = 0; i < p->nobjs; i++) {
		if (strcmp(base_name(p->objs[i].path), p->info->target_name))
			continue;
		if (p->target) {
			plan_msg(PLAN_WARN, "plan: '%s': target '%s' is mapped twice ('%s', '%s'); using the first\n",
				 p->po_name, p->info->target_name, p->target->path,
				 p->objs[i].path);
			continue;
		}
		p->target = &p->objs[i];
	}
	if (!p->target) {
		plan_msg(PLAN_ERROR, "plan: '%s': target '%s' is not mapped in this process; is this the right process?\n",
			 p->po_name, p->info->target_name);
		err = -PLAN_EWRONG_TARGET;
		goto fail;
	}
	err = plan_obj_load(p, p->target);
	if (err) {
		plan_msg(PLAN_ERROR, "plan: '%s': target '%s': cannot read '%s' (%s)%s\n",
			 p->po_name, p->info->target_name, p->target->file,
			 err == -ENOEXEC ? "not an x86-64 ELF file whose start is mapped" :
			 strerror(-err),
			 p->sysroot[0] ? "" : "; set a sysroot for a remote target?");
		goto fail;
	}
	if ((p->info->target_kind == PO_TARGET_SHARED) == p->target->is_exec)
		plan_msg(PLAN_WARN, "plan: '%s': target '%s': the PO was made for a%s, '%s' is a%s\n",
			 p->po_name, p->info->target_name,
			 p->info->target_kind == PO_TARGET_SHARED ? " shared library" : "n executable",
			 p->target->path,
			 p->target->is_exec ? "n executable" : " shared library");
	p->nsyms = po_nsymbols(p->po);
	p->syms = calloc(p->nsyms ? p->nsyms : 1, sizeof(*p->syms));
	if (!p->syms) {
		err = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < p->nsyms; i++) {
		p->syms[i].got = -1;
		p->syms[i].veneer = -1;
		p->syms[i].read = -1;
	}
	err = plan_layout_sizes(p);
	if (err)
		goto fail;
	p->state = PLAN_OPENED;
	*out = p;
	return 0;
fail:
	plan_close(p);
	return err;
}

void plan_close(struct plan *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nobjs; i++)
		plan_obj_free(&p->objs[i]);
	free(p->objs);
	for (i = 0; i < p->maps.n; i++)
		free((char *)p->maps.v[i].path);
	free(p->maps.v);
	for (i = 0; i < p->nreads; i++)
		free(p->labels[i]);
	free(p->labels);
	free(p->reads);
	if (p->func_bytes)
		for (i = 0; i < po_nfuncs(p->po); i++)
			free(p->func_bytes[i]);
	free(p->func_bytes);
	free(p->func_room);
	free(p->func_read);
	free(p->syms);
	for (i = 1; i < PLAN_NREG; i++)
		free(p->reg_bytes[i]);
	for (i = 0; i < p->nsites; i++)
		free(p->site_names[i]);
	free(p->site_names);
	free(p->sites);
	free(p->unsafe);
	po_close(p->po);
	free(p->po_path);
	free(p->po_name);
	free(p->sysroot);
	free(p);
}

const char *plan_target_path(const struct plan *p)
{
	return p->target->path;
}

uint64_t plan_target_bias(const struct plan *p)
{
	return p->target->bias;
}

/* ------------------------------------------------------------ lookup */
struct cands {
	size_t n;
	GElf_Sym s[8];
};

static void add_cand(void *arg, const GElf_Sym *s)
{
	struct cands *c = arg;

	if (c->n < 8)
		c->s[c->n] = *s;
	c->n++;
}

/* TP offset of a TLS symbol of the executable (variant II, x86-64: the
 * executable's block is the first one below the thread pointer; the offset
 * is computed as glibc's _dl_determine_tlsoffset does for module 1). */
static int64_t exec_tpoff(const struct plan_obj *o, uint64_t value)
{
	uint64_t a = o->tls_align, first = (0 - o->tls_vaddr) & (a - 1);
	uint64_t off = ((o->tls_memsz - first + a - 1) & ~(a - 1)) + first;

	return (int64_t)(value - off);
}

static const char *sym_kind_name(int stt)
{
	return stt == STT_GNU_IFUNC ? "ifunc" : stt == STT_TLS ? "tls" :
	       stt == STT_FUNC ? "function" : "symbol";
}

/* Finds where UNDEF symbol i is defined.  Errors are returned (and printed)
 * only when report is set: plan_reads() looks up quietly so that a wrong
 * process is reported by plan_verify() as such, not as a missing symbol. */
static int lookup_sym(struct plan *p, size_t i, bool report)
{
	const struct po_symbol *ps = po_symbol(p->po, i);
	const struct po_disk_sym *ref = ps->ref;
	struct plan_sym *r = &p->syms[i];
	uint32_t fl = ref ? ref->flags : 0;
	bool weak = ps->stb == STB_WEAK || (fl & PO_SYM_WEAK);
	uint64_t old = ref ? ref->old_value : 0;
	struct plan_obj *o = NULL;
	struct cands c = { 0 };
	GElf_Sym s;
	size_t k;
	int n;

	r->tls = ps->stt == STT_TLS || (fl & PO_SYM_TLS);
	if (!(fl & PO_SYM_EXTERNAL)) {
		const char *cu = (fl & PO_SYM_LOCAL) ? ps->ref_cu : NULL;

		n = plan_obj_find(p, p->target, ps->name, cu, false, add_cand, &c);
		if (n < 0)
			return n;
		if (n == 0 && !cu && old) {
			/* a global of the objects that the link made local
			 * (a version script's "local: *", as Debian's lua5.4
			 * has): the one at the address the PO recorded */
			n = plan_obj_find(p, p->target, ps->name, PLAN_ANY_LOCAL, false, add_cand, &c);
			if (n < 0)
				return n;
		}
		if (c.n > 8)
			c.n = 8;
		for (k = 0; k < c.n && old && c.s[k].st_value != old; k++)
			;
		if (c.n && old && k == c.n) {
			if (report)
				plan_msg(PLAN_ERROR, "plan: '%s': sym '%s': at 0x%" PRIx64 " in '%s', the PO expects 0x%" PRIx64 "; the process does not run the build the patch was made for\n",
					 p->po_name, ps->name, c.s[0].st_value,
					 p->target->path, old);
			return -PLAN_EWRONG_TARGET;
		}
		if (c.n > 1 && !old) {
			if (report)
				plan_msg(PLAN_ERROR, "plan: '%s': sym '%s': %zu definitions in '%s'%s%s and no address to choose by\n",
					 p->po_name, ps->name, c.n, p->target->path,
					 cu ? " in CU " : "", cu ? cu : "");
			return -ENOENT;
		}
		if (c.n) {
			s = c.s[old ? k : 0];
			o = p->target;
		} else if (fl & PO_SYM_LOCAL) {
			if (report)
				plan_msg(PLAN_ERROR, "plan: '%s': sym '%s': no static '%s' of CU '%s' in '%s'\n",
					 p->po_name, ps->name, ps->name, ps->ref_cu,
					 p->target->path);
			return -ENOENT;
		}
		if (!o && ref && !weak) {
			if (report)
				plan_msg(PLAN_ERROR, "plan: '%s': sym '%s': not defined in '%s'\n",
					 p->po_name, ps->name, p->target->path);
			return -ENOENT;
		}
	}
	if (!o) {
		/* the global scope: executables first, then the rest in
		 * address order (an approximation of the load order) */
		int pass;

		for (pass = 0; pass < 2 && !o; pass++) {
			for (k = 0; k < p->nobjs && !o; k++) {
				struct plan_obj *x = &p->objs[k];

				if (plan_obj_load(p, x) || x->is_exec != !pass)
					continue;
				c.n = 0;
				if (plan_obj_find(p, x, ps->name, NULL, true, add_cand, &c) > 0) {
					o = x;
					s = c.s[0];
				}
			}
		}
	}
	if (!o) {
		if (weak) {
			r->done = true;
			r->addr = 0;
			return 0;
		}
		if (report)
			plan_msg(PLAN_ERROR, "plan: '%s': sym '%s': not defined by any object mapped in the process\n",
				 p->po_name, ps->name);
		return -ENOENT;
	}
	r->obj = o;
	r->size = s.st_size;
	r->func = GELF_ST_TYPE(s.st_info) == STT_FUNC ||
		  GELF_ST_TYPE(s.st_info) == STT_GNU_IFUNC;
	if (GELF_ST_TYPE(s.st_info) == STT_TLS || r->tls) {
		r->tls = true;
		if (!o->is_exec || !o->has_tls) {
			if (report)
				plan_msg(PLAN_ERROR, "plan: '%s': sym '%s': thread-local variable of the shared library '%s': its TLS block offset is not known before run time; TLS references into shared libraries are not supported\n",
					 p->po_name, ps->name, o->path);
			return -PLAN_EREFUSED;
		}
		r->addr = (uint64_t)exec_tpoff(o, s.st_value);
		r->done = true;
		return 0;
	}
	if (GELF_ST_TYPE(s.st_info) == STT_GNU_IFUNC) {
		uint64_t off;

		if (plan_obj_irelative(p, o, s.st_value, &off)) {
			if (report)
				plan_msg(PLAN_ERROR, "plan: '%s': sym '%s': %s in '%s' has no IRELATIVE relocation; it cannot be resolved without calling into the process\n",
					 p->po_name, ps->name, sym_kind_name(STT_GNU_IFUNC), o->path);
			return -ENOENT;
		}
		r->addr = o->bias + off;	/* the GOT slot; read later */
		r->done = false;
		return 1;
	}
	r->addr = o->bias + s.st_value;
	r->done = true;
	return 0;
}

/* ------------------------------------------------------------ reads */
static int add_read(struct plan *p, uint64_t addr, uint64_t len,
		    enum plan_read_kind kind, char *label)
{
	struct plan_read *nr = realloc(p->reads, (p->nreads + 1) * sizeof(*nr));
	char **nl;

	if (nr)
		p->reads = nr;
	nl = realloc(p->labels, (p->nreads + 1) * sizeof(*nl));
	if (nl)
		p->labels = nl;
	if (!nr || !nl || !label) {
		free(label);
		return -ENOMEM;
	}
	p->labels[p->nreads] = label;
	p->reads[p->nreads] = (struct plan_read){ addr, len, kind, label };
	p->nreads++;
	return 0;
}

int plan_reads(struct plan *p, const struct plan_read **reads, size_t *n)
{
	size_t i, nf = po_nfuncs(p->po);
	int err = 0;

	if (p->state != PLAN_OPENED)
		return -PLAN_ESTATE;
	if (p->reads || p->func_read)
		goto out;
	p->func_read = calloc(nf ? nf : 1, sizeof(*p->func_read));
	p->func_bytes = calloc(nf ? nf : 1, sizeof(*p->func_bytes));
	p->func_room = calloc(nf ? nf : 1, sizeof(*p->func_room));
	if (!p->func_read || !p->func_bytes || !p->func_room)
		return -ENOMEM;
	if (p->info->build_id_len) {
		uint64_t va;
		uint8_t id[64];
		size_t len;

		if (plan_obj_build_id(p, p->target, &va, id, &len)) {
			plan_msg(PLAN_ERROR, "plan: '%s': target '%s': '%s' has no build-id note, the patch was made for a build with one\n",
				 p->po_name, p->info->target_name, p->target->file);
			return -PLAN_EWRONG_TARGET;
		}
		p->build_id_read = p->nreads;
		err = add_read(p, p->target->bias + va, len, PLAN_READ_BUILD_ID,
			       plan_strdup("build-id"));
	}
	for (i = 0; i < nf && !err; i++) {
		const struct po_func *f = po_func(p->po, i);

		p->func_read[i] = (size_t)-1;
		if (!(f->flags & PO_FUNC_CHANGED))
			continue;
		p->func_read[i] = p->nreads;
		/* short functions: also read the padding a jump may use */
		p->func_room[i] = plan_obj_room(p, p->target, f->old_value, f->old_size, 14);
		err = add_read(p, p->target->bias + f->old_value, p->func_room[i],
			       PLAN_READ_FUNC, plan_asprintf("func '%s'", f->name));
	}
	for (i = 1; i < p->nsyms && !err; i++) {
		const struct po_symbol *ps = po_symbol(p->po, i);

		if (ps->sec != PO_SEC_UNDEF)
			continue;
		if (lookup_sym(p, i, false) == 1) {
			p->syms[i].read = (int)p->nreads;
			err = add_read(p, p->syms[i].addr, 8, PLAN_READ_GOT,
				       plan_asprintf("ifunc '%s'", ps->name));
		}
	}
	if (err)
		return err;
out:
	*reads = p->reads;
	*n = p->nreads;
	return 0;
}

static void hex(char *out, const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
	out[2 * n] = 0;
}

static int check_dumps(struct plan *p, const struct plan_dump *d, size_t n)
{
	size_t i;

	if (n != p->nreads) {
		plan_msg(PLAN_ERROR, "plan: '%s': %zu memory dumps given, %zu requested\n",
			 p->po_name, n, p->nreads);
		return -EINVAL;
	}
	for (i = 0; i < n; i++)
		if (d[i].len != p->reads[i].len || (!d[i].data && d[i].len)) {
			plan_msg(PLAN_ERROR, "plan: '%s': dump of %s at 0x%" PRIx64 ": %zu bytes, want %" PRIu64 "\n",
				 p->po_name, p->reads[i].label, p->reads[i].addr,
				 d[i].len, p->reads[i].len);
			return -EINVAL;
		}
	return 0;
}

void plan_for_revert(struct plan *p)
{
	p->applied = true;
}

int plan_verify(struct plan *p, const struct plan_dump *d, size_t n)
{
	size_t i, nf = po_nfuncs(p->po);
	int err;

	if (p->state != PLAN_OPENED || !p->func_read)
		return -PLAN_ESTATE;
	err = check_dumps(p, d, n);
	if (err)
		return err;
	if (p->build_id_read != (size_t)-1) {
		const struct plan_dump *b = &d[p->build_id_read];
		char want[129], got[129];

		if (b->len != p->info->build_id_len ||
		    memcmp(b->data, p->info->build_id, b->len)) {
			hex(want, p->info->build_id, p->info->build_id_len);
			hex(got, b->data, b->len);
			plan_msg(PLAN_ERROR, "plan: '%s': target '%s': build-id %s in the process, the patch was made for %s; wrong process or build\n",
				 p->po_name, p->target->path, got, want);
			return -PLAN_EWRONG_TARGET;
		}
	}
	for (i = 0; i < nf && !p->applied; i++) {
		const struct po_func *f = po_func(p->po, i);
		const struct plan_dump *b;
		uint64_t cs;

		if (p->func_read[i] == (size_t)-1)
			continue;
		b = &d[p->func_read[i]];
		cs = po_checksum(b->data, f->old_size, f->masks, f->nmasks);
		if (cs != f->old_csum) {
			plan_msg(PLAN_ERROR, "plan: '%s': func '%s' (%s) at 0x%" PRIx64 ": checksum 0x%016" PRIx64 " in the process, the patch expects 0x%016" PRIx64 "; the process runs other code (already patched, or another build)\n",
				 p->po_name, f->name, f->cu, p->reads[p->func_read[i]].addr,
				 cs, f->old_csum);
			return -PLAN_EWRONG_TARGET;
		}
		if (p->func_room[i] < 5) {
			plan_msg(PLAN_ERROR, "plan: '%s': func '%s' (%s): only %" PRIu64 " bytes long and another symbol follows it at once, too short for a 5-byte jump; cannot redirect it\n",
				 p->po_name, f->name, f->cu, f->old_size);
			return -PLAN_EREFUSED;
		}
		p->func_bytes[i] = malloc(b->len ? b->len : 1);
		if (!p->func_bytes[i])
			return -ENOMEM;
		memcpy(p->func_bytes[i], b->data, b->len);
	}
	p->state = PLAN_VERIFIED;
	return 0;
}

/* ------------------------------------------------------------ resolve */
static int add_unsafe(struct plan *p, uint64_t start, uint64_t end,
		      const char *name, const char *cu)
{
	struct plan_range *nu = realloc(p->unsafe, (p->nunsafe + 1) * sizeof(*nu));

	if (!nu)
		return -ENOMEM;
	p->unsafe = nu;
	nu[p->nunsafe++] = (struct plan_range){ start, end, name, cu ? cu : "" };
	return 0;
}

int plan_resolve(struct plan *p, const struct plan_dump *d, size_t n)
{
	size_t i, nf = po_nfuncs(p->po);
	int err, first = 0;

	if (p->state != PLAN_VERIFIED)
		return -PLAN_ESTATE;
	err = check_dumps(p, d, n);
	if (err)
		return err;
	for (i = 1; i < p->nsyms; i++) {
		const struct po_symbol *ps = po_symbol(p->po, i);
		struct plan_sym *r = &p->syms[i];

		if (ps->sec != PO_SEC_UNDEF)
			continue;
		err = lookup_sym(p, i, true);
		if (err < 0) {
			first = first ? first : err;
			continue;
		}
		if (err == 1) {
			uint64_t v;

			if (r->read < 0) {	/* appeared only now: maps changed? */
				plan_msg(PLAN_ERROR, "plan: '%s': sym '%s': its GOT slot was not read\n",
					 p->po_name, ps->name);
				first = first ? first : -EINVAL;
				continue;
			}
			memcpy(&v, d[r->read].data, 8);
			if (v < r->obj->text_lo || v >= r->obj->text_hi) {
				plan_msg(PLAN_ERROR, "plan: '%s': sym '%s': the GOT slot at 0x%" PRIx64 " holds 0x%" PRIx64 ", not code of '%s'\n",
					 p->po_name, ps->name, r->addr, v, r->obj->path);
				first = first ? first : -EINVAL;
				continue;
			}
			r->addr = v;
			r->done = true;
		}
		plan_msg(PLAN_DEBUG, "plan: '%s': sym '%s' = 0x%" PRIx64 "%s%s\n", p->po_name,
			 ps->name, r->addr, r->obj ? " in " : " (weak, unresolved)",
			 r->obj ? r->obj->path : "");
	}
	if (first)
		return first;
	/* unsafe ranges: unsafe functions [addr, addr + size) */
	for (i = 0; i < po_nunsafe(p->po); i++) {
		const struct po_unsafe *u = po_unsafe(p->po, i);
		const struct po_symbol *ps = po_symbol(p->po, u->sym);
		const struct plan_sym *r = &p->syms[u->sym];
		uint64_t size = r->size ? r->size : ps->ref ? ps->ref->size : 0;
		size_t k;

		for (k = 0; !size && k < nf; k++)
			if (po_func(p->po, k)->old_sym == u->sym)
				size = po_func(p->po, k)->old_size;
		err = add_unsafe(p, r->addr, r->addr + (size ? size : 1), ps->name,
				 ps->ref_cu);
		if (err)
			return err;
	}
	/* every replaced function: resolved where its bytes were verified */
	for (i = 0; i < nf; i++) {
		const struct po_func *f = po_func(p->po, i);

		if (!(f->flags & PO_FUNC_CHANGED))
			continue;
		if (p->syms[f->old_sym].addr != p->target->bias + f->old_value) {
			plan_msg(PLAN_ERROR, "plan: '%s': func '%s' (%s): symbol at 0x%" PRIx64 ", the PO says 0x%" PRIx64 "\n",
				 p->po_name, f->name, f->cu, p->syms[f->old_sym].addr,
				 p->target->bias + f->old_value);
			return -PLAN_EWRONG_TARGET;
		}
	}
	p->state = PLAN_RESOLVED;
	return 0;
}

int plan_sym_addr(const struct plan *p, const char *name, uint64_t *addr)
{
	size_t i;

	for (i = 1; i < p->nsyms; i++) {
		const struct po_symbol *ps = po_symbol(p->po, i);

		if (ps->sec == PO_SEC_UNDEF && p->syms[i].done && !strcmp(ps->name, name)) {
			*addr = p->syms[i].addr;
			return 0;
		}
	}
	return -ENOENT;
}

/* ------------------------------------------------------------ holes */
#define RANGE (1ULL << 31)
#define MARGIN (16ULL << 20)		/* keep clear of whatever grows */

struct hint {
	uint64_t a, dist;
};

static int cmp_hint(const void *x, const void *y)
{
	const struct hint *a = x, *b = y;

	return a->dist < b->dist ? -1 : a->dist > b->dist;
}

int plan_alloc_hints(const struct plan *p, uint64_t *size, uint64_t *hints,
		     size_t max, size_t *n)
{
	const struct plan_obj *t = p->target;
	uint64_t sz = 0, lo_ok, hi_ok;
	struct hint *h;
	size_t i, nh = 0, k;

	for (i = 1; i < PLAN_NREG; i++)
		sz += p->reg_size[i];
	*size = sz;
	*n = 0;
	/* the patch [a, a + sz) must reach all of the object [lo, hi) */
	lo_ok = t->hi > RANGE - MARGIN ? t->hi - (RANGE - MARGIN) : 0;
	hi_ok = t->lo + (RANGE - MARGIN);
	if (lo_ok < 0x10000)
		lo_ok = 0x10000;
	h = calloc(2 * (p->maps.n + 1), sizeof(*h));
	if (!h)
		return -ENOMEM;
	for (i = 0; i <= p->maps.n; i++) {
		uint64_t gs = i ? p->maps.v[i - 1].end : 0;
		uint64_t ge = i < p->maps.n ? p->maps.v[i].start : 0x7ffffffff000ULL;
		uint64_t cand[2];

		if (ge > 0x7ffffffff000ULL)
			ge = 0x7ffffffff000ULL;
		if (i && !strcmp(p->maps.v[i - 1].path, "[heap]"))
			gs += 64ULL << 20;	/* leave brk room to grow */
		if (i < p->maps.n && !strcmp(p->maps.v[i].path, "[stack]"))
			ge = ge > (256ULL << 20) ? ge - (256ULL << 20) : 0;
		gs = (gs + PLAN_PAGE - 1) & ~(PLAN_PAGE - 1);
		if (gs < lo_ok)
			gs = lo_ok;
		if (ge > hi_ok)
			ge = hi_ok;
		if (ge <= gs || ge - gs < sz)
			continue;
		/* the end nearest to the object, and a second one a little
		 * further in case the first is taken meanwhile */
		if (ge <= t->lo) {
			cand[0] = (ge - sz) & ~(PLAN_PAGE - 1);
			cand[1] = cand[0] > gs + sz + (1 << 20) ? cand[0] - sz - (1 << 20) : 0;
		} else {
			cand[0] = gs;
			cand[1] = gs + sz + (1 << 20) + sz <= ge ? gs + sz + (1 << 20) : 0;
		}
		for (k = 0; k < 2; k++) {
			if (!cand[k] || cand[k] < gs)
				continue;
			h[nh].a = cand[k];
			h[nh].dist = cand[k] < t->lo ? t->lo - cand[k] : cand[k] - t->lo;
			nh++;
		}
	}
	qsort(h, nh, sizeof(*h), cmp_hint);
	for (i = 0; i < nh && *n < max; i++)
		hints[(*n)++] = h[i].a;
	free(h);
	return 0;
}
