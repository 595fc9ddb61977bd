/* calc.c - the function being fixed. */
__attribute__((noipa)) const char *describe(int x)
{
	return x % 2 ? "odd" : "even";
}

/* New in v1: results above 5 are capped. */
__attribute__((noipa)) int limit(int x)
{
	return x > 5 ? 5 : x;
}

/* Should double its argument, but never return more than 5. */
__attribute__((noipa)) int compute(int x)
{
	return limit(x * 2);
}
