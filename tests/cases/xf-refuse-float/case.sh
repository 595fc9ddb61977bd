# xf-refuse-float: gen must REFUSE.  struct gauge's level is a float in v0
# and an int (tenths) in v1.  A transform converts integers, never floating
# point: gen refuses the variable g.
EXE=prog
SRCS="main.c gauge.c"
