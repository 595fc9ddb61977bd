/* misc.c - five variables whose types change in ways no transform can
 * convert (v1). */
#include "misc.h"

struct rec rec = { 1, "one" };
struct big big = { 0 };
struct state st = { 1, BLUE };
struct knob knob = { 0, 1 };
struct buf buf = { 2, { { 1, 0, 0 }, { 2, 0, 0 } } };

__attribute__((noipa)) long misc_tick(void)
{
	long sum = 0;

	big.n += 2;
	knob.lvl += 0.5f;
	for (long k = 0; k < buf.n; k++) {
		buf.items[k].flags++;
		sum += buf.items[k].hits += buf.items[k].id;
	}
	return sum;
}

__attribute__((noipa)) long misc_flags(void)
{
	return buf.items[0].flags + buf.items[1].flags;
}
