# clones: GCC emits a static function as a clone (scale.constprop.0: always
# called with k == 3) and splits the unlikely part of check() into
# check.cold.  v1 fixes both; the patch must contain the clone (clone: true)
# and the fragment (fragment: true) as GCC named them.
EXE=prog
SRCS="main.c clone.c"
