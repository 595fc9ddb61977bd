# threads: a multi-threaded target for the apply tests (not a gen case).
#   prog threads   8 workers print "thread T: N vV" every 20 ms, V = version()
#   prog hold      worker 1 as above; another thread sits in blocker(0)
#                  forever ("holding")
#   prog part      worker 1 as above; another thread calls blocker(300) in a
#                  loop (300 ms inside, 30 ms outside), printing "blocker N: R"
# v1 fixes version() (1 -> 2) and blocker() (returns ms + 1).
EXE=prog
SRCS="main.c work.c"
LDLIBS=-pthread
CASE_CFLAGS="-g -O2 -pthread"
