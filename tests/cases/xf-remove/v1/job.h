struct job {
	int id;
	long done;
};

extern struct job job;
long job_tick(void);
int job_id(void);
