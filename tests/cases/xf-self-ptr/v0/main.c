/* main.c - prints where each global points; v1 also prints kept.b. */
#include "case-loop.h"
#include "self.h"

__attribute__((noipa)) static void iter(long i)
{
	int a = self_tick();

	printf("%ld: a=%d kept=%s cleared=%s\n", i, a, self_where(&kept), self_where(&cleared));
}

int main(int argc, char **argv)
{
	self_setup();
	return case_main(argc, argv, iter);
}
