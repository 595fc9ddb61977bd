# xf-refuse-misc: gen must REFUSE five variables, one reason each, all
# reported in one run.  v1 changes a member's kind (rec.v: long -> const
# char *), widens an integer past 8 bytes (big.n: long -> __int128),
# renumbers an enum stored in a bit-field (st.col: GREEN inserted before
# BLUE), turns a bit-field into a float (knob.lvl) and changes the elements
# of a flexible array member (buf.items, whose length nothing records).
# None has a conversion a transform can make.
EXE=prog
SRCS="main.c misc.c"
