/* po_internal.h - shared by po/ files; not installed. */
#ifndef KATANA_PO_INTERNAL_H
#define KATANA_PO_INTERNAL_H

#include "po.h"

/* Report through the installed callback.  Messages name their object:
 * "po: 'fix.po': section '.katana.funcs': entry 3: ...". */
void po_msg(enum po_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define po_err(...) po_msg(PO_ERROR, __VA_ARGS__)
#define po_warn(...) po_msg(PO_WARN, __VA_ARGS__)
#define po_debug(...) po_msg(PO_DEBUG, __VA_ARGS__)

/* Section names, shared by the writer and the reader so they cannot drift. */
#define PO_SN_KATANA ".katana"
#define PO_SN_FUNCS ".katana.funcs"
#define PO_SN_MASKS ".katana.masks"
#define PO_SN_VARS ".katana.vars"
#define PO_SN_SYMS ".katana.syms"
#define PO_SN_UNSAFE ".unsafe_functions"
#define PO_SN_WARNINGS ".katana.warnings"
#define PO_SN_STR ".katana.str"
#define PO_SN_XTYPES ".katana.xtypes"
#define PO_SN_XFORM ".katana.xform"
#define PO_SN_PTRS ".katana.ptrs"

/* Fixed section properties, indexed by enum po_sec (PO_SEC_UNDEF unused). */
struct po_fixed_sec {
	const char *name;
	uint32_t sh_type;
	uint64_t sh_flags;
};
extern const struct po_fixed_sec po_fixed_secs[PO_SEC_NFIXED];

/* Bytes a relocation of this type writes, or 0 for a type a PO may not use. */
unsigned po_reloc_size(uint32_t type);

#endif
