/* po.h - the katana Patch Object (PO): write, open, validate, iterate.
 *
 * A PO is an ELF64 relocatable object (ET_REL) for the target's machine.
 * doc/po-format.md is the specification; this header is its C binding.
 *
 * Ownership: a struct po_writer owns every string and buffer passed to it
 * (they are copied).  A struct po returned by po_open() owns the file image;
 * every pointer obtained through it lives until po_close().
 *
 * Errors: functions return 0 (or a non-negative value) on success and a
 * negative errno, or a negative PO_E* code, on failure.  Each failure is also
 * described once through the print callback (po_set_print), naming the file
 * and the part of it that is wrong.
 */
#ifndef KATANA_PO_H
#define KATANA_PO_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Version 2 adds data transforms (.katana.xtypes, .katana.xform,
 * .katana.ptrs, var actions transform and fixup, the allocator symbols of
 * the header, the unsafe flags DATA and ALLOC).  A writer writes version 1
 * when a patch uses none of them,
 * so appliers that only know version 1 still take it. */
#define PO_FORMAT_VERSION 2	/* the newest version read and written */
#define PO_FORMAT_MIN 1		/* the oldest version read */
#define PO_MAGIC "KATANAPO" /* 8 bytes, no NUL, first bytes of .katana */

/* Errors of our own, below the errno range. */
enum {
	PO_EFORMAT = 4000, /* not a PO, or a malformed one */
	PO_EVERSION = 4001, /* a PO of a format version we do not read */
};

/* ---------------------------------------------------------------- on disk */
/* All records are little-endian (the PO is ELFDATA2LSB) and naturally aligned;
 * strings are offsets into .katana.str.  Symbol indices are .symtab indices. */

/* .katana: one header */
struct po_disk_hdr {
	char magic[8];		/* PO_MAGIC */
	uint32_t version;	/* PO_FORMAT_VERSION */
	uint32_t flags;		/* reserved, 0 */
	uint32_t target_name;	/* str: file name of the patched object, e.g. "server" */
	uint32_t target_kind;	/* enum po_target_kind */
	uint32_t build_id_len;	/* bytes used in build_id, 0 if the target has none */
	uint32_t generator;	/* str: "katana gen VERSION" */
	uint8_t build_id[64];
	uint32_t n_line_only;	/* functions that differed only in __LINE__ constants (skipped) */
	uint32_t alloc_sym;	/* v2: UNDEF symbol of the program's malloc, when
				 * the patch transforms heap objects; else 0 */
	uint32_t free_sym;	/* v2: its free; 0 when alloc_sym is 0 */
	uint32_t reserved[5];	/* 0; room for later additions */
};

enum po_target_kind {
	PO_TARGET_EXEC = 1,	/* ET_EXEC: fixed-address executable */
	PO_TARGET_PIE = 2,	/* ET_DYN with PT_INTERP: position-independent executable */
	PO_TARGET_SHARED = 3,	/* ET_DYN without PT_INTERP: shared library */
};

/* .katana.funcs: one per function whose code the patch brings */
struct po_disk_func {
	uint32_t name;		/* str: symbol name in the new build */
	uint32_t cu;		/* str: compilation unit (source file as in DW_AT_name) */
	uint32_t old_sym;	/* UNDEF symbol of the function it replaces; 0 for a new function */
	uint32_t new_sym;	/* defined STT_FUNC symbol in .text.new */
	uint32_t flags;		/* PO_FUNC_* */
	uint32_t mask_first;	/* first entry in .katana.masks for old_csum */
	uint32_t mask_count;	/* entries in .katana.masks for old_csum */
	uint32_t reserved;
	uint64_t old_size;	/* bytes of the old function in the target */
	uint64_t new_size;	/* bytes of the new function (== new_sym's st_size) */
	uint64_t old_value;	/* old function's address in the target object as linked
				 * (st_value in the old executable or library) */
	uint64_t old_csum;	/* po_checksum() of the old bytes with the masks zeroed */
};

enum {
	PO_FUNC_CHANGED = 1 << 0,	/* replaces old_sym */
	PO_FUNC_NEW = 1 << 1,		/* did not exist in the old build */
	PO_FUNC_LOCAL = 1 << 2,		/* static (file-scope) function */
	PO_FUNC_FRAGMENT = 1 << 3,	/* a split part (.cold) of another function */
	PO_FUNC_CLONE = 1 << 4,		/* a GCC clone (.isra/.constprop/.part) */
};

