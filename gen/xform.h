/* xform.h - data transforms: variables whose type changed between the
 * builds, the programs that rebuild their objects in the running process
 * (po_xop.h), and what that drags into the patch.  Internal to gen/.
 *
 * Pipeline place: after diff_compare (functions and data classified by
 * bytes), before diff_propagate.  xf_analyze decides, for every variable
 * both builds have:
 *   - same layout, nothing reachable changes: untouched;
 *   - layout changed: *transform* - new storage in the patch built from the
 *     running variable (n gets GF_XFORM and S_CHANGED; every function that
 *     uses it, in any object, becomes S_CHANGED so it is relocated to the
 *     new storage);
 *   - same layout but it points (through typed pointers) to objects whose
 *     layout changed: *fixup* - its pointers are re-pointed in place
 *     (n gets GF_FIXUP);
 *   - not transformable (and why): refused, reported.
 * It also finds the functions that must not run while data changes (their
 * frames may hold pointers into it), the static pointers to re-point, and
 * whether heap objects are involved (the program's allocator is needed).
 */
#ifndef KATANA_GEN_XFORM_H
#define KATANA_GEN_XFORM_H

#include <stddef.h>
#include <stdint.h>

#include "obj.h"

struct po_writer;
struct xf;

struct xf_opts {
	/* paths the user accepted although objects may hide behind them
	 * (gen --allow-opaque PATH); "all" accepts every one */
	const char *const *allow_opaque;
	size_t nallow;
};

/* olds/news: every object of the two builds.  *refused counts variables
 * that cannot be transformed (each reported once). */
int xf_analyze(struct gobj **olds, size_t nold, struct gobj **news, size_t nnew,
	       const struct xf_opts *o, struct xf **out, unsigned *refused);
void xf_free(struct xf *x);

/* The transform types, in index order (their PO indices), written once
 * with po_writer_xtype. */
int xf_write_types(struct xf *x, struct po_writer *w);

/* For a variable of the new build marked GF_XFORM or GF_FIXUP: its xtype
 * index + 1 (the var record's field), its old and new types; 0/NULL
 * otherwise. */
uint32_t xf_var_xtype(const struct xf *x, const struct gsym *n);
const struct gtype *xf_var_old_type(const struct xf *x, const struct gsym *n);
const struct gtype *xf_var_new_type(const struct xf *x, const struct gsym *n);

/* Does the patch transform objects on the heap (PTR operations)? */
int xf_needs_alloc(const struct xf *x);

/* Functions of the old build that must not be running: their frames may
 * hold pointers to data the patch transforms (or use the old storage). */
size_t xf_nunsafe(const struct xf *x);
struct gsym *xf_unsafe(const struct xf *x, size_t i);

/* Pointers in the old build's static data that the link set to a
 * transformed variable: site (a data symbol of an old object) + off holds
 * &var + addend, var being the old symbol. */
struct xf_ptr {
	struct gsym *site;
	uint64_t off;
	struct gsym *var;		/* old symbol of the transformed variable */
	int64_t addend;
};
size_t xf_nptrs(const struct xf *x);
const struct xf_ptr *xf_ptr(const struct xf *x, size_t i);

/* old_var (an old symbol, perhaps undefined: matched by name) is
 * transformed and its transform carries byte old_off to new_off: a pointer
 * to &old_var + old_off, re-pointed, becomes &new + new_off. */
int xf_offset_follows(const struct xf *x, const struct gsym *old_var, int64_t old_off,
		      int64_t new_off);

/* Warnings the user accepted (--allow-opaque), for the PO. */
size_t xf_nwarnings(const struct xf *x);
const char *xf_warning(const struct xf *x, size_t i);

/* A one-line description of how two types differ, member by member
 * ("member 'backlog' added; 'hits' moved +4 -> +8; 'level' int -> long").
 * Also used on the types a PO's DWARF carries.  malloc'd. */
char *xf_type_diff(const struct gtype *o, const struct gtype *n);

/* Member by member, how an object of old type o becomes one of new type n
 * (katana vars): one row per member of n (matched by name, or new), then
 * one per member of o that is gone.  Not aggregates: one row, member "".
 * heap: the object is built on the heap (new members are zero there; a
 * variable's take the patch's initial value). */
struct xf_row {
	const char *member;
	const struct gt_member *om, *nm;	/* NULL: absent on that side */
	const struct gtype *ot, *nt;
	const char *note;
};
typedef int (*xf_row_fn)(void *arg, const struct xf_row *r);
int xf_member_rows(const struct gtype *o, const struct gtype *n, int heap, xf_row_fn cb,
		   void *arg);

#endif
