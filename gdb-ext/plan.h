/* plan.h - the apply planner: everything `katana apply` decides on the host.
 *
 * The planner is fed only with text and bytes GDB produces (the target may
 * be remote, behind gdbserver): it never reads /proc of the target.  It
 * reads the PO and the ELF files named in the target's mappings (through a
 * sysroot prefix).  doc/apply-design.md, steps 2, 3, 5 and the layout part
 * of 4.
 *
 * Lifecycle (an enum plan_state rejects calls out of order):
 *
 *	plan_maps_parse(text)            `info proc mappings` output
 *	plan_open(po, maps, sysroot)     find the patched object and its bias
 *	plan_reads()                     memory GDB must dump: build-id note,
 *	                                 old bytes of replaced functions, and
 *	                                 8-byte GOT slots of IFUNCs (IRELATIVE)
 *	plan_verify(dumps)               build-id and checksums; -PLAN_EWRONG_TARGET
 *	plan_resolve(dumps)              every UNDEF symbol of the PO
 *	plan_alloc_hints()               size and free holes within +-2 GiB
 *	plan_relocate(base)              regions, GOT, veneers, sites
 *	plan_check_frames(text)          safe-point check of GDB's stack walk
 *	plan_close()
 *
 * One dump array serves both verify and resolve: dumps[i] holds the bytes
 * read for plan_reads()[i].
 *
 * Ownership: a struct plan owns everything returned through it (regions,
 * sites, ranges, labels); it lives until plan_close().  plan_close() and
 * plan_maps_free() accept NULL and half-built objects.
 *
 * Errors: negative errno, or a negative PLAN_E* / PO_E* code.  Every failure
 * is described once through the print callback, naming its object:
 * "plan: 'fix.po': sym 'foo': ...".  Nothing here exits.
 *
 * GDB command texts the parsers expect
 * ------------------------------------
 * Mappings: the output of `info proc mappings` (GDB 13, natively or through
 * gdbserver): rows "START END SIZE OFFSET PERMS [OBJFILE]" in hex (GDB 12 and
 * older print no PERMS column: accepted).  Other lines are ignored.
 *
 * Frames: each line "katana-frame THREAD LEVEL PC", and per thread one
 * "katana-thread THREAD PC ORIG_RAX", printed by
 *
 *	define katana-frame-1
 *	  printf "katana-frame %d %d 0x%lx\n", $_thread, $katana_lvl, $pc
 *	  set $katana_lvl = $katana_lvl + 1
 *	end
 *	define katana-frames-1
 *	  printf "katana-thread %d 0x%lx %ld\n", $_thread, $pc, $orig_rax
 *	  set $katana_lvl = 0
 *	  frame apply all -q -s katana-frame-1
 *	end
 *	pipe thread apply all -q -s katana-frames-1 | katana gdb-helper frames ...
 *
 * (plan_frames_gdb() returns these definitions.)  PC is the frame's $pc as
 * GDB reports it; the planner tests PC for level 0 and PC - 1 for callers
 * (a return address points past the call).  Other lines are ignored.
 */
#ifndef KATANA_PLAN_H
#define KATANA_PLAN_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "stub.h"

/* Errors of our own, in their own range (po.h uses 4000..). */
enum {
	PLAN_EWRONG_TARGET = 4100,	/* not the process/build the PO was made for */
	PLAN_EREFUSED = 4101,		/* the patch cannot be applied safely (TLS
					 * definitions, function too short, ...) */
	PLAN_EUNSAFE = 4102,		/* a thread is inside an unsafe function */
	PLAN_ESTATE = 4103,		/* call out of order */
};

/* ------------------------------------------------------- diagnostics */
enum plan_level { PLAN_ERROR, PLAN_WARN, PLAN_INFO, PLAN_DEBUG };
typedef void (*plan_print_fn)(enum plan_level level, const char *fmt, va_list ap);
/* NULL restores the default (stderr, errors and warnings).  Returns the old. */
plan_print_fn plan_set_print(plan_print_fn fn);
const char *plan_strerror(int err);	/* for negative returns */

