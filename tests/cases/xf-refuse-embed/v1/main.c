/* main.c - prints the keys; v1 also prints the weights. */
#include "case-loop.h"
#include "box.h"

__attribute__((noipa)) static void iter(long i)
{
	long b = box_tick();

	printf("%ld: head=%d box=%ld weight=%ld\n", i, head->key, b,
	       box_weight());
}

int main(int argc, char **argv)
{
	box_setup();
	return case_main(argc, argv, iter);
}
