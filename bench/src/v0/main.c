/*
 * main.c - katana's benchmark target (the same in v0/ and v1/).
 *
 *   prog NTHREADS
 *
 * NTHREADS workers call f0..f9 (funcs.c) in a loop, sleeping ~1 ms per
 * round so that a thread is seldom inside a patched function.  A probe
 * thread timestamps every ~100 us (CLOCK_MONOTONIC + nanosleep) and keeps
 * the largest gap between two timestamps: that is how long the process was
 * stopped, seen from inside.  Each line read on stdin makes the main thread
 * print "gap N_US" (the largest gap since the previous line) and reset it.
 * The first line printed is "ready".
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "funcs.h"
#include "../probe.h"

volatile long bench_sink;

static void *worker(void *arg)
{
	struct timespec d = { 0, 1000000 };
	long x = (long)arg, s = 0;

	for (;;) {
		s += f0(x) + f1(x) + f2(x) + f3(x) + f4(x);
		s += f5(x) + f6(x) + f7(x) + f8(x) + f9(x);
		bench_sink = s;
		x++;
		nanosleep(&d, NULL);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 4;
	char line[64];
	pthread_t t;

	if (pthread_create(&t, NULL, probe, NULL))
		return 1;
	for (int i = 0; i < n; i++)
		if (pthread_create(&t, NULL, worker, (void *)(long)i))
			return 1;
	printf("ready\n");
	fflush(stdout);
	while (fgets(line, sizeof line, stdin)) {
		long g = probe_take();

		printf("gap %ld\n", g / 1000);
		fflush(stdout);
	}
	return 0;
}
