#include <pthread.h>

#include "case-loop.h"

int tick(int n);
int last_tick(void);

static void *worker(void *arg)
{
	return (void *)(long)tick(*(int *)arg);
}

/* Each iteration ticks in the main thread and in a fresh thread: the
 * thread's counters start from zero. */
static void iter(long i)
{
	pthread_t t;
	int n = (int)i;
	void *r;

	if (pthread_create(&t, NULL, worker, &n) != 0 || pthread_join(t, &r) != 0)
		abort();
	printf("%ld: main=%d thread=%ld last=%d\n", i, tick(n), (long)r,
	       last_tick());
}

int main(int argc, char **argv)
{
	return case_main(argc, argv, iter);
}
