/* main.c - prints cfg through accessors; v1 also prints backlog. */
#include "case-loop.h"
#include "config.h"

__attribute__((noipa)) static void iter(long i)
{
	config_tick(i);
	printf("%ld: port=%d hits=%ld workers=%d\n", i, config_port(),
	       config_hits(), config_workers());
}

int main(int argc, char **argv)
{
	return case_main(argc, argv, iter);
}
