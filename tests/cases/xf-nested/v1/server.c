/* server.c - a server with nested limits/counters; v1 adds
 * limits.max_body (1024) and counters.bytes (counted by the tick). */
#include "server.h"

struct server srv = { { 64, 30, 1024 }, { 0, 0, 0 }, "web" };

__attribute__((noipa)) void server_tick(long i)
{
	srv.cnt.requests++;
	srv.cnt.bytes += 100;
	if (i % 3 == 0)
		srv.cnt.errors++;
}

__attribute__((noipa)) long server_requests(void)
{
	return srv.cnt.requests;
}

__attribute__((noipa)) long server_errors(void)
{
	return srv.cnt.errors;
}

__attribute__((noipa)) int server_max_conn(void)
{
	return srv.lim.max_conn + (srv.name[0] == 'w');
}

__attribute__((noipa)) int server_max_body(void)
{
	return srv.lim.max_body;
}

__attribute__((noipa)) long server_bytes(void)
{
	return srv.cnt.bytes;
}
