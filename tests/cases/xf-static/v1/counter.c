/* counter.c - a static counter; v1 adds wraps and limit (1000) and wraps
 * n to 0 when it exceeds limit. */
static struct counter {
	long n;
	int step;
	int wraps;
	long limit;
} ctr = { 0, 1, 0, 1000 };

__attribute__((noipa)) long counter_next(void)
{
	ctr.n += ctr.step;
	if (ctr.n > ctr.limit) {
		ctr.n = 0;
		ctr.wraps++;
	}
	return ctr.n;
}

__attribute__((noipa)) int counter_wraps(void)
{
	return ctr.wraps;
}

__attribute__((noipa)) long counter_limit(void)
{
	return ctr.limit;
}
