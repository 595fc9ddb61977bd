/* misc.c - five variables whose types change in ways no transform can
 * convert (v1). */
#include "misc.h"

struct rec rec = { 1, 0 };
struct big big = { 0 };
struct state st = { 1, BLUE };
struct knob knob = { 0, 1 };
struct buf buf = { 2, { { 1, 0 }, { 2, 0 } } };

__attribute__((noipa)) long misc_tick(void)
{
	long sum = 0;

	rec.v++;
	big.n += 2;
	knob.lvl++;
	for (long k = 0; k < buf.n; k++)
		sum += buf.items[k].hits += buf.items[k].id;
	return sum;
}
