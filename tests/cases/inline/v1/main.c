#include "case-loop.h"

int compute(int x);
int score(int x);
int other(int x);

static void iter(long i)
{
	printf("%ld: compute=%d score=%d other=%d\n", i, compute((int)i),
	       score((int)i), other((int)i));
}

int main(int argc, char **argv)
{
	return case_main(argc, argv, iter);
}
