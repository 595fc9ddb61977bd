/* retry.c - how many attempts a request gets. */
int retry_limit = 3;

__attribute__((noipa)) int attempts(int failures)
{
	return failures < retry_limit ? failures : retry_limit;
}
