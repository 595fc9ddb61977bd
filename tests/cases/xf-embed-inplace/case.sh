# xf-embed-inplace: struct outer (the global g) embeds struct inner, whose
# layout does not change but which points to struct node, which does (v1
# adds w).  v1 also adds b to outer, so inner moves inside the new g: the
# transform must carry inner's other members (x, counting iterations) over,
# not only re-point head.
EXE=prog
SRCS="main.c g.c"
