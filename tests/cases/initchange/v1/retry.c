/* retry.c - how many attempts a request gets; v1 allows more and counts the
 * first attempt too. */
int retry_limit = 5;

__attribute__((noipa)) int attempts(int failures)
{
	return failures < retry_limit ? failures + 1 : retry_limit;
}
