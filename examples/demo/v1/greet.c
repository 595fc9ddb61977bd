/* greet.c - answer a request. */
#include <stdio.h>

#include "server.h"

static const char *const users[NUSERS] = { "alice", "bob", "carol", "dave" };

__attribute__((noipa)) void format_greeting(char *buf, unsigned long size,
					     const char *name, int visits)
{
	snprintf(buf, size, "Hello, %s! This is visit #%d.", name, visits);
}

__attribute__((noipa)) void handle_request(int user, char *reply, unsigned long size)
{
	format_greeting(reply, size, users[user], count_request(user));
}
