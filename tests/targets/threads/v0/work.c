/* work.c - the functions the apply tests patch. */
#include <stdio.h>
#include <unistd.h>

__attribute__((noinline, noipa)) int version(int t)
{
	return t > 0 ? 1 : 0;
}

/* ms == 0: never returns (a thread always inside it). */
__attribute__((noinline, noipa)) int blocker(int ms)
{
	if (ms == 0) {
		printf("holding\n");
		for (;;)
			pause();
	}
	usleep(ms * 1000);
	return ms;
}
