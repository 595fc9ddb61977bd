/* po_write.c - build a Patch Object in memory and write it as an ELF64
 * relocatable object.
 *
 * The ELF is written by hand rather than through libelf: the layout is fixed
 * by doc/po-format.md, every byte is under our control, and the reader can be
 * checked against exactly what we produce. */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "po_internal.h"

/* ------------------------------------------------------------ buffers */
struct buf {
	uint8_t *d;
	size_t len, cap;
};

static int buf_reserve(struct buf *b, size_t more)
{
	size_t need, cap;
	uint8_t *d;

	if (more > SIZE_MAX - b->len)
		return -ENOMEM;
	need = b->len + more;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	d = realloc(b->d, cap);
	if (!d)
		return -ENOMEM;
	b->d = d;
	b->cap = cap;
	return 0;
}

/* data NULL appends zeros */
static int buf_add(struct buf *b, const void *data, size_t size)
{
	int err = buf_reserve(b, size);

	if (err)
		return err;
	if (size) {
		if (data)
			memcpy(b->d + b->len, data, size);
		else
			memset(b->d + b->len, 0, size);
	}
	b->len += size;
	return 0;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static int is_pow2(uint64_t a)
{
	return a && !(a & (a - 1));
}

/* Grow an array of n elements of elsz bytes to hold one more. */
static int grow(void *pp, size_t *cap, size_t n, size_t elsz)
{
	void **p = pp;
	size_t c;
	void *q;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 16;
	if (c > SIZE_MAX / elsz)
		return -ENOMEM;
	q = realloc(*p, c * elsz);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = c;
	return 0;
}

/* A string table with deduplication (.strtab, .katana.str): offset 0 is "". */
struct strtab {
	struct buf b;
	uint32_t *slots;	/* offset + 1, 0 = empty */
	size_t nslots, used;
};

static uint64_t str_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (*s) {
		h ^= (uint8_t)*s++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static int strtab_add(struct strtab *st, const char *s, uint32_t *off)
{
	size_t len = strlen(s), i;
	int err;

	if (!*s && st->b.len) {
		*off = 0;
		return 0;
	}
	if (st->used * 2 >= st->nslots) {
		size_t n = st->nslots ? st->nslots * 2 : 256;
		uint32_t *slots = calloc(n, sizeof(*slots));

		if (!slots)
			return -ENOMEM;
		for (size_t k = 0; k < st->nslots; k++) {
			uint32_t v = st->slots[k];

			if (!v)
				continue;
			i = str_hash((char *)st->b.d + v - 1) & (n - 1);
			while (slots[i])
				i = (i + 1) & (n - 1);
			slots[i] = v;
		}
		free(st->slots);
		st->slots = slots;
		st->nslots = n;
	}
	i = str_hash(s) & (st->nslots - 1);
	while (st->slots[i]) {
		if (!strcmp((char *)st->b.d + st->slots[i] - 1, s)) {
			*off = st->slots[i] - 1;
			return 0;
		}
		i = (i + 1) & (st->nslots - 1);
	}
	/* offsets are 32-bit on disk */
	if (st->b.len + len + 1 >= UINT32_MAX)
		return -E2BIG;
	*off = st->b.len;
	err = buf_add(&st->b, s, len + 1);
	if (err)
		return err;
	st->slots[i] = *off + 1;
	st->used++;
	return 0;
}

static void strtab_free(struct strtab *st)
{
	free(st->b.d);
	free(st->slots);
}

/* ------------------------------------------------------------ the writer */
struct wreloc {
	uint64_t offset;
	uint32_t type;
	int sym;
	int64_t addend;
};

struct wsec {
	char *name;
	uint32_t sh_type;
	uint64_t sh_flags, align, size;	/* size also counts NOBITS bytes */
	struct buf data;
	struct wreloc *relocs;
	size_t nrelocs, crelocs;
	int secsym;		/* handle of its STT_SECTION symbol, or 0 */
	int used;		/* a symbol is defined in it */
	uint32_t shndx, rela_shndx;	/* assigned at write time */
};

struct wsym {
	char *name;
	int sec;
	uint64_t value, size;
	uint8_t stt, stb;
	int has_ref;
	uint32_t ref_flags;
	char *ref_cu, *ref_object;
	uint64_t ref_value, ref_size;
	uint32_t index;		/* .symtab index, assigned at write time */
};

struct wfunc {
	char *name, *cu;
	int old_sym, new_sym;
	uint32_t flags;
	uint64_t old_size, new_size, old_value, old_csum;
	struct po_disk_mask *masks;
	size_t nmasks;
};

struct wvar {
	char *name, *cu, *type;
	int old_sym, new_sym;
	uint32_t action, flags, xtype;
	uint64_t old_size, new_size;
};

struct wxtype {
	char *name, *diff, *back_why;
	uint32_t flags;
	uint64_t old_size, new_size;
	uint8_t *fwd, *back;
	size_t fwd_len, back_len;
};

struct wptr {
	int site_sym;
	uint32_t var;
	uint64_t site_off;
	int64_t addend;
};

struct po_writer {
	char *target_name;
	enum po_target_kind kind;
	uint8_t build_id[64];
	size_t build_id_len;
	uint16_t machine;
	uint32_t line_only;

	struct wsec *secs;	/* by id; [0] unused */
	size_t nsecs, csecs;
	struct wsym *syms;	/* handle h is syms[h - 1] */
	size_t nsyms, csyms;
	struct wfunc *funcs;
	size_t nfuncs, cfuncs;
	struct wvar *vars;
	size_t nvars, cvars;
	struct po_disk_unsafe *unsafe;	/* sym holds a handle until written */
	size_t nunsafe, cunsafe;
	struct buf warnings;
	struct wxtype *xtypes;
	size_t nxtypes, cxtypes;
	struct wptr *ptrs;
	size_t nptrs, cptrs;
	int alloc_sym, free_sym;
};

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

int po_writer_new(struct po_writer **out, const struct po_target_info *t)
{
	struct po_writer *w;

	*out = NULL;
	if (!t || !t->name || t->build_id_len > sizeof(w->build_id) ||
	    (t->build_id_len && !t->build_id) ||
	    t->kind < PO_TARGET_EXEC || t->kind > PO_TARGET_SHARED) {
		po_err("po: writer: invalid target description");
		return -EINVAL;
	}
	if (t->machine && t->machine != EM_X86_64) {
		po_err("po: writer: target '%s': machine %u not supported (only x86-64)",
		       t->name, t->machine);
		return -ENOTSUP;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->target_name = strdup(t->name);
	w->secs = calloc(PO_SEC_NFIXED, sizeof(*w->secs));
	if (!w->target_name || !w->secs) {
		po_writer_free(w);
		return -ENOMEM;
	}
	w->nsecs = w->csecs = PO_SEC_NFIXED;
	for (int i = 1; i < PO_SEC_NFIXED; i++) {
		w->secs[i].sh_type = po_fixed_secs[i].sh_type;
		w->secs[i].sh_flags = po_fixed_secs[i].sh_flags;
		w->secs[i].align = 1;
	}
	w->kind = t->kind;
	w->build_id_len = t->build_id_len;
	if (t->build_id_len)
		memcpy(w->build_id, t->build_id, t->build_id_len);
	w->machine = EM_X86_64;
	*out = w;
	return 0;
}

void po_writer_free(struct po_writer *w)
{
	if (!w)
		return;
	free(w->target_name);
	for (size_t i = 0; i < w->nsecs; i++) {
		free(w->secs[i].name);
		free(w->secs[i].data.d);
		free(w->secs[i].relocs);
	}
	free(w->secs);
	for (size_t i = 0; i < w->nsyms; i++) {
		free(w->syms[i].name);
		free(w->syms[i].ref_cu);
		free(w->syms[i].ref_object);
	}
	free(w->syms);
	for (size_t i = 0; i < w->nfuncs; i++) {
		free(w->funcs[i].name);
		free(w->funcs[i].cu);
		free(w->funcs[i].masks);
	}
	free(w->funcs);
	for (size_t i = 0; i < w->nvars; i++) {
		free(w->vars[i].name);
		free(w->vars[i].cu);
		free(w->vars[i].type);
	}
	free(w->vars);
	for (size_t i = 0; i < w->nxtypes; i++) {
		free(w->xtypes[i].name);
		free(w->xtypes[i].diff);
		free(w->xtypes[i].back_why);
		free(w->xtypes[i].fwd);
		free(w->xtypes[i].back);
	}
	free(w->xtypes);
	free(w->ptrs);
	free(w->unsafe);
	free(w->warnings.d);
	free(w);
}

static int valid_sec(const struct po_writer *w, int sec)
{
	return sec > PO_SEC_UNDEF && (size_t)sec < w->nsecs;
}

static const char *sec_name(const struct po_writer *w, int sec)
{
	return sec < PO_SEC_NFIXED ? po_sec_name(sec) : w->secs[sec].name;
}

static struct wsym *get_sym(struct po_writer *w, int h)
{
	return h > 0 && (size_t)h <= w->nsyms ? &w->syms[h - 1] : NULL;
}

int po_writer_append(struct po_writer *w, int sec, const void *data,
		     size_t size, size_t align, uint64_t *off)
{
	struct wsec *s;
	uint64_t at;
	int err;

	if (!align)
		align = 1;
	if (!valid_sec(w, sec) || !is_pow2(align)) {
		po_err("po: writer: append to section %d: invalid section or alignment %zu",
		       sec, align);
		return -EINVAL;
	}
	s = &w->secs[sec];
	if (s->sh_type == SHT_NOBITS && data) {
		po_err("po: writer: section '%s' holds no bytes (NOBITS); pass NULL data",
		       sec_name(w, sec));
		return -EINVAL;
	}
	at = align_up(s->size, align);
	if (at < s->size || size > UINT64_MAX - at)
		return -E2BIG;
	if (s->sh_type != SHT_NOBITS) {
		err = buf_add(&s->data, NULL, at - s->size);
		if (!err)
			err = buf_add(&s->data, data, size);
		if (err)
			return err;
	}
	s->size = at + size;
	if (align > s->align)
		s->align = align;
	if (off)
		*off = at;
	return 0;
}

/* Names the writer generates itself; an extra section may not take them. */
static int reserved_name(const char *name)
{
	static const char *const names[] = {
		PO_SN_KATANA, PO_SN_FUNCS, PO_SN_MASKS, PO_SN_VARS, PO_SN_SYMS,
		PO_SN_UNSAFE, PO_SN_WARNINGS, PO_SN_STR, ".symtab", ".strtab",
		".shstrtab",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return 1;
	for (int i = 1; i < PO_SEC_NFIXED; i++)
		if (!strcmp(name, po_fixed_secs[i].name))
			return 1;
	return !strncmp(name, ".rela", 5) || !strncmp(name, ".rel.", 5);
}

int po_writer_add_section(struct po_writer *w, const char *name,
			  uint32_t sh_type, uint64_t sh_flags,
			  const void *data, size_t size, size_t align)
{
	struct wsec *s;
	int err;

	if (!align)
		align = 1;
	if (!name || !*name || !is_pow2(align)) {
		po_err("po: writer: extra section: missing name or bad alignment %zu", align);
		return -EINVAL;
	}
	if (reserved_name(name)) {
		po_err("po: writer: section '%s': name reserved for the writer's own sections", name);
		return -EINVAL;
	}
	/* relocations and symbols are the writer's business (po_writer_reloc,
	 * po_writer_symbol); a second symbol table would confuse every tool */
	if (sh_type == SHT_NULL || sh_type == SHT_RELA || sh_type == SHT_REL ||
	    sh_type == SHT_SYMTAB || sh_type == SHT_DYNSYM || sh_type == SHT_GROUP ||
	    sh_type == SHT_SYMTAB_SHNDX || sh_type == SHT_DYNAMIC) {
		po_err("po: writer: section '%s': type %u not allowed in a patch object",
		       name, sh_type);
		return -EINVAL;
	}
	if (sh_type == SHT_NOBITS && data) {
		po_err("po: writer: section '%s' is NOBITS; pass NULL data", name);
		return -EINVAL;
	}
	for (size_t i = PO_SEC_NFIXED; i < w->nsecs; i++) {
		if (!strcmp(w->secs[i].name, name)) {
			po_err("po: writer: section '%s' added twice", name);
			return -EEXIST;
		}
	}
	if (w->nsecs >= 0xfe00 - 64) /* stay clear of SHN_LORESERVE */
		return -E2BIG;
	err = grow(&w->secs, &w->csecs, w->nsecs, sizeof(*w->secs));
	if (err)
		return err;
	s = &w->secs[w->nsecs];
	memset(s, 0, sizeof(*s));
	s->name = strdup(name);
	if (!s->name)
		return -ENOMEM;
	s->sh_type = sh_type;
	s->sh_flags = sh_flags;
	s->align = align;
	s->size = size;
	if (sh_type != SHT_NOBITS && buf_add(&s->data, data, size)) {
		free(s->name);
		return -ENOMEM;
	}
	return (int)w->nsecs++;
}

int po_writer_symbol(struct po_writer *w, const char *name, int sec,
		     uint64_t value, uint64_t size, int stt, int stb)
{
	struct wsym *s;
	int err;

	if (!name || (sec != PO_SEC_UNDEF && !valid_sec(w, sec)) ||
	    (stt != STT_NOTYPE && stt != STT_OBJECT && stt != STT_FUNC &&
	     stt != STT_TLS) ||
	    (stb != STB_LOCAL && stb != STB_GLOBAL && stb != STB_WEAK)) {
		po_err("po: writer: symbol '%s': invalid section %d, type %d or binding %d",
		       name ? name : "(null)", sec, stt, stb);
		return -EINVAL;
	}
	if (!*name) {
		po_err("po: writer: symbol without a name in section '%s'",
		       sec ? sec_name(w, sec) : "UNDEF");
		return -EINVAL;
	}
	if (w->nsyms >= INT32_MAX - 1)
		return -E2BIG;
	err = grow(&w->syms, &w->csyms, w->nsyms, sizeof(*w->syms));
	if (err)
		return err;
	s = &w->syms[w->nsyms];
	memset(s, 0, sizeof(*s));
	s->name = strdup(name);
	if (!s->name)
		return -ENOMEM;
	s->sec = sec;
	s->stt = stt;
	if (sec == PO_SEC_UNDEF) {
		/* an undefined local means nothing to a linker: the target's
		 * statics are named through .katana.syms (PO_SYM_LOCAL) */
		s->stb = stb == STB_WEAK ? STB_WEAK : STB_GLOBAL;
		s->ref_value = value;
		s->ref_size = size;
	} else {
		s->stb = stb;
		s->value = value;
		s->size = size;
		w->secs[sec].used = 1;
	}
	return (int)++w->nsyms;
}

int po_writer_section_sym(struct po_writer *w, int sec)
{
	struct wsym *s;
	int err;

	if (!valid_sec(w, sec)) {
		po_err("po: writer: section symbol for invalid section %d", sec);
		return -EINVAL;
	}
	if (w->secs[sec].secsym)
		return w->secs[sec].secsym;
	err = grow(&w->syms, &w->csyms, w->nsyms, sizeof(*w->syms));
	if (err)
		return err;
	s = &w->syms[w->nsyms];
	memset(s, 0, sizeof(*s));
	s->name = strdup("");
	if (!s->name)
		return -ENOMEM;
	s->sec = sec;
	s->stt = STT_SECTION;
	s->stb = STB_LOCAL;
	w->secs[sec].used = 1;
	w->secs[sec].secsym = (int)++w->nsyms;
	return w->secs[sec].secsym;
}

static struct wsym *undef_sym(struct po_writer *w, int h, const char *what)
{
	struct wsym *s = get_sym(w, h);

	if (!s) {
		po_err("po: writer: %s: invalid symbol handle %d", what, h);
		return NULL;
	}
	if (s->sec != PO_SEC_UNDEF) {
		po_err("po: writer: %s: symbol '%s' is defined in the patch; "
		       "an undefined symbol naming the target is needed", what, s->name);
		return NULL;
	}
	return s;
}

int po_writer_symref(struct po_writer *w, int sym, uint32_t flags,
		     const char *cu, const char *object, uint64_t old_value,
		     uint64_t size)
{
	const uint32_t known = PO_SYM_LOCAL | PO_SYM_FUNC | PO_SYM_OBJECT |
		PO_SYM_TLS | PO_SYM_EXTERNAL | PO_SYM_WEAK;
	struct wsym *s = undef_sym(w, sym, "symref");

	if (!s)
		return -EINVAL;
	if (flags & ~known) {
		po_err("po: writer: symref '%s': unknown flags 0x%x", s->name, flags & ~known);
		return -EINVAL;
	}
	if ((flags & PO_SYM_LOCAL) && (!cu || !*cu)) {
		po_err("po: writer: symref '%s': a static of the target needs its CU", s->name);
		return -EINVAL;
	}
	if ((flags & PO_SYM_LOCAL) && (flags & PO_SYM_EXTERNAL)) {
		po_err("po: writer: symref '%s': cannot be both static and external", s->name);
		return -EINVAL;
	}
	if (s->has_ref) {
		po_err("po: writer: symref '%s': given twice", s->name);
		return -EEXIST;
	}
	s->ref_cu = strdup(cu ? cu : "");
	s->ref_object = strdup(object ? object : "");
	if (!s->ref_cu || !s->ref_object) {
		free(s->ref_cu);
		free(s->ref_object);
		s->ref_cu = s->ref_object = NULL;
		return -ENOMEM;
	}
	s->has_ref = 1;
	s->ref_flags = flags;
	s->ref_value = old_value;
	s->ref_size = size;
	if (flags & PO_SYM_WEAK)
		s->stb = STB_WEAK;
	return 0;
}

int po_writer_reloc(struct po_writer *w, int sec, uint64_t offset,
		    uint32_t type, int sym, int64_t addend)
{
	struct wsec *s;
	int err;

	if (!valid_sec(w, sec) || w->secs[sec].sh_type == SHT_NOBITS) {
		po_err("po: writer: relocation in section %d: no such section, or it holds no bytes",
		       sec);
		return -EINVAL;
	}
	if (!po_reloc_size(type)) {
		po_err("po: writer: section '%s': relocation type %u not allowed in a patch object",
		       sec_name(w, sec), type);
		return -EINVAL;
	}
	if (!get_sym(w, sym)) {
		po_err("po: writer: section '%s': relocation at 0x%llx: invalid symbol handle %d",
		       sec_name(w, sec), (unsigned long long)offset, sym);
		return -EINVAL;
	}
	s = &w->secs[sec];
	err = grow(&s->relocs, &s->crelocs, s->nrelocs, sizeof(*s->relocs));
	if (err)
		return err;
	s->relocs[s->nrelocs++] = (struct wreloc){ offset, type, sym, addend };
	return 0;
}

int po_writer_func(struct po_writer *w, const struct po_func_info *f)
{
	uint32_t kind = f->flags & (PO_FUNC_CHANGED | PO_FUNC_NEW);
	const uint32_t known = PO_FUNC_CHANGED | PO_FUNC_NEW | PO_FUNC_LOCAL |
		PO_FUNC_FRAGMENT | PO_FUNC_CLONE;
	const char *name = f->name ? f->name : "(null)";
	struct wsym *ns = get_sym(w, f->new_sym);
	struct wfunc *d;
	int err;

	if (!f->name || !*f->name || !f->cu || (f->flags & ~known) ||
	    (kind != PO_FUNC_CHANGED && kind != PO_FUNC_NEW) ||
	    (f->nmasks && !f->masks)) {
		po_err("po: writer: func '%s': missing name or cu, or bad flags 0x%x",
		       name, f->flags);
		return -EINVAL;
	}
	if (!ns || ns->sec != PO_SEC_TEXT || ns->stt != STT_FUNC) {
		po_err("po: writer: func '%s': new_sym must be a function symbol in .text.new",
		       name);
		return -EINVAL;
	}
	if (ns->size != f->new_size) {
		po_err("po: writer: func '%s': new_size %llu differs from its symbol's size %llu",
		       name, (unsigned long long)f->new_size, (unsigned long long)ns->size);
		return -EINVAL;
	}
	if (kind == PO_FUNC_CHANGED ? !undef_sym(w, f->old_sym, "func") : f->old_sym != 0) {
		po_err("po: writer: func '%s': a changed function needs an undefined old_sym, "
		       "a new one none", name);
		return -EINVAL;
	}
	if (f->nmasks > UINT32_MAX)
		return -E2BIG;
	for (size_t i = 0; i < f->nmasks; i++) {
		if ((uint64_t)f->masks[i].off + f->masks[i].len > f->old_size) {
			po_err("po: writer: func '%s': mask %zu (%u+%u) outside the old function (%llu bytes)",
			       name, i, f->masks[i].off, f->masks[i].len,
			       (unsigned long long)f->old_size);
			return -EINVAL;
		}
	}
	err = grow(&w->funcs, &w->cfuncs, w->nfuncs, sizeof(*w->funcs));
	if (err)
		return err;
	d = &w->funcs[w->nfuncs];
	memset(d, 0, sizeof(*d));
	d->name = strdup(f->name);
	d->cu = strdup(f->cu);
	if (f->nmasks)
		d->masks = malloc(f->nmasks * sizeof(*d->masks));
	if (!d->name || !d->cu || (f->nmasks && !d->masks)) {
		free(d->name);
		free(d->cu);
		free(d->masks);
		return -ENOMEM;
	}
	if (f->nmasks)
		memcpy(d->masks, f->masks, f->nmasks * sizeof(*d->masks));
	d->nmasks = f->nmasks;
	d->old_sym = f->old_sym;
	d->new_sym = f->new_sym;
	d->flags = f->flags;
	d->old_size = f->old_size;
	d->new_size = f->new_size;
	d->old_value = f->old_value;
	d->old_csum = f->old_csum;
	w->nfuncs++;
	return 0;
}

int po_writer_var(struct po_writer *w, const struct po_var_info *v)
{
	const uint32_t known = PO_VAR_LOCAL | PO_VAR_STATIC_LOCAL | PO_VAR_TLS |
		PO_VAR_CONST;
	const char *name = v->name ? v->name : "(null)";
	struct wsym *ns = v->new_sym ? get_sym(w, v->new_sym) : NULL;
	int xf = v->action == PO_VAR_TRANSFORM || v->action == PO_VAR_FIXUP;
	struct wvar *d;
	int err;

	if (!v->name || !*v->name || !v->cu || (v->flags & ~known) ||
	    v->action < PO_VAR_NEW || v->action > PO_VAR_FIXUP) {
		po_err("po: writer: var '%s': missing name or cu, bad action %d or flags 0x%x",
		       name, (int)v->action, v->flags);
		return -EINVAL;
	}
	if (v->new_sym && (!ns || ns->sec == PO_SEC_UNDEF)) {
		po_err("po: writer: var '%s': new_sym must be defined in the patch", name);
		return -EINVAL;
	}
	if (v->action == PO_VAR_NEW && !v->new_sym) {
		po_err("po: writer: var '%s': a new variable needs new_sym", name);
		return -EINVAL;
	}
	if (xf != (v->xtype != 0) || (v->xtype && v->xtype > w->nxtypes) ||
	    (xf && !v->old_sym) || (v->action == PO_VAR_TRANSFORM && !v->new_sym) ||
	    (v->action == PO_VAR_FIXUP && v->new_sym)) {
		po_err("po: writer: var '%s': %s needs an xtype, an old_sym%s", name,
		       po_var_action_name(v->action),
		       v->action == PO_VAR_TRANSFORM ? " and a new_sym" : " and no new_sym");
		return -EINVAL;
	}
	if (xf && (!(w->xtypes[v->xtype - 1].flags & PO_XT_INPLACE) != (v->action == PO_VAR_TRANSFORM) ||
		   w->xtypes[v->xtype - 1].old_size != v->old_size ||
		   w->xtypes[v->xtype - 1].new_size != v->new_size)) {
		po_err("po: writer: var '%s': xtype %u (%s) does not fit a %s of %llu -> %llu bytes",
		       name, v->xtype - 1, w->xtypes[v->xtype - 1].name, po_var_action_name(v->action),
		       (unsigned long long)v->old_size, (unsigned long long)v->new_size);
		return -EINVAL;
	}
	if (v->old_sym && !undef_sym(w, v->old_sym, "var"))
		return -EINVAL;
	err = grow(&w->vars, &w->cvars, w->nvars, sizeof(*w->vars));
	if (err)
		return err;
	d = &w->vars[w->nvars];
	d->name = strdup(v->name);
	d->cu = strdup(v->cu);
	d->type = dup_or_empty(v->type);
	if (!d->name || !d->cu || !d->type) {
		free(d->name);
		free(d->cu);
		free(d->type);
		return -ENOMEM;
	}
	d->old_sym = v->old_sym;
	d->new_sym = v->new_sym;
	d->action = v->action;
	d->flags = v->flags;
	d->old_size = v->old_size;
	d->new_size = v->new_size;
	d->xtype = v->xtype;
	w->nvars++;
	return 0;
}

size_t po_writer_nvars(const struct po_writer *w)
{
	return w->nvars;
}

static uint8_t *dup_bytes(const uint8_t *p, size_t n)
{
	uint8_t *d = malloc(n ? n : 1);

	if (d && n)
		memcpy(d, p, n);
	return d;
}

int po_writer_xtype(struct po_writer *w, const struct po_xtype_info *t)
{
	const uint32_t known = PO_XT_INPLACE | PO_XT_HEAP;
	struct wxtype *d;
	int err;

	if (!t->name || !*t->name || (t->flags & ~known) || !t->fwd || !t->fwd_len ||
	    (t->back_len && !t->back) || t->fwd_len > UINT32_MAX || t->back_len > UINT32_MAX ||
	    w->nxtypes >= 4096) {
		po_err("po: writer: xtype '%s': missing name or program, or bad flags 0x%x",
		       t->name ? t->name : "(null)", t->flags);
		return -EINVAL;
	}
	err = grow(&w->xtypes, &w->cxtypes, w->nxtypes, sizeof(*w->xtypes));
	if (err)
		return err;
	d = &w->xtypes[w->nxtypes];
	memset(d, 0, sizeof(*d));
	d->name = strdup(t->name);
	d->diff = dup_or_empty(t->diff);
	d->back_why = dup_or_empty(t->back_len ? NULL : t->back_why);
	d->fwd = dup_bytes(t->fwd, t->fwd_len);
	d->back = t->back_len ? dup_bytes(t->back, t->back_len) : NULL;
	if (!d->name || !d->diff || !d->back_why || !d->fwd || (t->back_len && !d->back)) {
		free(d->name);
		free(d->diff);
		free(d->back_why);
		free(d->fwd);
		free(d->back);
		return -ENOMEM;
	}
	d->flags = t->flags;
	d->old_size = t->old_size;
	d->new_size = t->new_size;
	d->fwd_len = t->fwd_len;
	d->back_len = t->back_len;
	return (int)w->nxtypes++;
}

int po_writer_ptr(struct po_writer *w, int site_sym, uint32_t var, uint64_t site_off,
		  int64_t addend)
{
	int err;

	if (!undef_sym(w, site_sym, "pointer site"))
		return -EINVAL;
	if (var >= w->nvars || w->vars[var].action != PO_VAR_TRANSFORM) {
		po_err("po: writer: pointer site: var %u is not a transformed variable", var);
		return -EINVAL;
	}
	err = grow(&w->ptrs, &w->cptrs, w->nptrs, sizeof(*w->ptrs));
	if (err)
		return err;
	w->ptrs[w->nptrs++] = (struct wptr){ site_sym, var, site_off, addend };
	return 0;
}

int po_writer_set_alloc(struct po_writer *w, int alloc_sym, int free_sym)
{
	if (!undef_sym(w, alloc_sym, "allocator") || !undef_sym(w, free_sym, "allocator"))
		return -EINVAL;
	w->alloc_sym = alloc_sym;
	w->free_sym = free_sym;
	return 0;
}

int po_writer_unsafe(struct po_writer *w, int sym, uint32_t flags)
{
	int err;

	if (!undef_sym(w, sym, "unsafe function"))
		return -EINVAL;
	if (flags & ~(uint32_t)(PO_UNSAFE_REPLACED | PO_UNSAFE_DATA | PO_UNSAFE_ALLOC)) {
		po_err("po: writer: unsafe function: unknown flags 0x%x", flags);
		return -EINVAL;
	}
	err = grow(&w->unsafe, &w->cunsafe, w->nunsafe, sizeof(*w->unsafe));
	if (err)
		return err;
	w->unsafe[w->nunsafe++] = (struct po_disk_unsafe){ (uint32_t)sym, flags };
	return 0;
}

int po_writer_warning(struct po_writer *w, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n, err;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	/* one warning is one string: a newline would make two lines of
	 * output that look like two warnings */
	for (char *p = s; *p; p++)
		if (*p == '\n')
			*p = ' ';
	err = buf_add(&w->warnings, s, (size_t)n + 1);
	free(s);
	return err;
}

void po_writer_set_line_only(struct po_writer *w, uint32_t n)
{
	w->line_only = n;
}

/* ------------------------------------------------------------ layout */
struct osec {
	const char *name;
	uint32_t sh_type, link, info;
	uint64_t sh_flags, align, entsize, size, offset;
	const void *data;
	uint32_t name_off;
};

struct wctx {
	struct po_writer *w;
	const char *path;
	struct osec *o;
	size_t no;
	struct strtab str, strtab;
	struct buf shstr, hdr, funcs, masks, vars, syms, unsafe, symtab, xtypes, xform, ptrs;
	struct buf *rela;	/* by section id */
	char **rela_names;	/* by section id */
	uint32_t first_global;
};

static uint32_t add_osec(struct wctx *c, const char *name, uint32_t type,
			 uint64_t flags, uint64_t align, uint64_t entsize,
			 const void *data, uint64_t size)
{
	struct osec *o = &c->o[c->no];

	memset(o, 0, sizeof(*o));
	o->name = name;
	o->sh_type = type;
	o->sh_flags = flags;
	o->align = align;
	o->entsize = entsize;
	o->data = data;
	o->size = size;
	return (uint32_t)c->no++;
}

static int str(struct wctx *c, const char *s, uint32_t *off)
{
	return strtab_add(&c->str, s ? s : "", off);
}

static uint32_t symidx(struct wctx *c, int h)
{
	return h ? c->w->syms[h - 1].index : 0;
}

/* Check what could only be checked once all bytes are in: symbols and
 * relocations inside their sections. */
static int check_late(struct wctx *c)
{
	struct po_writer *w = c->w;

	for (size_t i = 0; i < w->nsyms; i++) {
		struct wsym *s = &w->syms[i];

		if (s->sec == PO_SEC_UNDEF)
			continue;
		if (s->value > w->secs[s->sec].size ||
		    s->size > w->secs[s->sec].size - s->value) {
			po_err("po: '%s': symbol '%s': 0x%llx+%llu outside section '%s' (%llu bytes)",
			       c->path, s->name, (unsigned long long)s->value,
			       (unsigned long long)s->size, sec_name(w, s->sec),
			       (unsigned long long)w->secs[s->sec].size);
			return -EINVAL;
		}
	}
	for (size_t id = 1; id < w->nsecs; id++) {
		struct wsec *s = &w->secs[id];

		for (size_t r = 0; r < s->nrelocs; r++) {
			unsigned sz = po_reloc_size(s->relocs[r].type);

			if (s->relocs[r].offset > s->size || sz > s->size - s->relocs[r].offset) {
				po_err("po: '%s': section '%s': relocation at 0x%llx outside the section (%llu bytes)",
				       c->path, sec_name(w, (int)id),
				       (unsigned long long)s->relocs[r].offset,
				       (unsigned long long)s->size);
				return -EINVAL;
			}
		}
	}
	return 0;
}

static void put_sym(struct buf *b, uint32_t name, uint8_t info, uint16_t shndx,
		    uint64_t value, uint64_t size)
{
	Elf64_Sym s = { .st_name = name, .st_info = info, .st_other = STV_DEFAULT,
			.st_shndx = shndx, .st_value = value, .st_size = size };

	memcpy(b->d + b->len, &s, sizeof(s));
	b->len += sizeof(s);
}

static int build_symtab(struct wctx *c)
{
	struct po_writer *w = c->w;
	uint32_t next = 1, name;
	int err;

	err = buf_reserve(&c->symtab, (w->nsyms + 1) * sizeof(Elf64_Sym));
	if (err)
		return err;
	put_sym(&c->symtab, 0, 0, SHN_UNDEF, 0, 0);
	/* locals first, as ELF requires: section symbols in section order,
	 * then the other locals in creation order, then the globals */
	for (size_t id = 1; id < w->nsecs; id++) {
		struct wsec *s = &w->secs[id];

		if (!s->secsym)
			continue;
		w->syms[s->secsym - 1].index = next++;
		put_sym(&c->symtab, 0, ELF64_ST_INFO(STB_LOCAL, STT_SECTION),
			(uint16_t)s->shndx, 0, 0);
	}
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < w->nsyms; i++) {
			struct wsym *s = &w->syms[i];
			int local = s->stb == STB_LOCAL;

			if (s->stt == STT_SECTION || local != !pass)
				continue;
			err = strtab_add(&c->strtab, s->name, &name);
			if (err)
				return err;
			s->index = next++;
			if (s->sec == PO_SEC_UNDEF)
				put_sym(&c->symtab, name, ELF64_ST_INFO(s->stb, s->stt),
					SHN_UNDEF, 0, 0);
			else
				put_sym(&c->symtab, name, ELF64_ST_INFO(s->stb, s->stt),
					(uint16_t)w->secs[s->sec].shndx, s->value, s->size);
		}
		if (!pass)
			c->first_global = next;
	}
	return 0;
}

static int uses_v2(const struct po_writer *w)
{
	for (size_t i = 0; i < w->nunsafe; i++)
		if (w->unsafe[i].flags & ~(uint32_t)PO_UNSAFE_REPLACED)
			return 1;
	return w->nxtypes || w->nptrs || w->alloc_sym;
}

/* The programs refer to each other by index: check them once all are in. */
static int check_xtypes(struct wctx *c)
{
	struct po_writer *w = c->w;
	struct po_xtype *t;
	char why[256];
	int bad = 0, heap = 0;

	if (!w->nxtypes)
		return 0;
	t = calloc(w->nxtypes, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < w->nxtypes; i++) {
		t[i] = (struct po_xtype){ w->xtypes[i].name, w->xtypes[i].diff, w->xtypes[i].back_why,
					  w->xtypes[i].flags,
					  w->xtypes[i].old_size, w->xtypes[i].new_size,
					  w->xtypes[i].fwd, w->xtypes[i].back,
					  w->xtypes[i].fwd_len, w->xtypes[i].back_len };
		heap |= !!(t[i].flags & PO_XT_HEAP);
	}
	if (po_xform_check_all(t, w->nxtypes, why, sizeof(why))) {
		po_err("po: '%s': %s", c->path, why);
		bad = 1;
	} else if (heap && !w->alloc_sym) {
		po_err("po: '%s': heap objects are transformed but no allocator was given", c->path);
		bad = 1;
	}
	free(t);
	return bad ? -EINVAL : 0;
}

static int build_records(struct wctx *c)
{
	struct po_writer *w = c->w;
	struct po_disk_hdr h;
	uint32_t nmasks = 0;
	int err = 0;

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, PO_MAGIC, sizeof(h.magic));
	h.version = uses_v2(w) ? 2 : 1;
	h.alloc_sym = symidx(c, w->alloc_sym);
	h.free_sym = symidx(c, w->free_sym);
	h.target_kind = w->kind;
	h.build_id_len = (uint32_t)w->build_id_len;
	memcpy(h.build_id, w->build_id, sizeof(h.build_id));
	h.n_line_only = w->line_only;
	if ((err = str(c, w->target_name, &h.target_name)) ||
	    (err = str(c, "katana gen " KATANA_VERSION, &h.generator)) ||
	    (err = buf_add(&c->hdr, &h, sizeof(h))))
		return err;

	for (size_t i = 0; i < w->nfuncs; i++) {
		struct wfunc *f = &w->funcs[i];
		struct po_disk_func d = {
			.old_sym = symidx(c, f->old_sym), .new_sym = symidx(c, f->new_sym),
			.flags = f->flags, .mask_first = nmasks,
			.mask_count = (uint32_t)f->nmasks, .old_size = f->old_size,
			.new_size = f->new_size, .old_value = f->old_value,
			.old_csum = f->old_csum,
		};

		if (f->nmasks > UINT32_MAX - nmasks)
			return -E2BIG;
		nmasks += (uint32_t)f->nmasks;
		if ((err = str(c, f->name, &d.name)) || (err = str(c, f->cu, &d.cu)) ||
		    (err = buf_add(&c->funcs, &d, sizeof(d))) ||
		    (err = buf_add(&c->masks, f->masks, f->nmasks * sizeof(*f->masks))))
			return err;
	}
	for (size_t i = 0; i < w->nvars; i++) {
		struct wvar *v = &w->vars[i];
		struct po_disk_var d = {
			.old_sym = symidx(c, v->old_sym), .new_sym = symidx(c, v->new_sym),
			.action = v->action, .flags = v->flags,
			.old_size = v->old_size, .new_size = v->new_size, .xtype = v->xtype,
		};

		if ((err = str(c, v->name, &d.name)) || (err = str(c, v->cu, &d.cu)) ||
		    (err = str(c, v->type, &d.type)) ||
		    (err = buf_add(&c->vars, &d, sizeof(d))))
			return err;
	}
	/* in .symtab order, so a reader can look them up by binary search */
	for (uint32_t idx = 1; idx <= w->nsyms; idx++) {
		for (size_t i = 0; i < w->nsyms; i++) {
			struct wsym *s = &w->syms[i];
			struct po_disk_sym d;

			if (s->index != idx || s->sec != PO_SEC_UNDEF || !s->has_ref)
				continue;
			memset(&d, 0, sizeof(d));
			d.sym = s->index;
			d.flags = s->ref_flags;
			d.old_value = s->ref_value;
			d.size = s->ref_size;
			if ((err = str(c, s->ref_cu, &d.cu)) ||
			    (err = str(c, s->ref_object, &d.object)) ||
			    (err = buf_add(&c->syms, &d, sizeof(d))))
				return err;
			break;
		}
	}
	for (size_t i = 0; i < w->nunsafe; i++) {
		struct po_disk_unsafe d = { symidx(c, (int)w->unsafe[i].sym), w->unsafe[i].flags };

		if ((err = buf_add(&c->unsafe, &d, sizeof(d))))
			return err;
	}
	for (size_t i = 0; i < w->nxtypes; i++) {
		struct wxtype *t = &w->xtypes[i];
		struct po_disk_xtype d = {
			.flags = t->flags, .fwd_off = (uint32_t)c->xform.len,
			.fwd_len = (uint32_t)t->fwd_len, .old_size = t->old_size,
			.new_size = t->new_size,
		};

		if ((err = buf_add(&c->xform, t->fwd, t->fwd_len)))
			return err;
		if (t->back_len) {
			d.back_off = (uint32_t)c->xform.len;
			d.back_len = (uint32_t)t->back_len;
			if ((err = buf_add(&c->xform, t->back, t->back_len)))
				return err;
		}
		if (c->xform.len > UINT32_MAX)
			return -E2BIG;
		if ((err = str(c, t->name, &d.name)) || (err = str(c, t->diff, &d.diff)) ||
		    (err = str(c, t->back_why, &d.back_why)) ||
		    (err = buf_add(&c->xtypes, &d, sizeof(d))))
			return err;
	}
	for (size_t i = 0; i < w->nptrs; i++) {
		struct po_disk_ptr d = { symidx(c, w->ptrs[i].site_sym), w->ptrs[i].var,
					 w->ptrs[i].site_off, w->ptrs[i].addend };

		if ((err = buf_add(&c->ptrs, &d, sizeof(d))))
			return err;
	}
	return 0;
}

static int build_rela(struct wctx *c, size_t id)
{
	struct wsec *s = &c->w->secs[id];
	struct buf *b = &c->rela[id];
	int err;

	if (asprintf(&c->rela_names[id], ".rela%s", sec_name(c->w, (int)id)) < 0) {
		c->rela_names[id] = NULL;
		return -ENOMEM;
	}
	err = buf_reserve(b, s->nrelocs * sizeof(Elf64_Rela));
	if (err)
		return err;
	for (size_t r = 0; r < s->nrelocs; r++) {
		Elf64_Rela e = {
			.r_offset = s->relocs[r].offset,
			.r_info = ELF64_R_INFO(symidx(c, s->relocs[r].sym), s->relocs[r].type),
			.r_addend = s->relocs[r].addend,
		};

		buf_add(b, &e, sizeof(e));
	}
	return 0;
}

static int write_all(int fd, const void *data, size_t size)
{
	const uint8_t *p = data;

	while (size) {
		ssize_t n = write(fd, p, size);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		size -= (size_t)n;
	}
	return 0;
}

static int write_file(struct wctx *c, const uint8_t *img, size_t size)
{
	char *tmp;
	mode_t mask;
	int fd, err;

	if (asprintf(&tmp, "%s.XXXXXX", c->path) < 0)
		return -ENOMEM;
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = -errno;
		po_err("po: '%s': cannot create a temporary file next to it: %s",
		       c->path, strerror(-err));
		free(tmp);
		return err;
	}
	/* mkstemp makes the file private; a PO is an ordinary output file */
	mask = umask(0);
	umask(mask);
	err = fchmod(fd, 0666 & ~mask) ? -errno : 0;
	if (!err)
		err = write_all(fd, img, size);
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, c->path))
		err = -errno;
	if (err) {
		po_err("po: '%s': cannot write: %s", c->path, strerror(-err));
		unlink(tmp);
	}
	free(tmp);
	return err;
}

