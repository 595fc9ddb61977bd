/* config.c - server configuration and statistics. */
#include "config.h"

struct config cfg = { 8080, 16, 4 };
struct stats server_stats;

__attribute__((noipa)) int config_port(void)
{
	return cfg.port + cfg.workers + cfg.backlog;
}

__attribute__((noipa)) long count_hit(void)
{
	return ++server_stats.hits;
}
