struct item {
	int id;
	long qty;
};

extern struct item **table;
void table_setup(void);
long table_tick(void);
