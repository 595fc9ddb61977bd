/* counter.c - a thread-local counter; v1 adds limit (100). */
struct counter {
	long n;
	int step;
	long limit;
};

__thread struct counter tc = { 0, 2, 100 };

__attribute__((noipa)) long counter_next(void)
{
	tc.n += tc.step;
	if (tc.n > tc.limit)
		tc.n = 0;
	return tc.n;
}

__attribute__((noipa)) long counter_limit(void)
{
	return tc.limit;
}
