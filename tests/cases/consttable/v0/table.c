/* table.c - the rate table (rates[3] should be 40). */
const int rates[8] = { 10, 20, 30, 31, 50, 60, 70, 80 };

__attribute__((noipa)) int rate_for(int i)
{
	return rates[i & 7];
}
