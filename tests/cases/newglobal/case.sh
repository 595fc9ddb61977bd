# newglobal: the fix of record() uses two new variables: a global with an
# initialiser (threshold, .data) and a file-scope static (calls, .bss).
EXE=prog
SRCS="main.c stats.c"
