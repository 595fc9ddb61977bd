#include "case-loop.h"
#include "config.h"

static void iter(long i)
{
	printf("%ld: port=%d hits=%ld\n", i, config_port(), count_hit());
}

int main(int argc, char **argv)
{
	return case_main(argc, argv, iter);
}