static int layout_and_write(struct wctx *c, uint64_t *sizep)
{
	Elf64_Ehdr eh;
	uint64_t off = sizeof(eh), shoff;
	uint8_t *img;
	int err;

	if (c->no >= SHN_LORESERVE)
		return -E2BIG;
	for (size_t i = 1; i < c->no; i++) {
		struct osec *o = &c->o[i];

		off = align_up(off, o->align);
		o->offset = off;
		if (o->sh_type != SHT_NOBITS)
			off += o->size;
	}
	shoff = align_up(off, 8);
	if (shoff > SIZE_MAX - c->no * sizeof(Elf64_Shdr))
		return -E2BIG;
	img = calloc(1, shoff + c->no * sizeof(Elf64_Shdr));
	if (!img)
		return -ENOMEM;

	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_ident[EI_OSABI] = ELFOSABI_SYSV;
	eh.e_type = ET_REL;
	eh.e_machine = c->w->machine;
	eh.e_version = EV_CURRENT;
	eh.e_shoff = shoff;
	eh.e_ehsize = sizeof(Elf64_Ehdr);
	eh.e_shentsize = sizeof(Elf64_Shdr);
	eh.e_shnum = (uint16_t)c->no;
	eh.e_shstrndx = (uint16_t)(c->no - 1);
	memcpy(img, &eh, sizeof(eh));

	for (size_t i = 0; i < c->no; i++) {
		struct osec *o = &c->o[i];
		Elf64_Shdr sh = {
			.sh_name = o->name_off, .sh_type = o->sh_type,
			.sh_flags = o->sh_flags, .sh_offset = i ? o->offset : 0,
			.sh_size = o->size, .sh_link = o->link, .sh_info = o->info,
			.sh_addralign = i ? o->align : 0, .sh_entsize = o->entsize,
		};

		if (o->sh_type != SHT_NOBITS && o->size)
			memcpy(img + o->offset, o->data, o->size);
		memcpy(img + shoff + i * sizeof(sh), &sh, sizeof(sh));
	}
	err = write_file(c, img, shoff + c->no * sizeof(Elf64_Shdr));
	free(img);
	if (!err && sizep)
		*sizep = shoff + c->no * sizeof(Elf64_Shdr);
	return err;
}

