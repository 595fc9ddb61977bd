/* main.c - prints the five variables; v1 also the items' flags. */
#include "case-loop.h"
#include "misc.h"

__attribute__((noipa)) static void iter(long i)
{
	long hits = misc_tick();

	printf("%ld: v=%s n=%ld col=%d lvl=%.1f hits=%ld flags=%ld\n", i, rec.v,
	       (long)big.n, (int)st.col, (double)knob.lvl, hits, misc_flags());
}

int main(int argc, char **argv)
{
	return case_main(argc, argv, iter);
}
