# xf-union-enum: the global shapes[3] is an array of struct shape holding an
# enum and a union.  v1 inserts SK_TRIANGLE in the middle of the enum (so
# SK_SQUARE goes from 1 to 2: the transform must renumber stored kinds) and
# grows the union from 4 to 8 bytes (new members tri and big), moving
# area_calls.  The sizes and area_calls must be kept; kinds= must still
# read c/s/c (a square that was not renumbered would print as t), and
# codes= shows the stored numbers (010 in v0, 020 in v1).
EXE=prog
SRCS="main.c shape.c"
