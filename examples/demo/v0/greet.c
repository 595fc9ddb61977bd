/* greet.c - answer a request. */
#include <stdio.h>

#include "server.h"

static const char *const users[NUSERS] = { "alice", "bob", "carol", "dave" };

__attribute__((noipa)) void format_greeting(char *buf, unsigned long size,
					     const char *name, int visits)
{
	/* BUG: the visit count is off by one */
	snprintf(buf, size, "Hello, %s! This is visit #%d.", name, visits - 1);
}

__attribute__((noipa)) void handle_request(int user, char *reply, unsigned long size)
{
	format_greeting(reply, size, users[user], count_request(user));
}
