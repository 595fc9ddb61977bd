/* b.c - reports st (extern); v1 also reports st.total and st.version. */
#include "types.h"

__attribute__((noipa)) long b_report(void)
{
	return st.calls * 10 + st.last;
}

__attribute__((noipa)) long b_total(void)
{
	return st.total;
}

__attribute__((noipa)) int b_version(void)
{
	return st.version;
}
