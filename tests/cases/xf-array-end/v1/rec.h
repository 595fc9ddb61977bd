struct rec {
	int id;
	long w;
	long hits;
};

extern struct rec recs[4];
extern struct rec *const rend;
extern struct rec *cur;
long rec_tick(void);
int rec_at_end(void);
long rec_w(void);
