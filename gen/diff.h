/* diff.h - correlate and compare one pair of objects.  Internal. */
#ifndef KATANA_GEN_DIFF_H
#define KATANA_GEN_DIFF_H

#include "obj.h"

/* Boundaries of anonymous chunks in every section of o (see ref.c). */
int diff_cuts(struct gobj *o);

/* Set twins between old and new symbols: globals by name, statics by name
 * within the pair, GCC clones by their key, static locals through the
 * functions that use them.  old may be NULL (object only in the new tree). */
int diff_correlate(struct gobj *old, struct gobj *nw);

/* Classify every function and variable of nw against its twins (which may
 * live in any old object): S_SAME, S_CHANGED or S_NEW.
 * Refusals (type changes) are counted in *refused and reported. */
struct diff_stats {
	unsigned refused;
	unsigned line_only;
};
int diff_compare(struct gobj *nw, struct diff_stats *st);

/* Globals that moved to another object between the builds: twin them by
 * name across all objects (after diff_correlate ran on every pair). */
int diff_correlate_moved(struct gobj **olds, size_t nold, struct gobj **news, size_t nnew);

/* After every pair is compared: functions that read changed const data
 * (in any object) change too, and .cold fragments follow their function. */
int diff_propagate(struct gobj **objs, size_t nobjs, struct diff_stats *st);

/* The function a static local (name.N) belongs to: the first function of o
 * that uses it, without clone suffixes, in buf; NULL if none. */
const char *diff_owner_function(struct gobj *o, struct gsym *v, char *buf, size_t len);

#endif
