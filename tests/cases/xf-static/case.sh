# xf-static: the transformed variable is a file-scope static, counter.c's
# ctr (struct counter { long n; int step; }); v1 adds wraps and limit
# (initialiser 1000) and wraps n to 0 past limit.  other.c has another
# static ctr with a different struct counter ({ int a; }, unchanged): only
# counter.c's ctr may be transformed; other= keeps counting from 42.
EXE=prog
SRCS="main.c counter.c other.c"
