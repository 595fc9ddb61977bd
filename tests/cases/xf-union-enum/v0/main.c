/* main.c - prints the total area, calls, kinds as letters and as numbers;
 * unchanged in v1 (v1 renumbers SK_SQUARE: codes 010 become 020). */
#include "case-loop.h"
#include "shape.h"

__attribute__((noipa)) static void iter(long i)
{
	long area = shape_tick(i);

	printf("%ld: area=%ld calls=%ld kinds=%c%c%c codes=%d%d%d\n", i, area,
	       shape_calls(), shape_letter(0), shape_letter(1),
	       shape_letter(2), shape_code(0), shape_code(1), shape_code(2));
}

int main(int argc, char **argv)
{
	return case_main(argc, argv, iter);
}
