#include "case-loop.h"

int record(int x);

static void iter(long i)
{
	printf("%ld: record=%d\n", i, record((int)i));
}

int main(int argc, char **argv)
{
	return case_main(argc, argv, iter);
}
