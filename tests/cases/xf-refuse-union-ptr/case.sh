# xf-refuse-union-ptr: gen must REFUSE.  The global cur is a union ref
# holding either a pointer to a heap struct item or a raw number.  v1 adds
# flags to struct item: the item cur points at would have to be rebuilt,
# but nothing says whether cur holds the pointer or the number.
EXE=prog
SRCS="main.c ref.c"
