/* calc.c - scale() is global here, local in the linked program. */
#include <stdio.h>

__attribute__((noipa)) int scale(int x, int k)
{
	return x * k;
}

/* Should triple its argument, and say so on stderr every 1000. */
__attribute__((noipa)) int compute(int x)
{
	if (x % 1000 == 999)
		fputs("thousand\n", stderr);
	return scale(x, 3);
}
