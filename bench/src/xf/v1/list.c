#include <stdlib.h>

#include "list.h"

struct node *head;

__attribute__((noinline)) long list_build(long n)
{
	struct node **link = &head;
	long i;

	for (i = 0; i < n; i++) {
		struct node *x = malloc(sizeof *x);

		if (!x)
			break;
		x->key = i;
		x->val = i * 3;
		x->hits = 0;
		x->next = NULL;
		*link = x;
		link = &x->next;
	}
	return i;
}

/* the number of nodes; *sum of the values, *extra of the hits + 1 per node
 * (v1 counts each walk in every node) */
__attribute__((noinline)) long list_walk(long *sum, long *extra)
{
	long c = 0, s = 0, e = 0;

	for (struct node *x = head; x; x = x->next, c++) {
		s += x->val;
		e += ++x->hits;
	}
	*sum = s;
	*extra = e;
	return c;
}
