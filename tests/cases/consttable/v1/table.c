/* table.c - the rate table. */
const int rates[8] = { 10, 20, 30, 40, 50, 60, 70, 80 };

__attribute__((noipa)) int rate_for(int i)
{
	return rates[i & 7];
}
