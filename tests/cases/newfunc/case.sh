# newfunc: the fix of compute() calls a new global function, limit().
EXE=prog
SRCS="main.c calc.c"
