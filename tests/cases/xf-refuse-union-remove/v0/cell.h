union val {
	int i;
	float f;
	long l;
};

struct cell {
	int tag;
	union val v;
};

extern struct cell cell;
int cell_tick(void);
