/* tick.c - per-thread counters; tick() should weigh ticks by 10. */
__thread int ticks;
static __thread int last;

__attribute__((noipa)) int tick(int n)
{
	ticks += n;
	last = n;
	return ticks + last;
}

__attribute__((noipa)) int last_tick(void)
{
	return last;
}
