# xf-refuse-tls: gen must REFUSE.  tc is a thread-local struct counter; v1
# adds limit (initialiser 100).  Every thread has its own copy, which a
# transform run once cannot reach: gen refuses the thread-local variable.
EXE=prog
SRCS="main.c counter.c"
