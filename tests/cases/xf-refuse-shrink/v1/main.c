/* main.c - prints how many records there are and their hits. */
#include "case-loop.h"
#include "recs.h"

__attribute__((noipa)) static void iter(long i)
{
	printf("%ld: n=%d hits=%ld\n", i, NRECS, recs_tick());
}

int main(int argc, char **argv)
{
	return case_main(argc, argv, iter);
}
