/* po_read.c - open and validate a Patch Object.
 *
 * The file is untrusted: it may be truncated, corrupt, or crafted.  po_open
 * checks every header, offset, size, index and string once, so that nothing
 * handed out through the accessors needs further bounds checks.  The ELF is
 * parsed by hand; libelf would accept files the format forbids and still
 * leave every record unchecked. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "po_internal.h"

enum sec_kind {
	K_NONE, K_ID, K_HDR, K_FUNCS, K_MASKS, K_VARS, K_SYMS, K_UNSAFE,
	K_WARNINGS, K_STR, K_XTYPES, K_XFORM, K_PTRS, K_SYMTAB, K_STRTAB, K_SHSTRTAB,
	K_RELA,
};

static const struct {
	const char *name;
	enum sec_kind kind;
} meta_names[] = {
	{ PO_SN_KATANA, K_HDR }, { PO_SN_FUNCS, K_FUNCS }, { PO_SN_MASKS, K_MASKS },
	{ PO_SN_VARS, K_VARS }, { PO_SN_SYMS, K_SYMS }, { PO_SN_UNSAFE, K_UNSAFE },
	{ PO_SN_WARNINGS, K_WARNINGS }, { PO_SN_STR, K_STR }, { PO_SN_XTYPES, K_XTYPES },
	{ PO_SN_XFORM, K_XFORM }, { PO_SN_PTRS, K_PTRS },
};

struct po {
	char *name;
	uint8_t *img;
	size_t size;
	Elf64_Shdr *sh;
	size_t shnum;
	enum sec_kind *kind;	/* by ELF section index */
	int *id_of;		/* by ELF section index: po section id, or -1 */
	size_t meta[K_RELA + 1]; /* ELF index of each metadata section, 0 if absent */

	const char *str;	/* .katana.str */
	size_t str_size;
	const char *strtab;
	size_t strtab_size;

	struct po_info info;
	struct po_symbol *syms;
	size_t nsyms;
	struct po_section *secs;	/* by id */
	size_t nsecs;
	const struct po_disk_mask *masks;
	size_t nmasks;
	struct po_func *funcs;
	size_t nfuncs;
	struct po_var *vars;
	size_t nvars;
	struct po_unsafe *unsafe;
	size_t nunsafe;
	const char **warnings;
	size_t nwarnings;
	struct po_xtype *xtypes;
	size_t nxtypes;
	struct po_ptr *ptrs;
	size_t nptrs;
};

/* Report what is wrong with p and return -PO_EFORMAT. */
static int __attribute__((format(printf, 2, 3)))
bad(const struct po *p, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	po_err("po: '%s': %s", p->name, msg);
	return -PO_EFORMAT;
}

static const char *sname(const struct po *p, size_t i)
{
	return (const char *)p->img + p->sh[p->meta[K_SHSTRTAB]].sh_offset + p->sh[i].sh_name;
}

static const void *sdata(const struct po *p, size_t i)
{
	return p->img + p->sh[i].sh_offset;
}

