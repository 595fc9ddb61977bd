/* main.c - records i % 7 and prints the report; v1 adds total/version. */
#include "case-loop.h"
#include "types.h"

__attribute__((noipa)) static void iter(long i)
{
	a_record((int)(i % 7));
	printf("%ld: report=%ld total=%ld version=%d\n", i, b_report(),
	       b_total(), b_version());
}

int main(int argc, char **argv)
{
	return case_main(argc, argv, iter);
}
