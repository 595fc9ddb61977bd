#include "case-loop.h"
#include "lib/foo.h"

/* Should print "len" before the value. */
__attribute__((noipa)) const char *banner(void)
{
	return "length";
}

static void iter(long i)
{
	int v = foo_scale((int)i);

	printf("%ld: %s %d %s (calls %d)\n", i, banner(), v, foo_unit(), foo_calls);
}

int main(int argc, char **argv)
{
	return case_main(argc, argv, iter);
}
