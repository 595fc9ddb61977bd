/*
 * probe.h - the probe thread of katana's benchmark targets (src/v0, src/v1,
 * src/xf/v0, src/xf/v1 include it from outside their trees, so both builds
 * of a target compile the same code).
 *
 * probe() timestamps every ~100 us (CLOCK_MONOTONIC + nanosleep) and keeps
 * the largest gap between two timestamps: how long the process was
 * stopped, seen from inside.  probe_take() returns that gap (ns) and
 * resets it.
 */
#ifndef KATANA_BENCH_PROBE_H
#define KATANA_BENCH_PROBE_H

#include <stdatomic.h>
#include <time.h>

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

static long probe_take(void)
{
	long g = atomic_exchange(&max_gap_ns, 0);

	atomic_store(&reset_req, 1);
	return g;
}

#endif
