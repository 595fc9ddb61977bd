/* main.c - prints the flags; v1 also prints mode. */
#include "case-loop.h"
#include "flags.h"

__attribute__((noipa)) static void iter(long i)
{
	flags_tick();
	printf("%ld: ready=%d level=%d count=%d mode=%d\n", i, flags_ready(),
	       flags_level(), flags_count(), flags_mode());
}

int main(int argc, char **argv)
{
	return case_main(argc, argv, iter);
}
