# xf-voidptr: gen must REFUSE.  v1 adds flags to struct item, but the items
# live on the heap and are reachable only through void pointers (the
# globals slot and slots[4]): no global has a struct item (pointer) type,
# so the objects to rebuild cannot be found and no transform is possible.
EXE=prog
SRCS="main.c item.c"
