/* calc.c - adjust() should add 2. */
static inline int adjust(int x)
{
	return x + 1;
}

__attribute__((noipa)) int compute(int x)
{
	return adjust(x) * 3;
}

__attribute__((noipa)) int score(int x)
{
	return adjust(x * x);
}

/* Does not use adjust(): stays. */
__attribute__((noipa)) int other(int x)
{
	return x - 7;
}
