#include "case-loop.h"

int check_name(const char *name);

static const char *const names[] = { "ann", "bartholomew", "cy" };

static void iter(long i)
{
	const char *n = names[i % 3];

	printf("%ld: %s=%d\n", i, n, check_name(n));
}

int main(int argc, char **argv)
{
	return case_main(argc, argv, iter);
}
