/* mcload - memcached client for katana's real-program tests and benchmarks.
 *
 * Speaks memcached's binary protocol (SASL PLAIN when a user is given, as a
 * server started with -S requires) and, for `connevents`, the text
 * protocol's `watch`.  Every response is checked: a value read back must be
 * the one written for that key, byte for byte.
 *
 *   mcload [-p PORT] [-u USER -P PASS] fill N      store pre:0..N-1
 *   mcload [-p PORT] [-u USER -P PASS] check N     every pre:K still holds its value
 *   mcload [-p PORT] -u USER -P PASS auth          one SASL PLAIN exchange:
 *                                                  exit 0 accepted, 3 refused
 *   mcload [-p PORT] connevents                    a `watch connevents`
 *                                                  watcher sees a client's
 *                                                  conn_new and conn_close with
 *                                                  its real address and port
 *   mcload [-p PORT] [-u ..] [-t THREADS] [-r] load STOPFILE
 *       THREADS client threads (default 4), one connection each, set and
 *       get keys of their own until STOPFILE exists.  "ready" once all are
 *       connected, then a line a second.  SIGUSR1 starts the next phase
 *       (the test marks "apply", "after", ...); at the end one line per
 *       phase:
 *         phase K ops=N fail=F wrong=W p50_us= p99_us= p999_us= max_us=
 *       fail counts requests without a correct response (connection
 *       refused, reset, timed out, error status); wrong counts responses
 *       with the wrong value.  With -r a failed connection is retried
 *       every 2 ms (the restart benchmark: max_us is then the time until
 *       the server serves again); without it a failure ends that thread.
 *
 * Exit: 0 success, 1 a failure or wrong response, 2 usage, 3 auth refused.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_PHASES 8
#define HIST_US 200000		/* 1 us buckets up to 200 ms, then one overflow bucket */

static int port = 11211;
static const char *user, *pass;
static int retry;

struct hist {
	uint32_t *b;		/* HIST_US + 1 buckets */
	uint64_t n, max;
};

struct worker {
	pthread_t th;
	int id;
	uint64_t fail[MAX_PHASES], wrong[MAX_PHASES];
	struct hist h[MAX_PHASES];
	int dead;
};

