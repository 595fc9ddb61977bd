#include "case-loop.h"

int attempts(int failures);

static void iter(long i)
{
	printf("%ld: attempts=%d\n", i, attempts((int)i));
}

int main(int argc, char **argv)
{
	return case_main(argc, argv, iter);
}
