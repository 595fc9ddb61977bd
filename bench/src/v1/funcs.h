/* funcs.h - the ten functions the benchmark patch replaces. */
#ifndef BENCH_FUNCS_H
#define BENCH_FUNCS_H
long f0(long), f1(long), f2(long), f3(long), f4(long);
long f5(long), f6(long), f7(long), f8(long), f9(long);
#endif
