/* main.c - prints the gauge; v1 prints its level in tenths. */
#include "case-loop.h"
#include "gauge.h"

__attribute__((noipa)) static void iter(long i)
{
	gauge_tick();
	printf("%ld: id=%d level=%.1f\n", i, g.id, (double)g.level);
}

int main(int argc, char **argv)
{
	return case_main(argc, argv, iter);
}
