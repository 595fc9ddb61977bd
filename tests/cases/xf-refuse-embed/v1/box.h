struct node {
	int key;
	long weight;
	struct node *next;
};

struct box {
	int id;
	struct node n;
};

extern struct node *head;
extern struct box *boxp;
void box_setup(void);
long box_tick(void);
long box_weight(void);
