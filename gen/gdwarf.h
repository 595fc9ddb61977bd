/* gdwarf.h - gen's DWARF reading (libdwarf consumer) and writing (producer).
 * Internal to gen/.  Same error conventions as gen.h: negative errno or
 * -GEN_E*, messages through gen's print callback (gen_msg in gen_internal.h).
 */
#ifndef KATANA_GDWARF_H
#define KATANA_GDWARF_H

#include <stddef.h>
#include <stdint.h>

struct po_writer;

/* ---------------------------------------------------------------- reading */
/* The DWARF of one relocatable object (.o) or of a linked executable/library. */
struct gd_obj;

/* Open path's DWARF.  An object without DWARF opens fine (gd_has_dwarf()
 * returns 0) so callers can fall back to symbols.  For ET_REL objects the
 * relocations of the debug sections are applied (addresses become offsets
 * within their section). */
int gd_open(const char *path, struct gd_obj **out);
void gd_close(struct gd_obj *g);
int gd_has_dwarf(const struct gd_obj *g);

/* Compilation units: name (DW_AT_name) and comp_dir, in file order.
 * Strings owned by g. */
size_t gd_ncus(const struct gd_obj *g);
const char *gd_cu_name(const struct gd_obj *g, size_t i);
const char *gd_cu_comp_dir(const struct gd_obj *g, size_t i);

/* The type of a variable, as a canonical structural signature: two variables
 * have layout-compatible types exactly when their signatures are equal.
 * It covers byte sizes, member names, offsets, bit-fields, and member types
 * recursively (through typedefs, arrays with bounds, pointers by pointee
 * name only, enums with enumerator values, unions), qualifiers included.
 * name: the variable's name.  func: NULL for a file-scope (global or static)
 * variable, else the name of the function a static local is declared in.
 * linkage: for static locals the ELF symbol is "name.N": pass the base name.
 * *sig and *type_name (C spelling, e.g. "struct config", "int[4]",
 * "const char *") are malloc'd; caller frees.  -ENOENT if not found. */
int gd_var_type(struct gd_obj *g, const char *name, const char *func,
		char **sig, char **type_name);

/* ---------------------------------------------------------------- type model
 * A variable's type as a graph (for data transforms): typedefs and
 * qualifiers are looked through, every node is owned by its gd_obj and
 * lives until gd_close.  Recursive types are cycles through GT_PTR. */
enum gt_kind {
	GT_VOID, GT_BASE, GT_PTR, GT_ARRAY, GT_STRUCT, GT_UNION, GT_ENUM,
	GT_FUNC,	/* a function type (what function pointers point to) */
	GT_DECL,	/* struct/union/enum declared but not defined here (incomplete) */
	GT_OTHER,
};

struct gtype;

struct gt_member {
	const char *name;	/* "" for an anonymous member */
	uint64_t off;		/* byte offset (bit-field: of the byte holding its first bit) */
	uint64_t bit_pos;	/* bit-field: first bit from the aggregate's start */
	uint64_t bit_size;	/* bit-field width, 0 for a plain member */
	struct gtype *type;
};

struct gt_enumerator {
	const char *name;
	int64_t value;
};

struct gtype {
	enum gt_kind kind;
	enum gt_kind decl_kind;	/* GT_DECL: GT_STRUCT, GT_UNION or GT_ENUM */
	const char *name;	/* tag or base type name; NULL if anonymous */
	const char *spell;	/* C spelling: "struct node", "unsigned int", "char *" */
	uint64_t size;
	int is_signed;		/* base and enum types */
	unsigned encoding;	/* base: DW_ATE_* */
	struct gtype *target;	/* pointer: pointee (NULL for void); array: element */
	uint64_t count;		/* array: elements, 0 when unknown (flexible) */
	struct gt_member *m;	/* struct, union */
	size_t nm;
	struct gt_enumerator *e;	/* enum */
	size_t ne;
	struct gd_obj *owner;
};

/* The type of variable name (func as for gd_var_type).  -ENOENT if the
 * variable is not described. */
int gd_var_gtype(struct gd_obj *g, const char *name, const char *func, struct gtype **t);
/* The complete struct/union/enum named name (kind GT_STRUCT, GT_UNION or
 * GT_ENUM) defined in g: 1 with *t, 0 if g has none. */
int gd_named_gtype(struct gd_obj *g, enum gt_kind kind, const char *name, struct gtype **t);
/* Every variable at the top of g's compile units, in order, with its type
 * (NULL if it has none).  cb returns 0 to go on. */
