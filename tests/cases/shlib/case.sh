# shlib: libfoo.so (from lib/foo.c and lib/util.c) and a program, prog, that
# uses it.  v1 fixes foo_scale() in the library and banner() in the program:
# a patch for libfoo.so contains only foo_scale, one for prog only banner.
EXE=libfoo.so
KIND=shared
RUN=prog
LIB_SRCS="lib/foo.c lib/util.c"
SRCS="main.c"
