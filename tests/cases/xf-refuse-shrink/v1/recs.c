/* recs.c - an array of records, each counting its hits; v1 keeps 3 of
 * the 4. */
#include "recs.h"

struct rec recs[3] = { { 1, 0 }, { 2, 0 }, { 3, 0 } };

__attribute__((noipa)) long recs_tick(void)
{
	long sum = 0;

	for (int k = 0; k < NRECS; k++)
		sum += recs[k].hits += recs[k].id;
	return sum;
}
