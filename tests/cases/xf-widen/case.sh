# xf-widen: v1 widens struct acct's balance from int to long.  The running
# balance is negative (-5 - 3*i) and must survive sign-extended (-65 stays
# -65, not 4294967231).  balance= follows -5 - 3*i in both versions; bytes=
# (sizeof balance) shows which version runs: 4 in v0, 8 in v1.
EXE=prog
SRCS="main.c acct.c"
