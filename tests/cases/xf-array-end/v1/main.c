/* main.c - ticks the array; v1 also prints the walks counted in w. */
#include "case-loop.h"
#include "rec.h"

__attribute__((noipa)) static void iter(long i)
{
	long sum = rec_tick();

	printf("%ld: sum=%ld end=%s w=%ld\n", i, sum, rec_at_end() ? "yes" : "no", rec_w());
}

int main(int argc, char **argv)
{
	return case_main(argc, argv, iter);
}
