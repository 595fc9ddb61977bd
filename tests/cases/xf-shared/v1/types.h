struct stats {
	int version;
	long calls;
	int last;
	long total;
};

extern struct stats st;
void a_record(int x);
long b_report(void);
long b_total(void);
int b_version(void);
