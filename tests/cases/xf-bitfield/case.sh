# xf-bitfield: struct flags is made of bit-fields; v1 inserts mode:2
# (initialiser 2) between ready and level and widens count from 5 to 9
# bits, so level and count move inside the word.  level is a signed 4-bit
# field stepping down -3, -4, ..., -8, 7, 6, ... (negative values must
# survive sign-extended); count counts modulo 32 in v0, modulo 512 in v1.
EXE=prog
SRCS="main.c flags.c"
