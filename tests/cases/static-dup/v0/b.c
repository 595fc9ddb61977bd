/* b.c - a static helper() with the same name as a.c's; this one is fixed. */
static __attribute__((noipa)) int scale(int x)
{
	return x * 10;
}

static __attribute__((noipa)) int helper(int x)
{
	return scale(x) + 1;
}

__attribute__((noipa)) int b_value(int x)
{
	return helper(x);
}
