/* clone.c - code GCC clones and splits at -O2. */
#include <stdio.h>
#include <stdlib.h>

static __attribute__((noinline)) int scale(int x, int k)
{
	return x * k + 2;
}

__attribute__((noipa)) int twice_scaled(int x)
{
	return scale(x, 3) + scale(x + 1, 3);
}

__attribute__((cold, noinline)) static void complain(int x)
{
	fprintf(stderr, "check: %d is out of range\n", x);
}

__attribute__((noipa)) int check(int x)
{
	if (__builtin_expect(x > 1000, 0)) {
		complain(x);
		fprintf(stderr, "check: gave up on %d\n", x);
		return -2;
	}
	return x % 7;
}
