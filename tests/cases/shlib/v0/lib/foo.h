extern int foo_calls;
int foo_base(int x);
int foo_scale(int x);
const char *foo_unit(void);
