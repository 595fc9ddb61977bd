/* tick.c - per-thread counters; ticks weigh 10. */
__thread int ticks;
static __thread int last;

__attribute__((noipa)) int tick(int n)
{
	ticks += n * 10;
	last = n;
	return ticks + last;
}

__attribute__((noipa)) int last_tick(void)
{
	return last;
}
