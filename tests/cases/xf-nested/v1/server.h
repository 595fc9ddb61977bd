struct limits {
	int max_conn;
	int timeout;
	int max_body;
};

struct counters {
	long requests;
	long bytes;
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
int server_max_body(void);
long server_bytes(void);
