# xf-remove: v1 removes debug_level from struct job (the type of the global
# job); done keeps its offset (8, alignment) but the type changed.  The
# transform keeps id and the running done count and drops debug_level.
# v0 prints debug=3; v1 no longer has (nor prints) it.
EXE=prog
SRCS="main.c job.c"
