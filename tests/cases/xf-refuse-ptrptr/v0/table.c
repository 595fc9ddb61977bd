/* table.c - three heap items behind a heap array of pointers (table);
 * v1 adds flags to struct item and counts them. */
#include <stdlib.h>
#include "table.h"

struct item **table;

__attribute__((noipa)) void table_setup(void)
{
	table = calloc(3, sizeof(*table));
	for (int k = 0; k < 3; k++) {
		table[k] = calloc(1, sizeof(**table));
		table[k]->id = k + 1;
	}
}

__attribute__((noipa)) long table_tick(void)
{
	long sum = 0;

	for (int k = 0; k < 3; k++)
		sum += table[k]->qty += table[k]->id;
	return sum;
}
