struct job {
	int id;
	int debug_level;
	long done;
};

extern struct job job;
long job_tick(void);
int job_id(void);
int job_debug(void);