/* .katana.masks: byte ranges of an old function (relative to its start)
 * that the checksum ignores: relocation sites resolved by the linker. */
struct po_disk_mask {
	uint32_t off;
	uint32_t len;
};

/* .katana.vars: one per variable the patch touches */
struct po_disk_var {
	uint32_t name;		/* str */
	uint32_t cu;		/* str */
	uint32_t old_sym;	/* UNDEF symbol of the old variable, 0 if new */
	uint32_t new_sym;	/* defined symbol of the new storage, 0 if none */
	uint32_t action;	/* enum po_var_action */
	uint32_t flags;		/* PO_VAR_* */
	uint64_t old_size;
	uint64_t new_size;
	uint32_t type;		/* str: C type as text, e.g. "struct config" */
	uint32_t xtype;		/* v2, transform and fixup: 1 + index in .katana.xtypes; else 0 */
};

enum po_var_action {
	PO_VAR_NEW = 1,		/* new storage in .data.new/.bss.new/.rodata.new */
	PO_VAR_CONST_UPDATE = 2,/* const data whose contents changed: new copy in
				 * .rodata.new, every user in the patch */
	PO_VAR_INIT_CHANGED = 3,/* writable data whose initialiser changed: the
				 * running value wins (a warning says so) */
	PO_VAR_TRANSFORM = 4,	/* v2: the type's layout changed: new storage
				 * new_sym (holding v1's initial value) is built
				 * from the running old_sym by xtype's program;
				 * every user is in the patch */
	PO_VAR_FIXUP = 5,	/* v2: layout unchanged, but it holds pointers to
				 * transformed objects: fixed in place (xtype is
				 * an in-place type), no new storage */
};

enum {
	PO_VAR_LOCAL = 1 << 0,		/* static at file scope */
	PO_VAR_STATIC_LOCAL = 1 << 1,	/* static inside a function ("name.N") */
	PO_VAR_TLS = 1 << 2,		/* thread-local */
	PO_VAR_CONST = 1 << 3,		/* read-only */
};

/* .katana.syms: how to resolve each UNDEF symbol of .symtab in the target */
struct po_disk_sym {
	uint32_t sym;		/* .symtab index (an UNDEF symbol) */
	uint32_t flags;		/* PO_SYM_* */
	uint32_t cu;		/* str: compilation unit for PO_SYM_LOCAL, else 0 */
	uint32_t object;	/* str: object file defining it, relative to the tree, or 0 */
	uint64_t old_value;	/* st_value in the target object as linked, 0 when
				 * defined elsewhere (another shared object) */
	uint64_t size;		/* st_size, 0 if unknown */
};

enum {
	PO_SYM_LOCAL = 1 << 0,	/* a static of the target: resolve within cu */
	PO_SYM_FUNC = 1 << 1,
	PO_SYM_OBJECT = 1 << 2,
	PO_SYM_TLS = 1 << 3,
	PO_SYM_EXTERNAL = 1 << 4, /* not defined in the target object: another
				   * shared object (libc, ...) provides it */
	PO_SYM_WEAK = 1 << 5,	/* may stay unresolved (resolves to 0) */
};

/* .unsafe_functions: functions of the target that must not be active on any
 * thread while the patch is committed */
struct po_disk_unsafe {
	uint32_t sym;		/* UNDEF symbol naming the function */
	uint32_t flags;		/* PO_UNSAFE_* */
};

enum {
	PO_UNSAFE_REPLACED = 1 << 0,	/* its code is replaced */
	PO_UNSAFE_DATA = 1 << 1,	/* v2: its frames may hold pointers to data
					 * the patch transforms */
	PO_UNSAFE_ALLOC = 1 << 2,	/* v2: the program's allocator: must not be
					 * running while the applier allocates */
};

/* .katana.xtypes (v2): one per type whose objects a transform rebuilds or
 * fixes.  Programs are byte-code (po_xop.h) in .katana.xform. */
struct po_disk_xtype {
	uint32_t name;		/* str: C spelling ("struct node", "int -> long") */
	uint32_t flags;		/* PO_XT_* */
	uint32_t fwd_off;	/* forward program (old layout -> new) in .katana.xform */
	uint32_t fwd_len;
	uint32_t back_off;	/* backward program (new -> old), for revert */
	uint32_t back_len;	/* 0: the transform cannot be undone */
	uint64_t old_size;
	uint64_t new_size;
	uint32_t diff;		/* str: what changed, one line for viewers */
	uint32_t back_why;	/* str: why there is no backward program ("" if there is) */
};

