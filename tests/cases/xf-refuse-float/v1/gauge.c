/* gauge.c - a gauge rising by 0.5 each tick; v1 keeps level in tenths
 * (an int). */
#include "gauge.h"

struct gauge g = { 3, 0 };

__attribute__((noipa)) void gauge_tick(void)
{
	g.level += 5;
}
