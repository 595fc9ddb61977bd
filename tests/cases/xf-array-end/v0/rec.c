/* rec.c - an array walked up to a pointer just past its end. */
#include "rec.h"

struct rec recs[4] = { { 1, 0 }, { 2, 0 }, { 3, 0 }, { 4, 0 } };
struct rec *const rend = recs + 4;
struct rec *cur = recs;

__attribute__((noipa)) long rec_tick(void)
{
	long sum = 0;

	for (cur = recs; cur != rend; cur++) {
		cur->hits += cur->id;
		sum += cur->hits;
	}
	return sum;
}

__attribute__((noipa)) int rec_at_end(void)
{
	return cur == rend && cur == recs + 4;
}
