# xf-insert: v1 inserts a member (backlog) in the middle of struct config,
# the type of the global cfg (it fills the padding after port: hits and
# workers keep their offsets, the size stays 24).  gen emits a data
# transform: the running hits/workers are kept, backlog gets v1's
# initialiser (16), and v1's new accessor config_backlog() prints it.
EXE=prog
SRCS="main.c config.c"
