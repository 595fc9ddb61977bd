#include "case-loop.h"

int a_value(int x);
int b_value(int x);

static void iter(long i)
{
	printf("%ld: a=%d b=%d\n", i, a_value((int)i), b_value((int)i));
}

int main(int argc, char **argv)
{
	return case_main(argc, argv, iter);
}
