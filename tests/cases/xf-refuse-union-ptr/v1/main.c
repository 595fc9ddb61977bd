/* main.c - prints the item's quantity; v1 also prints its flags. */
#include "case-loop.h"
#include "ref.h"

__attribute__((noipa)) static void iter(long i)
{
	long qty = ref_tick();

	printf("%ld: qty=%ld flags=%d\n", i, qty, ref_flags());
}

int main(int argc, char **argv)
{
	ref_setup();
	return case_main(argc, argv, iter);
}
