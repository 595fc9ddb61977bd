/* g.c - a global embedding a struct that points to a heap node. */
#include <stdlib.h>
#include "g.h"

struct outer g = { 1, { 0, 0 } };

__attribute__((noipa)) void g_setup(void)
{
	g.in.head = malloc(sizeof(*g.in.head));
	g.in.head->key = 5;
	g.in.head->next = NULL;
}

__attribute__((noipa)) long g_tick(void)
{
	g.in.head->key++;
	return ++g.in.x;
}

__attribute__((noipa)) int g_key(void)
{
	return g.in.head->key;
}
