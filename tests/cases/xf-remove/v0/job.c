/* job.c - a job counting its work; v1 removes debug_level. */
#include "job.h"

struct job job = { 1, 3, 0 };

__attribute__((noipa)) long job_tick(void)
{
	return ++job.done;
}

__attribute__((noipa)) int job_id(void)
{
	return job.id;
}

__attribute__((noipa)) int job_debug(void)
{
	return job.debug_level;
}
