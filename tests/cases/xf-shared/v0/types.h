struct stats {
	long calls;
	int last;
};

extern struct stats st;
void a_record(int x);
long b_report(void);