enum {
	PO_XT_INPLACE = 1 << 0,	/* layout unchanged: objects are fixed where they
				 * are (only their pointers change) */
	PO_XT_HEAP = 1 << 1,	/* PTR operations reach objects of it: the applier
				 * finds them through pointers and allocates their
				 * new copies with the program's allocator (an
				 * in-place heap type's objects stay where they
				 * are; only their pointers are fixed) */
};

/* .katana.ptrs (v2): a pointer in the target's static data that the link
 * initialised to (into) a transformed variable; re-pointed at apply time
 * when it still holds that address. */
struct po_disk_ptr {
	uint32_t site_sym;	/* UNDEF symbol: the target's data object holding it */
	uint32_t var;		/* index in .katana.vars (action transform) */
	uint64_t site_off;	/* offset of the 8-byte pointer within site_sym */
	int64_t addend;		/* it holds the old variable's address + addend */
};

/* .katana.warnings: NUL-terminated strings, one after another. */

/* ------------------------------------------------------- checksum */
/* 64-bit FNV-1a over len bytes; bytes inside any of the masks count as 0.
 * masks are relative to data. */
uint64_t po_checksum(const void *data, size_t len,
		     const struct po_disk_mask *masks, size_t nmasks);

/* ------------------------------------------------------- diagnostics */
enum po_level { PO_ERROR, PO_WARN, PO_INFO, PO_DEBUG };
typedef void (*po_print_fn)(enum po_level level, const char *fmt, va_list ap);
/* Install the callback for messages of the po library; NULL restores the
 * default (stderr, errors and warnings only).  Returns the old callback. */
po_print_fn po_set_print(po_print_fn fn);

/* ------------------------------------------------------- writing */
/* Sections of the PO that carry code and data. */
enum po_sec {
	PO_SEC_UNDEF = 0,
	PO_SEC_TEXT,	/* .text.new    AX */
	PO_SEC_RODATA,	/* .rodata.new  A  */
	PO_SEC_DATA,	/* .data.new    WA */
	PO_SEC_BSS,	/* .bss.new     WA, NOBITS */
	PO_SEC_TDATA,	/* .tdata.new   WAT */
	PO_SEC_TBSS,	/* .tbss.new    WAT, NOBITS */
	PO_SEC_NFIXED,
	/* ids >= PO_SEC_NFIXED are extra sections from po_writer_add_section */
};

struct po_writer;

struct po_target_info {
	const char *name;		/* file name of the target object */
	enum po_target_kind kind;
	const uint8_t *build_id;	/* may be NULL */
	size_t build_id_len;		/* <= 64 */
	uint16_t machine;		/* EM_X86_64 */
};

/* Create a writer; *out owns copies of everything in t. */
int po_writer_new(struct po_writer **out, const struct po_target_info *t);
void po_writer_free(struct po_writer *w);

/* Append bytes to a fixed section, aligned to align (a power of two).  For
 * PO_SEC_BSS/TBSS data must be NULL.  *off receives the offset of the bytes. */
int po_writer_append(struct po_writer *w, int sec, const void *data,
		     size_t size, size_t align, uint64_t *off);

/* Add an extra section (e.g. .debug_info).  Returns its id (>= PO_SEC_NFIXED)
 * or a negative error.  sh_type/sh_flags as in ELF. */
int po_writer_add_section(struct po_writer *w, const char *name,
			  uint32_t sh_type, uint64_t sh_flags,
			  const void *data, size_t size, size_t align);

/* Symbols.  Returns a handle (> 0) used by relocations and records; the
 * writer orders .symtab (locals first) and maps handles when writing.
 * sec == PO_SEC_UNDEF makes an undefined symbol (value and size then only
 * document the target; .katana.syms carries the resolution info).
 * A section's own STT_SECTION symbol: po_writer_section_sym(). */
int po_writer_symbol(struct po_writer *w, const char *name, int sec,
		     uint64_t value, uint64_t size, int stt, int stb);
int po_writer_section_sym(struct po_writer *w, int sec);

/* How to resolve an UNDEF symbol handle in the target (.katana.syms).
 * cu and object may be NULL. */
int po_writer_symref(struct po_writer *w, int sym, uint32_t flags,
		     const char *cu, const char *object, uint64_t old_value,
		     uint64_t size);

