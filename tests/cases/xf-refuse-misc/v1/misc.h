enum colour { RED, GREEN, BLUE };

struct rec {
	int id;
	const char *v;
};

struct big {
	__int128 n;
};

struct state {
	unsigned on:1;
	enum colour col:3;
};

struct knob {
	float lvl;
	int id;
};

struct item {
	int id;
	int flags;
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
long misc_flags(void);