/* ------------------------------------------------------------ ELF */
static int check_ehdr(struct po *p, Elf64_Ehdr *eh)
{
	if (p->size < sizeof(*eh) || memcmp(p->img, ELFMAG, SELFMAG))
		return bad(p, "not an ELF file");
	memcpy(eh, p->img, sizeof(*eh));
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return bad(p, "not a little-endian ELF64 file (class %u, data %u)",
			   eh->e_ident[EI_CLASS], eh->e_ident[EI_DATA]);
	if (eh->e_ident[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
		return bad(p, "ELF version %u not supported", eh->e_version);
	if (eh->e_type != ET_REL)
		return bad(p, "ELF type %u is not ET_REL (a patch object is a relocatable object)",
			   eh->e_type);
	if (eh->e_machine != EM_X86_64)
		return bad(p, "machine %u not supported (only x86-64)", eh->e_machine);
	if (eh->e_ehsize != sizeof(Elf64_Ehdr) || eh->e_shentsize != sizeof(Elf64_Shdr))
		return bad(p, "unexpected ELF header size %u or section header size %u",
			   eh->e_ehsize, eh->e_shentsize);
	if (eh->e_shnum == 0 || eh->e_shstrndx == SHN_UNDEF ||
	    eh->e_shstrndx >= eh->e_shnum)
		return bad(p, "%u sections, section name table at %u: no usable section headers",
			   eh->e_shnum, eh->e_shstrndx);
	if (eh->e_shoff < sizeof(*eh) || eh->e_shoff > p->size ||
	    (p->size - eh->e_shoff) / sizeof(Elf64_Shdr) < eh->e_shnum)
		return bad(p, "section headers (%u at offset %llu) outside the file (%zu bytes)",
			   eh->e_shnum, (unsigned long long)eh->e_shoff, p->size);
	return 0;
}

static int check_shdrs(struct po *p, const Elf64_Ehdr *eh)
{
	const Elf64_Shdr *ss;
	const char *names;

	p->shnum = eh->e_shnum;
	p->sh = malloc(p->shnum * sizeof(*p->sh));
	p->kind = calloc(p->shnum, sizeof(*p->kind));
	p->id_of = malloc(p->shnum * sizeof(*p->id_of));
	if (!p->sh || !p->kind || !p->id_of)
		return -ENOMEM;
	memcpy(p->sh, p->img + eh->e_shoff, p->shnum * sizeof(*p->sh));
	for (size_t i = 0; i < p->shnum; i++) {
		const Elf64_Shdr *s = &p->sh[i];

		p->id_of[i] = -1;
		if (i == 0) {
			if (s->sh_type != SHT_NULL || s->sh_size || s->sh_link)
				return bad(p, "section 0 is not the null section");
			continue;
		}
		if (s->sh_addralign > 4096 || (s->sh_addralign & (s->sh_addralign - 1)))
			return bad(p, "section %zu: alignment %llu is not a power of two up to 4096",
				   i, (unsigned long long)s->sh_addralign);
		if (s->sh_type == SHT_NOBITS)
			continue;
		if (s->sh_offset > p->size || s->sh_size > p->size - s->sh_offset)
			return bad(p, "section %zu: %llu bytes at offset %llu outside the file (%zu bytes); it may be truncated",
				   i, (unsigned long long)s->sh_size,
				   (unsigned long long)s->sh_offset, p->size);
	}
	ss = &p->sh[eh->e_shstrndx];
	if (ss->sh_type != SHT_STRTAB || !ss->sh_size)
		return bad(p, "section name table (section %u) is not a string table", eh->e_shstrndx);
	names = (const char *)p->img + ss->sh_offset;
	if (names[ss->sh_size - 1])
		return bad(p, "section name table is not NUL-terminated");
	p->meta[K_SHSTRTAB] = eh->e_shstrndx;
	p->kind[eh->e_shstrndx] = K_SHSTRTAB;
	for (size_t i = 1; i < p->shnum; i++)
		if (p->sh[i].sh_name >= ss->sh_size)
			return bad(p, "section %zu: name offset %u outside the section name table",
				   i, p->sh[i].sh_name);
	return 0;
}

/* Decide what each section is, by name (and .symtab by type). */
static int classify(struct po *p)
{
	size_t nextra = 0;

	/* the symbol string table first, so it does not become an extra section */
	for (size_t i = 1; i < p->shnum; i++) {
		uint32_t link = p->sh[i].sh_link;

		if (p->sh[i].sh_type != SHT_SYMTAB)
			continue;
		if (p->meta[K_SYMTAB])
			return bad(p, "section '%s': a second symbol table", sname(p, i));
		if (link == 0 || link >= p->shnum || link == i)
			return bad(p, "section '%s': link %u is not a string table",
				   sname(p, i), link);
		p->meta[K_SYMTAB] = i;
		p->kind[i] = K_SYMTAB;
		p->meta[K_STRTAB] = link;
		if (p->kind[link] != K_SHSTRTAB)
			p->kind[link] = K_STRTAB;
	}
	for (size_t i = 1; i < p->shnum; i++) {
		const Elf64_Shdr *s = &p->sh[i];
		const char *n = sname(p, i);
		enum sec_kind k = K_NONE;

		if (p->kind[i] != K_NONE)
			continue;
		if (s->sh_type == SHT_RELA) {
			p->kind[i] = K_RELA;
			continue;
		} else if (s->sh_type == SHT_REL || s->sh_type == SHT_DYNSYM ||
			   s->sh_type == SHT_SYMTAB_SHNDX || s->sh_type == SHT_GROUP) {
			return bad(p, "section '%s': type %u not allowed in a patch object",
				   n, s->sh_type);
		}
		for (size_t m = 0; !k && m < sizeof(meta_names) / sizeof(meta_names[0]); m++)
			if (!strcmp(n, meta_names[m].name))
				k = meta_names[m].kind;
		for (int f = 1; !k && f < PO_SEC_NFIXED; f++) {
			if (strcmp(n, po_fixed_secs[f].name))
				continue;
			if (s->sh_type != po_fixed_secs[f].sh_type)
				return bad(p, "section '%s': type %u, expected %u", n,
					   s->sh_type, po_fixed_secs[f].sh_type);
			for (size_t j = 1; j < i; j++)
				if (p->id_of[j] == f)
					return bad(p, "section '%s' appears twice", n);
			p->id_of[i] = f;
			k = K_ID;
		}
		if (!k) {
			p->id_of[i] = PO_SEC_NFIXED + (int)nextra++;
			k = K_ID;
		}
		p->kind[i] = k;
		if (k != K_ID) {
			if (p->meta[k])
				return bad(p, "section '%s' appears twice", n);
			p->meta[k] = i;
		}
	}
	p->nsecs = PO_SEC_NFIXED + nextra;
	return 0;
}

/* A record section: right type, entry size, and alignment for its records. */
static int record_sec(struct po *p, enum sec_kind k, size_t entsize, size_t align,
		      size_t *n)
{
	size_t i = p->meta[k];
	const Elf64_Shdr *s;

	*n = 0;
	if (!i)
		return 0;
	s = &p->sh[i];
	if (s->sh_type != SHT_PROGBITS)
		return bad(p, "section '%s': type %u, expected PROGBITS", sname(p, i), s->sh_type);
	if (entsize && (s->sh_entsize != entsize || s->sh_size % entsize))
		return bad(p, "section '%s': entry size %llu and size %llu, expected entries of %zu bytes",
			   sname(p, i), (unsigned long long)s->sh_entsize,
			   (unsigned long long)s->sh_size, entsize);
	if (s->sh_offset % align)
		return bad(p, "section '%s': offset %llu not aligned to %zu",
			   sname(p, i), (unsigned long long)s->sh_offset, align);
	*n = entsize ? s->sh_size / entsize : s->sh_size;
	return 0;
}

static int string_table(struct po *p, size_t i, const char **data, size_t *size)
{
	const Elf64_Shdr *s = &p->sh[i];

	if (s->sh_type != SHT_STRTAB || !s->sh_size)
		return bad(p, "section '%s' is not a string table", sname(p, i));
	*data = sdata(p, i);
	*size = s->sh_size;
	if ((*data)[0] || (*data)[*size - 1])
		return bad(p, "section '%s': string table must start and end with NUL", sname(p, i));
	return 0;
}

/* A string of .katana.str; what describes the field for the message. */
static int kstr(struct po *p, uint32_t off, const char **out, const char *what)
{
	if (off >= p->str_size)
		return bad(p, "%s: string offset %u outside " PO_SN_STR " (%zu bytes)",
			   what, off, p->str_size);
	*out = p->str + off;
	return 0;
}

/* ------------------------------------------------------------ contents */
static int read_header(struct po *p, const Elf64_Ehdr *eh)
{
	const struct po_disk_hdr *h;
	size_t i = p->meta[K_HDR], n;
	char what[64];
	int err;

	if (!i)
		return bad(p, "no " PO_SN_KATANA " section: not a katana patch object");
	if ((err = record_sec(p, K_HDR, 0, 8, &n)))
		return err;
	if (n < sizeof(*h))
		return bad(p, "section '" PO_SN_KATANA "': %zu bytes, expected at least %zu",
			   n, sizeof(*h));
	h = sdata(p, i);
	if (memcmp(h->magic, PO_MAGIC, sizeof(h->magic)))
		return bad(p, "section '" PO_SN_KATANA "': bad magic: not a katana patch object");
	if (h->version < PO_FORMAT_MIN || h->version > PO_FORMAT_VERSION) {
		po_err("po: '%s': format version %u, but this katana reads only versions %u to %u; "
		       "%s", p->name, h->version, PO_FORMAT_MIN, PO_FORMAT_VERSION,
		       h->version > PO_FORMAT_VERSION ?
		       "use a newer katana, or regenerate the patch with this one" :
		       "regenerate the patch with 'katana gen'");
		return -PO_EVERSION;
	}
	if (h->version < 2 && (h->alloc_sym || h->free_sym || p->meta[K_XTYPES] ||
			       p->meta[K_XFORM] || p->meta[K_PTRS]))
		return bad(p, "format version 1 with data transforms (a version 2 feature)");
	if (h->flags)
		return bad(p, "section '" PO_SN_KATANA "': reserved flags 0x%x set", h->flags);
	for (size_t r = 0; r < sizeof(h->reserved) / sizeof(h->reserved[0]); r++)
		if (h->reserved[r])
			return bad(p, "section '" PO_SN_KATANA "': reserved field %zu is %u, must be 0",
				   r, h->reserved[r]);
	if (h->target_kind < PO_TARGET_EXEC || h->target_kind > PO_TARGET_SHARED)
		return bad(p, "section '" PO_SN_KATANA "': unknown target kind %u", h->target_kind);
	if (h->build_id_len > sizeof(h->build_id))
		return bad(p, "section '" PO_SN_KATANA "': build-id length %u over %zu",
			   h->build_id_len, sizeof(h->build_id));
	snprintf(what, sizeof(what), "section '" PO_SN_KATANA "': target name");
	if ((err = kstr(p, h->target_name, &p->info.target_name, what)))
		return err;
	if (!*p->info.target_name)
		return bad(p, "section '" PO_SN_KATANA "': empty target name");
	snprintf(what, sizeof(what), "section '" PO_SN_KATANA "': generator");
	if ((err = kstr(p, h->generator, &p->info.generator, what)))
		return err;
	p->info.version = h->version;
	p->info.target_kind = h->target_kind;
	p->info.build_id = h->build_id;
	p->info.build_id_len = h->build_id_len;
	p->info.machine = eh->e_machine;
	p->info.n_line_only = h->n_line_only;
	p->info.file_size = p->size;
	p->info.alloc_sym = h->alloc_sym;
	p->info.free_sym = h->free_sym;
	return 0;
}

static int check_sym(struct po *p, uint32_t sym, int undef, const char *what,
		     const char *field);

/* After the symbols: the allocator symbols of the header. */
static int read_alloc(struct po *p)
{
	const char *what = "section '" PO_SN_KATANA "'";
	int err;

	if (!p->info.alloc_sym != !p->info.free_sym)
		return bad(p, "%s: alloc_sym %u and free_sym %u: both or neither", what,
			   p->info.alloc_sym, p->info.free_sym);
	if (p->info.alloc_sym && ((err = check_sym(p, p->info.alloc_sym, 1, what, "alloc_sym")) ||
				  (err = check_sym(p, p->info.free_sym, 1, what, "free_sym"))))
		return err;
	return 0;
}

static int read_symbols(struct po *p)
{
	size_t i = p->meta[K_SYMTAB], n;
	const Elf64_Shdr *s;
	Elf64_Sym zero, e;
	int err;

	if (!i)
		return bad(p, "no symbol table");
	s = &p->sh[i];
	if (s->sh_entsize != sizeof(Elf64_Sym) || s->sh_size % sizeof(Elf64_Sym) ||
	    s->sh_size < sizeof(Elf64_Sym))
		return bad(p, "section '%s': entry size %llu, size %llu: not a symbol table",
			   sname(p, i), (unsigned long long)s->sh_entsize,
			   (unsigned long long)s->sh_size);
	if ((err = string_table(p, s->sh_link, &p->strtab, &p->strtab_size)))
		return err;
	n = s->sh_size / sizeof(Elf64_Sym);
	if (s->sh_info == 0 || s->sh_info > n)
		return bad(p, "section '%s': first global symbol %u outside 1..%zu",
			   sname(p, i), s->sh_info, n);
	p->syms = calloc(n, sizeof(*p->syms));
	if (!p->syms)
		return -ENOMEM;
	p->nsyms = n;
	memset(&zero, 0, sizeof(zero));
	for (size_t k = 0; k < n; k++) {
		struct po_symbol *ps = &p->syms[k];
		int stb, stt;

		memcpy(&e, (const uint8_t *)sdata(p, i) + k * sizeof(e), sizeof(e));
		ps->name = "";
		if (k == 0) {
			if (memcmp(&e, &zero, sizeof(e)))
				return bad(p, "symbol 0 is not the null symbol");
			continue;
		}
		if (e.st_name >= p->strtab_size)
			return bad(p, "symbol %zu: name offset %u outside '%s'",
				   k, e.st_name, sname(p, s->sh_link));
		ps->name = p->strtab + e.st_name;
		stb = ELF64_ST_BIND(e.st_info);
		stt = ELF64_ST_TYPE(e.st_info);
		if ((stb == STB_LOCAL) != (k < s->sh_info) ||
		    (stb != STB_LOCAL && stb != STB_GLOBAL && stb != STB_WEAK))
			return bad(p, "symbol %zu '%s': binding %d out of place (locals must come first, "
				   "then globals and weaks)", k, ps->name, stb);
		if (stt != STT_NOTYPE && stt != STT_OBJECT && stt != STT_FUNC &&
		    stt != STT_SECTION && stt != STT_FILE && stt != STT_TLS)
			return bad(p, "symbol %zu '%s': type %d not allowed", k, ps->name, stt);
		ps->stb = (uint8_t)stb;
		ps->stt = (uint8_t)stt;
		ps->value = e.st_value;
		ps->size = e.st_size;
		if (e.st_shndx == SHN_UNDEF) {
			ps->sec = PO_SEC_UNDEF;
			if (!*ps->name)
				return bad(p, "symbol %zu: undefined symbol without a name", k);
			/* an undefined local resolves to nothing a linker knows;
			 * statics of the target are named via .katana.syms */
			if (stb == STB_LOCAL)
				return bad(p, "symbol %zu '%s': undefined and local", k, ps->name);
			continue;
		}
		if (e.st_shndx == SHN_ABS) {
			ps->sec = -1;
			continue;
		}
		if (e.st_shndx >= p->shnum || p->id_of[e.st_shndx] < 0)
			return bad(p, "symbol %zu '%s': section index %u is not a code or data section",
				   k, ps->name, e.st_shndx);
		ps->sec = p->id_of[e.st_shndx];
		{
			uint64_t size = p->sh[e.st_shndx].sh_size;

			if (e.st_value > size || e.st_size > size - e.st_value)
				return bad(p, "symbol %zu '%s': 0x%llx+%llu outside section '%s' (%llu bytes)",
					   k, ps->name, (unsigned long long)e.st_value,
					   (unsigned long long)e.st_size,
					   sname(p, e.st_shndx), (unsigned long long)size);
		}
	}
	return 0;
}

static int read_symrefs(struct po *p)
{
	const uint32_t known = PO_SYM_LOCAL | PO_SYM_FUNC | PO_SYM_OBJECT |
		PO_SYM_TLS | PO_SYM_EXTERNAL | PO_SYM_WEAK;
	const struct po_disk_sym *d;
	char what[128];
	size_t n;
	int err;

	if ((err = record_sec(p, K_SYMS, sizeof(*d), _Alignof(struct po_disk_sym), &n)))
		return err;
	d = n ? sdata(p, p->meta[K_SYMS]) : NULL;
	for (size_t k = 0; k < n; k++) {
		struct po_symbol *s;
		const char *cu = "", *obj = "";

		snprintf(what, sizeof(what), "section '" PO_SN_SYMS "': entry %zu", k);
		if (d[k].sym == 0 || d[k].sym >= p->nsyms)
			return bad(p, "%s: symbol index %u outside 1..%zu", what, d[k].sym,
				   p->nsyms - 1);
		s = &p->syms[d[k].sym];
		if (s->sec != PO_SEC_UNDEF)
			return bad(p, "%s: symbol %u '%s' is not undefined", what, d[k].sym, s->name);
		if (s->ref)
			return bad(p, "%s: symbol %u '%s' described twice", what, d[k].sym, s->name);
		if (d[k].flags & ~known)
			return bad(p, "%s: unknown flags 0x%x", what, d[k].flags & ~known);
		if ((err = kstr(p, d[k].cu, &cu, what)) || (err = kstr(p, d[k].object, &obj, what)))
			return err;
		if ((d[k].flags & PO_SYM_LOCAL) && (!*cu || (d[k].flags & PO_SYM_EXTERNAL)))
			return bad(p, "%s: static symbol '%s' needs a CU and cannot be external",
				   what, s->name);
		s->ref = &d[k];
		s->ref_cu = *cu ? cu : NULL;
		s->ref_object = *obj ? obj : NULL;
	}
	return 0;
}

static int check_sym(struct po *p, uint32_t sym, int undef, const char *what,
		     const char *field)
{
	if (sym >= p->nsyms)
		return bad(p, "%s: %s %u outside the symbol table (%zu symbols)",
			   what, field, sym, p->nsyms);
	if (undef && p->syms[sym].sec != PO_SEC_UNDEF)
		return bad(p, "%s: %s %u '%s' must be an undefined symbol (it names the target)",
			   what, field, sym, p->syms[sym].name);
	if (!undef && p->syms[sym].sec == PO_SEC_UNDEF)
		return bad(p, "%s: %s %u '%s' must be defined in the patch",
			   what, field, sym, p->syms[sym].name);
	return 0;
}

static int read_funcs(struct po *p)
{
	const uint32_t known = PO_FUNC_CHANGED | PO_FUNC_NEW | PO_FUNC_LOCAL |
		PO_FUNC_FRAGMENT | PO_FUNC_CLONE;
	const uint8_t *base;
	char what[128];
	size_t n;
	int err;

	if ((err = record_sec(p, K_MASKS, sizeof(struct po_disk_mask),
			      _Alignof(struct po_disk_mask), &p->nmasks)))
		return err;
	p->masks = p->nmasks ? sdata(p, p->meta[K_MASKS]) : NULL;
	if ((err = record_sec(p, K_FUNCS, sizeof(struct po_disk_func), 8, &n)))
		return err;
	if (!n)
		return 0;
	base = sdata(p, p->meta[K_FUNCS]);
	p->funcs = calloc(n, sizeof(*p->funcs));
	if (!p->funcs)
		return -ENOMEM;
	for (size_t k = 0; k < n; k++) {
		struct po_disk_func d;
		struct po_func *f = &p->funcs[k];
		uint32_t kind;
		const struct po_symbol *ns;

		memcpy(&d, base + k * sizeof(d), sizeof(d));
		snprintf(what, sizeof(what), "section '" PO_SN_FUNCS "': entry %zu", k);
		if ((err = kstr(p, d.name, &f->name, what)) || (err = kstr(p, d.cu, &f->cu, what)))
			return err;
		if (!*f->name)
			return bad(p, "%s: function without a name", what);
		snprintf(what, sizeof(what), "section '" PO_SN_FUNCS "': entry %zu (%.40s)",
			 k, f->name);
		kind = d.flags & (PO_FUNC_CHANGED | PO_FUNC_NEW);
		if ((d.flags & ~known) || (kind != PO_FUNC_CHANGED && kind != PO_FUNC_NEW))
			return bad(p, "%s: bad flags 0x%x (exactly one of changed/new, no unknown bits)",
				   what, d.flags);
		if (d.reserved)
			return bad(p, "%s: reserved field is %u, must be 0", what, d.reserved);
		if ((err = check_sym(p, d.new_sym, 0, what, "new_sym")))
			return err;
		ns = &p->syms[d.new_sym];
		if (d.new_sym == 0 || ns->sec != PO_SEC_TEXT || ns->stt != STT_FUNC)
			return bad(p, "%s: new_sym %u is not a function in .text.new", what, d.new_sym);
		if (ns->size != d.new_size)
			return bad(p, "%s: new_size %llu differs from symbol size %llu", what,
				   (unsigned long long)d.new_size, (unsigned long long)ns->size);
		if (kind == PO_FUNC_CHANGED) {
			if (!d.old_sym)
				return bad(p, "%s: changed function without old_sym", what);
			if ((err = check_sym(p, d.old_sym, 1, what, "old_sym")))
				return err;
		} else if (d.old_sym) {
			return bad(p, "%s: new function with old_sym %u", what, d.old_sym);
		}
		if ((uint64_t)d.mask_first + d.mask_count > p->nmasks)
			return bad(p, "%s: masks %u+%u outside " PO_SN_MASKS " (%zu entries)",
				   what, d.mask_first, d.mask_count, p->nmasks);
		for (uint32_t m = 0; m < d.mask_count; m++) {
			const struct po_disk_mask *mk = &p->masks[d.mask_first + m];

			if ((uint64_t)mk->off + mk->len > d.old_size)
				return bad(p, "%s: mask %u (%u+%u) outside the old function (%llu bytes)",
					   what, d.mask_first + m, mk->off, mk->len,
					   (unsigned long long)d.old_size);
		}
		f->flags = d.flags;
		f->old_sym = d.old_sym;
		f->new_sym = d.new_sym;
		f->old_size = d.old_size;
		f->new_size = d.new_size;
		f->old_value = d.old_value;
		f->old_csum = d.old_csum;
		f->masks = d.mask_count ? &p->masks[d.mask_first] : NULL;
		f->nmasks = d.mask_count;
	}
	p->nfuncs = n;
	return 0;
}

static int read_vars(struct po *p)
{
	const uint32_t known = PO_VAR_LOCAL | PO_VAR_STATIC_LOCAL | PO_VAR_TLS | PO_VAR_CONST;
	const uint8_t *base;
	char what[128];
	size_t n;
	int err;

	if ((err = record_sec(p, K_VARS, sizeof(struct po_disk_var), 8, &n)) || !n)
		return err;
	base = sdata(p, p->meta[K_VARS]);
	p->vars = calloc(n, sizeof(*p->vars));
	if (!p->vars)
		return -ENOMEM;
	for (size_t k = 0; k < n; k++) {
		struct po_disk_var d;
		struct po_var *v = &p->vars[k];

		memcpy(&d, base + k * sizeof(d), sizeof(d));
		snprintf(what, sizeof(what), "section '" PO_SN_VARS "': entry %zu", k);
		if ((err = kstr(p, d.name, &v->name, what)) || (err = kstr(p, d.cu, &v->cu, what)) ||
		    (err = kstr(p, d.type, &v->type, what)))
			return err;
		if (!*v->name)
			return bad(p, "%s: variable without a name", what);
		snprintf(what, sizeof(what), "section '" PO_SN_VARS "': entry %zu (%.40s)",
			 k, v->name);
		if (d.action < PO_VAR_NEW ||
		    d.action > (p->info.version < 2 ? PO_VAR_INIT_CHANGED : PO_VAR_FIXUP))
			return bad(p, "%s: unknown action %u", what, d.action);
		if (d.flags & ~known)
			return bad(p, "%s: unknown flags 0x%x", what, d.flags & ~known);
		if (d.action == PO_VAR_TRANSFORM || d.action == PO_VAR_FIXUP) {
			const struct po_xtype *t;

			if (!d.xtype || d.xtype > p->nxtypes)
				return bad(p, "%s: %s: xtype %u of %zu", what,
					   po_var_action_name(d.action), d.xtype, p->nxtypes);
			t = &p->xtypes[d.xtype - 1];
			if (!d.old_sym || (d.action == PO_VAR_TRANSFORM) != !!d.new_sym)
				return bad(p, "%s: %s: old_sym %u, new_sym %u", what,
					   po_var_action_name(d.action), d.old_sym, d.new_sym);
			if ((d.action == PO_VAR_FIXUP) != !!(t->flags & PO_XT_INPLACE) ||
			    t->old_size != d.old_size || t->new_size != d.new_size)
				return bad(p, "%s: xtype %u (%s, %llu -> %llu bytes) does not fit a %s of %llu -> %llu bytes",
					   what, d.xtype - 1, t->name, (unsigned long long)t->old_size,
					   (unsigned long long)t->new_size, po_var_action_name(d.action),
					   (unsigned long long)d.old_size, (unsigned long long)d.new_size);
		} else if (d.xtype) {
			return bad(p, "%s: xtype %u on a variable that is not transformed", what, d.xtype);
		}
		if (d.old_sym && (err = check_sym(p, d.old_sym, 1, what, "old_sym")))
			return err;
		if (d.new_sym && (err = check_sym(p, d.new_sym, 0, what, "new_sym")))
			return err;
		if (d.action == PO_VAR_NEW && !d.new_sym)
			return bad(p, "%s: new variable without new_sym", what);
		v->action = d.action;
		v->flags = d.flags;
		v->old_sym = d.old_sym;
		v->new_sym = d.new_sym;
		v->old_size = d.old_size;
		v->new_size = d.new_size;
		v->xtype = d.xtype;
	}
	p->nvars = n;
	return 0;
}

/* .katana.xtypes and the programs they point into (.katana.xform). */
static int read_xtypes(struct po *p)
{
	const uint32_t known = PO_XT_INPLACE | PO_XT_HEAP;
	const uint8_t *base, *code = NULL;
	size_t n, code_len = 0;
	char what[160], why[256];
	int err, heap = 0;

	if ((err = record_sec(p, K_XTYPES, sizeof(struct po_disk_xtype), 8, &n)) ||
	    (err = record_sec(p, K_XFORM, 0, 1, &code_len)))
		return err;
	if (!n && code_len)
		return bad(p, "section '" PO_SN_XFORM "' without '" PO_SN_XTYPES "'");
	if (!n)
		return 0;
	if (n > 4096)
		return bad(p, "section '" PO_SN_XTYPES "': %zu types (at most 4096)", n);
	if (code_len)
		code = sdata(p, p->meta[K_XFORM]);
	base = sdata(p, p->meta[K_XTYPES]);
	p->xtypes = calloc(n, sizeof(*p->xtypes));
	if (!p->xtypes)
		return -ENOMEM;
	for (size_t k = 0; k < n; k++) {
		struct po_disk_xtype d;
		struct po_xtype *t = &p->xtypes[k];

		memcpy(&d, base + k * sizeof(d), sizeof(d));
		snprintf(what, sizeof(what), "section '" PO_SN_XTYPES "': entry %zu", k);
		if ((err = kstr(p, d.name, &t->name, what)) || (err = kstr(p, d.diff, &t->diff, what)) ||
		    (err = kstr(p, d.back_why, &t->back_why, what)))
			return err;
		if (!*t->name)
			return bad(p, "%s: type without a name", what);
		snprintf(what, sizeof(what), "section '" PO_SN_XTYPES "': entry %zu (%.40s)",
			 k, t->name);
		if (d.back_len && *t->back_why)
			return bad(p, "%s: a backward program and a reason why there is none", what);
		if (d.flags & ~known)
			return bad(p, "%s: unknown flags 0x%x", what, d.flags & ~known);
		if (!d.fwd_len || d.fwd_off > code_len || d.fwd_len > code_len - d.fwd_off ||
		    d.back_off > code_len || d.back_len > code_len - d.back_off)
			return bad(p, "%s: programs %u+%u and %u+%u outside '" PO_SN_XFORM "' (%zu bytes)",
				   what, d.fwd_off, d.fwd_len, d.back_off, d.back_len, code_len);
		if (d.old_size > (1ULL << 40) || d.new_size > (1ULL << 40))
			return bad(p, "%s: sizes %llu -> %llu", what, (unsigned long long)d.old_size,
				   (unsigned long long)d.new_size);
		t->flags = d.flags;
		t->old_size = d.old_size;
		t->new_size = d.new_size;
		t->fwd = code + d.fwd_off;
		t->fwd_len = d.fwd_len;
		t->back = d.back_len ? code + d.back_off : NULL;
		t->back_len = d.back_len;
		heap |= !!(d.flags & PO_XT_HEAP);
	}
	p->nxtypes = n;
	if (po_xform_check_all(p->xtypes, n, why, sizeof(why)))
		return bad(p, "section '" PO_SN_XTYPES "': %s", why);
	if (heap && !p->info.alloc_sym)
		return bad(p, "section '" PO_SN_XTYPES "': heap objects are transformed but the header names no allocator");
	return 0;
}

static int read_ptrs(struct po *p)
{
	const uint8_t *base;
	char what[128];
	size_t n;
	int err;

	if ((err = record_sec(p, K_PTRS, sizeof(struct po_disk_ptr), 8, &n)) || !n)
		return err;
	base = sdata(p, p->meta[K_PTRS]);
	p->ptrs = calloc(n, sizeof(*p->ptrs));
	if (!p->ptrs)
		return -ENOMEM;
	for (size_t k = 0; k < n; k++) {
		struct po_disk_ptr d;

		memcpy(&d, base + k * sizeof(d), sizeof(d));
		snprintf(what, sizeof(what), "section '" PO_SN_PTRS "': entry %zu", k);
		/* check_sym takes symbol 0 (the null symbol is undefined) */
		if (!d.site_sym)
			return bad(p, "%s: site_sym is 0", what);
		if ((err = check_sym(p, d.site_sym, 1, what, "site_sym")))
			return err;
		if (d.var >= p->nvars || p->vars[d.var].action != PO_VAR_TRANSFORM)
			return bad(p, "%s: var %u is not a transformed variable", what, d.var);
		p->ptrs[k] = (struct po_ptr){ d.site_sym, d.var, d.site_off, d.addend };
	}
	p->nptrs = n;
	return 0;
}

static int read_unsafe(struct po *p)
{
	const uint8_t *base;
	char what[128];
	size_t n;
	int err;

	if ((err = record_sec(p, K_UNSAFE, sizeof(struct po_disk_unsafe), 4, &n)) || !n)
		return err;
	base = sdata(p, p->meta[K_UNSAFE]);
	p->unsafe = calloc(n, sizeof(*p->unsafe));
	if (!p->unsafe)
		return -ENOMEM;
	for (size_t k = 0; k < n; k++) {
		struct po_disk_unsafe d;

		memcpy(&d, base + k * sizeof(d), sizeof(d));
		snprintf(what, sizeof(what), "section '" PO_SN_UNSAFE "': entry %zu", k);
		if (!d.sym)
			return bad(p, "%s: symbol index 0", what);
		if ((err = check_sym(p, d.sym, 1, what, "sym")))
			return err;
		if (d.flags & ~(uint32_t)(p->info.version < 2 ? PO_UNSAFE_REPLACED :
					  PO_UNSAFE_REPLACED | PO_UNSAFE_DATA | PO_UNSAFE_ALLOC))
			return bad(p, "%s: unknown flags 0x%x", what, d.flags);
		p->unsafe[k].sym = d.sym;
		p->unsafe[k].flags = d.flags;
	}
	p->nunsafe = n;
	return 0;
}

static int read_warnings(struct po *p)
{
	const char *w;
	size_t size, n = 0;
	int err;

	if ((err = record_sec(p, K_WARNINGS, 0, 1, &size)) || !size)
		return err;
	w = sdata(p, p->meta[K_WARNINGS]);
	if (w[size - 1])
		return bad(p, "section '" PO_SN_WARNINGS "': last warning not NUL-terminated");
	for (size_t i = 0; i < size; i++)
		n += !w[i];
	p->warnings = calloc(n, sizeof(*p->warnings));
	if (!p->warnings)
		return -ENOMEM;
	for (size_t i = 0, k = 0; i < size; i += strlen(w + i) + 1)
		p->warnings[k++] = w + i;
	p->nwarnings = n;
	return 0;
}

static int cmp_reloc(const void *a, const void *b)
{
	const struct po_reloc *x = a, *y = b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	/* keep file order among equal offsets: there is no index, so fall back
	 * to the position in the array, which qsort does not promise to keep */
	return x < y ? -1 : x > y;
}

static int read_relocs(struct po *p)
{
	for (size_t i = 1; i < p->shnum; i++) {
		const Elf64_Shdr *s = &p->sh[i];
		struct po_section *t;
		struct po_reloc *r;
		size_t n;

		if (p->kind[i] != K_RELA)
			continue;
		if (s->sh_entsize != sizeof(Elf64_Rela) || s->sh_size % sizeof(Elf64_Rela))
			return bad(p, "section '%s': entry size %llu, size %llu: not a RELA table",
				   sname(p, i), (unsigned long long)s->sh_entsize,
				   (unsigned long long)s->sh_size);
		if (s->sh_link != p->meta[K_SYMTAB])
			return bad(p, "section '%s': link %u is not the symbol table",
				   sname(p, i), s->sh_link);
		if (s->sh_info == 0 || s->sh_info >= p->shnum || p->id_of[s->sh_info] < 0)
			return bad(p, "section '%s': target section %u is not a code or data section",
				   sname(p, i), s->sh_info);
		t = &p->secs[p->id_of[s->sh_info]];
		if (t->relocs)
			return bad(p, "section '%s': second relocation section for '%s'",
				   sname(p, i), t->name);
		if (t->sh_type == SHT_NOBITS)
			return bad(p, "section '%s': relocations in '%s', which holds no bytes",
				   sname(p, i), t->name);
		n = s->sh_size / sizeof(Elf64_Rela);
		if (!n)
			continue;
		r = calloc(n, sizeof(*r));
		if (!r)
			return -ENOMEM;
		t->relocs = r;
		t->nrelocs = n;
		for (size_t k = 0; k < n; k++) {
			Elf64_Rela e;
			unsigned fsz;

			memcpy(&e, (const uint8_t *)sdata(p, i) + k * sizeof(e), sizeof(e));
			r[k].offset = e.r_offset;
			r[k].type = ELF64_R_TYPE(e.r_info);
			r[k].sym = ELF64_R_SYM(e.r_info);
			r[k].addend = e.r_addend;
			fsz = po_reloc_size(r[k].type);
			if (!fsz)
				return bad(p, "section '%s': entry %zu: relocation type %u not allowed",
					   sname(p, i), k, r[k].type);
			if (r[k].sym == 0 || r[k].sym >= p->nsyms)
				return bad(p, "section '%s': entry %zu: symbol index %u outside 1..%zu",
					   sname(p, i), k, r[k].sym, p->nsyms - 1);
			if (e.r_offset > t->size || fsz > t->size - e.r_offset)
				return bad(p, "section '%s': entry %zu: %s at 0x%llx outside '%s' (%llu bytes)",
					   sname(p, i), k, po_reloc_name(r[k].type),
					   (unsigned long long)e.r_offset, t->name,
					   (unsigned long long)t->size);
		}
		qsort(r, n, sizeof(*r), cmp_reloc);
	}
	return 0;
}

static int read_sections(struct po *p)
{
	p->secs = calloc(p->nsecs, sizeof(*p->secs));
	if (!p->secs)
		return -ENOMEM;
	for (size_t i = 1; i < p->shnum; i++) {
		const Elf64_Shdr *s = &p->sh[i];
		struct po_section *ps;

		if (p->kind[i] != K_ID || p->id_of[i] < 0)
			continue;
		ps = &p->secs[p->id_of[i]];
		ps->name = sname(p, i);
		ps->sh_type = s->sh_type;
		ps->sh_flags = s->sh_flags;
		ps->size = s->sh_size;
		ps->align = s->sh_addralign;
		ps->data = s->sh_type == SHT_NOBITS ? NULL : sdata(p, i);
	}
	return 0;
}

static int parse(struct po *p)
{
	Elf64_Ehdr eh;
	int err;

	memset(&eh, 0, sizeof(eh));
	if ((err = check_ehdr(p, &eh)) || (err = check_shdrs(p, &eh)) ||
	    (err = classify(p)))
		return err;
	if (!p->meta[K_STR])
		return bad(p, "no " PO_SN_STR " section: not a katana patch object");
	if ((err = string_table(p, p->meta[K_STR], &p->str, &p->str_size)) ||
	    (err = read_header(p, &eh)) || (err = read_symbols(p)) ||
	    (err = read_sections(p)) || (err = read_symrefs(p)) ||
	    (err = read_alloc(p)) || (err = read_funcs(p)) || (err = read_xtypes(p)) ||
	    (err = read_vars(p)) || (err = read_ptrs(p)) ||
	    (err = read_unsafe(p)) || (err = read_warnings(p)) ||
	    (err = read_relocs(p)))
		return err;
	return 0;
}

void po_close(struct po *p)
{
	if (!p)
		return;
	for (size_t i = 0; p->secs && i < p->nsecs; i++)
		free((void *)p->secs[i].relocs);
	free(p->secs);
	free(p->syms);
	free(p->funcs);
	free(p->vars);
	free(p->xtypes);
	free(p->ptrs);
	free(p->unsafe);
	free(p->warnings);
	free(p->sh);
	free(p->kind);
	free(p->id_of);
	free(p->img);
	free(p->name);
	free(p);
}

/* Takes ownership of img. */
static int open_image(uint8_t *img, size_t size, const char *name, struct po **out)
{
	struct po *p = calloc(1, sizeof(*p));
	int err;

	*out = NULL;
	if (!p) {
		free(img);
		return -ENOMEM;
	}
	p->img = img;
	p->size = size;
	p->name = strdup(name ? name : "(memory)");
	if (!p->name) {
		po_close(p);
		return -ENOMEM;
	}
	err = parse(p);
	if (err) {
		if (err == -ENOMEM)
			po_err("po: '%s': out of memory", p->name);
		po_close(p);
		return err;
	}
	*out = p;
	return 0;
}

int po_open_mem(const void *data, size_t size, const char *name, struct po **out)
{
	/* never zero bytes: malloc(0) may return NULL */
	uint8_t *img = malloc(size ? size : 1);

	*out = NULL;
	if (!img)
		return -ENOMEM;
	if (size)
		memcpy(img, data, size);
	return open_image(img, size, name, out);
}

int po_open(const char *path, struct po **out)
{
	struct stat st;
	uint8_t *img;
	size_t got = 0;
	int fd, err;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		po_err("po: '%s': cannot open: %s", path, strerror(errno));
		return err;
	}
	if (fstat(fd, &st)) {
		err = -errno;
		po_err("po: '%s': cannot stat: %s", path, strerror(errno));
		close(fd);
		return err;
	}
	if (!S_ISREG(st.st_mode)) {
		err = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		po_err("po: '%s': not a regular file", path);
		close(fd);
		return err;
	}
	img = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!img) {
		close(fd);
		po_err("po: '%s': out of memory for %lld bytes", path, (long long)st.st_size);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, img + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			po_err("po: '%s': cannot read: %s", path,
			       n < 0 ? strerror(errno) : "file shrank while reading");
			free(img);
			close(fd);
			return err;
		}
		got += (size_t)n;
	}
	close(fd);
	return open_image(img, got, path, out);
}

