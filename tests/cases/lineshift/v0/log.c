/* log.c - debug log to stderr: "file:line: message". */
#include <stdarg.h>
#include <stdio.h>

#include "stock.h"

void log_line(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
