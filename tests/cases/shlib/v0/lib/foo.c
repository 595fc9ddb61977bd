/* foo.c - the library's scaling; foo_scale() should add foo_base(x). */
#include "foo.h"

int foo_calls;

int foo_scale(int x)
{
	foo_calls++;
	return x * 100;
}
