/* plan_int.h - the planner's private data model, shared by plan*.c only. */
#ifndef KATANA_PLAN_INT_H
#define KATANA_PLAN_INT_H

#include <gelf.h>
#include <stdbool.h>

#include "plan.h"
#include "po.h"

#define PLAN_PAGE 4096ULL
#define PLAN_VENEER_SIZE 16	/* 14 bytes of jmp *0(%rip) + abs64, padded */
#define PLAN_NREG 6		/* region kinds 1..5, index 0 unused */

struct plan_maps {
	size_t n;
	struct plan_map *v;	/* paths malloc'd */
};

/* One ELF file mapped in the process, read lazily. */
struct plan_obj {
	char *path;		/* as in the maps */
	char *file;		/* sysroot + path */
	uint64_t bias;
	uint64_t lo, hi;	/* mapped range (all its mappings) */
	uint64_t text_lo, text_hi; /* executable mappings */
	bool loaded, failed, is_exec;	/* is_exec: has PT_INTERP */
	int fd;
	Elf *elf;
	/* symbols: .symtab if present, else .dynsym */
	Elf_Data *symtab, *dynsym, *versym;
	size_t symtab_strndx, dynsym_strndx, nsymtab, ndynsym;
	bool has_tls;
	uint64_t tls_vaddr, tls_memsz, tls_align;
};

enum plan_state { PLAN_OPENED = 1, PLAN_VERIFIED, PLAN_RESOLVED, PLAN_RELOCATED };

struct plan_sym {		/* per PO symbol */
	bool done, tls, func;
	uint64_t addr;		/* address, or TP offset for TLS */
	uint64_t size;		/* in the defining object, 0 unknown */
	int got;		/* index of its GOT slot, -1 */
	int veneer;		/* index of its veneer, -1 */
	int read;		/* index in reads of its IFUNC GOT read, -1 */
	struct plan_obj *obj;	/* defining object */
};

struct plan {
	enum plan_state state;
	bool applied;			/* plan_for_revert: the patch is in already */
	char *po_path, *po_name;	/* po_name: basename, for messages */
	struct po *po;
	const struct po_info *info;
	struct plan_maps maps;
	char *sysroot;
	size_t nobjs;
	struct plan_obj *objs;
	struct plan_obj *target;
	struct plan_sym *syms;		/* po_nsymbols() entries */
	size_t nsyms;

	struct plan_read *reads;
	size_t nreads;
	char **labels;
	size_t build_id_read;		/* index, or (size_t)-1 */
	size_t *func_read;		/* per po_func, (size_t)-1 for new */
	uint8_t **func_bytes;		/* dumped old bytes per po_func */
	uint64_t *func_room;		/* bytes a site may overwrite per po_func:
					 * its size, or with the padding after it */

	/* sizes known at open, used for hints and layout */
	uint64_t sec_off[PO_SEC_NFIXED];	/* offset in its region */
	uint64_t reg_len[PLAN_NREG];	/* bytes used per region kind 1..5 */
	uint64_t reg_size[PLAN_NREG];	/* page multiple */
	size_t ngot, nveneer_max, nveneer;

	uint64_t base;
	uint64_t reg_addr[PLAN_NREG];
	uint8_t *reg_bytes[PLAN_NREG];
	struct plan_region regions[PLAN_NREG - 1];
	uint64_t xplan_off[4];		/* offsets in the xform region: types, roots,
					 * ptrs, names; programs follow */
	size_t nregions;

	struct kstub_site *sites;
	char **site_names;
	size_t nsites;

	struct plan_range *unsafe;
	size_t nunsafe;
};

/* plan.c */
void plan_msg(enum plan_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
char *plan_strdup(const char *s);
char *plan_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* plan_reloc.c */
int plan_layout_sizes(struct plan *p);
uint64_t plan_sec_addr(const struct plan *p, int sec);	/* 0 if absent */

/* plan_xform.c: the transform plan (struct kstub_xplan) in region 5 */
uint64_t plan_xform_size(const struct plan *p);
int plan_xform_build(struct plan *p);

/* plan_elf.c */
int plan_obj_load(struct plan *p, struct plan_obj *o);
void plan_obj_free(struct plan_obj *o);
/* Find a defined symbol.  cu: for locals, the STT_FILE group (NULL: globals
 * only; PLAN_ANY_LOCAL: local symbols of any file, for globals that the link
 * made local).  dynamic: search .dynsym (default versions only).  Candidates are
 * reported through cb; returns the number found or negative error. */
#define PLAN_ANY_LOCAL ((const char *)1)
typedef void (*plan_sym_cb)(void *arg, const GElf_Sym *s);
int plan_obj_find(struct plan *p, struct plan_obj *o, const char *name,
		  const char *cu, bool dynamic, plan_sym_cb cb, void *arg);
int plan_obj_build_id(struct plan *p, struct plan_obj *o, uint64_t *vaddr,
		      uint8_t *id, size_t *len);
int plan_obj_irelative(struct plan *p, struct plan_obj *o, uint64_t value,
		       uint64_t *r_offset);
uint64_t plan_obj_room(struct plan *p, struct plan_obj *o, uint64_t vaddr,
		       uint64_t size, uint64_t want);

#endif
