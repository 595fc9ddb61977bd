# layout: v1 changes the layout of two globals' types (struct config gains a
# member, struct stats widens one).  gen must refuse, naming both.
EXE=prog
SRCS="main.c config.c"
