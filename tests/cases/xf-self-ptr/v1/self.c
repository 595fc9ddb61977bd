/* self.c - globals that point to themselves (or no longer do); v1 adds b. */
#include "self.h"

struct self kept = { 0, 0, &kept };
struct self cleared = { 0, 0, &cleared };

__attribute__((noipa)) void self_setup(void)
{
	cleared.p = 0;
}

__attribute__((noipa)) int self_tick(void)
{
	cleared.a++;
	kept.b++;
	return ++kept.a;
}

__attribute__((noipa)) const char *self_where(const struct self *s)
{
	return s->p == 0 ? "null" : s->p == s ? "self" : "elsewhere";
}
