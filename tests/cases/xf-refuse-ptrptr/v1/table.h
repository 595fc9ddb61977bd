struct item {
	int id;
	long qty;
	int flags;
};

extern struct item **table;
void table_setup(void);
long table_tick(void);
int table_flags(void);
