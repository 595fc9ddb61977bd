# onefunc: one function changes (compute: x*2 -> x*3); describe() does not.
EXE=prog
SRCS="main.c calc.c"
