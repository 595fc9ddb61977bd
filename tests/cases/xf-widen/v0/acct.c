/* acct.c - an account whose balance drops by 3 each tick; v1 widens
 * balance from int to long. */
#include "acct.h"

struct acct acct = { 7, -5 };

__attribute__((noipa)) void acct_tick(void)
{
	acct.balance -= 3;
}

__attribute__((noipa)) int acct_id(void)
{
	return acct.id;
}

__attribute__((noipa)) int acct_balance(void)
{
	return acct.balance;
}

__attribute__((noipa)) int acct_bytes(void)
{
	return (int)sizeof(acct.balance);
}
