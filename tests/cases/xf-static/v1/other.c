/* other.c - another static ctr, of another struct counter; unchanged in
 * v1. */
static struct counter {
	int a;
} ctr = { 42 };

__attribute__((noipa)) int other_next(void)
{
	return ++ctr.a;
}
