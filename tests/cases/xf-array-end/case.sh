# xf-array-end: a global array of struct rec (v1 adds w) walked up to a
# const pointer just past its end (rend = recs + 4, in RELRO data), and a
# global cursor left at that end after every tick.  Pointers just past a
# transformed variable must follow it to just past its new storage, both
# the link's (a .katana.ptrs record whose addend is the array's size) and
# the program's (cur, re-pointed by its PTR operation).
EXE=prog
SRCS="main.c rec.c"
