/* main.c - prints the items' sum; v1 also prints their flags. */
#include "case-loop.h"
#include "table.h"

__attribute__((noipa)) static void iter(long i)
{
	long sum = table_tick();

	printf("%ld: sum=%ld flags=%d\n", i, sum, table_flags());
}

int main(int argc, char **argv)
{
	table_setup();
	return case_main(argc, argv, iter);
}
