# initchange: the initialiser of a writable global changes (retry_limit 3 ->
# 5) together with the function that reads it.  The running value wins: gen
# records the variable as init-changed and warns.
EXE=prog
SRCS="main.c retry.c"
