/* emit.h - write the classified pairs into a PO.  Internal. */
#ifndef KATANA_GEN_EMIT_H
#define KATANA_GEN_EMIT_H

#include "obj.h"

struct po_writer;

struct emit_stats {
	unsigned changed, added, vars, transformed, warnings, relocs;
};

struct xf;

/* objs: the new objects (their symbols classified, twins set). */
/* t: the running (old) target; newt: the new build's, for the types of
 * symbols only the new code imports. */
/* xf: the data transforms (xform.h), NULL if none. */
int emit_patch(struct po_writer *w, struct gtarget *t, struct gtarget *newt,
	       struct gobj **objs, size_t nobjs, struct xf *xf,
	       const char *patch_name, struct emit_stats *st);

/* .debug_frame for the placed functions, from their objects' .eh_frame
 * (cfi.c); *nfde receives the number of entries written. */
int emit_cfi(struct po_writer *w, struct gobj **objs, size_t nobjs, unsigned *nfde);

#endif
