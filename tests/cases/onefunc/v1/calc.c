/* calc.c - the function being fixed. */
/* Should triple its argument. */
__attribute__((noipa)) int compute(int x)
{
	return x * 3;
}

/* After compute(): at -O2 compute is 4 bytes, and the alignment padding
 * before this function is what gives its 5-byte jump room. */
__attribute__((noipa)) const char *describe(int x)
{
	return x % 2 ? "odd" : "even";
}
