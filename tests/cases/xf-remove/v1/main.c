/* main.c - prints the job; v1 drops the debug= field. */
#include "case-loop.h"
#include "job.h"

__attribute__((noipa)) static void iter(long i)
{
	long done = job_tick();

	printf("%ld: id=%d done=%ld\n", i, job_id(), done);
}

int main(int argc, char **argv)
{
	return case_main(argc, argv, iter);
}
