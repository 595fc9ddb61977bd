/* main.c - prints the five variables; v1 also the items' flags. */
#include "case-loop.h"
#include "misc.h"

__attribute__((noipa)) static void iter(long i)
{
	long hits = misc_tick();

	printf("%ld: v=%ld n=%ld col=%d lvl=%u hits=%ld\n", i, rec.v, big.n,
	       (int)st.col, knob.lvl, hits);
}

int main(int argc, char **argv)
{
	return case_main(argc, argv, iter);
}