static atomic_int phase;
static atomic_int stop_now;

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* ------------------------------------------------------------ connection */
static int conn_open(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct timeval tv = { .tv_sec = 10 };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		return -1;
	}
	return fd;
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = send(fd, c, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static int read_all(int fd, void *p, size_t n)
{
	char *c = p;

	while (n) {
		ssize_t r = recv(fd, c, n, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

/* One binary-protocol request; the response's status, and its value in
 * val (up to *vlen bytes; *vlen set to the value's length). */
static int bin_req(int fd, uint8_t op, const void *key, uint16_t klen, const void *ext,
		   uint8_t elen, const void *v, uint32_t vl, uint16_t *status,
		   char *val, uint32_t *vlen)
{
	uint8_t h[24] = { 0x80, op };
	uint32_t body = (uint32_t)elen + klen + vl, bl;
	char buf[4096];
	uint16_t st;
	uint8_t rext;
	uint16_t rkl;

	h[2] = (uint8_t)(klen >> 8);
	h[3] = (uint8_t)klen;
	h[4] = elen;
	bl = htonl(body);
	memcpy(h + 8, &bl, 4);
	if (24 + body > sizeof(buf))
		return -1;
	memcpy(buf, h, 24);
	memcpy(buf + 24, ext, elen);
	memcpy(buf + 24 + elen, key, klen);
	memcpy(buf + 24 + elen + klen, v, vl);
	if (write_all(fd, buf, 24 + body) || read_all(fd, h, 24) || h[0] != 0x81 || h[1] != op)
		return -1;
	memcpy(&st, h + 6, 2);
	memcpy(&bl, h + 8, 4);
	memcpy(&rkl, h + 2, 2);
	*status = ntohs(st);
	body = ntohl(bl);
	rext = h[4];
	rkl = ntohs(rkl);
	if (body > sizeof(buf) || read_all(fd, buf, body) || (uint32_t)rext + rkl > body)
		return -1;
	if (vlen) {
		uint32_t n = body - rext - rkl;

		if (n > *vlen)
			n = *vlen;
		memcpy(val, buf + rext + rkl, n);
		*vlen = body - rext - rkl;
	}
	return 0;
}

/* SASL PLAIN: 0 accepted, 1 refused, -1 no answer. */
static int sasl_plain(int fd, const char *u, const char *pw)
{
	char v[512];
	size_t ul = strlen(u), pl = strlen(pw);
	uint16_t st;

	if (ul + pl + 2 > sizeof(v))
		return -1;
	v[0] = 0;
	memcpy(v + 1, u, ul);
	v[1 + ul] = 0;
	memcpy(v + 2 + ul, pw, pl);
	if (bin_req(fd, 0x21, "PLAIN", 5, NULL, 0, v, (uint32_t)(ul + pl + 2), &st, NULL, NULL))
		return -1;
	return st == 0 ? 0 : 1;
}

static int conn_ready(void)
{
	int fd = conn_open();

	if (fd >= 0 && user && sasl_plain(fd, user, pass) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* value of a key: derived from the key, so any reader can check it */
static uint32_t make_value(const char *key, char *v)
{
	uint32_t h = 2166136261u, n;

	for (const char *c = key; *c; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	n = 16 + h % 200;
	for (uint32_t i = 0; i < n; i++)
		v[i] = (char)('a' + (h >> (i % 24)) % 26);
	memcpy(v, key, strlen(key) < n ? strlen(key) : n);
	return n;
}

static int do_set(int fd, const char *key, uint16_t *st)
{
	char v[256];
	uint32_t n = make_value(key, v);
	uint8_t ext[8] = { 0 };

	return bin_req(fd, 0x01, key, (uint16_t)strlen(key), ext, 8, v, n, st, NULL, NULL);
}

/* 0 right value, 1 wrong value or status, -1 no answer */
static int do_get(int fd, const char *key, uint16_t *st)
{
	char want[256], got[256];
	uint32_t wn = make_value(key, want), gn = sizeof(got);

	if (bin_req(fd, 0x00, key, (uint16_t)strlen(key), NULL, 0, NULL, 0, st, got, &gn))
		return -1;
	return *st == 0 && gn == wn && !memcmp(got, want, wn) ? 0 : 1;
}

/* ------------------------------------------------------------ load */
static void hist_add(struct hist *h, uint64_t us)
{
	h->b[us < HIST_US ? us : HIST_US]++;
	h->n++;
	if (us > h->max)
		h->max = us;
}

static uint64_t hist_pct(const struct hist *h, double q)
{
	uint64_t want = (uint64_t)(q * (double)h->n), acc = 0;

	if (!h->n)
		return 0;
	if (want >= h->n)
		want = h->n - 1;
	for (uint64_t i = 0; i <= HIST_US; i++) {
		acc += h->b[i];
		if (acc > want)
			return i < HIST_US ? i : h->max;
	}
	return h->max;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	char key[64];
	uint64_t i = 0;
	int fd = conn_ready();

	if (fd < 0 && !retry) {
		w->fail[0]++;
		w->dead = 1;
		return NULL;
	}
	while (!atomic_load(&stop_now)) {
		int ph = atomic_load(&phase);
		uint64_t t0 = now_us();
		uint16_t st;
		int r;

		snprintf(key, sizeof(key), "t%d:%llu", w->id, (unsigned long long)(i % 5000));
		/* a request is one set and the get that reads it back */
		while (fd < 0) {
			if (!retry || atomic_load(&stop_now))
				goto out;
			usleep(2000);
			fd = conn_ready();
		}
		r = do_set(fd, key, &st);
		if (r == 0 && st != 0)
			r = 1;
		if (r == 0)
			r = do_get(fd, key, &st);
		if (r < 0 || (r > 0 && st != 0)) {
			w->fail[ph]++;
			close(fd);
			fd = -1;
			if (!retry) {
				w->dead = 1;
				goto out;
			}
			/* the request counts from its first try until it is
			 * served: retried below on a new connection */
			while (fd < 0 && !atomic_load(&stop_now)) {
				usleep(2000);
				fd = conn_ready();
				if (fd >= 0 && (do_set(fd, key, &st) || st || do_get(fd, key, &st))) {
					close(fd);
					fd = -1;
				}
			}
		} else if (r > 0) {
			w->wrong[ph]++;
		}
		hist_add(&w->h[ph], now_us() - t0);
		i++;
	}
out:
	if (fd >= 0)
		close(fd);
	return NULL;
}

static void on_usr1(int sig)
{
	(void)sig;
	if (atomic_load(&phase) < MAX_PHASES - 1)
		atomic_fetch_add(&phase, 1);
}

static int run_load(int nthreads, const char *stopfile)
{
	struct worker *w = calloc((size_t)nthreads, sizeof(*w));
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
	uint64_t last_ops = 0;
	int bad = 0;
	struct stat sb;

	if (!w)
		return 1;
	sigaction(SIGUSR1, &sa, NULL);
	for (int k = 0; k < nthreads; k++) {
		w[k].id = k;
		for (int p = 0; p < MAX_PHASES; p++)
			w[k].h[p].b = calloc(HIST_US + 1, sizeof(uint32_t));
		if (pthread_create(&w[k].th, NULL, worker_main, &w[k]))
			return 1;
	}
	printf("ready threads=%d\n", nthreads);
	fflush(stdout);
	for (int sec = 0; stat(stopfile, &sb) != 0; sec++) {
		uint64_t ops = 0, fails = 0, dead = 0;

		for (int t = 0; t < 10 && stat(stopfile, &sb) != 0; t++)
			usleep(100000);
		for (int k = 0; k < nthreads; k++) {
			for (int p = 0; p < MAX_PHASES; p++) {
				ops += w[k].h[p].n;
				fails += w[k].fail[p] + w[k].wrong[p];
			}
			dead += (uint64_t)w[k].dead;
		}
		printf("second %d phase=%d ops=%llu rate=%llu bad=%llu dead=%llu\n", sec + 1,
		       atomic_load(&phase), (unsigned long long)ops,
		       (unsigned long long)(ops - last_ops), (unsigned long long)fails,
		       (unsigned long long)dead);
		fflush(stdout);
		last_ops = ops;
		if (dead == (uint64_t)nthreads)
			break;
	}
	atomic_store(&stop_now, 1);
	for (int k = 0; k < nthreads; k++)
		pthread_join(w[k].th, NULL);
	for (int p = 0; p <= atomic_load(&phase); p++) {
		struct hist all = { .b = calloc(HIST_US + 1, sizeof(uint32_t)) };
		uint64_t fail = 0, wrong = 0;

		for (int k = 0; k < nthreads; k++) {
			for (uint64_t i = 0; i <= HIST_US; i++)
				all.b[i] += w[k].h[p].b[i];
			all.n += w[k].h[p].n;
			if (w[k].h[p].max > all.max)
				all.max = w[k].h[p].max;
			fail += w[k].fail[p];
			wrong += w[k].wrong[p];
		}
		printf("phase %d ops=%llu fail=%llu wrong=%llu p50_us=%llu p99_us=%llu p999_us=%llu max_us=%llu\n",
		       p, (unsigned long long)all.n, (unsigned long long)fail,
		       (unsigned long long)wrong, (unsigned long long)hist_pct(&all, 0.5),
		       (unsigned long long)hist_pct(&all, 0.99),
		       (unsigned long long)hist_pct(&all, 0.999), (unsigned long long)all.max);
		bad |= fail || wrong;
		free(all.b);
	}
	return bad ? 1 : 0;
}

/* ------------------------------------------------------------ other modes */
static int run_fill(long n, int check)
{
	int fd = conn_ready();
	long bad = 0, missing = 0;
	char key[64];

	if (fd < 0) {
		fprintf(stderr, "mcload: cannot connect to 127.0.0.1:%d%s\n", port, user ? " and authenticate" : "");
		return 1;
	}
	for (long i = 0; i < n; i++) {
		uint16_t st;
		int r;

		snprintf(key, sizeof(key), "pre:%ld", i);
		r = check ? do_get(fd, key, &st) : do_set(fd, key, &st) || st != 0;
		if (r < 0) {
			fprintf(stderr, "mcload: %s '%s': no response\n", check ? "get" : "set", key);
			return 1;
		}
		if (r) {
			if (check && st == 1)
				missing++;
			else
				bad++;
		}
	}
	close(fd);
	printf("%s keys=%ld missing=%ld wrong=%ld\n", check ? "check" : "fill", n, missing, bad);
	return missing || bad ? 1 : 0;
}

static int run_auth(void)
{
	int fd = conn_open(), r;

	if (fd < 0) {
		fprintf(stderr, "mcload: cannot connect to 127.0.0.1:%d\n", port);
		return 1;
	}
	r = sasl_plain(fd, user, pass);
	close(fd);
	if (r < 0) {
		fprintf(stderr, "mcload: auth: no response\n");
		return 1;
	}
	printf("auth %s %s\n", user, r == 0 ? "accepted" : "refused");
	return r == 0 ? 0 : 3;
}

/* read text lines from fd until one contains all of needles; 0 found */
static int wait_text(int fd, const char *n1, const char *n2, char *line, size_t cap)
{
	size_t len = 0;

	for (;;) {
		char c;

		if (read_all(fd, &c, 1))
			return -1;
		if (c != '\n') {
			if (len + 1 < cap)
				line[len++] = c;
			continue;
		}
		line[len] = 0;
		if (strstr(line, n1) && (!n2 || strstr(line, n2)))
			return 0;
		len = 0;
	}
}

static int run_connevents(void)
{
	int wfd = conn_open(), cfd;
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	char line[1024], want_port[64], want_fd[32];

	if (wfd < 0 || write_all(wfd, "watch connevents\r\n", 18) || wait_text(wfd, "OK", NULL, line, sizeof(line))) {
		fprintf(stderr, "mcload: connevents: no watcher on 127.0.0.1:%d\n", port);
		return 1;
	}
	cfd = conn_open();
	if (cfd < 0 || getsockname(cfd, (struct sockaddr *)&a, &al)) {
		fprintf(stderr, "mcload: connevents: cannot connect\n");
		return 1;
	}
	snprintf(want_port, sizeof(want_port), "rip=127.0.0.1 rport=%u transport=tcp", ntohs(a.sin_port));
	if (wait_text(wfd, "type=conn_new", want_port, line, sizeof(line))) {
		fprintf(stderr, "mcload: connevents: no conn_new with '%s'\n", want_port);
		return 1;
	}
	printf("conn_new: %s\n", strstr(line, "type="));
	close(cfd);
	if (wait_text(wfd, "type=conn_close", want_port, line, sizeof(line)) || !strstr(line, "reason=normal")) {
		fprintf(stderr, "mcload: connevents: no conn_close with '%s' reason=normal\n", want_port);
		return 1;
	}
	(void)want_fd;
	printf("conn_close: %s\n", strstr(line, "type="));
	close(wfd);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: mcload [-p PORT] [-u USER -P PASS] [-t THREADS] [-r] fill N | check N | auth | connevents | load STOPFILE\n");
	return 2;
}

int main(int argc, char **argv)
{
	int nthreads = 4, c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((c = getopt(argc, argv, "p:u:P:t:r")) != -1) {
		switch (c) {
		case 'p': port = atoi(optarg); break;
		case 'u': user = optarg; break;
		case 'P': pass = optarg; break;
		case 't': nthreads = atoi(optarg); break;
		case 'r': retry = 1; break;
		default: return usage();
		}
	}
	if (optind >= argc || (user && !pass) || nthreads < 1 || nthreads > 256)
		return usage();
	if (!strcmp(argv[optind], "fill") && optind + 1 < argc)
		return run_fill(atol(argv[optind + 1]), 0);
	if (!strcmp(argv[optind], "check") && optind + 1 < argc)
		return run_fill(atol(argv[optind + 1]), 1);
	if (!strcmp(argv[optind], "auth") && user)
		return run_auth();
	if (!strcmp(argv[optind], "connevents"))
		return run_connevents();
	if (!strcmp(argv[optind], "load") && optind + 1 < argc)
		return run_load(nthreads, argv[optind + 1]);
	return usage();
}