static int emitted(const struct wsec *s)
{
	return s->size || s->nrelocs || s->used;
}

static int do_write(struct wctx *c, uint64_t *sizep)
{
	struct po_writer *w = c->w;
	uint32_t sym_osec, r;
	size_t nrela = 0;
	int err;

	if ((err = check_late(c)) || (err = check_xtypes(c)))
		return err;
	for (size_t id = 1; id < w->nsecs; id++)
		nrela += w->secs[id].nrelocs > 0;
	/* null, code/data/extra, 11 metadata, rela, symtab, strtab, shstrtab */
	c->o = calloc(w->nsecs + 11 + nrela + 4, sizeof(*c->o));
	c->rela = calloc(w->nsecs, sizeof(*c->rela));
	c->rela_names = calloc(w->nsecs, sizeof(*c->rela_names));
	if (!c->o || !c->rela || !c->rela_names)
		return -ENOMEM;
	if ((err = strtab_add(&c->str, "", &(uint32_t){0})) ||
	    (err = strtab_add(&c->strtab, "", &(uint32_t){0})))
		return err;

	add_osec(c, "", SHT_NULL, 0, 0, 0, NULL, 0);
	for (size_t id = 1; id < w->nsecs; id++) {
		struct wsec *s = &w->secs[id];

		if (!emitted(s))
			continue;
		s->shndx = add_osec(c, sec_name(w, (int)id), s->sh_type, s->sh_flags,
				    s->align, 0, s->data.d, s->size);
		if ((s->sh_flags & (SHF_MERGE | SHF_STRINGS)) == (SHF_MERGE | SHF_STRINGS))
			c->o[s->shndx].entsize = 1;
	}
	/* symbol indices first: the records and relocations refer to them */
	if ((err = build_symtab(c)) || (err = build_records(c)))
		return err;

	add_osec(c, PO_SN_KATANA, SHT_PROGBITS, 0, 8, 0, c->hdr.d, c->hdr.len);
#define REC(n, b, type) \
	if ((b).len) \
		add_osec(c, n, SHT_PROGBITS, 0, _Alignof(type), sizeof(type), (b).d, (b).len)
	REC(PO_SN_FUNCS, c->funcs, struct po_disk_func);
	REC(PO_SN_MASKS, c->masks, struct po_disk_mask);
	REC(PO_SN_VARS, c->vars, struct po_disk_var);
	REC(PO_SN_SYMS, c->syms, struct po_disk_sym);
	REC(PO_SN_UNSAFE, c->unsafe, struct po_disk_unsafe);
	REC(PO_SN_XTYPES, c->xtypes, struct po_disk_xtype);
	REC(PO_SN_PTRS, c->ptrs, struct po_disk_ptr);
#undef REC
	if (c->xform.len)
		add_osec(c, PO_SN_XFORM, SHT_PROGBITS, 0, 1, 0, c->xform.d, c->xform.len);
	if (w->warnings.len)
		add_osec(c, PO_SN_WARNINGS, SHT_PROGBITS, 0, 1, 0, w->warnings.d,
			 w->warnings.len);
	add_osec(c, PO_SN_STR, SHT_STRTAB, 0, 1, 0, c->str.b.d, c->str.b.len);
	sym_osec = (uint32_t)(c->no + nrela);
	for (size_t id = 1; id < w->nsecs; id++) {
		if (!w->secs[id].nrelocs)
			continue;
		if ((err = build_rela(c, id)))
			return err;
		r = add_osec(c, c->rela_names[id], SHT_RELA, SHF_INFO_LINK, 8,
			     sizeof(Elf64_Rela), c->rela[id].d, c->rela[id].len);
		c->o[r].link = sym_osec;
		c->o[r].info = w->secs[id].shndx;
	}
	r = add_osec(c, ".symtab", SHT_SYMTAB, 0, 8, sizeof(Elf64_Sym),
		     c->symtab.d, c->symtab.len);
	c->o[r].info = c->first_global;
	c->o[r].link = r + 1;
	add_osec(c, ".strtab", SHT_STRTAB, 0, 1, 0, c->strtab.b.d, c->strtab.b.len);
	add_osec(c, ".shstrtab", SHT_STRTAB, 0, 1, 0, NULL, 0);
	if ((err = buf_add(&c->shstr, "", 1)))
		return err;
	for (size_t i = 1; i < c->no; i++) {
		c->o[i].name_off = (uint32_t)c->shstr.len;
		if ((err = buf_add(&c->shstr, c->o[i].name, strlen(c->o[i].name) + 1)))
			return err;
	}
	c->o[c->no - 1].data = c->shstr.d;
	c->o[c->no - 1].size = c->shstr.len;
	return layout_and_write(c, sizep);
}

int po_writer_write(struct po_writer *w, const char *path, uint64_t *size)
{
	struct wctx c;
	int err;

	memset(&c, 0, sizeof(c));
	c.w = w;
	c.path = path;
	err = do_write(&c, size);
	if (err == -ENOMEM || err == -E2BIG)
		po_err("po: '%s': cannot build the patch object: %s", path, strerror(-err));
	free(c.o);
	strtab_free(&c.str);
	strtab_free(&c.strtab);
	free(c.shstr.d);
	free(c.hdr.d);
	free(c.funcs.d);
	free(c.masks.d);
	free(c.vars.d);
	free(c.syms.d);
	free(c.unsafe.d);
	free(c.symtab.d);
	free(c.xtypes.d);
	free(c.xform.d);
	free(c.ptrs.d);
	for (size_t id = 0; c.rela && id < w->nsecs; id++) {
		free(c.rela[id].d);
		free(c.rela_names[id]);
	}
	free(c.rela);
	free(c.rela_names);
	return err;
}
