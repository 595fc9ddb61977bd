/* main.c - prints both counters; v1 also prints wraps and limit. */
#include "case-loop.h"

long counter_next(void);
int counter_wraps(void);
long counter_limit(void);
int other_next(void);

__attribute__((noipa)) static void iter(long i)
{
	long n = counter_next();
	int other = other_next();

	printf("%ld: n=%ld other=%d wraps=%d limit=%ld\n", i, n, other,
	       counter_wraps(), counter_limit());
}

int main(int argc, char **argv)
{
	return case_main(argc, argv, iter);
}
