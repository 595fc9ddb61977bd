#include "case-loop.h"

int twice_scaled(int x);
int check(int x);

static void iter(long i)
{
	printf("%ld: scaled=%d check=%d\n", i, twice_scaled((int)i), check((int)i * 400));
}

int main(int argc, char **argv)
{
	return case_main(argc, argv, iter);
}