/* ------------------------------------------------------- mappings */
struct plan_map {
	uint64_t start, end, offset;
	char perms[5];			/* "r-xp"; "" when GDB did not print it */
	const char *path;		/* "" for anonymous; may be "[heap]" */
};
struct plan_maps;

int plan_maps_parse(const char *text, struct plan_maps **out);
void plan_maps_free(struct plan_maps *m);
size_t plan_maps_count(const struct plan_maps *m);
const struct plan_map *plan_maps_get(const struct plan_maps *m, size_t i);

/* ------------------------------------------------------- opening */
struct plan;

/* Opens the PO, finds the patched object in maps (basename of the mapped
 * file = the PO's target name) and computes its load bias from the ELF file
 * at SYSROOT/path (sysroot NULL or "" means "/").  maps is copied. */
int plan_open(struct plan **out, const char *po_path,
	      const struct plan_maps *maps, const char *sysroot);
void plan_close(struct plan *p);

const char *plan_target_path(const struct plan *p);	/* as in the maps */
uint64_t plan_target_bias(const struct plan *p);

/* ------------------------------------------------------- memory reads */
enum plan_read_kind {
	PLAN_READ_BUILD_ID = 1,		/* the NT_GNU_BUILD_ID descriptor */
	PLAN_READ_FUNC = 2,		/* old bytes of a replaced function */
	PLAN_READ_GOT = 3,		/* 8-byte GOT slot filled by IRELATIVE */
};
struct plan_read {
	uint64_t addr, len;
	enum plan_read_kind kind;
	const char *label;		/* "build-id", "func 'f'", "ifunc 'strlen'" */
};
struct plan_dump {
	const void *data;
	size_t len;			/* must equal the request's len */
};

/* Every memory range GDB must dump (dump binary memory FILE addr addr+len). */
int plan_reads(struct plan *p, const struct plan_read **reads, size_t *n);

/* Build-id and checksums.  -PLAN_EWRONG_TARGET on a mismatch (one message
 * naming the function, or the build-ids, expected vs found); -PLAN_EREFUSED
 * when a replaced function is too short for a jump. */
int plan_verify(struct plan *p, const struct plan_dump *dumps, size_t n);

/* The patch is applied already (revert): plan_verify checks the build-id
 * only, the old functions start with jumps now.  Before plan_reads. */
void plan_for_revert(struct plan *p);

/* Resolve every UNDEF symbol of the PO (needs the same dumps for IFUNCs).
 * plan_sym_addr() then gives the address (TLS: the TP offset). */
int plan_resolve(struct plan *p, const struct plan_dump *dumps, size_t n);
int plan_sym_addr(const struct plan *p, const char *name, uint64_t *addr);

/* ------------------------------------------------------- allocation */
/* Bytes of patch memory needed (page multiple) and up to max free holes in
 * the maps within +-2 GiB of the patched object's text, nearest first.
 * *n receives how many were found (0: none in range; use any address and
 * 14-byte jumps). */
int plan_alloc_hints(const struct plan *p, uint64_t *size, uint64_t *hints,
		     size_t max, size_t *n);

/* ------------------------------------------------------- layout */
enum plan_region_kind {		/* = kstub_region.kind */
	PLAN_REG_TEXT = 1, PLAN_REG_RODATA = 2, PLAN_REG_DATA = 3, PLAN_REG_GOT = 4,
	PLAN_REG_XFORM = 5,		/* the transform plan (struct kstub_xplan) */
};
struct plan_region {
	enum plan_region_kind kind;
	const char *name;		/* "text", "rodata", "data", "got" */
	uint64_t addr, size;		/* size: page multiple, what is protected */
	uint32_t prot;			/* PROT_* it ends with */
	const uint8_t *bytes;		/* contents, len bytes (rest is zero) */
	size_t len;
};
struct plan_range {
	uint64_t start, end;		/* [start, end) */
	const char *name;		/* function */
	const char *cu;			/* "" if unknown */
};

