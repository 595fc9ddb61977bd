struct node {
	int key;
	struct node *next;
};

struct inner {
	struct node *head;
	long x;
};

struct outer {
	int a;
	struct inner in;
};

extern struct outer g;
void g_setup(void);
long g_tick(void);
int g_key(void);
