/*
 * main.c - katana's data-transform benchmark target (the same in v0/ and
 * v1/).
 *
 *   prog NNODES
 *
 * Builds a heap list of NNODES nodes (list.c) and prints "built N US": the
 * time the program itself took (malloc and fill).  A probe thread keeps
 * the largest gap between two ~100 us timestamps, as in ../../v0/main.c.
 * Each line read on stdin makes it print "gap US sum S nodes C extra E":
 * the gap since the previous line, then a walk of the list (list.c).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "list.h"

static atomic_long max_gap_ns;
static atomic_int reset_req;

static long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static void *probe(void *arg)
{
	struct timespec d = { 0, 100000 };
	long prev = now_ns();

	(void)arg;
	for (;;) {
		nanosleep(&d, NULL);
		long t = now_ns(), gap = t - prev;
		prev = t;
		if (atomic_exchange(&reset_req, 0)) {
			atomic_store(&max_gap_ns, 0);
			continue;
		}
		long m = atomic_load(&max_gap_ns);
		while (gap > m && !atomic_compare_exchange_weak(&max_gap_ns, &m, gap))
			;
	}
	return NULL;
}

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
		long g = atomic_exchange(&max_gap_ns, 0), sum, extra, c;

		atomic_store(&reset_req, 1);
		c = list_walk(&sum, &extra);
		printf("gap %ld sum %ld nodes %ld extra %ld\n", g / 1000, sum, c, extra);
		fflush(stdout);
	}
	return 0;
}
