/* main.c - prints the thread-local counter; v1 also prints its limit. */
#include "case-loop.h"

long counter_next(void);
long counter_limit(void);

__attribute__((noipa)) static void iter(long i)
{
	long n = counter_next();

	printf("%ld: n=%ld limit=%ld\n", i, n, counter_limit());
}

int main(int argc, char **argv)
{
	return case_main(argc, argv, iter);
}
