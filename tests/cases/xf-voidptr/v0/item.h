struct item {
	int id;
	long qty;
};

extern void *slot;
extern void *slots[4];
void item_setup(void);
long item_tick(void);
long item_total(void);
