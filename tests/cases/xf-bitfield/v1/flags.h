struct flags {
	unsigned ready:1;
	unsigned mode:2;
	int level:4;
	unsigned count:9;
};

extern struct flags fl;
void flags_tick(void);
int flags_ready(void);
int flags_level(void);
int flags_count(void);
int flags_mode(void);
