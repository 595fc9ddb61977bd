/* main.c - prints the account; v1 prints the long balance with %ld. */
#include "case-loop.h"
#include "acct.h"

__attribute__((noipa)) static void iter(long i)
{
	acct_tick();
	printf("%ld: id=%d balance=%ld bytes=%d\n", i, acct_id(),
	       acct_balance(), acct_bytes());
}

int main(int argc, char **argv)
{
	return case_main(argc, argv, iter);
}
