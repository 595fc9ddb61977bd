/* gen_internal.h - shared by gen/ files; not installed. */
#ifndef KATANA_GEN_INTERNAL_H
#define KATANA_GEN_INTERNAL_H

#include "gen.h"

/* Report through the installed callback.  Messages name their object:
 * "gen: 'dir/a.o': sym 'foo': ...". */
void gen_msg(enum gen_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define gen_err(...) gen_msg(GEN_ERROR, __VA_ARGS__)
#define gen_warn(...) gen_msg(GEN_WARN, __VA_ARGS__)
#define gen_info(...) gen_msg(GEN_INFO, __VA_ARGS__)
#define gen_debug(...) gen_msg(GEN_DEBUG, __VA_ARGS__)

#endif
