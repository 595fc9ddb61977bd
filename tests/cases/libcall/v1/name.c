/* name.c - names longer than 8 characters are rejected (0), with a message. */
#include <stdio.h>
#include <string.h>

__attribute__((noipa)) int check_name(const char *name)
{
	size_t n = strlen(name);

	if (n > 8) {
		fprintf(stderr, "name %s too long (%zu)\n", name, n);
		return 0;
	}
	return n != 0;
}
