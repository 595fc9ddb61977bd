struct node {
	int key;
	long value;
	struct node *next;
};

extern struct node *head;
extern struct node *tail;
void setup(void);
long list_tick(void);
int list_tail_key(void);
long list_ring_sum(void);
int list_ring_key(void);
