struct acct {
	int id;
	long balance;
};

extern struct acct acct;
void acct_tick(void);
int acct_id(void);
long acct_balance(void);
int acct_bytes(void);
