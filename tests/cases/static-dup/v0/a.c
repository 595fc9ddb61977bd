/* a.c - a static helper() that does not change. */
static __attribute__((noipa)) int helper(int x)
{
	return x + 100;
}

__attribute__((noipa)) int a_value(int x)
{
	return helper(x);
}
