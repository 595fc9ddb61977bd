/* case-loop.h - the main loop shared by the katana test programs.
 *
 *   prog [COUNT [INTERVAL_MS]]
 *
 * calls case_iter(i) for i = 1..COUNT (COUNT 0 or absent: forever), sleeping
 * INTERVAL_MS between iterations (default 0 with a COUNT, 500 without), and
 * prints one line per iteration (stdout is line buffered, so a reader on a
 * pipe sees each line as it is printed).  The apply tests run these programs
 * forever, patch them, and watch the lines change. */
#ifndef KATANA_CASE_LOOP_H
#define KATANA_CASE_LOOP_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int case_main(int argc, char **argv, void (*iter)(long))
{
	long n = argc > 1 ? atol(argv[1]) : 0;
	long ms = argc > 2 ? atol(argv[2]) : (n ? 0 : 500);
	long i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; n == 0 || i <= n; i++) {
		iter(i);
		if (ms > 0) {
			struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
			nanosleep(&ts, NULL);
		}
	}
	return 0;
}

#endif
