/* a.c - defines st and records samples; v1 also sums them in st.total. */
#include "types.h"

struct stats st = { 0, 0 };

__attribute__((noipa)) void a_record(int x)
{
	st.calls++;
	st.last = x;
}
