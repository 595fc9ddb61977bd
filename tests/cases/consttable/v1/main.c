#include "case-loop.h"

int rate_for(int i);
int rate_total(void);

static void iter(long i)
{
	printf("%ld: rate=%d total=%d\n", i, rate_for((int)i), rate_total());
}

int main(int argc, char **argv)
{
	return case_main(argc, argv, iter);
}
