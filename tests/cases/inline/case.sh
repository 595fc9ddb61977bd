# inline: the fix is in a small static function, adjust(), that -O2 inlines
# into both of its callers: compute() and score() must be patched.
EXE=prog
SRCS="main.c calc.c"
