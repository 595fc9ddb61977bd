# cxx: a C++ member function (Counter::step) and a virtual override
# (Square::area) are fixed; Circle::area and the rest do not change.
EXE=prog
CASE_LANG=c++
SRCS="main.cc shapes.cc"
