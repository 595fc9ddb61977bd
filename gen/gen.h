/* gen.h - katana patch generation: diff two object trees, write a PO.
 *
 * gen_run() reads OLD_DIR and NEW_DIR, finds the objects that make up EXE in
 * each, correlates and compares their functions and data, and writes a
 * Patch Object (po/po.h).  Library code: never exits, returns negative errno
 * (or GEN_E*), and reports through the print callback.
 */
#ifndef KATANA_GEN_H
#define KATANA_GEN_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

enum {
	GEN_ENOCHANGE = 1,	/* positive: trees do not differ for EXE, nothing written */
	GEN_EREFUSED = 5000,	/* negative: a change gen must not patch (type change, ...) */
	GEN_EINPUT = 5001,	/* negative: the trees or objects are not usable */
};

struct gen_opts {
	const char *old_dir;
	const char *new_dir;
	const char *exe;	/* name of the executable or shared library, relative to the dirs */
	const char *out;	/* output path; NULL means OLD_DIR/EXE.po */
	int verbose;		/* > 0: report every decision */
	/* paths objects of a transformed type may hide behind (void *, ...)
	 * that the user accepts: gen warns instead of refusing ("all": any) */
	const char *const *allow_opaque;
	size_t nallow_opaque;
};

struct gen_result {
	unsigned changed;	/* functions replaced */
	unsigned added;		/* new functions */
	unsigned removed;	/* functions only in the old build (left in place) */
	unsigned vars;		/* variables touched (new, const update, warning, transform) */
	unsigned transformed;	/* of those: data transformed or re-pointed */
	unsigned line_only;	/* functions skipped: only __LINE__ constants moved */
	unsigned warnings;	/* warnings stored in the PO */
	unsigned objects;	/* object pairs compared */
	uint64_t po_size;	/* bytes written */
	char out[4096];		/* path written */
};

enum gen_level { GEN_ERROR, GEN_WARN, GEN_INFO, GEN_DEBUG };
typedef void (*gen_print_fn)(enum gen_level level, const char *fmt, va_list ap);
gen_print_fn gen_set_print(gen_print_fn fn);

/* Returns 0 when a PO was written, GEN_ENOCHANGE when there is no difference,
 * a negative error otherwise (already reported). */
int gen_run(const struct gen_opts *o, struct gen_result *r);

/* ---------------------------------------------------------------- a PO's data
 * What a PO's DWARF says about the variables it transforms, for `katana
 * vars` and `katana apply --step` (they print the running data with GDB,
 * which needs the two layouts as types it can name).  Index i is the
 * variable's index in the PO's .katana.vars. */
struct gen_povars;
int gen_povars_open(const char *po_path, struct gen_povars **out);
void gen_povars_close(struct gen_povars *v);
/* Does the DWARF give var i its old and new type (a transform or fixup)? */
int gen_povars_typed(const struct gen_povars *v, size_t i);
/* A table of var i's members, old layout -> new layout, one line each
 * (each starting with indent), to f. */
int gen_povars_members(struct gen_povars *v, size_t i, const char *indent, FILE *f);
/* A DWARF-only ELF file: for every typed var i, typedefs katana_old_I and
 * katana_new_I of its two types (GDB: print *(katana_old_0 *) ADDR). */
int gen_povars_write_types(struct gen_povars *v, const char *path);
/* One for var i only: struct katana_old { OLD NAME; } and struct
 * katana_new { NEW NAME; }, the types of the stub's step stop. */
int gen_povars_write_step(struct gen_povars *v, size_t i, const char *path);

#endif