/* ------------------------------------------------------------ accessors */
const struct po_info *po_info(const struct po *p)
{
	return &p->info;
}

size_t po_nsymbols(const struct po *p)
{
	return p->nsyms;
}

const struct po_symbol *po_symbol(const struct po *p, size_t i)
{
	return i < p->nsyms ? &p->syms[i] : NULL;
}

size_t po_nsections(const struct po *p)
{
	return p->nsecs;
}

const struct po_section *po_section(const struct po *p, int id)
{
	if (id <= PO_SEC_UNDEF || (size_t)id >= p->nsecs || !p->secs[id].name)
		return NULL;
	return &p->secs[id];
}

size_t po_nfuncs(const struct po *p)
{
	return p->nfuncs;
}

const struct po_func *po_func(const struct po *p, size_t i)
{
	return i < p->nfuncs ? &p->funcs[i] : NULL;
}

size_t po_nvars(const struct po *p)
{
	return p->nvars;
}

const struct po_var *po_var(const struct po *p, size_t i)
{
	return i < p->nvars ? &p->vars[i] : NULL;
}

size_t po_nunsafe(const struct po *p)
{
	return p->nunsafe;
}

const struct po_unsafe *po_unsafe(const struct po *p, size_t i)
{
	return i < p->nunsafe ? &p->unsafe[i] : NULL;
}

size_t po_nxtypes(const struct po *p)
{
	return p->nxtypes;
}

const struct po_xtype *po_xtype(const struct po *p, size_t i)
{
	return i < p->nxtypes ? &p->xtypes[i] : NULL;
}

size_t po_nptrs(const struct po *p)
{
	return p->nptrs;
}

const struct po_ptr *po_ptr(const struct po *p, size_t i)
{
	return i < p->nptrs ? &p->ptrs[i] : NULL;
}

size_t po_nwarnings(const struct po *p)
{
	return p->nwarnings;
}

const char *po_warning(const struct po *p, size_t i)
{
	return i < p->nwarnings ? p->warnings[i] : NULL;
}

size_t po_nelf_sections(const struct po *p)
{
	return p->shnum;
}

const char *po_elf_section(const struct po *p, size_t i, uint32_t *sh_type,
			   uint64_t *size)
{
	if (i == 0 || i >= p->shnum)
		return NULL;
	if (sh_type)
		*sh_type = p->sh[i].sh_type;
	if (size)
		*size = p->sh[i].sh_size;
	return sname(p, i);
}
