struct config {
	int port;
	int backlog;
	int workers;
};

struct stats {
	long hits;
	int misses;
};

extern struct config cfg;
extern struct stats server_stats;
int config_port(void);
long count_hit(void);
