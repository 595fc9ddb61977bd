# static-dup: a.c and b.c both define a static helper(); only b.c's changes.
# b.c's helper calls another static, scale(), which does not change: the
# patch must reference the old scale() of b.c.
EXE=prog
SRCS="main.c a.c b.c"
