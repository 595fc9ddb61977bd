/* util.c - helpers of libfoo. */
#include "foo.h"

int foo_base(int x)
{
	return x + 5;
}

const char *foo_unit(void)
{
	return "mm";
}
