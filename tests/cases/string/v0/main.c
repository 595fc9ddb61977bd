#include "case-loop.h"

void greet(char *buf, unsigned long n, long i);
const char *farewell(void);

static void iter(long i)
{
	char buf[64];

	greet(buf, sizeof buf, i);
	printf("%ld: %s / %s\n", i, buf, farewell());
}

int main(int argc, char **argv)
{
	return case_main(argc, argv, iter);
}
