/* main.c - prints srv's counters; v1 also prints max_body and bytes. */
#include "case-loop.h"
#include "server.h"

__attribute__((noipa)) static void iter(long i)
{
	server_tick(i);
	printf("%ld: conn=%d requests=%ld errors=%ld max_body=%d bytes=%ld\n",
	       i, server_max_conn(), server_requests(), server_errors(),
	       server_max_body(), server_bytes());
}

int main(int argc, char **argv)
{
	return case_main(argc, argv, iter);
}
