/* funcs.c (v0) - ten small functions; v1 changes every one of them. */
#include "funcs.h"

#define F(n, k) \
	__attribute__((noinline)) long f##n(long x) { return x * (k) + (n); }

F(0, 3) F(1, 5) F(2, 7) F(3, 11) F(4, 13)
F(5, 17) F(6, 19) F(7, 23) F(8, 29) F(9, 31)
