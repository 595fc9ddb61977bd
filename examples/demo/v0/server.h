#define NUSERS 4

void handle_request(int user, char *reply, unsigned long size);
int count_request(int user);
void format_greeting(char *buf, unsigned long size, const char *name, int visits);
