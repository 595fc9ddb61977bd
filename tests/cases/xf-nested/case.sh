# xf-nested: the global srv is a struct server holding two nested structs;
# v1 adds a member to both: limits.max_body at the end (initialiser 1024)
# and counters.bytes between requests and errors (counted by v1's tick).
# The transform must keep requests/errors/name and give max_body 1024.
EXE=prog
SRCS="main.c server.c"
