/* obj.c - load relocatable objects and the linked target with libelf. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gdwarf.h"
#include "gen_internal.h"
#include "obj.h"
#include "po.h"

static int elf_ready(void)
{
	static int done;

	if (!done) {
		if (elf_version(EV_CURRENT) == EV_NONE)
			return -EINVAL;
		done = 1;
	}
	return 0;
}

static int open_elf(const char *path, const char *what, int *fd, Elf **elf)
{
	if (elf_ready())
		return -EINVAL;
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		int err = -errno;

		gen_err("gen: '%s': cannot open %s: %s", path, what, strerror(errno));
		return err;
	}
	*elf = elf_begin(*fd, ELF_C_READ_MMAP, NULL);
	if (!*elf || elf_kind(*elf) != ELF_K_ELF) {
		gen_err("gen: '%s': not an ELF file: %s", path, elf_errmsg(-1));
		if (*elf)
			elf_end(*elf);
		*elf = NULL;
		close(*fd);
		*fd = -1;
		return -GEN_EINPUT;
	}
	return 0;
}

/* GCC's clone and split suffixes.  Numbers after them change between builds,
 * so the correlation key drops them: foo.constprop.0.isra.1 -> foo.constprop.isra */
static const char *const clone_sfx[] = { "isra", "constprop", "part", "cold", "lto_priv", "localalias", NULL };

static int is_clone_word(const char *w, size_t n)
{
	for (int i = 0; clone_sfx[i]; i++)
		if (strlen(clone_sfx[i]) == n && !strncmp(w, clone_sfx[i], n))
			return 1;
	return 0;
}

static char *make_key(const char *name, uint32_t *flags)
{
	char *key = strdup(name);
	const char *p = strchr(name, '.');
	size_t n;

	if (!key || !p || p == name)
		return key;
	n = p - name;
	memcpy(key, name, n);
	while (*p == '.') {
		const char *w = p + 1, *e = w;

		while (*e && *e != '.')
			e++;
		if (is_clone_word(w, e - w)) {
			if (!strncmp(w, "cold", 4))
				*flags |= GF_FRAGMENT;
			else
				*flags |= GF_CLONE;
			key[n++] = '.';
			memcpy(key + n, w, e - w);
			n += e - w;
		} else if (e > w && strspn(w, "0123456789") == (size_t)(e - w)) {
			/* a number: dropped (it is what changes between builds) */
		} else {
			key[n++] = '.';
			memcpy(key + n, w, e - w);
			n += e - w;
		}
		p = e;
	}
	key[n] = 0;
	return key;
}

/* "name.N" with N all digits, an OBJECT, local: GCC's static local. */
static int is_static_local_name(const char *name)
{
	const char *d = strrchr(name, '.');

	return d && d != name && d[1] && strspn(d + 1, "0123456789") == strlen(d + 1);
}

