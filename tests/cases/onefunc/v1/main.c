#include "case-loop.h"

int compute(int x);
const char *describe(int x);

static void iter(long i)
{
	printf("%ld: compute=%d %s\n", i, compute((int)i), describe((int)i));
}

int main(int argc, char **argv)
{
	return case_main(argc, argv, iter);
}
