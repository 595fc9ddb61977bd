/* item.c - items on the heap, held only through void pointers; v1 adds
 * flags to struct item and counts them. */
#include <stdlib.h>
#include "item.h"

void *slot;
void *slots[4];

__attribute__((noipa)) static void *new_item(int id)
{
	struct item *it = calloc(1, sizeof(*it));

	it->id = id;
	return it;
}

__attribute__((noipa)) void item_setup(void)
{
	slot = new_item(10);
	for (int k = 0; k < 4; k++)
		slots[k] = new_item(k + 1);
}

__attribute__((noipa)) long item_tick(void)
{
	struct item *it = slot;

	it->qty += it->id;
	it->flags++;
	for (int k = 0; k < 4; k++)
		((struct item *)slots[k])->qty++;
	return it->qty;
}

__attribute__((noipa)) long item_total(void)
{
	long sum = 0;

	for (int k = 0; k < 4; k++)
		sum += ((struct item *)slots[k])->qty * ((struct item *)slots[k])->id;
	return sum;
}

__attribute__((noipa)) int item_flags(void)
{
	return ((struct item *)slot)->flags;
}
