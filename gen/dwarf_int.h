/* dwarf_int.h - what gen's DWARF readers (dwarf_read.c, dwarf_types.c)
 * share: the object behind struct gd_obj and the libdwarf helpers.
 * Internal to gen/.  Helpers return 1 found / 0 absent / <0 error (already
 * reported) unless said otherwise. */
#ifndef KATANA_DWARF_INT_H
#define KATANA_DWARF_INT_H

#include <stddef.h>
#include <stdint.h>

#include <dwarf.h>
#include <libdwarf.h>

#define MAX_DEPTH 64

struct sbuf {
	char *p;
	size_t len, cap;
	int err;
};

void gdr_sb_addn(struct sbuf *b, const char *s, size_t n);
void gdr_sb_add(struct sbuf *b, const char *s);
void gdr_sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *gdr_sb_take(struct sbuf *b);	/* never NULL unless out of memory */

struct lrow {
	uint64_t addr;
	const char *file;
	unsigned line, column;
	unsigned shndx;		/* ET_REL: section of the sequence */
	unsigned char is_stmt, end_seq;
};

struct gd_cu {
	Dwarf_Off off;		/* CU DIE offset in .debug_info */
	char *name, *comp_dir;
	Dwarf_Half version;
	int has_stmt;
	Dwarf_Unsigned stmt_list;
	int lines_loaded;
	struct lrow *rows;
	size_t nrows;
};

struct lrel {			/* R_X86_64_64 of .rela.debug_line */
	uint64_t off;
	unsigned shndx;
	uint64_t value;		/* st_value + addend */
};

struct gt_store;		/* dwarf_types.c */

struct gd_obj {
	char *path;
	Dwarf_Debug dbg;
	int has_dwarf;
	int etype;
	struct gd_cu *cus;
	size_t ncus;
	/* interned strings: open-addressing hash set */
	char **strs;
	size_t nstrs, capstrs;
	/* ET_REL relocations of .debug_line */
	int lrels_loaded;
	struct lrel *lrels;
	size_t nlrels;
	struct gt_store *types;	/* type model, built on demand */
};

const char *gdr_intern(struct gd_obj *g, const char *s);
int gdr_dw_fail(struct gd_obj *g, Dwarf_Error *e, const char *what);
void gdr_drop_err(struct gd_obj *g, Dwarf_Error *e);
int gdr_attr_get(struct gd_obj *g, Dwarf_Die d, Dwarf_Half at, Dwarf_Attribute *a);
int gdr_attr_str(struct gd_obj *g, Dwarf_Die d, Dwarf_Half at, const char **out);
int gdr_attr_udata(struct gd_obj *g, Dwarf_Die d, Dwarf_Half at, Dwarf_Unsigned *out);
int gdr_attr_flag(struct gd_obj *g, Dwarf_Die d, Dwarf_Half at);	/* 1 set, else 0 */
/* 1 if d's DW_AT_location is an address (static storage), else 0 */
int gdr_addr_location(struct gd_obj *g, Dwarf_Die d);
int gdr_attr_ref(struct gd_obj *g, Dwarf_Die d, Dwarf_Half at, Dwarf_Off *out);
int gdr_die_at(struct gd_obj *g, Dwarf_Off off, Dwarf_Die *d);	/* 0 or <0 */
Dwarf_Half gdr_die_tag(struct gd_obj *g, Dwarf_Die d);
Dwarf_Off gdr_die_off(struct gd_obj *g, Dwarf_Die d);
int gdr_die_child(struct gd_obj *g, Dwarf_Die d, Dwarf_Die *c);
int gdr_die_next(struct gd_obj *g, Dwarf_Die *d);	/* deallocates *d */
int gdr_die_name_depth(struct gd_obj *g, Dwarf_Die d, Dwarf_Half at, const char **out,
		       int depth);
int gdr_die_name(struct gd_obj *g, Dwarf_Die d, const char **out);
int gdr_die_origin(struct gd_obj *g, Dwarf_Die d, Dwarf_Die *t);
int gdr_die_follow_ref(struct gd_obj *g, Dwarf_Die d, Dwarf_Half at, Dwarf_Off *out,
		       int depth);
int gdr_die_follow_udata(struct gd_obj *g, Dwarf_Die d, Dwarf_Half at,
			 Dwarf_Unsigned *out, int depth);
/* C spelling of the type at off (0 = void) around declarator decl; peel:
 * look through typedefs. */
int gdr_spell(struct gd_obj *g, Dwarf_Off off, const char *decl, int peel, int depth,
	      struct sbuf *out);
/* A member's place: byte offset, and for a bit-field its bit position from
 * the aggregate's start and width (*bit_size 0 for a plain member).
 * mt: the member's type (for DW_AT_bit_offset of DWARF 2/3). */
int gdr_member_loc(struct gd_obj *g, Dwarf_Die m, Dwarf_Off mt, uint64_t *byte_off,
		   uint64_t *bit_pos, uint64_t *bit_size);

/* Walk the children of parent: fn returns 1 to stop (found), 0 to go on,
 * <0 error; recurse: into subprograms, lexical blocks, inlined calls. */
typedef int (*walk_fn)(struct gd_obj *g, Dwarf_Die d, Dwarf_Half tag, void *arg);
int gdr_walk(struct gd_obj *g, Dwarf_Die parent, int depth, walk_fn fn, void *arg,
	     int recurse);
/* The DIE of variable name (func NULL: file scope, else a static local of
 * that function): 1 with *off, 0 if none, <0 error. */
int gdr_find_var(struct gd_obj *g, const char *name, const char *func, Dwarf_Off *off);

void gdr_types_free(struct gd_obj *g);	/* dwarf_types.c */

#endif
