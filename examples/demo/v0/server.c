/* server.c - a pretend request server: every 500 ms a "request" arrives for
 * one of the users, and the server answers it with a greeting. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "server.h"

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 0;	/* 0: serve forever */
	long i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; n == 0 || i < n; i++) {
		struct timespec ts = { 0, 500 * 1000 * 1000L };
		char reply[128];

		handle_request((int)(i % NUSERS), reply, sizeof reply);
		printf("request %ld: %s\n", i + 1, reply);
		if (n == 0 || i + 1 < n)
			nanosleep(&ts, NULL);
	}
	return 0;
}
