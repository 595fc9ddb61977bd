# tls: tick() uses a global and a static thread-local variable and is fixed;
# the patch must reference both old TLS variables (kind "tls").
EXE=prog
SRCS="main.c tick.c"
LDLIBS=-pthread