static int cmp_rela(const void *a, const void *b)
{
	const struct grela *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

static int cmp_sym_value(const void *a, const void *b)
{
	const struct gsym *x = *(struct gsym *const *)a, *y = *(struct gsym *const *)b;

	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	/* at equal address prefer the sized one (labels have size 0) */
	return x->size > y->size ? -1 : x->size < y->size;
}

int gsym_is_code(const struct gsym *s)
{
	return s->stt == STT_FUNC;
}

struct gsym *gsec_sym_at(struct gsec *s, uint64_t off)
{
	size_t lo = 0, hi = s->nsyms;

	/* last symbol with value <= off */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (s->syms[mid]->value <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo > 0) {
		struct gsym *c = s->syms[lo - 1];

		if (off < c->value + (c->size ? c->size : 1))
			return c;
		if (c->value < off && c->size)
			break;
		lo--;
	}
	return NULL;
}

struct gsym *gobj_find(struct gobj *o, const char *name)
{
	for (size_t i = 1; i < o->nsyms; i++)
		if (o->syms[i].name && !strcmp(o->syms[i].name, name))
			return &o->syms[i];
	return NULL;
}

static int load_sections(struct gobj *o)
{
	size_t shnum, shstrndx;

	if (elf_getshdrnum(o->elf, &shnum) || elf_getshdrstrndx(o->elf, &shstrndx)) {
		gen_err("gen: '%s': bad section headers: %s", o->rel, elf_errmsg(-1));
		return -GEN_EINPUT;
	}
	o->nsecs = shnum;
	o->secs = calloc(shnum ? shnum : 1, sizeof(*o->secs));
	if (!o->secs)
		return -ENOMEM;
	for (size_t i = 1; i < shnum; i++) {
		Elf_Scn *scn = elf_getscn(o->elf, i);
		struct gsec *s = &o->secs[i];
		GElf_Shdr sh;
		const char *nm;

		if (!scn || !gelf_getshdr(scn, &sh)) {
			gen_err("gen: '%s': section %zu: %s", o->rel, i, elf_errmsg(-1));
			return -GEN_EINPUT;
		}
		nm = elf_strptr(o->elf, shstrndx, sh.sh_name);
		s->name = strdup(nm ? nm : "");
		s->idx = i;
		s->type = sh.sh_type;
		s->flags = sh.sh_flags;
		s->size = sh.sh_size;
		s->align = sh.sh_addralign;
		s->entsize = sh.sh_entsize;
		if (sh.sh_type != SHT_NOBITS && sh.sh_size) {
			Elf_Data *d = elf_getdata(scn, NULL);

			if (!d || d->d_size != sh.sh_size) {
				gen_err("gen: '%s': section '%s': cannot read data", o->rel, s->name);
				return -GEN_EINPUT;
			}
			s->data = d->d_buf;
		}
		if (!s->name)
			return -ENOMEM;
	}
	return 0;
}

static int load_symbols(struct gobj *o)
{
	for (size_t i = 1; i < o->nsecs; i++) {
		Elf_Scn *scn = elf_getscn(o->elf, i);
		GElf_Shdr sh;
		Elf_Data *d;

		if (o->secs[i].type != SHT_SYMTAB)
			continue;
		gelf_getshdr(scn, &sh);
		d = elf_getdata(scn, NULL);
		if (!d || !sh.sh_entsize)
			return -GEN_EINPUT;
		o->nsyms = sh.sh_size / sh.sh_entsize;
		o->syms = calloc(o->nsyms ? o->nsyms : 1, sizeof(*o->syms));
		if (!o->syms)
			return -ENOMEM;
		for (size_t k = 0; k < o->nsyms; k++) {
			struct gsym *s = &o->syms[k];
			GElf_Sym es;
			const char *nm;

			if (!gelf_getsym(d, k, &es))
				return -GEN_EINPUT;
			nm = elf_strptr(o->elf, sh.sh_link, es.st_name);
			s->idx = k;
			s->obj = o;
			s->stt = GELF_ST_TYPE(es.st_info);
			s->stb = GELF_ST_BIND(es.st_info);
			s->shndx = es.st_shndx;
			s->value = es.st_value;
			s->size = es.st_size;
			if (es.st_shndx > 0 && es.st_shndx < o->nsecs)
				s->sec = &o->secs[es.st_shndx];
			if (s->stt == STT_SECTION && s->sec) {
				s->name = strdup(s->sec->name);
				if (!s->sec->secsym)
					s->sec->secsym = s;
			} else {
				s->name = strdup(nm ? nm : "");
			}
			if (!s->name)
				return -ENOMEM;
			if (s->stb == STB_LOCAL)
				s->flags |= GF_LOCAL;
			if (s->stb == STB_WEAK)
				s->flags |= GF_WEAK;
			if (es.st_shndx == SHN_UNDEF)
				s->flags |= GF_UNDEF;
			if (s->stt == STT_FUNC)
				s->flags |= GF_FUNC;
			if (s->stt == STT_OBJECT || s->stt == STT_COMMON)
				s->flags |= GF_OBJECT;
			if (s->stt == STT_TLS)
				s->flags |= GF_TLS | GF_OBJECT;
			if (s->sec && !(s->sec->flags & SHF_WRITE) && (s->flags & GF_OBJECT))
				s->flags |= GF_CONST;
			if ((s->flags & GF_OBJECT) && s->stb == STB_LOCAL &&
			    is_static_local_name(s->name))
				s->flags |= GF_STATIC_LOCAL;
			s->key = (s->flags & GF_STATIC_LOCAL) ? strdup(s->name)
							       : make_key(s->name, &s->flags);
			if (!s->key)
				return -ENOMEM;
			if (!(s->flags & GF_FUNC))
				s->flags &= ~(GF_CLONE | GF_FRAGMENT);
			if (s->stt == STT_FILE && !o->cu)
				o->cu = strdup(s->name);
		}
		return 0;
	}
	gen_err("gen: '%s': no symbol table; was it stripped?", o->rel);
	return -GEN_EINPUT;
}

static int load_relocs(struct gobj *o)
{
	for (size_t i = 1; i < o->nsecs; i++) {
		Elf_Scn *scn = elf_getscn(o->elf, i);
		struct gsec *t;
		GElf_Shdr sh;
		Elf_Data *d;
		size_t n;

		if (o->secs[i].type == SHT_REL) {
			gen_err("gen: '%s': section '%s': REL relocations are not supported on x86-64",
				o->rel, o->secs[i].name);
			return -GEN_EINPUT;
		}
		if (o->secs[i].type != SHT_RELA)
			continue;
		gelf_getshdr(scn, &sh);
		if (sh.sh_info == 0 || sh.sh_info >= o->nsecs || !sh.sh_entsize)
			continue;
		t = &o->secs[sh.sh_info];
		d = elf_getdata(scn, NULL);
		n = sh.sh_size / sh.sh_entsize;
		t->relas = calloc(n ? n : 1, sizeof(*t->relas));
		if (!t->relas)
			return -ENOMEM;
		t->nrelas = n;
		for (size_t k = 0; k < n; k++) {
			GElf_Rela r;
			size_t si;

			if (!d || !gelf_getrela(d, k, &r))
				return -GEN_EINPUT;
			si = GELF_R_SYM(r.r_info);
			if (si >= o->nsyms) {
				gen_err("gen: '%s': section '%s': relocation %zu: bad symbol %zu",
					o->rel, o->secs[i].name, k, si);
				return -GEN_EINPUT;
			}
			t->relas[k].off = r.r_offset;
			t->relas[k].type = GELF_R_TYPE(r.r_info);
			t->relas[k].sym = &o->syms[si];
			t->relas[k].addend = r.r_addend;
		}
		qsort(t->relas, n, sizeof(*t->relas), cmp_rela);
	}
	return 0;
}

/* Index the FUNC/OBJECT symbols of each section, find each function's
 * relocation range, and tie .cold fragments to their function. */
static int index_symbols(struct gobj *o)
{
	for (size_t i = 1; i < o->nsyms; i++) {
		struct gsym *s = &o->syms[i];

		if (!s->sec || !(s->flags & (GF_FUNC | GF_OBJECT)))
			continue;
		s->sec->nsyms++;
	}
	for (size_t i = 1; i < o->nsecs; i++) {
		struct gsec *s = &o->secs[i];

		if (s->nsyms && !(s->syms = calloc(s->nsyms, sizeof(*s->syms))))
			return -ENOMEM;
		s->nsyms = 0;
	}
	for (size_t i = 1; i < o->nsyms; i++) {
		struct gsym *s = &o->syms[i];

		if (!s->sec || !(s->flags & (GF_FUNC | GF_OBJECT)))
			continue;
		s->sec->syms[s->sec->nsyms++] = s;
	}
	for (size_t i = 1; i < o->nsecs; i++) {
		struct gsec *s = &o->secs[i];

		if (s->nsyms)
			qsort(s->syms, s->nsyms, sizeof(*s->syms), cmp_sym_value);
	}
	for (size_t i = 1; i < o->nsyms; i++) {
		struct gsym *s = &o->syms[i];
		size_t lo = 0;

		if (!s->sec || !(s->flags & (GF_FUNC | GF_OBJECT)))
			continue;
		while (lo < s->sec->nrelas && s->sec->relas[lo].off < s->value)
			lo++;
		s->rela_first = lo;
		while (lo < s->sec->nrelas && s->sec->relas[lo].off < s->value + s->size)
			lo++;
		s->nrelas = lo - s->rela_first;
	}
	for (size_t i = 1; i < o->nsyms; i++) {
		struct gsym *s = &o->syms[i];
		char *base;

		if (!(s->flags & GF_FRAGMENT))
			continue;
		/* foo.cold belongs to foo (its key without the trailing ".cold") */
		base = strdup(s->key);
		if (!base)
			return -ENOMEM;
		if (strlen(base) > 5 && !strcmp(base + strlen(base) - 5, ".cold"))
			base[strlen(base) - 5] = 0;
		for (size_t k = 1; k < o->nsyms; k++) {
			struct gsym *p = &o->syms[k];

			if (p != s && (p->flags & GF_FUNC) && !(p->flags & GF_FRAGMENT) &&
			    !strcmp(p->key, base) && p->sec) {
				s->parent = p;
				p->frag = s;
				break;
			}
		}
		free(base);
	}
	return 0;
}

int gobj_open(const char *path, const char *rel, struct gobj **out)
{
	struct gobj *o = calloc(1, sizeof(*o));
	GElf_Ehdr eh;
	int err;

	if (!o)
		return -ENOMEM;
	o->fd = -1;
	o->path = strdup(path);
	o->rel = strdup(rel);
	if (!o->path || !o->rel) {
		gobj_free(o);
		return -ENOMEM;
	}
	err = open_elf(path, "object", &o->fd, &o->elf);
	if (err) {
		gobj_free(o);
		return err;
	}
	if (!gelf_getehdr(o->elf, &eh) || eh.e_type != ET_REL ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64) {
		gen_err("gen: '%s': not an x86-64 ELF64 relocatable object", rel);
		gobj_free(o);
		return -GEN_EINPUT;
	}
	err = load_sections(o);
	if (!err)
		err = load_symbols(o);
	if (!err)
		err = load_relocs(o);
	if (!err)
		err = index_symbols(o);
	if (!err)
		err = gd_open(path, &o->dw);
	if (!err && gd_has_dwarf(o->dw) && gd_ncus(o->dw) > 0) {
		const char *cu = gd_cu_name(o->dw, 0), *dir = gd_cu_comp_dir(o->dw, 0);

		if (cu) {
			free(o->cu);
			o->cu = strdup(cu);
		}
		if (dir)
			o->comp_dir = strdup(dir);
	}
	if (err) {
		gobj_free(o);
		return err;
	}
	if (!o->cu)
		o->cu = strdup(rel);
	for (size_t i = 1; i < o->nsyms; i++)
		if (!strncmp(o->syms[i].name, "_Z", 2))
			o->cxx = 1;
	*out = o;
	return 0;
}

void gobj_free(struct gobj *o)
{
	if (!o)
		return;
	for (size_t i = 0; i < o->nsecs; i++) {
		free(o->secs[i].name);
		free(o->secs[i].relas);
		free(o->secs[i].syms);
		free(o->secs[i].cuts);
	}
	for (size_t i = 0; i < o->nsyms; i++) {
		free(o->syms[i].name);
		free(o->syms[i].key);
	}
	free(o->secs);
	free(o->syms);
	gd_close(o->dw);
	if (o->elf)
		elf_end(o->elf);
	if (o->fd >= 0)
		close(o->fd);
	free(o->path);
	free(o->rel);
	free(o->cu);
	free(o->comp_dir);
	free(o);
}

/* ---------------------------------------------------------------- target */

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static int load_target_syms(struct gtarget *t)
{
	Elf_Scn *scn = NULL, *dyn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(t->elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB)
			break;
		if (sh.sh_type == SHT_DYNSYM)
			dyn = scn;
	}
	if (!scn)
		scn = dyn;
	if (!scn) {
		gen_err("gen: '%s': no symbol table", t->path);
		return -GEN_EINPUT;
	}
	gelf_getshdr(scn, &sh);
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
	const char *file = NULL;

	t->syms = calloc(n ? n : 1, sizeof(*t->syms));
	if (!t->syms)
		return -ENOMEM;
	for (size_t k = 1; k < n; k++) {
		GElf_Sym es;
		const char *nm;

		if (!d || !gelf_getsym(d, k, &es))
			return -GEN_EINPUT;
		nm = elf_strptr(t->elf, sh.sh_link, es.st_name);
		if (!nm)
			continue;
		if (GELF_ST_TYPE(es.st_info) == STT_FILE) {
			file = nm;
			continue;
		}
		if (GELF_ST_BIND(es.st_info) != STB_LOCAL)
			file = NULL;	/* globals come after all the file groups */
		/* imports are kept for their type (gtarget_global_type) */
		struct gtarget_sym *s = &t->syms[t->nsyms++];

		s->name = nm;
		s->file = GELF_ST_BIND(es.st_info) == STB_LOCAL ? file : NULL;
		s->value = es.st_value;
		s->size = es.st_size;
		s->stt = GELF_ST_TYPE(es.st_info);
		s->stb = GELF_ST_BIND(es.st_info);
		s->shndx = es.st_shndx;
	}
	return 0;
}

