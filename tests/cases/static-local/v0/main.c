#include "case-loop.h"

int next_ticket(void);

static void iter(long i)
{
	printf("%ld: ticket=%d\n", i, next_ticket());
}

int main(int argc, char **argv)
{
	return case_main(argc, argv, iter);
}
