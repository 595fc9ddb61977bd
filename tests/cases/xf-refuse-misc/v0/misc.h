enum colour { RED, BLUE };

struct rec {
	int id;
	long v;
};

struct big {
	long n;
};

struct state {
	unsigned on:1;
	enum colour col:3;
};

struct knob {
	unsigned lvl:4;
	int id;
};

struct item {
	int id;
	long hits;
};

struct buf {
	long n;
	struct item items[];
};

extern struct rec rec;
extern struct big big;
extern struct state st;
extern struct knob knob;
extern struct buf buf;
long misc_tick(void);
