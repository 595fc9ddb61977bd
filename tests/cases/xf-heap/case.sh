# xf-heap: heap objects reachable from globals through typed pointers.
# head is a malloc'd list of 5 struct node, tail points at its last node
# (the same node reachable twice), and the static ring is a circular list
# of 3 nodes (a cycle) whose pointer rotates every tick.  v1 inserts
# weight before next: the transform must rebuild every node once (keeping
# sharing, the cycle and the ring's rotation), with weight 0, and keep the
# values so the sums continue; v1's tick counts weights and prints them.
EXE=prog
SRCS="main.c list.c"
