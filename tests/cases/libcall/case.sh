# libcall: the fix of check_name() calls strlen() and fprintf(stderr, ...),
# which the old program never used: the patch must reference them as
# external symbols (resolved in libc at apply time).
EXE=prog
SRCS="main.c name.c"
