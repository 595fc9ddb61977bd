# xf-refuse-shrink: gen must REFUSE.  recs is an array of 4 struct rec;
# v1 keeps 3 of them.  Shrinking the array would drop the running values
# of the last element: gen refuses.
EXE=prog
SRCS="main.c recs.c"
