/* stats.c - record a sample; v1 counts calls and flags large samples. */
int threshold = 3;
static long calls;

__attribute__((noipa)) int record(int x)
{
	calls++;
	return x > threshold ? (int)calls * 100 + x : x;
}