typedef int (*gd_var_fn)(void *arg, const char *name, struct gtype *t);
int gd_each_var(struct gd_obj *g, gd_var_fn cb, void *arg);

/* Every function with code in g, and the types of its parameters and
 * automatic variables (those of inlined calls and nested blocks included;
 * static locals are not on the stack and are left out).  cb returns 0 to go
 * on, anything else stops the walk and is returned. */
typedef int (*gd_local_fn)(void *arg, const char *func, const char *var, struct gtype *t);
int gd_each_local(struct gd_obj *g, gd_local_fn cb, void *arg);

/* Explain how two signatures from gd_var_type differ, in one line meant for
 * a user ("size 8 -> 12; member 'b' offset 4 -> 8; member 'c' added").
 * malloc'd. */
char *gd_sig_diff(const char *old_sig, const char *new_sig);

/* Declaration line and file of a function (by its ELF symbol name: DW_AT_name
 * or DW_AT_linkage_name, clones "f.isra.0" looked up as their origin "f").
 * -ENOENT if not found. */
int gd_func_decl(struct gd_obj *g, const char *sym_name, unsigned *line,
		 const char **file);

/* Line rows of the code in [start, start+size) of the object's ELF section
 * with index shndx (ET_REL: section-relative addresses).  Rows are sorted by
 * address; addr is relative to start.  *rows is malloc'd; caller frees. */
struct gd_row {
	uint64_t addr;
	const char *file;	/* owned by g */
	unsigned line;
	unsigned column;
	int is_stmt;
};
int gd_lines(struct gd_obj *g, unsigned shndx, uint64_t start, uint64_t size,
	     struct gd_row **rows, size_t *nrows);

/* ---------------------------------------------------------------- writing */
/* Builds the PO's .debug_info/.debug_abbrev/.debug_str/.debug_line (DWARF 4,
 * one compile unit "katana patch") with libdwarf's producer, and hands them
 * with their relocations to a po_writer.  Symbol arguments are po_writer
 * symbol handles (po_writer_symbol); 0 means "none". */
struct gd_out;

int gd_out_new(struct gd_out **out, const char *patch_name);
void gd_out_free(struct gd_out *o);

/* A function the patch brings.  Writes:
 *  - a DW_TAG_subprogram for the new code: DW_AT_name, DW_AT_low_pc
 *    (relocated against new_sym), DW_AT_high_pc (new_size), DW_AT_decl_file /
 *    DW_AT_decl_line when known, DW_AT_description = desc;
 *  - when old_sym != 0, a DW_TAG_subprogram for the replaced code with
 *    DW_AT_low_pc relocated against old_sym, DW_AT_high_pc (old_size) and
 *    DW_AT_trampoline referring to the new DIE (after the patch the old entry
 *    is a trampoline to the new code), DW_AT_description "replaced by ...";
 *  - line-table rows (rows relative to the function start) so a debugger maps
 *    the new code to source lines. */
int gd_out_func(struct gd_out *o, const char *name, const char *cu,
		int new_sym, uint64_t new_size, int old_sym, uint64_t old_size,
		const char *decl_file, unsigned decl_line,
		const struct gd_row *rows, size_t nrows, const char *desc);

/* A variable the patch touches: DW_TAG_variable with DW_AT_location
 * (DW_OP_addr relocated against new_sym if any, else old_sym),
 * DW_AT_description = desc; a second DIE for old storage when both exist.
 * new_t/old_t (may be NULL): their types, written as DIEs of the unit; a
 * variable with both (a transform) names its old storage katana_old_NAME. */
int gd_out_var(struct gd_out *o, const char *name, const char *cu,
	       int new_sym, uint64_t new_size, int old_sym, uint64_t old_size,
	       const char *type_name, const char *desc,
	       const struct gtype *new_t, const struct gtype *old_t);
/* typedef T NAME, T written as DIEs of the unit (a type of another gd_obj). */
int gd_out_typedef(struct gd_out *o, const char *name, const struct gtype *t);
/* struct TAG { T MEMBER; }: what `katana apply --step` loads so that GDB
 * prints the stub's opaque struct katana_old/katana_new. */
int gd_out_wrapper(struct gd_out *o, const char *tag, const char *member, const struct gtype *t);

/* Produce the sections and add them (and their .rela sections) to w. */
int gd_out_finish(struct gd_out *o, struct po_writer *w);

#endif
