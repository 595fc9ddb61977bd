struct gauge {
	int id;
	float level;
};

extern struct gauge g;
void gauge_tick(void);
