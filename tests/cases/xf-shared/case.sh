# xf-shared: struct stats (types.h) is used by two compilation units: a.c
# defines the global st and updates it, b.c reads it through an extern.
# v1 adds version (initialiser 2) at the front and total at the end, so
# both a.c's and b.c's functions change (offsets move) and the transform
# must keep calls/last while v1 reports total and version too.
EXE=prog
SRCS="main.c a.c b.c"
