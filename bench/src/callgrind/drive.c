/*
 * drive.c - callgrind driver: calls f0 N times (N = argv[1]).
 *
 * Linked with v1/funcs.o it measures the new f0 as built; linked with
 * jmp.s and a copy of v1/funcs.o whose f0 is renamed f0_new it measures
 * the call path of a patched process: old entry `jmp rel32` + new code.
 */
#include <stdlib.h>

long f0(long);
volatile long bench_sink;

__attribute__((noinline)) void drive(long n)
{
	long s = 0;

	for (long i = 0; i < n; i++)
		s += f0(i);
	bench_sink = s;
}

int main(int argc, char **argv)
{
	drive(argc > 1 ? atol(argv[1]) : 100000);
	return 0;
}
