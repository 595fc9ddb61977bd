/* ticket.c - hands out ticket numbers; should count in steps of 10. */
__attribute__((noipa)) int next_ticket(void)
{
	static int counter = 1000;

	counter += 1;
	return counter;
}
