/* main.c - prints the thread-local counter; v1 also prints its limit. */
#include "case-loop.h"

long counter_next(void);

__attribute__((noipa)) static void iter(long i)
{
	printf("%ld: n=%ld\n", i, counter_next());
}

int main(int argc, char **argv)
{
	return case_main(argc, argv, iter);
}