/* Lay out at base (page aligned, plan_alloc_hints' size mapped there) and
 * apply every relocation of the PO's code and data sections. */
int plan_relocate(struct plan *p, uint64_t base);
size_t plan_nregions(const struct plan *p);
const struct plan_region *plan_region(const struct plan *p, size_t i);
size_t plan_nsites(const struct plan *p);
const struct kstub_site *plan_site(const struct plan *p, size_t i);
const char *plan_site_name(const struct plan *p, size_t i);
/* Address given to a PO section (".text.new", ...), 0 if absent. */
uint64_t plan_section_addr(const struct plan *p, const char *name);

/* ------------------------------------------------------- data transforms */
/* Address of the transform plan (struct kstub_xplan) in the patch memory,
 * 0 if the patch transforms no data.  After plan_relocate. */
uint64_t plan_xform_addr(const struct plan *p);
/* Does the transform allocate heap objects with the program's malloc?  The
 * stub must then run on a thread parked in a system call of libc while no
 * thread is inside the allocator (doc/apply-design.md). */
int plan_xform_heap(const struct plan *p);
/* One line on what the stub's transform did, from the plan's header as GDB
 * dumps it after the call (sizeof(struct kstub_xplan) bytes).  0 success,
 * 1 a failure described, <0 error. */
int plan_xform_result(const struct plan *p, const void *bytes, size_t len, char *buf, size_t n);
/* Where variable i of the PO (its .katana.vars index) is in the process:
 * the old storage (its resolved old_sym, 0 if none) and, once relocated,
 * the patch's new storage (0 if none). */
void plan_var_addr(const struct plan *p, size_t i, uint64_t *old_addr, uint64_t *new_addr);
/* Can every transform of the patch be undone?  -PLAN_EREFUSED with one
 * message naming the variable and why not. */
int plan_xform_revert_check(const struct plan *p);

/* ------------------------------------------------------- safe point */
/* Unsafe ranges: each unsafe function [addr, addr+size) and every byte a
 * site overwrites.  Available after plan_resolve (sites after relocate). */
size_t plan_nunsafe(const struct plan *p);
const struct plan_range *plan_unsafe_range(const struct plan *p, size_t i);

struct plan_block {
	int thread, level;
	uint64_t pc;
	const char *func, *cu;		/* owned by the plan */
};
/* Parse the frames text (format above).  *blocks receives the frames inside
 * unsafe ranges, *rets the return addresses to put temporary breakpoints on
 * (one per blocked thread: the caller of its outermost blocked frame); both
 * malloc'd, caller frees.  Returns 0 when safe, -PLAN_EUNSAFE when blocked
 * (one message per blocking frame at PLAN_INFO). */
int plan_check_frames(struct plan *p, const char *text,
		      struct plan_block **blocks, size_t *nblocks,
		      uint64_t **rets, size_t *nrets);
/* The GDB user commands that print the frames text. */
const char *plan_frames_gdb(void);

/* A thread the stub can call the program's allocator on (plan_xform_heap):
 * one GDB stopped inside a system call (orig_rax >= 0) whose pc lies in the
 * code of the object that defines the allocator (libc), so that its vector
 * registers are dead (a system call wrapper was called).  From the lines
 * "katana-thread THREAD PC ORIG_RAX" of the frames text.  The thread
 * number, or 0 if none. */
int plan_alloc_thread(const struct plan *p, const char *text);

/* Generic form: frames against any list of ranges (revert checks the
 * ranges of a registry record, not of a plan).  label names the object in
 * messages.  Same results as plan_check_frames; blocks[i].func and .cu point
 * into ranges. */
