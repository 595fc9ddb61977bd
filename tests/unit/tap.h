/* tap.h - the TAP helpers shared by the C unit tests in tests/unit/.
 * Header-only: every function is static, so each test binary gets its own
 * copy and its own counters.  Include it as "tap.h" from tests/unit/NAME.c.
 *
 *   ok(cond, fmt, ...)   "ok N - ..." or "not ok N - ..."; returns cond
 *   skip(fmt, ...)       "ok N # skip ..."
 *   diag(fmt, ...)       "# ..."
 *   tap_plan(n)          leading plan "1..n", checked again by tap_done()
 *   tap_done()           trailing plan "1..N" if tap_plan() was not called,
 *                        else a note if the count is off; the exit status
 *
 * tap_ntest and tap_nfail are the tests run and failed so far.  tap_on_fail,
 * if set, runs after each "not ok" line (e.g. to show captured messages).
 * stdout is flushed after every line, so the TAP stays in order with the
 * output of child processes. */
#ifndef KATANA_TESTS_TAP_H
#define KATANA_TESTS_TAP_H

#include <stdarg.h>
#include <stdio.h>

static int tap_ntest, tap_nfail;
static int tap_planned = -1;		/* -1: no leading plan, print one at the end */
static void (*tap_on_fail)(void);

__attribute__((format(printf, 2, 0)))
static void tap_vline(const char *prefix, const char *fmt, va_list ap)
{
	fputs(prefix, stdout);
	vprintf(fmt, ap);
	putchar('\n');
}

__attribute__((unused, format(printf, 2, 3)))
static int ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_ntest);
	va_start(ap, fmt);
	tap_vline("", fmt, ap);
	va_end(ap);
	if (!cond) {
		tap_nfail++;
		if (tap_on_fail)
			tap_on_fail();
	}
	fflush(stdout);
	return cond;
}

__attribute__((unused, format(printf, 1, 2)))
static void skip(const char *fmt, ...)
{
	va_list ap;

	printf("ok %d # skip ", ++tap_ntest);
	va_start(ap, fmt);
	tap_vline("", fmt, ap);
	va_end(ap);
	fflush(stdout);
}

__attribute__((unused, format(printf, 1, 2)))
static void diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vline("# ", fmt, ap);
	va_end(ap);
	fflush(stdout);
}

__attribute__((unused))
static void tap_plan(int n)
{
	tap_planned = n;
	printf("1..%d\n", n);
	fflush(stdout);
}

/* Exit status: 0 if every test passed and, with a leading plan, as many ran
 * as were planned; 1 otherwise. */
__attribute__((unused))
static int tap_done(void)
{
	int bad = tap_nfail != 0;

	if (tap_planned < 0) {
		printf("1..%d\n", tap_ntest);
	} else if (tap_ntest != tap_planned) {
		printf("# planned %d tests, ran %d\n", tap_planned, tap_ntest);
		bad = 1;
	}
	fflush(stdout);
	return bad;
}

#endif
