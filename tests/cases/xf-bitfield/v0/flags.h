struct flags {
	unsigned ready:1;
	int level:4;
	unsigned count:5;
};

extern struct flags fl;
void flags_tick(void);
int flags_ready(void);
int flags_level(void);
int flags_count(void);