static void load_build_id(struct gtarget *t)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(t->elf, scn))) {
		Elf_Data *d;
		size_t off = 0, name_off, desc_off;
		GElf_Nhdr nh;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		d = elf_getdata(scn, NULL);
		while (d && (off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
			    !memcmp((char *)d->d_buf + name_off, "GNU", 4) &&
			    nh.n_descsz <= sizeof(t->build_id)) {
				memcpy(t->build_id, (char *)d->d_buf + desc_off, nh.n_descsz);
				t->build_id_len = nh.n_descsz;
				return;
			}
		}
	}
}

int gtarget_open(const char *path, const char *name, struct gtarget **out)
{
	struct gtarget *t = calloc(1, sizeof(*t));
	GElf_Ehdr eh;
	size_t nph;
	int err;

	if (!t)
		return -ENOMEM;
	t->fd = -1;
	t->path = strdup(path);
	t->name = strdup(base_name(name));
	if (!t->path || !t->name) {
		gtarget_free(t);
		return -ENOMEM;
	}
	err = open_elf(path, "executable", &t->fd, &t->elf);
	if (err) {
		gtarget_free(t);
		return err;
	}
	if (!gelf_getehdr(t->elf, &eh) || (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64) {
		gen_err("gen: '%s': not an ELF64 executable or shared library", path);
		gtarget_free(t);
		return -GEN_EINPUT;
	}
	if (eh.e_machine != EM_X86_64) {
		gen_err("gen: '%s': machine %u is not supported (x86-64 only)", path, eh.e_machine);
		gtarget_free(t);
		return -GEN_EINPUT;
	}
	t->type = eh.e_type;
	t->machine = eh.e_machine;
	t->kind = eh.e_type == ET_EXEC ? PO_TARGET_EXEC : PO_TARGET_SHARED;
	if (eh.e_type == ET_DYN && !elf_getphdrnum(t->elf, &nph)) {
		for (size_t i = 0; i < nph; i++) {
			GElf_Phdr ph;

			if (gelf_getphdr(t->elf, i, &ph) && ph.p_type == PT_INTERP)
				t->kind = PO_TARGET_PIE;
		}
	}
	load_build_id(t);
	err = load_target_syms(t);
	if (!err)
		err = gd_open(path, &t->dw);
	if (err) {
		gtarget_free(t);
		return err;
	}
	*out = t;
	return 0;
}

void gtarget_free(struct gtarget *t)
{
	if (!t)
		return;
	gd_close(t->dw);
	free(t->syms);
	if (t->elf)
		elf_end(t->elf);
	if (t->fd >= 0)
		close(t->fd);
	free(t->path);
	free(t->name);
	free(t);
}

/* .symtab spells symbols bound to a version "stderr@GLIBC_2.2.5" (copy
 * relocations, imports); they are the unversioned name's definition. */
static int sym_name_eq(const char *symname, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(symname, name, n) && (symname[n] == 0 || symname[n] == '@');
}

static int file_matches(const char *file, const char *cu)
{
	if (!file || !cu)
		return 0;
	return !strcmp(file, cu) || !strcmp(base_name(file), base_name(cu));
}

const struct gtarget_sym *gtarget_lookup(const struct gtarget *t,
					 const char *name, const char *cu,
					 int local)
{
	const struct gtarget_sym *any = NULL, *in_cu = NULL;
	int nany = 0;

	for (size_t i = 0; i < t->nsyms; i++) {
		const struct gtarget_sym *s = &t->syms[i];

		if (s->shndx == SHN_UNDEF || !sym_name_eq(s->name, name))
			continue;
		if (!local && s->stb != STB_LOCAL)
			return s;
		if (s->stb == STB_LOCAL) {
			if (local && file_matches(s->file, cu))
				in_cu = in_cu ? in_cu : s;
			any = s;
			nany++;
		}
	}
	if (in_cu)
		return in_cu;
	/* A local that is unique in the whole target is unambiguous even when
	 * the file symbols do not name its CU the way DWARF does.  Globals with
	 * hidden visibility become locals when linked (after the file groups):
	 * a unique one is the global asked for. */
	return nany == 1 ? any : NULL;
}

const uint8_t *gtarget_bytes(const struct gtarget *t, uint64_t addr, uint64_t size)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(t->elf, scn))) {
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS || !(sh.sh_flags & SHF_ALLOC))
			continue;
		if (addr < sh.sh_addr || addr + size > sh.sh_addr + sh.sh_size)
			continue;
		d = elf_getdata(scn, NULL);
		if (!d || d->d_size != sh.sh_size)
			return NULL;
		return (const uint8_t *)d->d_buf + (addr - sh.sh_addr);
	}
	return NULL;
}

int gtarget_global_type(const struct gtarget *t, const char *name)
{
	for (size_t i = 0; t && i < t->nsyms; i++) {
		const struct gtarget_sym *s = &t->syms[i];

		if (s->stt != STT_NOTYPE && s->stt != STT_SECTION && s->stt != STT_FILE &&
		    s->stb != STB_LOCAL && sym_name_eq(s->name, name))
			return s->stt;
	}
	return STT_NOTYPE;
}
