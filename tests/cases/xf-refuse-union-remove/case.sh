# xf-refuse-union-remove: gen must REFUSE.  The global cell holds a tag and
# a union val { int i; float f; long l; }; v1 drops f from the union.  Had
# the running cell stored a float, its bytes would mean nothing in the new
# layout, and nothing says which member is active: gen refuses.
EXE=prog
SRCS="main.c cell.c"
