/* g.c - a global embedding a struct that points to a heap node; v1 adds
 * outer.b (7) and node.w. */
#include <stdlib.h>
#include "g.h"

struct outer g = { 1, 7, { 0, 0 } };

__attribute__((noipa)) void g_setup(void)
{
	g.in.head = malloc(sizeof(*g.in.head));
	g.in.head->key = 5;
	g.in.head->w = 0;
	g.in.head->next = NULL;
}

__attribute__((noipa)) long g_tick(void)
{
	g.in.head->key++;
	g.in.head->w++;
	return ++g.in.x;
}

__attribute__((noipa)) int g_key(void)
{
	return g.in.head->key;
}

__attribute__((noipa)) long g_b(void)
{
	return g.b;
}
