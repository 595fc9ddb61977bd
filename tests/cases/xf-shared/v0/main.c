/* main.c - records i % 7 and prints the report; v1 adds total/version. */
#include "case-loop.h"
#include "types.h"

__attribute__((noipa)) static void iter(long i)
{
	a_record((int)(i % 7));
	printf("%ld: report=%ld\n", i, b_report());
}

int main(int argc, char **argv)
{
	return case_main(argc, argv, iter);
}
