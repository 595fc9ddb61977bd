/* calc.c - the function being fixed. */
__attribute__((noipa)) const char *describe(int x)
{
	return x % 2 ? "odd" : "even";
}

/* Should triple its argument. */
__attribute__((noipa)) int compute(int x)
{
	return x * 2;
}
