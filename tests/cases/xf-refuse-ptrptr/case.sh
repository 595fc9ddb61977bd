# xf-refuse-ptrptr: gen must REFUSE.  The global table is a struct item **:
# a heap array of pointers to heap items.  v1 adds flags to struct item,
# but a T ** does not say how many pointers it points at, so the items
# cannot all be found: gen refuses and names --allow-opaque for the case
# where it points at one pointer only.
EXE=prog
SRCS="main.c table.c"
