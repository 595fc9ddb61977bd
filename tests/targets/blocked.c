/* blocked.c - a multi-threaded target whose main thread sits in read().
 * Prints "ready PID" once its threads run; then echoes every line it reads
 * from stdin as "got LINE" until EOF, while three workers count.  Used to
 * check that katana's injected system calls leave every thread, and the
 * interrupted read() in particular, exactly as it was. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile unsigned long ticks[3];

static void *worker(void *arg)
{
	volatile unsigned long *t = arg;

	for (;;) {
		(*t)++;
		usleep(1000);
	}
	return NULL;
}

int main(void)
{
	pthread_t th[3];
	char buf[256];

	for (int i = 0; i < 3; i++)
		pthread_create(&th[i], NULL, worker, (void *)&ticks[i]);
	while (!ticks[0] || !ticks[1] || !ticks[2])
		usleep(1000);
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	for (;;) {
		ssize_t n = read(0, buf, sizeof(buf) - 1);

		if (n < 0) {
			perror("read");
			return 2;
		}
		if (n == 0)
			break;
		buf[n] = 0;
		buf[strcspn(buf, "\n")] = 0;
		printf("got %s (workers %s)\n", buf,
		       ticks[0] && ticks[1] && ticks[2] ? "alive" : "dead");
		fflush(stdout);
	}
	printf("eof\n");
	return 0;
}
