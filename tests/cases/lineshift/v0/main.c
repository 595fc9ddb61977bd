#include "case-loop.h"
#include "stock.h"

static void iter(long i)
{
	stock_put((int)i, (int)i * 3);
	printf("%ld: get=%d sum=%d ok=%d\n", i, stock_get((int)i * 3),
	       stock_sum(), stock_check((int)i));
}

int main(int argc, char **argv)
{
	stock_init();
	return case_main(argc, argv, iter);
}
