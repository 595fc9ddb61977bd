/*
 * main.c - katana's data-transform benchmark target (the same in v0/ and
 * v1/).
 *
 *   prog NNODES
 *
 * Builds a heap list of NNODES nodes (list.c) and prints "built N US": the
 * time the program itself took (malloc and fill).  A probe thread keeps
 * the largest gap between two ~100 us timestamps (../../probe.h).
 * Each line read on stdin makes it print "gap US sum S nodes C extra E":
 * the gap since the previous line, then a walk of the list (list.c).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "list.h"
#include "../../probe.h"

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	char line[64];
	pthread_t t;
	long t0 = now_ns();

	if (list_build(n) != n)
		return 1;
	printf("built %ld %ld\n", n, (now_ns() - t0) / 1000);
	fflush(stdout);
	if (pthread_create(&t, NULL, probe, NULL))
		return 1;
	while (fgets(line, sizeof line, stdin)) {
		long g = probe_take(), sum, extra, c;

		c = list_walk(&sum, &extra);
		printf("gap %ld sum %ld nodes %ld extra %ld\n", g / 1000, sum, c, extra);
		fflush(stdout);
	}
	return 0;
}
