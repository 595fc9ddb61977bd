#define NRECS 4

struct rec {
	int id;
	long hits;
};

extern struct rec recs[NRECS];
long recs_tick(void);
