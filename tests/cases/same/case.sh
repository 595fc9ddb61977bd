# same: v1 is identical to v0; gen must find nothing to do.
EXE=prog
SRCS="main.c calc.c"
