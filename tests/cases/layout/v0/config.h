struct config {
	int port;
	int workers;
};

struct stats {
	int hits;
	int misses;
};

extern struct config cfg;
extern struct stats server_stats;
int config_port(void);
long count_hit(void);
