/* report.c - sums the table defined in table.c. */
extern const int rates[8];

__attribute__((noipa)) int rate_total(void)
{
	int i, t = 0;

	for (i = 0; i < 8; i++)
		t += rates[i];
	return t;
}
