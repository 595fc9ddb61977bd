/* main.c - prints the cell; v1 also prints the union's size. */
#include "case-loop.h"
#include "cell.h"

__attribute__((noipa)) static void iter(long i)
{
	int n = cell_tick();

	printf("%ld: tag=%d i=%d size=%d\n", i, cell.tag, n,
	       (int)sizeof(union val));
}

int main(int argc, char **argv)
{
	return case_main(argc, argv, iter);
}
