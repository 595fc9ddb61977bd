enum shape_kind { SK_CIRCLE, SK_SQUARE };

union shape_data {
	int radius;
	int side;
};

struct shape {
	enum shape_kind kind;
	union shape_data d;
	long area_calls;
};

extern struct shape shapes[3];
long shape_tick(long i);
long shape_calls(void);
int shape_letter(int k);
int shape_code(int k);
