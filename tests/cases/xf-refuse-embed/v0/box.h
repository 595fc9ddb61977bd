struct node {
	int key;
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
