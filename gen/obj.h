/* obj.h - gen's data model: sections, symbols and relocations of one
 * relocatable object, each with a twin in the other build.  Internal. */
#ifndef KATANA_GEN_OBJ_H
#define KATANA_GEN_OBJ_H

#include <gelf.h>
#include <stddef.h>
#include <stdint.h>

struct gd_obj;

enum gstatus { S_UNKNOWN = 0, S_SAME, S_CHANGED, S_NEW };

struct gsym;

struct grela {
	uint64_t off;
	uint32_t type;
	struct gsym *sym;
	int64_t addend;
};

struct gsec {
	char *name;
	unsigned idx;
	uint32_t type;
	uint64_t flags, size, align, entsize;
	const uint8_t *data;		/* NULL for NOBITS */
	struct grela *relas;		/* sorted by offset */
	size_t nrelas;
	struct gsym *secsym;		/* its STT_SECTION symbol, if any */
	struct gsym **syms;		/* FUNC/OBJECT/TLS symbols in it, by value */
	size_t nsyms;
	uint64_t *cuts;			/* anonymous-chunk boundaries (see chunk.c) */
	size_t ncuts;
};

enum {
	GF_FUNC = 1 << 0,
	GF_OBJECT = 1 << 1,
	GF_TLS = 1 << 2,
	GF_LOCAL = 1 << 3,		/* STB_LOCAL */
	GF_STATIC_LOCAL = 1 << 4,	/* "name.N": a static inside a function */
	GF_CLONE = 1 << 5,		/* .isra/.constprop/.part */
	GF_FRAGMENT = 1 << 6,		/* .cold */
	GF_CONST = 1 << 7,		/* lives in a read-only section */
	GF_UNDEF = 1 << 8,
	GF_WEAK = 1 << 9,
	GF_LINE_ONLY = 1 << 10,		/* differs only by __LINE__ constants */
	GF_XFORM = 1 << 11,		/* a variable whose data is transformed (xform.c) */
	GF_FIXUP = 1 << 12,		/* a variable whose pointers are re-pointed in place */
};

struct gsym {
	char *name;
	char *key;			/* correlation key: name with clone numbers removed */
	unsigned idx;
	uint8_t stt, stb;
	uint16_t shndx;
	uint64_t value, size;
	uint32_t flags;			/* GF_* */
	struct gsec *sec;		/* NULL for UNDEF/ABS/COMMON */
	struct gobj *obj;
	struct gsym *twin;
	enum gstatus status;
	const char *why;		/* why CHANGED, for -v */
	struct gsym *parent;		/* fragment (.cold) -> its function */
	struct gsym *frag;		/* function -> its fragment */
	size_t rela_first, nrelas;	/* its relocations within sec->relas */
	int include;			/* its bytes go into the PO */
	int handle;			/* po_writer handle of its new copy */
	int ref_handle;			/* po_writer handle of the UNDEF reference */
	uint64_t po_off;		/* offset of its new copy in its PO section */
	uint64_t po_size;		/* size of the copy (code: with jump veneers) */
	int po_sec;
};

struct gobj {
	char *path;			/* as opened */
	char *rel;			/* relative to its tree */
	int fd;
	Elf *elf;
	struct gsec *secs;
	size_t nsecs;
	struct gsym *syms;
	size_t nsyms;
	char *cu;			/* DW_AT_name of its CU (or STT_FILE name) */
	char *comp_dir;
	struct gd_obj *dw;
	struct gobj *twin;
	int cxx;
};

/* Load path (a relocatable object).  rel is the name used in messages. */
int gobj_open(const char *path, const char *rel, struct gobj **out);
void gobj_free(struct gobj *o);
struct gsym *gobj_find(struct gobj *o, const char *name);
/* The FUNC/OBJECT symbol covering off in sec, or NULL. */
struct gsym *gsec_sym_at(struct gsec *s, uint64_t off);
int gsym_is_code(const struct gsym *s);

/* The linked target (executable or shared library). */
struct gtarget_sym {
	const char *name;
	const char *file;		/* STT_FILE group it sits in (locals), else NULL */
	uint64_t value, size;
	uint8_t stt, stb;
	uint16_t shndx;
};

struct gtarget {
	char *path;
	char *name;
	int fd;
	Elf *elf;
	uint16_t type, machine;
	int kind;			/* enum po_target_kind */
	uint8_t build_id[64];
	size_t build_id_len;
	struct gtarget_sym *syms;
	size_t nsyms;
	struct gd_obj *dw;
};

int gtarget_open(const char *path, const char *name, struct gtarget **out);
void gtarget_free(struct gtarget *t);
/* Find a defined symbol: for a local, the one in file group cu (matched by
 * basename when the full name does not match); for a global, by name. */
const struct gtarget_sym *gtarget_lookup(const struct gtarget *t,
					 const char *name, const char *cu,
					 int local);
/* The type (STT_*) a target gives a global it imports or defines, or
 * STT_NOTYPE. */
int gtarget_global_type(const struct gtarget *t, const char *name);
/* Bytes of the target's file at link-time address addr, or NULL. */
const uint8_t *gtarget_bytes(const struct gtarget *t, uint64_t addr,
			     uint64_t size);

static inline int is_pcrel(uint32_t type)
{
	switch (type) {
	case R_X86_64_PC32: case R_X86_64_PLT32: case R_X86_64_GOTPCREL:
	case R_X86_64_GOTPCRELX: case R_X86_64_REX_GOTPCRELX:
	case R_X86_64_GOTTPOFF: case R_X86_64_TLSGD: case R_X86_64_TLSLD:
	case R_X86_64_GOTPC32_TLSDESC: case R_X86_64_PC64: case R_X86_64_PC8:
	case R_X86_64_PC16:
		return 1;
	}
	return 0;
}

static inline unsigned rela_size(uint32_t type)
{
	switch (type) {
	case R_X86_64_64: case R_X86_64_PC64: case R_X86_64_DTPOFF64:
	case R_X86_64_TPOFF64: case R_X86_64_GOTOFF64: case R_X86_64_SIZE64:
		return 8;
	case R_X86_64_16: case R_X86_64_PC16:
		return 2;
	case R_X86_64_8: case R_X86_64_PC8:
		return 1;
	case R_X86_64_NONE:
		return 0;
	}
	return 4;
}

#endif
