# hidden: the program is linked with a version script that makes every
# global local (as Debian's lua5.4 is), and the fix calls such a global
# (scale) and writes to stderr, a copy-relocated variable named
# "stderr@GLIBC_2.2.5" in the static symbol table.
EXE=prog
SRCS="main.c calc.c"
LDLIBS="-Wl,--version-script=$casedir/local.map"
