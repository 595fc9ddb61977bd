struct gauge {
	int id;
	int level;	/* tenths */
};

extern struct gauge g;
void gauge_tick(void);
