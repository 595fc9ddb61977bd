#ifndef LIST_H
#define LIST_H
struct node {
	long key;
	long val;
	long hits;		/* v1: a member inserted before next */
	struct node *next;
};
extern struct node *head;
long list_build(long n);
long list_walk(long *sum, long *extra);
#endif
