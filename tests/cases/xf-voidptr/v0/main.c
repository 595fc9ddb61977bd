/* main.c - prints the items' quantities; v1 also prints flags. */
#include "case-loop.h"
#include "item.h"

__attribute__((noipa)) static void iter(long i)
{
	long qty = item_tick();

	printf("%ld: qty=%ld total=%ld\n", i, qty, item_total());
}

int main(int argc, char **argv)
{
	item_setup();
	return case_main(argc, argv, iter);
}
