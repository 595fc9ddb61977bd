/* stats.c - per-user request counters. */
#include "server.h"

static int visits[NUSERS];

__attribute__((noipa)) int count_request(int user)
{
	if (user < 0 || user >= NUSERS)
		return 0;
	return ++visits[user];
}
