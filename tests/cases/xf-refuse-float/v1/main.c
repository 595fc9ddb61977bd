/* main.c - prints the gauge; v1 prints its level in tenths. */
#include "case-loop.h"
#include "gauge.h"

__attribute__((noipa)) static void iter(long i)
{
	gauge_tick();
	printf("%ld: id=%d tenths=%d\n", i, g.id, g.level);
}

int main(int argc, char **argv)
{
	return case_main(argc, argv, iter);
}
