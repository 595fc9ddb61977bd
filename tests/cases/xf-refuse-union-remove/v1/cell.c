/* cell.c - a tagged cell holding an int; v1 removes the union's float
 * member. */
#include "cell.h"

struct cell cell = { 1, { .i = 7 } };

__attribute__((noipa)) int cell_tick(void)
{
	return ++cell.v.i;
}
