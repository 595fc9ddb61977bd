struct acct {
	int id;
	int balance;
};

extern struct acct acct;
void acct_tick(void);
int acct_id(void);
int acct_balance(void);
int acct_bytes(void);
