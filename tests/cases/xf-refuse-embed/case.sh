# xf-refuse-embed: gen must REFUSE.  struct node objects are reached through
# the global pointer head, and struct box objects on the heap (reached
# through boxp) embed a struct node.  v1 adds weight to struct node: a
# pointer to a node inside a box would be taken for a separate node and
# rebuilt on its own, so gen refuses unless told (--allow-opaque node)
# that pointers to nodes never point inside boxes.
EXE=prog
SRCS="main.c box.c"
