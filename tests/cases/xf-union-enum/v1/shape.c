/* shape.c - circles and squares; v1 adds SK_TRIANGLE in the middle of the
 * enum (SK_SQUARE becomes 2) and grows the union (tri, big). */
#include "shape.h"

struct shape shapes[3] = {
	{ SK_CIRCLE, { .radius = 2 }, 0 },
	{ SK_SQUARE, { .side = 3 }, 0 },
	{ SK_CIRCLE, { .radius = 1 }, 0 },
};

__attribute__((noipa)) static long area(const struct shape *s)
{
	switch (s->kind) {
	case SK_CIRCLE:
		return 3L * s->d.radius * s->d.radius;
	case SK_TRIANGLE:
		return (long)s->d.tri.base * s->d.tri.height / 2;
	case SK_SQUARE:
		return (long)s->d.side * s->d.side;
	}
	return -1;
}

/* grow one shape, count and return the total area */
__attribute__((noipa)) long shape_tick(long i)
{
	struct shape *g = &shapes[i % 3];
	long total = 0;

	if (g->kind == SK_CIRCLE)
		g->d.radius++;
	else if (g->kind == SK_TRIANGLE)
		g->d.tri.height++;
	else
		g->d.side++;
	for (int k = 0; k < 3; k++) {
		shapes[k].area_calls++;
		total += area(&shapes[k]);
	}
	return total;
}

__attribute__((noipa)) long shape_calls(void)
{
	return shapes[0].area_calls + shapes[1].area_calls +
	       shapes[2].area_calls;
}

__attribute__((noipa)) int shape_letter(int k)
{
	switch (shapes[k].kind) {
	case SK_CIRCLE:
		return 'c';
	case SK_TRIANGLE:
		return 't';
	case SK_SQUARE:
		return 's';
	}
	return '?';
}

__attribute__((noipa)) int shape_code(int k)
{
	return (int)shapes[k].kind;
}
