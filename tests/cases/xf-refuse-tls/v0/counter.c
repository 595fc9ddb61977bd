/* counter.c - a thread-local counter; v1 adds limit (100). */
struct counter {
	long n;
	int step;
};

__thread struct counter tc = { 0, 2 };

__attribute__((noipa)) long counter_next(void)
{
	return tc.n += tc.step;
}
