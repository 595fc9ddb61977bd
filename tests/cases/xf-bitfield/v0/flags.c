/* flags.c - bit-field flags; v1 inserts mode:2 (2) after ready and widens
 * count to 9 bits (counting modulo 512). */
#include "flags.h"

struct flags fl = { 1, -3, 0 };

/* level steps down through -8..7, count counts modulo 32 */
__attribute__((noipa)) void flags_tick(void)
{
	fl.level = fl.level == -8 ? 7 : fl.level - 1;
	fl.count = (fl.count + 1) % 32;
}

__attribute__((noipa)) int flags_ready(void)
{
	return fl.ready;
}

__attribute__((noipa)) int flags_level(void)
{
	return fl.level;
}

__attribute__((noipa)) int flags_count(void)
{
	return fl.count;
}
