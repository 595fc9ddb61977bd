# string: a typo in a string literal is fixed ("Helo" -> "Hello, "); farewell()
# uses another literal of the same object, whose offset in .rodata.str moves,
# and must not be patched.
EXE=prog
SRCS="main.c greet.c"
