# onefunc: one function changes (compute: x*2 -> x*3); describe() does not.
EXE=prog
# calc.c first: at -O2 compute() is 4 bytes; the padding after it (up to
# main.c's first function) gives a 5-byte jump room.  Last in .text, with
# _fini right after, it could not be redirected (the planner refuses that).
SRCS="calc.c main.c"
