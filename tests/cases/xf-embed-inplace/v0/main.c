/* main.c - ticks g and prints it; v1 also prints b. */
#include "case-loop.h"
#include "g.h"

__attribute__((noipa)) static void iter(long i)
{
	long x = g_tick();

	printf("%ld: a=%d x=%ld key=%d\n", i, g.a, x, g_key());
}

int main(int argc, char **argv)
{
	g_setup();
	return case_main(argc, argv, iter);
}
