struct item {
	int id;
	long qty;
};

union ref {
	struct item *it;
	long raw;
};

extern union ref cur;
void ref_setup(void);
long ref_tick(void);
