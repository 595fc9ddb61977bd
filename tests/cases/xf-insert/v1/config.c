/* config.c - server configuration; v1 inserts backlog (16) after port. */
#include "config.h"

struct config cfg = { 8080, 16, 0, 4 };

__attribute__((noipa)) long config_tick(long i)
{
	cfg.workers = 4 + (int)(i % 3);
	return ++cfg.hits;
}

__attribute__((noipa)) int config_port(void)
{
	return cfg.port;
}

__attribute__((noipa)) long config_hits(void)
{
	return cfg.hits;
}

__attribute__((noipa)) int config_workers(void)
{
	return cfg.workers;
}

__attribute__((noipa)) int config_backlog(void)
{
	return cfg.backlog;
}
