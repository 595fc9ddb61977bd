/* stock.c - a small inventory of 8 slots.
 *
 * Every function logs what it does with the LOG macro (which passes
 * __LINE__) and checks its arguments with assert() (which does too), so
 * inserting lines in one function moves the line numbers of all functions
 * below it.
 */
#include <assert.h>

#include "stock.h"

#define SLOTS 8

static int stock[SLOTS];

void stock_init(void)
{
	int i;

	for (i = 0; i < SLOTS; i++)
		stock[i] = 1;
	LOG("init %d slots", SLOTS);
}

/* Out-of-range indexes read the last slot. */
__attribute__((noipa)) int stock_get(int idx)
{
	if (idx >= SLOTS)
		idx = SLOTS - 1;

	assert(idx >= 0);
	LOG("get %d", idx);
	return stock[idx % SLOTS];
}

__attribute__((noipa)) void stock_put(int idx, int n)
{
	assert(idx >= 0 && n >= 0);
	stock[idx % SLOTS] = n;
	LOG("put %d at %d", n, idx);
}

__attribute__((noipa)) int stock_sum(void)
{
	int i, sum = 0;

	for (i = 0; i < SLOTS; i++)
		sum += stock[i];
	LOG("sum %d", sum);
	return sum;
}

__attribute__((noipa)) int stock_check(int idx)
{
	assert(idx > 0);
	if (stock[idx % SLOTS] < 0) {
		LOG("slot %d is negative", idx);
		return 0;
	}
	return 1;
}
