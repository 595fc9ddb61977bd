/* foo.c - the library's scaling. */
#include "foo.h"

int foo_calls;

int foo_scale(int x)
{
	foo_calls++;
	return x * 100 + foo_base(x);
}