/* A RELA relocation at offset in section sec against symbol handle sym. */
int po_writer_reloc(struct po_writer *w, int sec, uint64_t offset,
		    uint32_t type, int sym, int64_t addend);

struct po_func_info {
	const char *name;
	const char *cu;
	int old_sym;		/* handle, 0 for a new function */
	int new_sym;		/* handle */
	uint32_t flags;		/* PO_FUNC_* */
	uint64_t old_size, new_size, old_value, old_csum;
	const struct po_disk_mask *masks;
	size_t nmasks;
};
int po_writer_func(struct po_writer *w, const struct po_func_info *f);

struct po_var_info {
	const char *name;
	const char *cu;
	const char *type;	/* may be NULL */
	int old_sym, new_sym;	/* handles or 0 */
	enum po_var_action action;
	uint32_t flags;		/* PO_VAR_* */
	uint64_t old_size, new_size;
	uint32_t xtype;		/* transform/fixup: 1 + index from po_writer_xtype */
};
int po_writer_var(struct po_writer *w, const struct po_var_info *v);
/* Variables added so far (the index the next one gets). */
size_t po_writer_nvars(const struct po_writer *w);

/* A transformed type; returns its index (>= 0) or a negative error.
 * Programs are checked (po_xform_check) when the PO is written, once every
 * type they refer to exists. */
struct po_xtype_info {
	const char *name;
	const char *diff;	/* may be NULL */
	const char *back_why;	/* may be NULL: why back is NULL */
	uint32_t flags;		/* PO_XT_* */
	uint64_t old_size, new_size;
	const uint8_t *fwd;
	size_t fwd_len;
	const uint8_t *back;	/* may be NULL: cannot be undone */
	size_t back_len;
};
int po_writer_xtype(struct po_writer *w, const struct po_xtype_info *t);
/* A pointer to re-point (.katana.ptrs): site_sym is an UNDEF handle, var
 * the index of a transform variable. */
int po_writer_ptr(struct po_writer *w, int site_sym, uint32_t var,
		  uint64_t site_off, int64_t addend);
/* The program's allocator (UNDEF function handles) for heap transforms. */
int po_writer_set_alloc(struct po_writer *w, int alloc_sym, int free_sym);

int po_writer_unsafe(struct po_writer *w, int sym, uint32_t flags);

