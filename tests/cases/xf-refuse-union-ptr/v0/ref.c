/* ref.c - cur holds a pointer to a heap item (or a raw number); v1 adds
 * flags to struct item and counts them. */
#include <stdlib.h>
#include "ref.h"

union ref cur;

__attribute__((noipa)) void ref_setup(void)
{
	cur.it = calloc(1, sizeof(struct item));
	cur.it->id = 5;
}

__attribute__((noipa)) long ref_tick(void)
{
	return cur.it->qty += cur.it->id;
}
