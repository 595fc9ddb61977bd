/* list.c - a list (head, tail) and a ring of struct node on the heap;
 * v1 inserts weight before next and counts it every tick. */
#include <stdlib.h>
#include "list.h"

struct node *head;
struct node *tail;
static struct node *ring;

__attribute__((noipa)) static struct node *new_node(int key, long value)
{
	struct node *n = malloc(sizeof(*n));

	n->key = key;
	n->value = value;
	n->next = NULL;
	return n;
}

__attribute__((noipa)) void list_init(int n)
{
	for (int k = 1; k <= n; k++) {
		struct node *p = new_node(k, k * 100L);

		if (tail)
			tail->next = p;
		else
			head = p;
		tail = p;
	}
}

__attribute__((noipa)) void setup(void)
{
	struct node *a = new_node(7, 0), *b = new_node(8, 0);
	struct node *c = new_node(9, 0);

	list_init(5);
	a->next = b;
	b->next = c;
	c->next = a;
	ring = a;
}

__attribute__((noipa)) long list_tick(void)
{
	struct node *p;
	long sum = 0;
	int k;

	for (p = head; p; p = p->next)
		p->value++;
	tail->value += 10;
	for (p = ring, k = 0; k < 3; k++, p = p->next)
		p->value++;
	ring = ring->next;
	for (p = head; p; p = p->next)
		sum += p->value;
	return sum;
}

__attribute__((noipa)) int list_tail_key(void)
{
	return tail->key;
}

__attribute__((noipa)) long list_ring_sum(void)
{
	long sum = 0;
	struct node *p = ring;

	do {
		sum += p->value;
		p = p->next;
	} while (p != ring);
	return sum;
}

__attribute__((noipa)) int list_ring_key(void)
{
	return ring->key;
}
