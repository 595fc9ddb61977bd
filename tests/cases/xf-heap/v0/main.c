/* main.c - ticks the lists and prints their sums; v1 adds weights. */
#include "case-loop.h"
#include "list.h"

__attribute__((noipa)) static void iter(long i)
{
	long sum = list_tick();

	printf("%ld: sum=%ld tail=%d ring=%ld rk=%d\n", i, sum,
	       list_tail_key(), list_ring_sum(), list_ring_key());
}

int main(int argc, char **argv)
{
	setup();
	return case_main(argc, argv, iter);
}
