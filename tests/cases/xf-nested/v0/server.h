struct limits {
	int max_conn;
	int timeout;
};

struct counters {
	long requests;
	long errors;
};

struct server {
	struct limits lim;
	struct counters cnt;
	char name[8];
};

extern struct server srv;
void server_tick(long i);
long server_requests(void);
long server_errors(void);
int server_max_conn(void);
