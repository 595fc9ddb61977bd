/* greet.c - format the greeting. */
#include <stdio.h>

__attribute__((noipa)) void greet(char *buf, unsigned long n, long i)
{
	snprintf(buf, n, "Hello, visitor %ld", i);
}

__attribute__((noipa)) const char *farewell(void)
{
	return "see you soon";
}
