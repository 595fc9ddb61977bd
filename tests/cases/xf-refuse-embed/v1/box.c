/* box.c - a heap node (head) and a heap box embedding a node (boxp);
 * v1 adds weight to struct node. */
#include <stdlib.h>
#include "box.h"

struct node *head;
struct box *boxp;

__attribute__((noipa)) void box_setup(void)
{
	head = calloc(1, sizeof(*head));
	head->key = 1;
	boxp = calloc(1, sizeof(*boxp));
	boxp->id = 7;
	boxp->n.key = 10;
}

__attribute__((noipa)) long box_tick(void)
{
	head->key++;
	head->weight++;
	return ++boxp->n.key;
}

__attribute__((noipa)) long box_weight(void)
{
	return head->weight + boxp->n.weight;
}
