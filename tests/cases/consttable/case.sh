# consttable: one entry of a const table is wrong.  Both users of the table,
# rate_for() in the same file and rate_total() in another, must be in the
# patch (their code is identical: only the table changed).
EXE=prog
SRCS="main.c table.c report.c"
