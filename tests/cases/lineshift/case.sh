# lineshift: stock.c logs with __LINE__ (LOG macro, assert) in every function.
# v1 fixes stock_get() by inserting lines at the top of its body, which moves
# the __LINE__ of every function below it: those differ only in __LINE__
# constants and must be skipped (counted in line_only_skipped), not patched.
EXE=prog
SRCS="main.c log.c stock.c"
