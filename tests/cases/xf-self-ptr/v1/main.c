/* main.c - prints where each global points; v1 also prints kept.b. */
#include "case-loop.h"
#include "self.h"

__attribute__((noipa)) static void iter(long i)
{
	int a = self_tick();

	printf("%ld: a=%d kept=%s cleared=%s b=%ld\n", i, a, self_where(&kept),
	       self_where(&cleared), kept.b);
}

int main(int argc, char **argv)
{
	self_setup();
	return case_main(argc, argv, iter);
}
