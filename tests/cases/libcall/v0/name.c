/* name.c - names longer than 8 characters should be rejected (0). */
__attribute__((noipa)) int check_name(const char *name)
{
	return name[0] != 0;
}
