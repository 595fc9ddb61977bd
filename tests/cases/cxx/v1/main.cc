#include "case-loop.h"
#include "shapes.h"

static Counter counter;

static void iter(long i)
{
	Shape *s = make_shape(i);

	printf("%ld: area=%d count=%d\n", i, s->area(), counter.step((int)i));
	delete s;
}

int main(int argc, char **argv)
{
	return case_main(argc, argv, iter);
}