int plan_frames_check(const char *label, const struct plan_range *ranges, size_t nranges,
		      const char *text, struct plan_block **blocks, size_t *nblocks,
		      uint64_t **rets, size_t *nrets);

/* ------------------------------------------------------- registry */
/* The in-target registry (stub.h) as GDB dumps it: the bytes of
 * [stub + KSTUB_REG_OFF, stub + KSTUB_MAP_SIZE).  Addresses inside it are
 * target addresses; these functions translate and bounds-check them. */
#define PLAN_REG_LEN ((size_t)(KSTUB_MAP_SIZE - KSTUB_REG_OFF))
struct plan_reg {
	uint64_t stub;			/* start of the stub mapping */
	uint8_t *data;			/* PLAN_REG_LEN bytes, owned */
	struct kstub_registry *r;	/* = data */
};
/* A fresh registry for a stub about to be placed at stub. */
int plan_reg_new(struct plan_reg *g, uint64_t stub);
/* Parse a dump; -EPROTO (one message) if it is not a katana registry of
 * this version or a record points outside the mapping. */
int plan_reg_parse(struct plan_reg *g, uint64_t stub, const void *data, size_t len);
void plan_reg_free(struct plan_reg *g);
/* Tables of record i (validated by plan_reg_parse); NULL if none. */
const struct kstub_site *plan_reg_sites(const struct plan_reg *g, size_t i);
const struct kstub_region *plan_reg_regions(const struct plan_reg *g, size_t i);
const char *plan_reg_site_name(const struct plan_reg *g, size_t i, size_t site);
/* Index of the applied patch whose PO hash is hash, or (size_t)-1. */
size_t plan_reg_applied(const struct plan_reg *g, const uint8_t hash[8]);
/* Before staging p: refuses (-PLAN_EREFUSED, one message) a PO already
 * applied (same hash) and sites overlapping an applied patch's sites. */
int plan_reg_check(const struct plan_reg *g, const struct plan *p, const uint8_t hash[8]);
/* Records left STAGED by an apply that never committed (GDB killed, a
 * --step left by quitting): an apply, the only writer while GDB holds the
 * process, finds them stale.  plan_reg_cancel_stale marks them CANCELLED
 * (the caller releases their regions, read before) and returns how many. */
size_t plan_reg_cancel_stale(struct plan_reg *g);
/* Drops the records that are history only (reverted, cancelled), oldest
 * first, until n more records and need more table bytes fit; the applied
 * ones keep their place in the order and their sequence numbers; their
 * tables move (addresses rewritten).  -ENOSPC if they do not fit even so. */
int plan_reg_make_room(struct plan_reg *g, size_t n, uint64_t need);
/* Appends p's record (STAGED) with its tables; *index receives its slot.
 * A full registry first drops history (plan_reg_make_room); -ENOSPC when
 * the applied patches alone fill it. */
int plan_reg_add(struct plan_reg *g, const struct plan *p, const char *name,
		 const uint8_t hash[8], size_t *index);
/* Unsafe ranges for reverting record i: its executable regions (the new
 * code goes away) and its sites.  malloc'd; names point into g. */
int plan_reg_revert_ranges(const struct plan_reg *g, size_t i,
			   struct plan_range **ranges, size_t *n);

/* ------------------------------------------------------- output */
/* DIR/NAME.bin per region (for `restore DIR/NAME.bin binary ADDR`, which
 * loads file offset 0 at ADDR), DIR/sites.bin (struct kstub_site[]) and
 * DIR/regions.bin (struct kstub_region[]). */
int plan_write_blobs(const struct plan *p, const char *dir);
/* GDB script fragment: convenience variables describing the layout, user
 * commands katana-restore-regions, katana-check-regions,
 * katana-restore-tables SITES_ADDR REGIONS_ADDR, katana-load-symbols. */
int plan_write_layout_gdb(const struct plan *p, const char *dir, FILE *f);

#endif /* KATANA_PLAN_H */
