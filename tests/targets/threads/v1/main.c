/* main.c - threads that call version() and blocker(); see ../case.sh. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int version(int t);
int blocker(int ms);

static void nap(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void *worker(void *arg)
{
	int t = (int)(long)arg;

	for (long i = 1;; i++) {
		printf("thread %d: %ld v%d\n", t, i, version(t));
		nap(20);
	}
	return NULL;
}

static void *holder(void *arg)
{
	(void)arg;
	printf("held %d\n", blocker(0));
	return NULL;
}

static void *parttime(void *arg)
{
	(void)arg;
	for (long i = 1;; i++) {
		int r = blocker(300);

		printf("blocker %ld: %d\n", i, r);
		nap(30);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "threads";
	pthread_t th;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(mode, "threads") == 0) {
		for (long t = 1; t <= 8; t++)
			pthread_create(&th, NULL, worker, (void *)t);
	} else if (strcmp(mode, "hold") == 0) {
		pthread_create(&th, NULL, holder, NULL);
		pthread_create(&th, NULL, worker, (void *)1L);
	} else if (strcmp(mode, "part") == 0) {
		pthread_create(&th, NULL, parttime, NULL);
		pthread_create(&th, NULL, worker, (void *)1L);
	} else {
		fprintf(stderr, "usage: prog threads|hold|part\n");
		return 2;
	}
	for (;;)
		pause();
}
