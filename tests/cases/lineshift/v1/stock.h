#define LOG(...) log_line(__FILE__, __LINE__, __VA_ARGS__)

void log_line(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void stock_init(void);
int stock_get(int idx);
void stock_put(int idx, int n);
int stock_sum(void);
int stock_check(int idx);