/* Warnings are stored in the PO and shown by `katana show`. */
int po_writer_warning(struct po_writer *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void po_writer_set_line_only(struct po_writer *w, uint32_t n);

/* Lay out and write the PO to path (written to a temporary name and renamed,
 * so a failure never leaves a partial file).  *size receives its size. */
int po_writer_write(struct po_writer *w, const char *path, uint64_t *size);

/* ------------------------------------------------------- reading */
/* po_open reads and validates the whole file: ELF structure, every offset,
 * size, index and string.  Nothing obtained from a struct po needs further
 * bounds checks. */
struct po;

struct po_symbol {		/* one .symtab entry */
	const char *name;
	uint64_t value, size;
	int sec;		/* enum po_sec / extra id, PO_SEC_UNDEF, or -1 (ABS/other) */
	uint8_t stt, stb;
	const struct po_disk_sym *ref;	/* resolution info for UNDEF, else NULL */
	const char *ref_cu, *ref_object; /* ref's strings or NULL */
};

struct po_section {
	const char *name;
	uint32_t sh_type;
	uint64_t sh_flags, size, align;
	const uint8_t *data;	/* NULL for NOBITS */
	size_t nrelocs;
	const struct po_reloc *relocs;	/* sorted by offset */
};

struct po_reloc {
	uint64_t offset;
	uint32_t type;		/* R_X86_64_* */
	uint32_t sym;		/* .symtab index */
	int64_t addend;
};

struct po_func {
	const char *name, *cu;
	uint32_t flags;
	uint32_t old_sym, new_sym;	/* .symtab indices (old_sym 0 when new) */
	uint64_t old_size, new_size, old_value, old_csum;
	const struct po_disk_mask *masks;
	size_t nmasks;
};

struct po_var {
	const char *name, *cu, *type;	/* type may be "" */
	enum po_var_action action;
	uint32_t flags;
	uint32_t old_sym, new_sym;
	uint64_t old_size, new_size;
	uint32_t xtype;			/* 1 + xtype index, or 0 */
};

struct po_xtype {
	const char *name, *diff;	/* diff may be "" */
	const char *back_why;		/* "" unless back is NULL */
	uint32_t flags;
	uint64_t old_size, new_size;
	const uint8_t *fwd, *back;	/* back NULL when it cannot be undone */
	size_t fwd_len, back_len;
};

struct po_ptr {
	uint32_t site_sym, var;
	uint64_t site_off;
	int64_t addend;
};

struct po_unsafe {
	uint32_t sym;
	uint32_t flags;
};

struct po_info {
	uint32_t version;
	const char *target_name;
	enum po_target_kind target_kind;
	const uint8_t *build_id;
	size_t build_id_len;
	const char *generator;
	uint16_t machine;
	uint32_t n_line_only;
	uint64_t file_size;
	uint32_t alloc_sym, free_sym;	/* .symtab indices, 0 if none */
};

int po_open(const char *path, struct po **out);
/* Same on a memory image (copied); name is used in messages. */
int po_open_mem(const void *data, size_t size, const char *name, struct po **out);
void po_close(struct po *p);

const struct po_info *po_info(const struct po *p);
size_t po_nsymbols(const struct po *p);
const struct po_symbol *po_symbol(const struct po *p, size_t i);
size_t po_nsections(const struct po *p);	/* fixed + extra, by id */
const struct po_section *po_section(const struct po *p, int id); /* NULL if absent */
size_t po_nfuncs(const struct po *p);
const struct po_func *po_func(const struct po *p, size_t i);
size_t po_nvars(const struct po *p);
const struct po_var *po_var(const struct po *p, size_t i);
size_t po_nunsafe(const struct po *p);
const struct po_unsafe *po_unsafe(const struct po *p, size_t i);
size_t po_nwarnings(const struct po *p);
const char *po_warning(const struct po *p, size_t i);
size_t po_nxtypes(const struct po *p);
const struct po_xtype *po_xtype(const struct po *p, size_t i);
size_t po_nptrs(const struct po *p);
const struct po_ptr *po_ptr(const struct po *p, size_t i);

/* Check one transform program (po_xop.h) of xtype `self` in direction
 * back (0 forward: old -> new; 1 backward) against the xtype table: every
 * operation decodes, stays inside both objects, names existing types of
 * the right kind and size, an in-place type only re-points pointers, and
 * END comes last.  Embedding (SUB, ARRAY) must not loop nor nest deeper
 * than PO_XFORM_MAX_DEPTH: checked by po_xform_check_all.  0, or -1 with a reason in why (for messages). */
int po_xform_check(const struct po_xtype *types, size_t ntypes, size_t self, int back,
		   char *why, size_t why_len);
int po_xform_check_all(const struct po_xtype *types, size_t ntypes, char *why,
		       size_t why_len);
#define PO_XFORM_MAX_DEPTH 64	/* SUB/ARRAY nesting an engine must follow */
/* Translate an offset inside an object of xtype t's old layout (back: new
 * layout) to the other layout, through its program: 0 with *out, -1 if the
 * byte is not carried over (a removed member, padding, the inside of a
 * converted field). */
int po_xform_translate(const struct po_xtype *types, size_t ntypes, size_t t, int back,
		       uint64_t off, uint64_t *out);

/* Every ELF section of the file by ELF index (1 <= i < po_nelf_sections()),
 * metadata and relocation sections included: for viewers that list what a
 * PO is made of.  Returns the name, or NULL for i out of range. */
size_t po_nelf_sections(const struct po *p);
const char *po_elf_section(const struct po *p, size_t i, uint32_t *sh_type,
			   uint64_t *size);

/* Names of things, for messages and viewers. */
const char *po_sec_name(int sec);	/* fixed sections only */
const char *po_target_kind_name(enum po_target_kind k);	/* "exec", "pie", "shared" */
const char *po_var_action_name(enum po_var_action a);	/* "new", "const-update", "init-changed",
								 * "transform", "fixup" */
const char *po_xop_name(uint8_t code);	/* "copy", "int", ... */
struct po_xop;
/* One operation in words, for viewers ("copy +8 -> +16, 8 bytes"); types
 * (may be NULL) names the xtypes it refers to. */
void po_xop_describe(const struct po_xtype *types, size_t ntypes, const struct po_xop *op,
		     char *buf, size_t n);
const char *po_reloc_name(uint32_t type);	/* "R_X86_64_PC32", ... */
const char *po_strerror(int err);	/* for negative returns */

#endif /* KATANA_PO_H */
