# xf-self-ptr: two globals of struct self hold, from their initialisers, a
# pointer to themselves; the program clears cleared.p at start and keeps
# kept.p.  v1 inserts b before p.  The pointer records (.katana.ptrs) must
# re-point kept.p to the new kept, and leave cleared.p NULL: a site inside
# a transformed variable is re-pointed only if it still holds the address.
EXE=prog
SRCS="main.c self.c"
