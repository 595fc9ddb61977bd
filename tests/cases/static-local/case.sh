# static-local: next_ticket() keeps a static local counter and is fixed; the
# patched code must keep using the running counter (not a fresh copy).
EXE=prog
SRCS="main.c ticket.c"
