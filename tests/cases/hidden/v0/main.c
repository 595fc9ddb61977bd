#include "case-loop.h"

int compute(int x);

static void iter(long i)
{
	if (i == 1)
		fputs("start\n", stderr);
	printf("%ld: compute=%d\n", i, compute((int)i));
}

int main(int argc, char **argv)
{
	return case_main(argc, argv, iter);
}
