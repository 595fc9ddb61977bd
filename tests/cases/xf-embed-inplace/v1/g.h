struct node {
	int key;
	int w;
	struct node *next;
};

struct inner {
	struct node *head;
	long x;
};

struct outer {
	int a;
	long b;
	struct inner in;
};

extern struct outer g;
void g_setup(void);
long g_tick(void);
int g_key(void);
long g_b(void);
