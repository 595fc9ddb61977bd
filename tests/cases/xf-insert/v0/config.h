struct config {
	int port;
	long hits;
	int workers;
};

extern struct config cfg;
long config_tick(long i);
int config_port(void);
long config_hits(void);
int config_workers(void);
