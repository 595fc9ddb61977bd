/* counter.c - a static counter; v1 adds wraps and limit (1000) and wraps
 * n to 0 when it exceeds limit. */
static struct counter {
	long n;
	int step;
} ctr = { 0, 1 };

__attribute__((noipa)) long counter_next(void)
{
	ctr.n += ctr.step;
	return ctr.n;
}
