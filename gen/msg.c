/* msg.c - gen's diagnostics callback. */
#include <stdio.h>

#include "gen_internal.h"

static void default_print(enum gen_level level, const char *fmt, va_list ap)
{
	if (level > GEN_WARN)
		return;
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static gen_print_fn print_fn = default_print;

gen_print_fn gen_set_print(gen_print_fn fn)
{
	gen_print_fn old = print_fn;

	print_fn = fn ? fn : default_print;
	return old;
}

void gen_msg(enum gen_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print_fn(level, fmt, ap);
	va_end(ap);
}
